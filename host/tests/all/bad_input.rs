//! Bad input gives a typed error, never a panic, and leaves the state as it was.

use crate::asm::asm;
use crate::harness::{precompile, state, State};
use evmpc_host::abi::limits::{MAX_CALLDATA_SIZE, MAX_CODE_SIZE, MAX_EVM_MEMORY, MAX_GUEST_MEMORY, MAX_INITCODE_SIZE};
use evmpc_host::abi::records::SelfDestructRecord;
use evmpc_host::abi::{Address, BoundaryError, FrameKind, Word};
use evmpc_host::state_host::evm_host::{Access, AccountInfo, SstoreValues, Transfer};
use evmpc_host::{
    Action, CallData, Code, Error, EvmHost, Fork, FrameError, FrameInput, MemoryHost, NodeError, Status,
    SubcallOutcome, SubcallOutput,
};
use revm::primitives::U256;

fn frame(code: &str) -> FrameInput {
    FrameInput::call(Fork::Cancun, asm(code), Vec::new(), 1_000_000)
}

/// The frame's world before anything ran, to compare with after a failure.
fn pristine(frame: &FrameInput) -> State {
    state(&MemoryHost::for_frame(frame))
}

#[test]
fn malformed_frame_bytes_are_refused_and_the_session_goes_on() {
    let valid = frame("PUSH1 0x01 PUSH1 0x00 SSTORE STOP");
    let mut session = precompile().session(MemoryHost::for_frame(&valid)).unwrap();
    for bytes in [&[][..], &[0xff; 7][..], &[0u8; 300][..], &borsh::to_vec(&valid).unwrap()[..40]] {
        let error = session.start_encoded(bytes).unwrap_err();
        assert!(matches!(error, Error::Frame(FrameError::Boundary(BoundaryError::Malformed))), "{error}");
    }
    let mut trailing = borsh::to_vec(&valid).unwrap();
    trailing.push(0);
    assert!(matches!(
        session.start_encoded(&trailing),
        Err(Error::Frame(FrameError::Boundary(BoundaryError::Malformed)))
    ));
    assert_eq!(state(session.host()), pristine(&valid));
    let action = session.start(&valid).unwrap();
    assert_eq!(action.into_return().unwrap().status, Status::Stop);
}

/// The limit halt: the frame does not run and consumes its gas.
fn assert_limit_halt(action: Action, gas_limit: u64) {
    let result = action.into_return().expect("a frame past a limit halts at once");
    assert_eq!((result.status, result.gas_used), (Status::MemoryLimitOOG, gas_limit));
}

#[test]
fn inline_bytes_and_code_above_the_limits_halt_the_frame() {
    let base = frame("CALLDATASIZE PUSH1 0x00 SSTORE STOP");
    let mut session = precompile().session(MemoryHost::for_frame(&base)).unwrap();

    let mut big_input = base.clone();
    big_input.input = CallData::Inline(vec![1; MAX_CALLDATA_SIZE + 1]);
    assert_limit_halt(session.start(&big_input).unwrap(), base.gas_limit);
    // The guest applies the same rule to a frame a node sends without checking it.
    assert_limit_halt(session.start_encoded(&borsh::to_vec(&big_input).unwrap()).unwrap(), base.gas_limit);

    let mut big_init_code = base.clone();
    big_init_code.kind = FrameKind::Create;
    big_init_code.input = CallData::Inline(Vec::new());
    big_init_code.code = Code::Inline(vec![0x5b; MAX_INITCODE_SIZE + 1]);
    assert_limit_halt(session.start(&big_init_code).unwrap(), base.gas_limit);

    // Account code is named by its length: above the limit it is never read.
    let mut big_code = base.clone();
    big_code.code = Code::Account { address: [0xaa; 20], hash: [7; 32], len: MAX_CODE_SIZE as u32 + 1 };
    assert_limit_halt(session.start(&big_code).unwrap(), base.gas_limit);
    assert_eq!(state(session.host()), pristine(&base));

    let mut at_limit = base.clone();
    at_limit.input = CallData::Inline(vec![1; 1024]);
    assert_eq!(session.start(&at_limit).unwrap().into_return().unwrap().status, Status::Stop);
}

#[test]
fn resume_without_a_suspended_frame_is_refused() {
    let mut session = precompile().session(MemoryHost::default()).unwrap();
    let error = session.resume(&SubcallOutcome::empty(Status::Stop, 0)).unwrap_err();
    assert_eq!(error.as_frame(), Some(&FrameError::Boundary(BoundaryError::NothingSuspended)));
}

#[test]
fn first_frame_without_context_is_refused() {
    let mut no_context = frame("STOP");
    no_context.context = None;
    let mut session = precompile().session(MemoryHost::default()).unwrap();
    let error = session.start(&no_context).unwrap_err();
    assert_eq!(error.as_frame(), Some(&FrameError::Boundary(BoundaryError::MissingContext)));
}

#[test]
fn evm_memory_past_the_cap_is_an_evm_halt_not_a_trap() {
    // MSTORE just past the EVM memory cap, with gas enough to pay for the expansion.
    let offset = format!("PUSH4 0x{:08x}", MAX_EVM_MEMORY);
    let mut frame = frame(&format!("PUSH1 0x01 {offset} MSTORE STOP"));
    frame.gas_limit = 10_000_000_000;
    let mut session = precompile().session(MemoryHost::for_frame(&frame)).unwrap();
    let result = session.start(&frame).unwrap().into_return().unwrap();
    assert_eq!(result.status, Status::MemoryLimitOOG);
    assert_eq!(result.gas_used, frame.gas_limit);
}

/// A frame that, given call data `n > 0`, stores a slot, calls a leaf (no call data) that
/// returns `LEAF` bytes of memory, keeps that output as its return data, and calls itself
/// with `n - 1`. Every level holds one leaf output while the next runs.
const HOARDER: &str = "PUSH1 0x2a PUSH1 0x00 CALLDATALOAD SSTORE PUSH1 0x00 CALLDATALOAD DUP1 ISZERO @leaf JUMPI \
     PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 ADDRESS GAS CALL POP \
     PUSH1 0x01 SWAP1 SUB PUSH1 0x00 MSTORE \
     PUSH1 0x00 PUSH1 0x00 PUSH1 0x20 PUSH1 0x00 PUSH1 0x00 ADDRESS GAS CALL POP STOP \
     leaf: JUMPDEST PUSH4 0x06000000 PUSH1 0x00 RETURN";

#[test]
fn guest_memory_cap_traps_poisons_the_session_and_undoes_every_frame() {
    memory_cap_traps_on(precompile());
}

/// The cap is the protocol's, not the engine's: wasm2c's runtime asks the same limiter.
#[cfg(feature = "wasm2c")]
#[test]
fn guest_memory_cap_is_the_same_frame_error_on_wasm2c() {
    memory_cap_traps_on(&wasm2c_precompile());
}

#[cfg(feature = "wasm2c")]
fn wasm2c_precompile<H: EvmHost + 'static>() -> evmpc_host::Precompile<H> {
    let engine = evmpc_host::Engine::new(evmpc_host::EngineConfig::new().wasm_engine(evmpc_host::WasmEngine::Wasm2c));
    evmpc_host::Precompile::new(&engine.unwrap()).unwrap()
}

fn memory_cap_traps_on(precompile: &evmpc_host::Precompile<MemoryHost>) {
    // Each leaf output is 96 MiB: the EVM memory cap holds for every frame, yet the outputs
    // held by the suspended frames reach the guest's cap (with far more gas than any chain
    // allows).
    let code = asm(HOARDER);
    let hash = revm::primitives::keccak256(&code).0;
    let mut root = frame("STOP");
    root.code = Code::Account { address: FrameInput::DEFAULT_TARGET, hash, len: code.len() as u32 };
    root.input = CallData::Inline(U256::from(64).to_be_bytes::<32>().to_vec());
    root.gas_limit = u64::MAX / 2;
    let mut host = MemoryHost::for_frame(&root);
    host.insert_account(FrameInput::DEFAULT_TARGET, U256::ZERO, 1, &code);
    let before = state(&host);
    let mut session = precompile.session(host).unwrap();
    let mut action = session.start(&root).unwrap();
    let mut gas_limits = Vec::new();
    let error = loop {
        let next = match action {
            Action::Call(request) => {
                gas_limits.push(request.gas_limit);
                let nested = FrameInput::nested(&request, gas_limits.len() as u16);
                session.start(&nested)
            }
            Action::Return(result) => {
                let gas_limit = gas_limits.pop().expect("the root never returns before the cap");
                session.resume(&SubcallOutcome {
                    status: result.status,
                    gas_remaining: result.gas_remaining(gas_limit),
                    gas_refunded: result.gas_refunded,
                    output: SubcallOutput::Nested,
                    created_address: None,
                })
            }
            Action::Create(_) => panic!("the hoarder creates nothing"),
        };
        match next {
            Ok(next) => action = next,
            Err(error) => break error,
        }
    };
    assert_eq!(error.as_frame(), Some(&FrameError::MemoryCap { cap: MAX_GUEST_MEMORY }), "{error}");
    assert_eq!(state(session.host()), before, "every frame's writes are undone");
    assert_eq!(session.suspended(), 0);
    let again = session.start(&root).unwrap_err();
    assert_eq!(again.as_frame(), Some(&FrameError::Poisoned));
}

/// A node whose storage fails on one import.
struct FailingHost {
    inner: MemoryHost,
    fail_on: &'static str,
}

#[derive(Debug, thiserror::Error)]
#[error("disk read failed")]
struct DiskError;

impl FailingHost {
    fn check(&self, import: &'static str) -> Result<(), DiskError> {
        if self.fail_on == import {
            return Err(DiskError);
        }
        Ok(())
    }
}

fn inner<T>(result: Result<T, evmpc_host::state_host::revm_host::RevmHostError>) -> Result<T, DiskError> {
    result.map_err(|_| DiskError)
}

impl EvmHost for FailingHost {
    type Error = DiskError;
    type Checkpoint = <MemoryHost as EvmHost>::Checkpoint;

    fn sload(&mut self, address: &Address, key: &Word, skip_cold: bool) -> Result<Access<Word>, DiskError> {
        self.check("sload")?;
        inner(self.inner.sload(address, key, skip_cold))
    }
    fn sstore(
        &mut self,
        address: &Address,
        key: &Word,
        value: &Word,
        skip_cold: bool,
    ) -> Result<Access<SstoreValues>, DiskError> {
        self.check("sstore")?;
        inner(self.inner.sstore(address, key, value, skip_cold))
    }
    fn account(
        &mut self,
        address: &Address,
        load_code: bool,
        skip_cold: bool,
    ) -> Result<Access<AccountInfo>, DiskError> {
        self.check("account")?;
        inner(self.inner.account(address, load_code, skip_cold))
    }
    fn code_copy(&mut self, address: &Address, offset: usize, dest: &mut [u8]) -> Result<(), DiskError> {
        self.check("code_copy")?;
        inner(self.inner.code_copy(address, offset, dest))
    }
    fn code_load(&mut self, address: &Address, code: &mut [u8], jump_table: &mut [u8]) -> Result<(), DiskError> {
        self.check("code_load")?;
        inner(self.inner.code_load(address, code, jump_table))
    }
    fn block_hash(&mut self, number: u64) -> Result<Word, DiskError> {
        self.check("block_hash")?;
        inner(self.inner.block_hash(number))
    }
    fn log(&mut self, address: &Address, topics: &[Word], data: &[u8]) -> Result<(), DiskError> {
        self.check("log")?;
        inner(self.inner.log(address, topics, data))
    }
    fn transfer(&mut self, from: &Address, to: &Address, value: &Word) -> Result<Transfer, DiskError> {
        self.check("transfer")?;
        inner(self.inner.transfer(from, to, value))
    }
    fn selfdestruct(
        &mut self,
        address: &Address,
        target: &Address,
        skip_cold: bool,
    ) -> Result<Access<SelfDestructRecord>, DiskError> {
        self.check("selfdestruct")?;
        inner(self.inner.selfdestruct(address, target, skip_cold))
    }
    fn checkpoint(&mut self) -> Self::Checkpoint {
        self.inner.checkpoint()
    }
    fn checkpoint_commit(&mut self) {
        self.inner.checkpoint_commit()
    }
    fn checkpoint_revert(&mut self, checkpoint: Self::Checkpoint) {
        self.inner.checkpoint_revert(checkpoint)
    }
}

#[test]
fn a_failing_host_is_a_node_error_and_undoes_the_frame() {
    failing_host_on(&evmpc_host::Precompile::<FailingHost>::new(precompile().engine()).unwrap());
}

#[cfg(feature = "wasm2c")]
#[test]
fn a_failing_host_is_the_same_node_error_on_wasm2c() {
    failing_host_on(&wasm2c_precompile());
}

fn failing_host_on(failing: &evmpc_host::Precompile<FailingHost>) {
    let other = format!("PUSH20 0x{}", hex::encode([0xaa; 20]));
    let programs = [
        ("sload", "PUSH1 0x01 SLOAD".to_string()),
        ("sstore", "PUSH1 0x01 PUSH1 0x01 SSTORE".to_string()),
        ("account", format!("{other} BALANCE")),
        ("code_copy", format!("PUSH1 0x20 PUSH1 0x00 PUSH1 0x00 {other} EXTCODECOPY")),
        ("block_hash", "PUSH1 0x00 BLOCKHASH".to_string()),
        ("log", "PUSH1 0x00 PUSH1 0x00 LOG0".to_string()),
        ("selfdestruct", format!("{other} SELFDESTRUCT")),
        ("transfer", format!("PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x01 {other} GAS CALL")),
    ];
    for (import, program) in programs {
        let mut frame = frame(&format!("PUSH1 0x2a PUSH1 0x07 SSTORE {program} STOP"));
        if let Some(context) = frame.context.as_mut() {
            context.block.number = [0; 32];
            context.block.number[31] = 9;
        }
        let mut inner = MemoryHost::for_frame(&frame);
        inner.insert_account(frame.target, U256::from(10), 0, &[]);
        let host = FailingHost { inner, fail_on: import };
        let before = state(&host.inner);
        let mut session = failing.session(host).unwrap();
        let error = session.start(&frame).unwrap_err();
        match &error {
            Error::Node(NodeError::Host { import: failed, source }) => {
                assert_eq!(*failed, import);
                assert_eq!(source.to_string(), "disk read failed");
            }
            other => panic!("{import}: expected a node error, got {other}"),
        }
        assert_eq!(state(&session.into_host().inner), before, "{import}: state changed");
    }
}

#[test]
fn a_failing_code_load_is_a_node_error() {
    let code = asm("PUSH1 0x2a PUSH1 0x07 SSTORE STOP");
    let holder = [0xaa; 20];
    let mut frame = frame("STOP");
    frame.code = Code::Account { address: holder, hash: revm::primitives::keccak256(&code).0, len: code.len() as u32 };
    let mut inner = MemoryHost::for_frame(&frame);
    inner.insert_account(holder, U256::ZERO, 1, &code);
    let host = FailingHost { inner, fail_on: "code_load" };
    let before = state(&host.inner);
    let failing = evmpc_host::Precompile::<FailingHost>::new(precompile().engine()).unwrap();
    let mut session = failing.session(host).unwrap();
    match session.start(&frame).unwrap_err() {
        Error::Node(NodeError::Host { import: "code_load", .. }) => {}
        other => panic!("expected a code_load node error, got {other}"),
    }
    assert_eq!(state(&session.into_host().inner), before);
}

#[test]
fn a_failing_host_when_a_call_runs_inline_is_a_node_error() {
    let callee = [0xcc; 20];
    let frame = frame(&format!(
        "PUSH1 0x2a PUSH1 0x07 SSTORE PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x01 PUSH20 0x{} GAS CALL STOP",
        hex::encode(callee)
    ));
    let mut inner = MemoryHost::for_frame(&frame);
    inner.insert_account(frame.target, U256::from(10), 0, &[]);
    inner.insert_account(callee, U256::ZERO, 1, &asm("STOP"));
    let host = FailingHost { inner, fail_on: "transfer" };
    let before = state(&host.inner);
    let failing = evmpc_host::Precompile::<FailingHost>::new(precompile().engine()).unwrap();
    let mut session = failing.session(host).unwrap();
    session.inline_calls(true);
    match session.start(&frame).unwrap_err() {
        Error::Node(NodeError::Host { import: "call_enter", .. }) => {}
        other => panic!("expected a call_enter node error, got {other}"),
    }
    assert_eq!(state(&session.into_host().inner), before);
}

/// Found by `evmpc fuzz`: a frame run on a state where its own account was never loaded
/// (a node that did not warm it) made revm's journal panic on SELFDESTRUCT and on a value
/// transfer, and SLOAD or SSTORE answered "cold load skipped" to a guest that had not
/// allowed it (the guest trapped). The host loads what the journal assumes.
#[test]
fn a_frame_whose_account_the_node_never_loaded_does_not_panic_the_host() {
    let callee = [0x22; 20];
    for code in [
        "PUSH20 0x000000000000000000000000000000000000beef SELFDESTRUCT".to_string(),
        "ADDRESS SLOAD STOP".to_string(),
        "PUSH1 0x01 PUSH1 0x00 SSTORE STOP".to_string(),
        format!("PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x01 PUSH20 0x{} GAS CALL", hex::encode(callee)),
    ] {
        let mut host = MemoryHost::default();
        host.insert_account(callee, U256::ZERO, 1, &asm("STOP"));
        let mut session = precompile().session(host).unwrap();
        session.inline_calls(true);
        let action = session.start(&frame(&code)).unwrap();
        assert!(action.into_return().is_some(), "{code}");
    }
}

/// Found by `evmpc fuzz`: a session whose context names a fork from the Merge on but no
/// `prevrandao` made PREVRANDAO trap in the guest (revm unwraps it). Such a context is
/// refused at the boundary, as revm's validation refuses such a block.
#[test]
fn a_context_without_prevrandao_after_the_merge_is_refused() {
    for (fork, refused) in [(Fork::London, false), (Fork::Merge, true), (Fork::Osaka, true)] {
        let mut frame = FrameInput::call(fork, asm("DIFFICULTY STOP"), Vec::new(), 100_000);
        if let Some(context) = frame.context.as_mut() {
            context.block.prevrandao = None;
        }
        let mut session = precompile().session(MemoryHost::for_frame(&frame)).unwrap();
        let result = session.start(&frame);
        if refused {
            assert!(
                matches!(result, Err(Error::Frame(FrameError::Boundary(BoundaryError::MissingContext)))),
                "{fork:?}: {result:?}"
            );
        } else {
            assert_eq!(result.unwrap().into_return().unwrap().status, Status::Stop, "{fork:?}");
        }
    }
}
