use crate::frames::Suspended;
use crate::host::ImportHost;
use alloc::vec::Vec;
use core::cell::UnsafeCell;

/// Everything that lives for the whole session (one Wasm instance).
pub(crate) struct State {
    /// The host view, set from the first frame's context.
    pub(crate) host: Option<ImportHost>,
    /// Suspended frames, outermost first.
    pub(crate) frames: Vec<Suspended>,
    /// Where the host writes the next message.
    pub(crate) input: Vec<u8>,
    /// The last encoded action, read by the host.
    pub(crate) output: Vec<u8>,
}

struct Global(UnsafeCell<State>);

// SAFETY: the guest is single-threaded (wasm32v1-none has no threads).
unsafe impl Sync for Global {}

static STATE: Global =
    Global(UnsafeCell::new(State { host: None, frames: Vec::new(), input: Vec::new(), output: Vec::new() }));

/// The session state.
///
/// Exports are not reentrant (the host never calls back into the guest from an import), so
/// only one mutable reference exists at a time: the one each export takes on entry.
pub(crate) fn state() -> &'static mut State {
    // SAFETY: single-threaded and not reentrant, see above.
    unsafe { &mut *STATE.0.get() }
}
