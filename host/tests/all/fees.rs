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

/// An Ethereum precompile a frame calls is timed into the session and priced by its own gas,
/// under the fork's pricing; one called as a transaction's first frame is priced outside any
/// session.
#[test]
fn precompiles_the_node_runs_are_counted_and_priced() {
    use evmpc_host::executor::Executor;
    use evmpc_host::fees::{PricedPrecompile, Term};
    use revm::context::TxEnv;
    use revm::primitives::{Address, Bytes, TxKind};
    use revm::state::{AccountInfo, Bytecode};
    let caller = Address::new([0xee; 20]);
    let contract = Address::new([0xc0; 20]);
    let identity = Address::with_last_byte(4);
    let executor = Executor::new(precompile().engine()).unwrap();
    let context = |to: Address| {
        let mut host = MemoryHost::for_fork(Fork::Cancun);
        let db = &mut host.ctx.journaled_state.database;
        db.insert_account_info(
            caller,
            AccountInfo { balance: U256::from(10).pow(U256::from(20)), ..AccountInfo::default() },
        );
        // Two STATICCALLs of identity on 64 bytes of memory.
        let call = "PUSH1 0x40 PUSH1 0x00 PUSH1 0x40 PUSH1 0x00 PUSH1 0x04 GAS STATICCALL POP";
        let code = Bytecode::new_raw(Bytes::from(asm(&format!("{call} {call} STOP"))));
        db.insert_account_info(
            contract,
            AccountInfo { code_hash: code.hash_slow(), code: Some(code), nonce: 1, ..AccountInfo::default() },
        );
        let mut ctx = host.ctx;
        ctx.tx = TxEnv {
            caller,
            kind: TxKind::Call(to),
            data: Bytes::from(vec![7; 96]),
            gas_limit: 100_000,
            gas_price: 0,
            chain_id: Some(1),
            ..TxEnv::default()
        };
        ctx
    };
    let (_, result, metered) = executor.transact_metered(context(contract));
    assert!(result.unwrap().is_success());
    let usage = metered.usage;
    assert_eq!(usage.count(Term::PrecompileCalls(PricedPrecompile::Identity)), 2);
    // identity costs 15 + 3 per word: 21 gas for 64 bytes.
    assert_eq!(usage.count(Term::PrecompileGas(PricedPrecompile::Identity)), 42);
    assert_eq!(metered.fee.unwrap(), FeeSchedule::REFERENCE.fee(&usage).unwrap());

    let (_, result, metered) = executor.transact_metered(context(identity));
    assert!(result.unwrap().is_success());
    assert_eq!(metered.usage.sessions, 0, "a precompile as the first frame opens no session");
    assert_eq!(metered.usage.count(Term::PrecompileCalls(PricedPrecompile::Identity)), 1);
    assert_eq!(metered.usage.count(Term::PrecompileGas(PricedPrecompile::Identity)), 15 + 3 * 3);
    assert!(metered.time > std::time::Duration::ZERO, "its time is the node's");
    assert_eq!(metered.fee.unwrap(), FeeSchedule::REFERENCE.fee(&metered.usage).unwrap());
}

/// The bound a node charges before the work covers the densest usage gas can buy: every
/// gas spent on the costliest opcode per gas, every frame with the largest code, imports,
/// bytes and hashing at their most per gas.
#[test]
fn the_upper_bound_covers_the_densest_usage_gas_can_buy() {
    use evmpc_host::abi::units;
    use evmpc_host::fees::{MAX_BYTES_PER_GAS, MAX_HASHED_PER_GAS, MIN_GAS_PER_FRAME, MIN_GAS_PER_IMPORT};
    let schedule = FeeSchedule::REFERENCE;
    let gas = 1_000_000u64;
    // Units: SSTORE's least gas is 100, and every other opcode's least gas is at least 1 per its
    // units over JUMPDEST's: a generous stand-in for the densest program.
    let densest_opcode = (0..=255u8).map(|op| u64::from(units::OPCODE[usize::from(op)])).max().unwrap();
    let usage = Usage {
        sessions: 1,
        calls: 1,
        frames: gas / MIN_GAS_PER_FRAME + 1,
        gas,
        units: densest_opcode * gas / 100,
        bytes: gas * MAX_BYTES_PER_GAS + (gas / MIN_GAS_PER_FRAME) * units::feature::COUNT as u64,
        code: 100,
        imports: gas / MIN_GAS_PER_IMPORT + 1,
        cold: gas / 2_600,
        hashed: gas * MAX_HASHED_PER_GAS,
        memory: gas * MAX_BYTES_PER_GAS,
        ..Usage::default()
    };
    assert!(schedule.upper_bound(gas, 100).unwrap() >= schedule.fee(&usage).unwrap());
    assert!(schedule.floor_per_gas() <= schedule.bound_per_gas().unwrap());
}
