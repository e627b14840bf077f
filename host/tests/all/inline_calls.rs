//! Calls the guest runs itself (`Session::inline_calls`): the same outcome and state as a
//! suspended call served by a nested frame, with the node's checkpoint kept or undone.

use crate::asm::asm;
use crate::harness::{precompile, state};
use evmpc_host::abi::CallScheme;
use evmpc_host::{Action, Fork, FrameInput, MemoryHost, Session, Status, SubcallOutcome, SubcallOutput};
use revm::primitives::U256;

const CALLEE: [u8; 20] = [0xca; 20];
const IDENTITY: [u8; 20] = {
    let mut address = [0; 20];
    address[19] = 4;
    address
};

/// A frame that CALLs [`CALLEE`] with `value` and all gas, passing memory `0..4`, then
/// returns its success flag and the callee's first output word.
fn calling(value: u64) -> FrameInput {
    let code = asm(&format!(
        "PUSH4 0xdeadbeef PUSH1 0xe0 SHL PUSH1 0x00 MSTORE \
         PUSH1 0x20 PUSH1 0x00 PUSH1 0x04 PUSH1 0x00 PUSH8 {value:#018x} PUSH20 0x{} GAS CALL \
         PUSH1 0x20 MSTORE PUSH1 0x40 PUSH1 0x00 RETURN",
        hex::encode(CALLEE)
    ));
    FrameInput::call(Fork::Cancun, code, Vec::new(), 1_000_000)
}

/// A session over a state where [`CALLEE`] runs `callee` and the frame's target holds
/// 1,000 wei; calls run inline when `inline` is set.
fn session(frame: &FrameInput, callee: &str, inline: bool) -> Session<MemoryHost> {
    let mut host = MemoryHost::for_frame(frame);
    host.insert_account(CALLEE, U256::ZERO, 1, &asm(callee));
    host.insert_account(frame.target, U256::from(1_000), 1, &[]);
    host.warm_frame_accounts(frame);
    let mut session = precompile().session(host).unwrap();
    session.inline_calls(inline);
    session
}

/// Runs `frame` to its end, serving suspended calls with nested frames of the session.
fn run(session: &mut Session<MemoryHost>, frame: &FrameInput) -> (Status, u64, Vec<u8>) {
    let mut action = session.start(frame).unwrap();
    let mut open = Vec::new();
    loop {
        action = match action {
            Action::Return(result) => match open.pop() {
                None => return (result.status, result.gas_used, session.bytes(result.output).unwrap().to_vec()),
                Some(gas_limit) => {
                    let outcome = SubcallOutcome {
                        status: result.status,
                        gas_remaining: result.gas_remaining(gas_limit),
                        gas_refunded: result.gas_refunded,
                        output: SubcallOutput::Nested,
                        created_address: None,
                    };
                    session.resume(&outcome).unwrap()
                }
            },
            Action::Call(request) => {
                assert!(matches!(request.scheme, CallScheme::Call | CallScheme::DelegateCall));
                open.push(request.gas_limit);
                let callee = FrameInput::nested(&request, session.suspended() as u16);
                session.start(&callee).unwrap()
            }
            Action::Create(_) => panic!("no creates here"),
        };
    }
}

#[test]
fn an_inline_call_ends_as_a_suspended_one_does() {
    let callees = [
        (
            "stores and echoes",
            "PUSH1 0x01 PUSH1 0x05 SSTORE CALLDATASIZE PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 RETURN",
        ),
        (
            "stores and reverts",
            "PUSH1 0x01 PUSH1 0x05 SSTORE PUSH1 0x2a PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 REVERT",
        ),
        ("stores and halts", "PUSH1 0x01 PUSH1 0x05 SSTORE INVALID"),
        (
            "calls itself until out of gas",
            "PUSH1 0x01 SLOAD PUSH1 0x01 ADD PUSH1 0x01 SSTORE PUSH1 0x00 DUP1 DUP1 DUP1 DUP1 ADDRESS GAS CALL",
        ),
    ];
    // Without value: the suspended path's nested frame needs no transfer by the node.
    for (name, callee) in callees {
        let frame = calling(0);
        let mut suspended = session(&frame, callee, false);
        let expected = run(&mut suspended, &frame);
        let mut inline = session(&frame, callee, true);
        let action = inline.start(&frame).unwrap();
        let Action::Return(result) = action else { panic!("{name}: the call did not run inline: {action:?}") };
        let got = (result.status, result.gas_used, inline.bytes(result.output).unwrap().to_vec());
        assert_eq!(got, expected, "{name}");
        assert_eq!(inline.suspended(), 0);
        assert_eq!(state(inline.host()), state(suspended.host()), "{name}: states differ");
    }
}

#[test]
fn a_reverted_callee_leaves_the_callers_slots_as_they_were() {
    // The root writes slot 5 and reads it back; a DELEGATECALL'd callee reads slot 6 and
    // writes slot 5 in the root's storage, then reverts. The root then returns slot 5 and
    // what reading slot 6 cost: 1 and a cold read, as though the callee had never run.
    let root = asm(&format!(
        "PUSH1 0x01 PUSH1 0x05 SSTORE PUSH1 0x05 SLOAD POP \
         PUSH1 0x00 DUP1 DUP1 DUP1 PUSH20 0x{} GAS DELEGATECALL POP \
         PUSH1 0x05 SLOAD PUSH1 0x00 MSTORE \
         GAS PUSH1 0x06 SLOAD POP GAS SWAP1 SUB PUSH1 0x20 MSTORE PUSH1 0x40 PUSH1 0x00 RETURN",
        hex::encode(CALLEE)
    ));
    let frame = FrameInput::call(Fork::Cancun, root, Vec::new(), 1_000_000);
    let callee = "PUSH1 0x06 SLOAD POP PUSH1 0x02 PUSH1 0x05 SSTORE PUSH1 0x00 DUP1 REVERT";
    let expected = run(&mut session(&frame, callee, false), &frame);
    let mut inline = session(&frame, callee, true);
    let result = inline.start(&frame).unwrap().into_return().unwrap();
    let output = inline.bytes(result.output).unwrap().to_vec();
    assert_eq!(output[31], 1, "slot 5 as the root wrote it");
    assert_eq!(U256::from_be_slice(&output[32..]), U256::from(3 + 2100 + 2 + 2), "slot 6 cold again");
    assert_eq!((result.status, result.gas_used, output), expected);
}

/// The balance of `address` in the session's state (zero when never loaded).
fn balance(session: &Session<MemoryHost>, address: [u8; 20]) -> U256 {
    let account = session.host().ctx.journaled_state.state.get(&revm::primitives::Address::from(address));
    account.map_or(U256::ZERO, |account| account.info.balance)
}

#[test]
fn value_moves_with_a_successful_callee_and_comes_back_with_a_failed_one() {
    for (callee, kept) in [("STOP", true), ("PUSH1 0x00 PUSH1 0x00 REVERT", false), ("INVALID", false)] {
        let frame = calling(7);
        let mut session = session(&frame, callee, true);
        let result = session.start(&frame).unwrap().into_return().unwrap();
        assert_eq!(result.status, Status::Return);
        let moved = if kept { 7 } else { 0 };
        assert_eq!(balance(&session, CALLEE), U256::from(moved), "{callee}");
        assert_eq!(balance(&session, frame.target), U256::from(1_000 - moved), "{callee}");
    }
}

#[test]
fn a_failed_transfer_refuses_the_call_and_changes_nothing() {
    let frame = calling(5_000);
    let mut session = session(&frame, "PUSH1 0x01 PUSH1 0x05 SSTORE STOP", true);
    let result = session.start(&frame).unwrap().into_return().unwrap();
    let output = session.bytes(result.output).unwrap();
    assert_eq!(output[63], 0, "the call failed");
    assert!(session.host().storage_changes().is_empty(), "the callee did not run");
    assert_eq!(balance(&session, CALLEE), U256::ZERO, "no value moved");
    assert_eq!(balance(&session, frame.target), U256::from(1_000));
}

#[test]
fn a_precompile_call_from_an_inline_callee_suspends_with_both_frames_waiting() {
    // The callee sends its call data to the identity precompile and returns what came back.
    let callee = format!(
        "CALLDATASIZE PUSH1 0x00 PUSH1 0x00 CALLDATACOPY PUSH1 0x20 PUSH1 0x00 CALLDATASIZE PUSH1 0x00 PUSH1 0x00 \
         PUSH20 0x{} GAS CALL POP PUSH1 0x20 PUSH1 0x00 RETURN",
        hex::encode(IDENTITY)
    );
    let frame = calling(0);
    let mut session = session(&frame, &callee, true);
    let Action::Call(request) = session.start(&frame).unwrap() else { panic!("the precompile call comes out") };
    assert_eq!(request.target, IDENTITY);
    assert_eq!(session.suspended(), 2, "the root frame and the inline callee wait");
    let input = session.bytes(request.input).unwrap().to_vec();
    let outcome = SubcallOutcome {
        status: Status::Return,
        gas_remaining: request.gas_limit - 18,
        gas_refunded: 0,
        output: SubcallOutput::Bytes(input.clone()),
        created_address: None,
    };
    let result = session.resume(&outcome).unwrap().into_return().unwrap();
    let output = session.bytes(result.output).unwrap();
    assert_eq!(&output[..4], &input[..], "the identity output reached the root through the callee");
    assert_eq!(output[63], 1);
}
