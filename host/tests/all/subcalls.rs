//! Suspend and resume: a frame's CALL and CREATE end its run with a request; the host runs
//! the sub-call (here: as a nested frame of the same session) and resumes it.

use crate::asm::asm;
use crate::harness::precompile;
use evmpc_host::abi::{CallRequest, CallScheme, CreateScheme, FrameKind};
use evmpc_host::{Action, Fork, FrameInput, FrameResult, MemoryHost, Status, SubcallOutcome};

const CALLEE: [u8; 20] = [0xca; 20];

/// The frame that serves `request`: `code` at depth 1, nested in `outer`.
fn callee_frame(outer: &FrameInput, request: &CallRequest, code: &str) -> FrameInput {
    FrameInput {
        kind: FrameKind::Call { bytecode_address: request.bytecode_address },
        code: asm(code),
        input: request.input.clone(),
        caller: request.caller,
        target: request.target,
        gas_limit: request.gas_limit,
        depth: 1,
        context: None,
        ..outer.clone()
    }
}

/// The outcome a finished callee hands back to its caller.
fn outcome_of(result: FrameResult, gas_limit: u64) -> SubcallOutcome {
    SubcallOutcome {
        status: result.status,
        gas_remaining: result.gas_remaining(gas_limit),
        gas_refunded: result.gas_refunded,
        output: result.output,
        created_address: None,
    }
}

/// A frame that CALLs [`CALLEE`] with no data and `gas` (an assembler operand, `GAS` for all),
/// then returns `after` (assembly that leaves one word) as a 32-byte word.
fn calling_frame(gas: &str, after: &str) -> FrameInput {
    let code = asm(&format!(
        "PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH20 0x{} {gas} CALL {after} \
         PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 RETURN",
        hex::encode(CALLEE)
    ));
    FrameInput::call(Fork::Cancun, code, Vec::new(), 1_000_000)
}

#[test]
fn call_suspends_and_resumes_with_the_callee_output() {
    // CALL(gas, CALLEE, value 0, in 0..4, out 0..32), then return memory[0..32] and the success flag in [32..64].
    let caller = asm(&format!(
        "PUSH4 0xdeadbeef PUSH1 0xe0 SHL PUSH1 0x00 MSTORE \
         PUSH1 0x20 PUSH1 0x00 PUSH1 0x04 PUSH1 0x00 PUSH1 0x00 PUSH20 0x{} PUSH3 0x0186a0 CALL \
         PUSH1 0x20 MSTORE PUSH1 0x40 PUSH1 0x00 RETURN",
        hex::encode(CALLEE)
    ));
    let outer = FrameInput::call(Fork::Cancun, caller, Vec::new(), 1_000_000);
    let mut session = precompile().session(MemoryHost::for_frame(&outer)).unwrap();
    let Action::Call(request) = session.start(&outer).unwrap() else { panic!("expected a call") };
    assert_eq!(request.scheme, CallScheme::Call);
    assert_eq!(request.target, CALLEE);
    assert_eq!(request.caller, FrameInput::DEFAULT_TARGET);
    assert_eq!(request.input, vec![0xde, 0xad, 0xbe, 0xef]);
    assert_eq!(request.gas_limit, 100_000);
    assert_eq!(session.suspended(), 1);

    // The callee echoes its call data's length and writes a slot.
    let callee = callee_frame(
        &outer,
        &request,
        "PUSH1 0x01 PUSH1 0x05 SSTORE CALLDATASIZE PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 RETURN",
    );
    let nested = session.start(&callee).unwrap().into_return().unwrap();
    assert_eq!(nested.status, Status::Return);
    assert_eq!(session.suspended(), 1);
    let outcome = outcome_of(nested, callee.gas_limit);
    let result = session.resume(&outcome).unwrap().into_return().unwrap();
    assert_eq!(result.status, Status::Return);
    assert_eq!(result.output[31], 4, "callee output copied into the caller's memory");
    assert_eq!(result.output[63], 1, "success flag pushed");
    assert_eq!(session.suspended(), 0);
}

#[test]
fn create2_suspends_with_salt_and_init_code_and_pushes_the_address() {
    let creator =
        asm("PUSH1 0xab PUSH1 0x03 PUSH1 0x00 PUSH1 0x00 CREATE2 PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 RETURN");
    let frame = FrameInput::call(Fork::Cancun, creator, Vec::new(), 1_000_000);
    let mut session = precompile().session(MemoryHost::for_frame(&frame)).unwrap();
    let Action::Create(request) = session.start(&frame).unwrap() else { panic!("expected a create") };
    let mut salt = [0u8; 32];
    salt[31] = 0xab;
    assert_eq!(request.scheme, CreateScheme::Create2 { salt });
    assert_eq!(request.init_code, vec![0, 0, 0]);
    let created = [0x77; 20];
    let outcome = SubcallOutcome {
        status: Status::Return,
        gas_remaining: request.gas_limit,
        gas_refunded: 0,
        output: Vec::new(),
        created_address: Some(created),
    };
    let result = session.resume(&outcome).unwrap().into_return().unwrap();
    assert_eq!(&result.output[12..], &created);
}

#[test]
fn a_reverted_subcall_leaves_no_state_and_returns_its_gas() {
    let outer = calling_frame("PUSH2 0xffff", "POP GAS");
    let mut session = precompile().session(MemoryHost::for_frame(&outer)).unwrap();
    let Action::Call(request) = session.start(&outer).unwrap() else { panic!("expected a call") };
    let callee = callee_frame(&outer, &request, "PUSH1 0x01 PUSH1 0x05 SSTORE PUSH1 0x00 PUSH1 0x00 REVERT");
    let nested = session.start(&callee).unwrap().into_return().unwrap();
    assert_eq!(nested.status, Status::Revert);
    assert!(session.host().storage_changes().is_empty(), "the reverted callee's write is undone");
    let outcome = outcome_of(nested, callee.gas_limit);
    let result = session.resume(&outcome).unwrap().into_return().unwrap();
    assert_eq!(result.status, Status::Return);
}

#[test]
fn a_refused_resume_keeps_the_suspended_frame() {
    let outer = calling_frame("GAS", "");
    let mut session = precompile().session(MemoryHost::for_frame(&outer)).unwrap();
    let Action::Call(request) = session.start(&outer).unwrap() else { panic!("expected a call") };
    let too_large = SubcallOutcome {
        status: Status::Return,
        gas_remaining: request.gas_limit,
        gas_refunded: 0,
        output: vec![0; evmpc_host::abi::limits::MAX_MESSAGE_SIZE],
        created_address: None,
    };
    let error = session.resume(&too_large).unwrap_err();
    assert_eq!(
        error.as_frame(),
        Some(&evmpc_host::FrameError::Boundary(evmpc_host::abi::BoundaryError::MessageTooLarge))
    );
    assert_eq!(session.suspended(), 1, "the frame still waits");
    let outcome = SubcallOutcome { output: vec![1], ..too_large };
    let result = session.resume(&outcome).unwrap().into_return().unwrap();
    assert_eq!(result.output[31], 1, "success flag of the resumed call");
}
