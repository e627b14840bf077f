//! What a session's store holds, under any engine: the node's host and the session's
//! bookkeeping. Each engine's store (`backend`) keeps this beside its own handles.

use crate::error::NodeError;
use crate::fees::{Term, Usage};
use crate::state_host::evm_host::{EvmHost, Transfer};
use code_window::CodeWindow;
use evmpc_abi::{Address, Word};
use warm_slots::WarmSlots;

pub(crate) mod code_window;
mod warm_slots;

/// What a session's store holds: the node's host and the session's bookkeeping.
pub(crate) struct SessionData<H: EvmHost> {
    pub(crate) host: H,
    /// The failure of the last `EvmHost` call, kept for the trap it raises.
    pub(crate) failure: Option<NodeError>,
    /// One entry per open frame: its checkpoint, or `None` when the caller keeps
    /// checkpoints itself.
    pub(crate) frames: Vec<Option<H::Checkpoint>>,
    /// Whether the guest may run calls itself (`call_enter`).
    pub(crate) inline_calls: bool,
    /// What the session did that its fee depends on.
    pub(crate) usage: Usage,
    /// Slots the running frames read or wrote, answered again without the host.
    pub(crate) warm_slots: WarmSlots,
    /// The codes the instance keeps past the guest's cap, lent to the session by an engine
    /// that reuses instances (`backend::wasmtime`).
    pub(crate) code_window: Option<CodeWindow>,
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
            failure: None,
            frames: Vec::new(),
            inline_calls: false,
            usage: Usage::default(),
            warm_slots: WarmSlots::default(),
            code_window: None,
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
        self.usage.add(Term::Frames, 1);
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
            // The callee's writes and first reads are undone: its slots are cold again.
            self.warm_slots.forget();
        }
        true
    }
}
