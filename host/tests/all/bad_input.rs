//! Bad input gives a typed error, never a panic, and leaves the state as it was.

use crate::asm::asm;
use crate::harness::{precompile, state, State};
use evmpc_host::abi::limits::{MAX_CALLDATA_SIZE, MAX_CODE_SIZE, MAX_EVM_MEMORY, MAX_GUEST_MEMORY};
use evmpc_host::abi::records::SelfDestructRecord;
use evmpc_host::abi::{Address, BoundaryError, Word};
use evmpc_host::evm_host::{Access, AccountInfo, SstoreValues};
use evmpc_host::{Action, Error, EvmHost, Fork, FrameError, FrameInput, MemoryHost, NodeError, Status};

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

#[test]
fn code_and_calldata_above_the_limits_are_refused() {
    let mut too_long = frame("STOP");
    too_long.code = vec![0x5b; MAX_CODE_SIZE + 1];
    let mut session = precompile().session(MemoryHost::for_frame(&too_long)).unwrap();
    let error = session.start(&too_long).unwrap_err();
    assert_eq!(error.as_frame(), Some(&FrameError::Boundary(BoundaryError::CodeTooLarge)));

    let mut at_limit = too_long.clone();
    at_limit.code.truncate(MAX_CODE_SIZE);
    assert_eq!(session.start(&at_limit).unwrap().into_return().unwrap().status, Status::Stop);

    let mut big_input = frame("CALLDATASIZE PUSH1 0x00 SSTORE STOP");
    big_input.input = vec![1; MAX_CALLDATA_SIZE + 1];
    let error = session.start(&big_input).unwrap_err();
    assert_eq!(error.as_frame(), Some(&FrameError::Boundary(BoundaryError::CalldataTooLarge)));
    assert_eq!(state(session.host()), pristine(&too_long));
}

#[test]
fn resume_without_a_suspended_frame_is_refused() {
    let mut session = precompile().session(MemoryHost::default()).unwrap();
    let outcome = evmpc_host::SubcallOutcome {
        status: Status::Stop,
        gas_remaining: 0,
        gas_refunded: 0,
        output: Vec::new(),
        created_address: None,
    };
    let error = session.resume(&outcome).unwrap_err();
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

#[test]
fn guest_memory_cap_traps_poisons_the_session_and_undoes_every_frame() {
    // Every frame writes a slot, then calls: each nested frame keeps its 4 MiB of call
    // data in guest memory until the guest's memory cap is reached.
    let calls = "PUSH1 0x2a CALLDATASIZE SSTORE PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x01 GAS CALL STOP";
    let mut outer = frame(calls);
    outer.gas_limit = 100_000_000;
    let mut session = precompile().session(MemoryHost::for_frame(&outer)).unwrap();
    let before = state(session.host());
    let mut action = session.start(&outer).unwrap();
    let mut depth = 0u16;
    let error = loop {
        let Action::Call(request) = action else { panic!("expected a call, got {action:?}") };
        depth += 1;
        let mut nested = outer.clone();
        nested.depth = depth;
        nested.input = vec![7; MAX_CALLDATA_SIZE];
        nested.gas_limit = request.gas_limit;
        nested.context = None;
        match session.start(&nested) {
            Ok(next) => action = next,
            Err(error) => break error,
        }
        assert!((depth as usize) < MAX_GUEST_MEMORY / MAX_CALLDATA_SIZE + 2, "memory cap never reached");
    };
    assert_eq!(error.as_frame(), Some(&FrameError::MemoryCap { cap: MAX_GUEST_MEMORY }), "{error}");
    assert_eq!(state(session.host()), before, "every frame's writes are undone");
    assert_eq!(session.suspended(), 0);
    let again = session.start(&outer).unwrap_err();
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

fn inner<T>(result: Result<T, evmpc_host::revm_host::RevmHostError>) -> Result<T, DiskError> {
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
    fn tload(&mut self, address: &Address, key: &Word) -> Result<Word, DiskError> {
        self.check("tload")?;
        inner(self.inner.tload(address, key))
    }
    fn tstore(&mut self, address: &Address, key: &Word, value: &Word) -> Result<(), DiskError> {
        self.check("tstore")?;
        inner(self.inner.tstore(address, key, value))
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
    fn block_hash(&mut self, number: u64) -> Result<Word, DiskError> {
        self.check("block_hash")?;
        inner(self.inner.block_hash(number))
    }
    fn log(&mut self, address: &Address, topics: &[Word], data: &[u8]) -> Result<(), DiskError> {
        self.check("log")?;
        inner(self.inner.log(address, topics, data))
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
    let other = format!("PUSH20 0x{}", hex::encode([0xaa; 20]));
    let programs = [
        ("sload", "PUSH1 0x01 SLOAD".to_string()),
        ("sstore", "PUSH1 0x01 PUSH1 0x01 SSTORE".to_string()),
        ("tload", "PUSH1 0x01 TLOAD".to_string()),
        ("tstore", "PUSH1 0x01 PUSH1 0x01 TSTORE".to_string()),
        ("account", format!("{other} BALANCE")),
        ("code_copy", format!("PUSH1 0x20 PUSH1 0x00 PUSH1 0x00 {other} EXTCODECOPY")),
        ("block_hash", "PUSH1 0x00 BLOCKHASH".to_string()),
        ("log", "PUSH1 0x00 PUSH1 0x00 LOG0".to_string()),
        ("selfdestruct", format!("{other} SELFDESTRUCT")),
    ];
    let engine = precompile().engine().clone();
    let failing = evmpc_host::Precompile::<FailingHost>::new(&engine).unwrap();
    for (import, program) in programs {
        let mut frame = frame(&format!("PUSH1 0x2a PUSH1 0x07 SSTORE {program} STOP"));
        if let Some(context) = frame.context.as_mut() {
            context.block.number = [0; 32];
            context.block.number[31] = 9;
        }
        let host = FailingHost { inner: MemoryHost::for_frame(&frame), fail_on: import };
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
