//! A session counts what its fee depends on and prices it with the engine's schedule.

use crate::asm::asm;
use crate::harness::precompile;
use evmpc_host::fees::{FeeSchedule, Usage};
use evmpc_host::{Fork, FrameInput, MemoryHost};
use revm::primitives::U256;

const CALLEE: [u8; 20] = [0xca; 20];

#[test]
fn a_session_counts_what_it_did_and_its_fee_prices_it() {
    // KECCAK256 of 64 bytes, a warm SLOAD, a CALL run inline, a LOG0 of 32 bytes.
    let code = asm(&format!(
        "PUSH1 0x40 PUSH1 0x00 KECCAK256 POP PUSH1 0x00 SLOAD POP \
         PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH20 0x{} GAS CALL POP \
         PUSH1 0x20 PUSH1 0x00 LOG0 STOP",
        hex::encode(CALLEE)
    ));
    let code_len = code.len() as u64;
    let frame = FrameInput::call(Fork::Cancun, code, vec![0xab; 100], 1_000_000);
    let mut host = MemoryHost::for_frame(&frame);
    host.insert_account(CALLEE, U256::ZERO, 1, &asm("STOP"));
    host.warm_frame_accounts(&frame);
    let mut session = precompile().session(host).unwrap();
    session.inline_calls(true);
    let result = session.start(&frame).unwrap().into_return().unwrap();
    let usage = session.usage();
    assert_eq!((usage.sessions, usage.calls, usage.frames), (1, 1, 2), "{usage:?}");
    assert_eq!(usage.gas, result.gas_used);
    assert_eq!(usage.hashed, 64);
    assert_eq!(usage.code, code_len, "inline code is analysed in the guest");
    assert!(usage.imports >= 5, "sload, account, call_enter, code_load, call_exit, log: {usage:?}");
    assert!(usage.bytes > 100 + 32, "the message and the log data crossed: {usage:?}");
    let schedule = FeeSchedule::REFERENCE;
    assert_eq!(session.fee().unwrap(), schedule.fee(&usage).unwrap());
    assert_eq!(session.last_fee().unwrap(), session.fee().unwrap(), "one call so far");
    assert!(schedule.upper_bound(frame.gas_limit, 2_000).unwrap() >= session.fee().unwrap());
    assert!(session.elapsed() > std::time::Duration::ZERO);
    assert_eq!(session.instructions(), None, "the default engine does not count instructions");
}

#[test]
fn a_fresh_session_has_only_its_instantiation_to_pay() {
    let session = precompile().session(MemoryHost::default()).unwrap();
    assert_eq!(session.usage(), Usage { sessions: 1, ..Usage::default() });
    assert_eq!(session.fee().unwrap(), FeeSchedule::REFERENCE.per_session);
}
