use crate::code_cache::CodeCache;
use crate::frames::Suspended;
use crate::host::{spec_of, ImportHost, StaticGas};
use crate::operand_stack::StackArena;
use crate::running::SpareBox;
use alloc::vec::Vec;
use core::cell::UnsafeCell;
use evmpc_abi::ExecContext;
use revm_interpreter::instructions::gas_table_spec;
use revm_interpreter::primitives::hardfork::SpecId;
use revm_interpreter::primitives::Bytes;

/// Everything that lives for the whole session (one Wasm instance).
pub(crate) struct State {
    /// Set by the session's first frame.
    pub(crate) session: Option<Session>,
    /// Suspended frames, outermost first.
    pub(crate) frames: Vec<Suspended>,
    /// Where the host writes the next message.
    pub(crate) input: Vec<u8>,
    /// The last encoded action, read by the host.
    pub(crate) output: Vec<u8>,
}

/// What the session's first frame fixes, and what the session accumulates.
pub(crate) struct Session {
    /// The context as the first frame gave it; later frames may only repeat it.
    pub(crate) context: ExecContext,
    /// The fork's revm spec.
    pub(crate) spec: SpecId,
    /// revm's `Host` over the imports.
    pub(crate) host: ImportHost,
    /// Analysed account code, by hash.
    pub(crate) code: CodeCache,
    /// Interpreters of returned frames, reused by new ones.
    pub(crate) spare: Vec<SpareBox>,
    /// Where frames' EVM stacks live.
    pub(crate) stacks: StackArena,
    /// Output of the root frame that returned last, kept for the host to read.
    pub(crate) root_output: Bytes,
    /// The transient-storage journal when the running root frame started.
    pub(crate) root_transient_mark: usize,
}

impl Session {
    pub(crate) fn new(context: ExecContext) -> Session {
        let spec = spec_of(context.fork);
        let gas_table = gas_table_spec(spec);
        crate::running::use_gas_table(gas_table);
        Session {
            host: ImportHost::new(&context, StaticGas::of(&gas_table)),
            spec,
            context,
            code: CodeCache::default(),
            spare: Vec::new(),
            stacks: StackArena::default(),
            root_output: Bytes::new(),
            root_transient_mark: 0,
        }
    }
}

struct Global(UnsafeCell<State>);

// SAFETY: the guest is single-threaded (wasm32v1-none has no threads).
unsafe impl Sync for Global {}

static STATE: Global =
    Global(UnsafeCell::new(State { session: None, frames: Vec::new(), input: Vec::new(), output: Vec::new() }));

/// The session state.
///
/// Exports are not reentrant (the host never calls back into the guest from an import), so
/// only one mutable reference exists at a time: the one each export takes on entry.
pub(crate) fn state() -> &'static mut State {
    // SAFETY: single-threaded and not reentrant, see above.
    unsafe { &mut *STATE.0.get() }
}
