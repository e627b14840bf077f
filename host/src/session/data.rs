//! What a session's wasmtime store holds: the node's host and the session's bookkeeping.

use super::blame::MemoryCap;
use crate::error::NodeError;
use crate::evm_host::{EvmHost, Transfer};
use crate::fees::Usage;
use evmpc_abi::{Address, Word};

/// What a session's store holds: the node's host and the session's bookkeeping.
pub struct SessionData<H: EvmHost> {
    pub(crate) host: H,
    pub(crate) memory: Option<wasmtime::Memory>,
    /// The guest's memory when wasmi runs it.
    pub(crate) wasmi_memory: Option<wasmi::Memory>,
    pub(crate) failure: Option<NodeError>,
    pub(crate) limiter: MemoryCap,
    /// One entry per open frame: its checkpoint, or `None` when the caller keeps
    /// checkpoints itself.
    pub(crate) frames: Vec<Option<H::Checkpoint>>,
    /// Whether the guest may run calls itself (`call_enter`).
    pub(crate) inline_calls: bool,
    /// What the session did that its fee depends on.
    pub(crate) usage: Usage,
}

/// What became of a guest's `call_enter`.
pub(crate) enum CallEntry {
    /// The frame is open (checkpoint taken, value moved).
    Entered,
    /// The transfer failed; nothing changed.
    Failed(Transfer),
    /// The session's caller runs calls itself.
    NotServed,
}

impl<H: EvmHost> SessionData<H> {
    pub(crate) fn new(host: H) -> Self {
        SessionData {
            host,
            memory: None,
            wasmi_memory: None,
            failure: None,
            limiter: MemoryCap::default(),
            frames: Vec::new(),
            inline_calls: false,
            usage: Usage::default(),
        }
    }

    /// Opens the frame of a call the guest runs itself: a checkpoint, then the transfer
    /// of `value` if there is one.
    pub(crate) fn enter_call(
        &mut self,
        caller: &Address,
        target: &Address,
        value: Option<&Word>,
    ) -> Result<CallEntry, H::Error> {
        if !self.inline_calls {
            return Ok(CallEntry::NotServed);
        }
        let checkpoint = self.host.checkpoint();
        if let Some(value) = value {
            match self.host.transfer(caller, target, value) {
                Ok(Transfer::Done) => {}
                Ok(failed) => {
                    self.host.checkpoint_revert(checkpoint);
                    return Ok(CallEntry::Failed(failed));
                }
                Err(error) => {
                    self.host.checkpoint_revert(checkpoint);
                    return Err(error);
                }
            }
        }
        self.frames.push(Some(checkpoint));
        self.usage.frames += 1;
        Ok(CallEntry::Entered)
    }

    /// Closes the innermost frame `enter_call` opened: keeps its changes on `success`,
    /// undoes them otherwise. `false` when no such frame is open (a guest bug).
    pub(crate) fn exit_call(&mut self, success: bool) -> bool {
        let Some(Some(checkpoint)) = self.frames.pop() else { return false };
        if success {
            self.host.checkpoint_commit();
        } else {
            self.host.checkpoint_revert(checkpoint);
        }
        true
    }
}
