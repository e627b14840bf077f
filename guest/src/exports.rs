use crate::frames::Frames;
use crate::message::{decode_frame, decode_outcome};
use crate::state::{state, Session};
use evmpc_abi::limits::MAX_MESSAGE_SIZE;
use evmpc_abi::{BoundaryError, Fork};

/// Reserves `len` bytes for the next message and returns their address.
#[no_mangle]
pub extern "C" fn input_buffer(len: i32) -> i32 {
    let state = state();
    let len = (len.max(0) as usize).min(MAX_MESSAGE_SIZE);
    // The buffer only grows (until a large outcome takes it over), and is not zeroed: the
    // node writes each message before the guest reads it, and only the `len` bytes of the
    // message are ever read, so zeroing a large buffer would be wasted work.
    if state.input.len() < len {
        state.input.reserve(len - state.input.len());
        // SAFETY: capacity covers `len`; Wasm memory holds no uninitialized bytes at the
        // machine level, and the guest reads only what the node has written.
        unsafe { state.input.set_len(len) };
    }
    state.input.as_mut_ptr() as usize as i32
}

/// Starts a frame from the `len`-byte borsh `FrameInput` in the input buffer.
///
/// Returns `ptr << 32 | len` of the borsh `Action`, or `-code` of a [`BoundaryError`].
#[no_mangle]
pub extern "C" fn frame_start(len: i32) -> i64 {
    finish(start(len))
}

/// Resumes the suspended top frame with the `len`-byte borsh `SubcallOutcome` in the input
/// buffer. Returns like [`frame_start`].
#[no_mangle]
pub extern "C" fn frame_resume(len: i32) -> i64 {
    finish(resume(len))
}

/// The units the session's frames have counted so far ([`evmpc_abi::units`]); 0 before the
/// first frame.
#[no_mangle]
pub extern "C" fn units() -> i64 {
    state().session.as_ref().map_or(0, |session| session.host.units as i64)
}

fn start(len: i32) -> Result<(), BoundaryError> {
    let state = state();
    let frame = decode_frame(&state.input, len)?;
    let session = match (&mut state.session, frame.context.as_ref()) {
        (Some(session), Some(context)) if **context != session.context => return Err(BoundaryError::ContextMismatch),
        (Some(session), _) => session,
        // After the Merge, PREVRANDAO reads the block's randomness: a context without it
        // cannot run the fork (revm's validation refuses such a block; the guest must too).
        (None, Some(context)) if context.fork >= Fork::Merge && context.block.prevrandao.is_none() => {
            return Err(BoundaryError::MissingContext)
        }
        (session @ None, Some(context)) => session.insert(Session::new((**context).clone())),
        (None, None) => return Err(BoundaryError::MissingContext),
    };
    Frames { session, stack: &mut state.frames, out: &mut state.output }.start(frame)
}

fn resume(len: i32) -> Result<(), BoundaryError> {
    let state = state();
    let outcome = decode_outcome(&mut state.input, len)?;
    let session = state.session.as_mut().ok_or(BoundaryError::NothingSuspended)?;
    Frames { session, stack: &mut state.frames, out: &mut state.output }.resume(outcome)
}

/// `ptr << 32 | len` of the action the call left in the output buffer, or `-code`.
fn finish(result: Result<(), BoundaryError>) -> i64 {
    match result {
        Ok(()) => {
            let output = &state().output;
            ((output.as_ptr() as usize as i64) << 32) | output.len() as i64
        }
        Err(error) => -(error.to_u8() as i64),
    }
}
