//! Suspend and resume: a frame's CALL and CREATE end its run with a request; the host runs
//! the sub-call (here: as a nested frame of the same session) and resumes it. The guest
//! keeps each request and refuses a nested frame or an outcome that disagrees with it.

use crate::asm::asm;
use crate::harness::precompile;
use evmpc_host::abi::limits::MAX_CALL_DEPTH;
use evmpc_host::abi::{BoundaryError, CallRequest, CallScheme, CreateScheme, FrameKind};
use evmpc_host::{
    Action, CallData, Code, Error, ExecContext, Fork, FrameError, FrameInput, MemoryHost, Session, Status,
    SubcallOutcome, SubcallOutput,
};
use revm::primitives::{keccak256, Address, U256};

const CALLEE: [u8; 20] = [0xca; 20];

/// A session over a state where [`CALLEE`] runs `callee` and the frame's target is funded.
fn session_with_callee(frame: &FrameInput, callee: &str) -> Session<MemoryHost> {
    let mut host = MemoryHost::for_fork(Fork::Cancun);
    host.insert_account(CALLEE, U256::ZERO, 1, &asm(callee));
    host.insert_account(frame.target, U256::from(1_000), 1, &[]);
    if let Some(context) = &frame.context {
        host.apply_context(context);
    }
    host.warm_frame_accounts(frame);
    precompile().session(host).unwrap()
}

/// The nested frame that serves `request`: its code and call data named, not sent.
fn callee_frame(request: &CallRequest, depth: u16) -> FrameInput {
    FrameInput::nested(request, depth)
}

/// The outcome a returned nested call frame hands back: its output stays in the guest.
fn nested_outcome(result: &evmpc_host::FrameResult, gas_limit: u64) -> SubcallOutcome {
    SubcallOutcome {
        status: result.status,
        gas_remaining: result.gas_remaining(gas_limit),
        gas_refunded: result.gas_refunded,
        output: SubcallOutput::Nested,
        created_address: None,
    }
}

/// A frame that CALLs [`CALLEE`] with memory `0..4` = 0xdeadbeef as call data and all gas,
/// then returns memory `0..32` and the success flag in `32..64`.
fn calling_frame() -> FrameInput {
    let code = asm(&format!(
        "PUSH4 0xdeadbeef PUSH1 0xe0 SHL PUSH1 0x00 MSTORE \
         PUSH1 0x20 PUSH1 0x00 PUSH1 0x04 PUSH1 0x00 PUSH1 0x00 PUSH20 0x{} GAS CALL \
         PUSH1 0x20 MSTORE PUSH1 0x40 PUSH1 0x00 RETURN",
        hex::encode(CALLEE)
    ));
    FrameInput::call(Fork::Cancun, code, Vec::new(), 1_000_000)
}

/// The callee echoes its call data's length and writes a slot.
const ECHO: &str = "PUSH1 0x01 PUSH1 0x05 SSTORE CALLDATASIZE PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 RETURN";

/// A call, a nested frame, a create and their outcomes on `precompile`: the sub-call paths.
pub(crate) fn round_trips(precompile: &evmpc_host::Precompile<MemoryHost>) {
    let outer = calling_frame();
    let mut host = MemoryHost::for_fork(Fork::Cancun);
    host.insert_account(CALLEE, U256::ZERO, 1, &asm(ECHO));
    host.warm_frame_accounts(&outer);
    let mut session = precompile.session(host).unwrap();
    let request = expect_call(session.start(&outer).unwrap());
    let callee = callee_frame(&request, 1);
    let nested = session.start(&callee).unwrap().into_return().unwrap();
    let result = session.resume(&nested_outcome(&nested, callee.gas_limit)).unwrap().into_return().unwrap();
    assert_eq!(result.status, Status::Return);
    let mut host = MemoryHost::for_fork(Fork::Cancun);
    host.insert_account(CALLEE, U256::ZERO, 1, &asm(ECHO));
    host.warm_frame_accounts(&outer);
    let mut session = precompile.session(host).unwrap();
    session.inline_calls(true);
    assert_eq!(session.start(&outer).unwrap().into_return().unwrap().status, Status::Return, "inline");
    let creator = asm("PUSH1 0xab PUSH1 0x03 PUSH1 0x00 PUSH1 0x00 CREATE2 STOP");
    let frame = FrameInput::call(Fork::Cancun, creator, Vec::new(), 1_000_000);
    let mut session = precompile.session(MemoryHost::for_frame(&frame)).unwrap();
    let Action::Create(request) = session.start(&frame).unwrap() else { panic!("expected a create") };
    let refused = SubcallOutcome::empty(Status::OutOfFunds, request.gas_limit);
    assert_eq!(session.resume(&refused).unwrap().into_return().unwrap().status, Status::Stop);
}

fn expect_call(action: Action) -> CallRequest {
    match action {
        Action::Call(request) => request,
        other => panic!("expected a call, got {other:?}"),
    }
}

fn boundary(result: Result<Action, Error>) -> Option<BoundaryError> {
    match result {
        Err(Error::Frame(FrameError::Boundary(error))) => Some(error),
        _ => None,
    }
}

#[test]
fn call_data_and_output_stay_in_the_guest() {
    let outer = calling_frame();
    let mut session = session_with_callee(&outer, ECHO);
    let request = expect_call(session.start(&outer).unwrap());
    assert_eq!(request.scheme, CallScheme::Call);
    assert_eq!((request.target, request.code_address), (CALLEE, CALLEE));
    assert_eq!(request.code_hash, keccak256(asm(ECHO)).0);
    assert_eq!(request.code_len, asm(ECHO).len() as u32);
    assert_eq!(request.caller, FrameInput::DEFAULT_TARGET);
    assert_eq!(session.bytes(request.input).unwrap(), &[0xde, 0xad, 0xbe, 0xef], "call data read in place");
    assert_eq!(session.suspended(), 1);

    let callee = callee_frame(&request, 1);
    let nested = session.start(&callee).unwrap().into_return().unwrap();
    assert_eq!(nested.status, Status::Return);
    assert_eq!(session.bytes(nested.output).unwrap()[31], 4, "the callee saw 4 bytes of call data");
    let result = session.resume(&nested_outcome(&nested, callee.gas_limit)).unwrap().into_return().unwrap();
    let output = session.bytes(result.output).unwrap();
    assert_eq!(output[31], 4, "the callee's output reached the caller's memory");
    assert_eq!(output[63], 1, "success flag pushed");
    assert_eq!(session.suspended(), 0);
}

#[test]
fn create2_names_its_init_code_and_address_and_pushes_it() {
    let creator =
        asm("PUSH1 0xab PUSH1 0x03 PUSH1 0x00 PUSH1 0x00 CREATE2 PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 RETURN");
    let frame = FrameInput::call(Fork::Cancun, creator, Vec::new(), 1_000_000);
    let mut session = precompile().session(MemoryHost::for_frame(&frame)).unwrap();
    let Action::Create(request) = session.start(&frame).unwrap() else { panic!("expected a create") };
    let mut salt = [0u8; 32];
    salt[31] = 0xab;
    assert_eq!(request.scheme, CreateScheme::Create2 { salt });
    assert_eq!(session.bytes(request.init_code).unwrap(), &[0, 0, 0]);
    let expected = Address::from(FrameInput::DEFAULT_TARGET).create2(salt, keccak256([0u8, 0, 0]));
    assert_eq!(request.address, Some(expected.0 .0));
    let outcome = |created: [u8; 20]| SubcallOutcome {
        status: Status::Return,
        gas_remaining: request.gas_limit,
        gas_refunded: 0,
        output: SubcallOutput::Bytes(Vec::new()),
        created_address: Some(created),
    };
    assert_eq!(boundary(session.resume(&outcome([0x77; 20]))), Some(BoundaryError::OutcomeMismatch));
    let result = session.resume(&outcome(expected.0 .0)).unwrap().into_return().unwrap();
    assert_eq!(&session.bytes(result.output).unwrap()[12..], expected.as_slice());
}

#[test]
fn a_reverted_subcall_leaves_no_state_and_returns_its_gas() {
    let outer = calling_frame();
    let mut session = session_with_callee(&outer, "PUSH1 0x01 PUSH1 0x05 SSTORE PUSH1 0x00 PUSH1 0x00 REVERT");
    let request = expect_call(session.start(&outer).unwrap());
    let callee = callee_frame(&request, 1);
    let nested = session.start(&callee).unwrap().into_return().unwrap();
    assert_eq!(nested.status, Status::Revert);
    assert!(session.host().storage_changes().is_empty(), "the reverted callee's write is undone");
    let result = session.resume(&nested_outcome(&nested, callee.gas_limit)).unwrap().into_return().unwrap();
    assert_eq!(result.status, Status::Return);
    assert_eq!(session.bytes(result.output).unwrap()[63], 0, "failure flag pushed");
}

#[test]
fn a_nested_frame_that_disagrees_with_the_request_is_refused() {
    let outer = calling_frame();
    let mut session = session_with_callee(&outer, ECHO);
    let request = expect_call(session.start(&outer).unwrap());
    let good = callee_frame(&request, 1);
    let mutations: Vec<(&str, FrameInput)> = vec![
        ("target", FrameInput { target: [1; 20], ..good.clone() }),
        ("caller", FrameInput { caller: [1; 20], ..good.clone() }),
        ("value", FrameInput { value: [1; 32], ..good.clone() }),
        ("static flag", FrameInput { is_static: true, ..good.clone() }),
        ("gas limit", FrameInput { gas_limit: good.gas_limit + 1, ..good.clone() }),
        ("input", FrameInput { input: CallData::Inline(vec![1, 2, 3]), ..good.clone() }),
        ("code", FrameInput { code: Code::Account { address: CALLEE, hash: [9; 32], len: 4 }, ..good.clone() }),
        ("kind", FrameInput { kind: FrameKind::Create, ..good.clone() }),
    ];
    for (what, frame) in mutations {
        assert_eq!(boundary(session.start(&frame)), Some(BoundaryError::FrameMismatch), "another {what}");
    }
    assert_eq!(boundary(session.start(&FrameInput { depth: 2, ..good.clone() })), Some(BoundaryError::DepthMismatch));
    assert_eq!(session.suspended(), 1, "refusals change nothing");
    let nested = session.start(&good).unwrap().into_return().unwrap();
    assert_eq!(nested.status, Status::Return);
    // A second nested frame under the same suspension is refused, not a trap.
    assert_eq!(boundary(session.start(&good)), Some(BoundaryError::NotSuspended));
    let result = session.resume(&nested_outcome(&nested, good.gas_limit)).unwrap().into_return().unwrap();
    assert_eq!(session.bytes(result.output).unwrap()[63], 1);
}

#[test]
fn the_fork_belongs_to_the_session() {
    let outer = calling_frame();
    let mut session = session_with_callee(&outer, ECHO);
    let request = expect_call(session.start(&outer).unwrap());
    let good = callee_frame(&request, 1);
    let other_fork = FrameInput { context: Some(Box::new(ExecContext::new(Fork::London))), ..good.clone() };
    assert_eq!(boundary(session.start(&other_fork)), Some(BoundaryError::ContextMismatch));
    let same = FrameInput { context: outer.context.clone(), ..good };
    assert_eq!(session.start(&same).unwrap().into_return().unwrap().status, Status::Return);
}

#[test]
fn outcomes_that_disagree_with_the_request_or_the_nested_frame_are_refused() {
    let outer = calling_frame();
    let mut session = session_with_callee(&outer, ECHO);
    let request = expect_call(session.start(&outer).unwrap());
    let empty = SubcallOutcome::empty(Status::Stop, request.gas_limit);
    let refused = [
        ("more gas than given", SubcallOutcome { gas_remaining: request.gas_limit + 1, ..empty.clone() }),
        ("a created address for a call", SubcallOutcome { created_address: Some([1; 20]), ..empty.clone() }),
        ("a nested output without a nested frame", SubcallOutcome { output: SubcallOutput::Nested, ..empty.clone() }),
    ];
    for (what, outcome) in refused {
        assert_eq!(boundary(session.resume(&outcome)), Some(BoundaryError::OutcomeMismatch), "{what}");
    }
    let callee = callee_frame(&request, 1);
    let nested = session.start(&callee).unwrap().into_return().unwrap();
    let honest = nested_outcome(&nested, callee.gas_limit);
    let altered = [
        ("another status", SubcallOutcome { status: Status::Revert, ..honest.clone() }),
        ("other gas", SubcallOutcome { gas_remaining: honest.gas_remaining - 1, ..honest.clone() }),
        ("other bytes", SubcallOutcome { output: SubcallOutput::Bytes(vec![1]), ..honest.clone() }),
    ];
    for (what, outcome) in altered {
        assert_eq!(boundary(session.resume(&outcome)), Some(BoundaryError::OutcomeMismatch), "{what}");
    }
    assert_eq!(session.suspended(), 1, "the frame still waits");
    assert_eq!(session.resume(&honest).unwrap().into_return().unwrap().status, Status::Return);
}

#[test]
fn a_create_that_succeeds_names_its_address() {
    let creator = asm("PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 CREATE PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 RETURN");
    let frame = FrameInput::call(Fork::Cancun, creator, Vec::new(), 1_000_000);
    let mut session = precompile().session(MemoryHost::for_frame(&frame)).unwrap();
    let Action::Create(request) = session.start(&frame).unwrap() else { panic!("expected a create") };
    let success = SubcallOutcome { created_address: None, ..SubcallOutcome::empty(Status::Return, request.gas_limit) };
    assert_eq!(boundary(session.resume(&success)), Some(BoundaryError::OutcomeMismatch));
    let refused = SubcallOutcome::empty(Status::CreateNonceOverflow, request.gas_limit);
    let result = session.resume(&refused).unwrap().into_return().unwrap();
    assert_eq!(session.bytes(result.output).unwrap(), &[0; 32], "a refused create pushes 0");
}

#[test]
fn the_artifact_enforces_the_depth_limit() {
    // CALL and CREATE from the deepest frame fail in the guest: no request reaches the node.
    let code = asm(&format!(
        "PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH20 0x{} GAS CALL \
         PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 CREATE ADD PUSH1 0x00 MSTORE GAS PUSH1 0x20 MSTORE \
         PUSH1 0x40 PUSH1 0x00 RETURN",
        hex::encode(CALLEE)
    ));
    let mut deepest = FrameInput::call(Fork::Cancun, code, Vec::new(), 1_000_000);
    deepest.depth = MAX_CALL_DEPTH;
    let mut session = session_with_callee(&deepest, ECHO);
    let result = session.start(&deepest).unwrap().into_return().expect("no sub-call request");
    let output = session.bytes(result.output).unwrap();
    assert_eq!(output[..32], [0; 32], "both failed (CallTooDeep)");
    assert!(U256::from_be_slice(&output[32..]) > U256::from(900_000), "their gas came back");

    let too_deep = FrameInput { depth: MAX_CALL_DEPTH + 1, ..deepest };
    assert_eq!(boundary(session.start(&too_deep)), Some(BoundaryError::DepthMismatch));
}

#[test]
fn calls_to_accounts_without_code_are_answered_in_the_guest() {
    let empty = [0xbb; 20];
    let code = asm(&format!(
        "PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x07 PUSH20 0x{e} GAS CALL \
         PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH20 0x{e} GAS STATICCALL ADD \
         PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH2 0x03e8 PUSH20 0x{e} GAS CALL ADD \
         PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 RETURN",
        e = hex::encode(empty)
    ));
    let frame = FrameInput::call(Fork::Cancun, code, Vec::new(), 1_000_000);
    let mut session = session_with_callee(&frame, ECHO);
    let result = session.start(&frame).unwrap().into_return().expect("no sub-call request");
    assert_eq!(session.bytes(result.output).unwrap()[31], 2, "two succeeded, the third lacked funds");
    let host = session.into_host();
    let moved = host.ctx.journaled_state.state.get(&Address::from(empty)).map(|account| account.info.balance);
    assert_eq!(moved, Some(U256::from(7)), "the value moved through the transfer import");

    // A precompile is the node's to run, code or not.
    let identity = asm("PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x04 GAS STATICCALL");
    let frame = FrameInput::call(Fork::Cancun, identity, Vec::new(), 1_000_000);
    let mut session = precompile().session(MemoryHost::for_frame(&frame)).unwrap();
    assert!(matches!(session.start(&frame).unwrap(), Action::Call(_)));
}
