use crate::frames::Frames;
use crate::host::ImportHost;
use crate::state::state;
use evmpc_abi::limits::MAX_MESSAGE_SIZE;
use evmpc_abi::{Action, BoundaryError, FrameInput, SubcallOutcome};

/// Reserves `len` bytes for the next message and returns their address.
#[no_mangle]
pub extern "C" fn input_buffer(len: i32) -> i32 {
    let state = state();
    let len = (len.max(0) as usize).min(MAX_MESSAGE_SIZE);
    // The buffer only grows: bytes past `len` are stale and never read (messages are
    // decoded from `input[..len]`), and zeroing a large buffer on every call is wasted work.
    if state.input.len() < len {
        state.input.resize(len, 0);
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

/// Decodes the `len`-byte message at the start of the input buffer.
fn decode<T: borsh::BorshDeserialize>(input: &[u8], len: i32) -> Result<T, BoundaryError> {
    let len = usize::try_from(len).map_err(|_| BoundaryError::Malformed)?;
    let bytes = input.get(..len).ok_or(BoundaryError::MessageTooLarge)?;
    borsh::from_slice(bytes).map_err(|_| BoundaryError::Malformed)
}

fn start(len: i32) -> Result<Action, BoundaryError> {
    let state = state();
    let frame: FrameInput = decode(&state.input, len)?;
    if let Some(context) = &frame.context {
        if state.frames.is_empty() {
            state.host = Some(ImportHost::new(context, frame.fork));
        }
    }
    let host = state.host.as_mut().ok_or(BoundaryError::MissingContext)?;
    Frames { host, stack: &mut state.frames }.start(frame)
}

fn resume(len: i32) -> Result<Action, BoundaryError> {
    let state = state();
    let outcome: SubcallOutcome = decode(&state.input, len)?;
    let host = state.host.as_mut().ok_or(BoundaryError::NothingSuspended)?;
    Frames { host, stack: &mut state.frames }.resume(outcome)
}

fn finish(result: Result<Action, BoundaryError>) -> i64 {
    let action = match result {
        Ok(action) => action,
        Err(error) => return -(error.to_u8() as i64),
    };
    let output = &mut state().output;
    output.clear();
    if borsh::to_writer(&mut *output, &action).is_err() {
        return -(BoundaryError::OutOfMemory.to_u8() as i64);
    }
    ((output.as_ptr() as usize as i64) << 32) | output.len() as i64
}
