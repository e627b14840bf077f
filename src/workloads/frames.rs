//! Single frames on a fresh in-memory state, for `evmpc bench` and the criterion benches.

use super::{snailtracer, SNAILTRACER_CALLDATA};
use evmpc_host::{Action, Fork, FrameInput, MemoryHost, Precompile, ReturnedFrame};
use evmpc_oracle::native;

/// A benchmark: one frame on a fresh in-memory state.
#[derive(Clone, Debug)]
pub struct Workload {
    /// Short name.
    pub name: &'static str,
    /// The frame.
    pub frame: FrameInput,
}

/// Number of loop iterations of [`sload_loop`] and [`iszero_loop`].
pub const LOOP_ITERATIONS: u16 = 10_000;

/// snailtracer: `Benchmark()` with a gas limit of 10^9 (compute-bound).
pub fn snailtracer_frame() -> Workload {
    Workload {
        name: "snailtracer",
        frame: FrameInput::call(Fork::Cancun, snailtracer(), SNAILTRACER_CALLDATA.to_vec(), 1_000_000_000),
    }
}

/// An empty frame: no code at all.
pub fn empty_frame() -> Workload {
    Workload { name: "empty frame", frame: FrameInput::call(Fork::Cancun, Vec::new(), Vec::new(), 100_000) }
}

/// A loop of `n` iterations whose body runs `op` (one stack item in, one out) on slot 0.
fn loop_with(op: u8, n: u16) -> Vec<u8> {
    let [hi, lo] = n.to_be_bytes();
    // PUSH2 n; JUMPDEST; PUSH1 0; op; POP; PUSH1 1; SWAP1; SUB; DUP1; PUSH1 3; JUMPI; POP; STOP
    vec![0x61, hi, lo, 0x5b, 0x60, 0x00, op, 0x50, 0x60, 0x01, 0x90, 0x03, 0x80, 0x60, 0x03, 0x57, 0x50, 0x00]
}

/// `LOOP_ITERATIONS` warm SLOADs: one import call each.
pub fn sload_loop() -> Workload {
    Workload {
        name: "sload loop",
        frame: FrameInput::call(Fork::Cancun, loop_with(0x54, LOOP_ITERATIONS), Vec::new(), 10_000_000),
    }
}

/// The same loop with ISZERO in place of SLOAD: the baseline to subtract.
pub fn iszero_loop() -> Workload {
    Workload {
        name: "iszero loop",
        frame: FrameInput::call(Fork::Cancun, loop_with(0x15, LOOP_ITERATIONS), Vec::new(), 10_000_000),
    }
}

/// Runs the workload through a fresh session of the precompile on a fresh state.
///
/// # Panics
/// If the precompile fails or the frame asks for a sub-call: workloads are single frames.
pub fn run_precompile(precompile: &Precompile<MemoryHost>, workload: &Workload) -> ReturnedFrame {
    let mut session = precompile.session(MemoryHost::for_frame(&workload.frame)).expect("session");
    match session.start(&workload.frame).expect("frame runs") {
        Action::Return(result) => session.returned(&result).expect("output in guest memory"),
        other => panic!("{}: unexpected sub-call {other:?}", workload.name),
    }
}

/// Runs the workload with native revm-interpreter on a fresh state.
///
/// # Panics
/// If the frame asks for a sub-call.
pub fn run_native(table: &native::MemoryTable, workload: &Workload) -> ReturnedFrame {
    let mut host = MemoryHost::for_frame(&workload.frame);
    native::run_frame(&mut host, table, &workload.frame).expect("single frame")
}
