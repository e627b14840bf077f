#![allow(missing_docs)] // criterion_group! generates an undocumented function.
//! The precompile and native revm-interpreter side by side, same state, same run:
//! `cargo bench -p evmpc-host --bench precompile` (or `just bench`, which also prints a summary).

use criterion::{criterion_group, criterion_main, Criterion};
use evmpc_host::{Action, Engine, EngineConfig, Fork, FrameInput, MemoryHost, Precompile};
use evmpc_oracle::native;
use std::hint::black_box;

fn snailtracer() -> FrameInput {
    let code = hex::decode(include_str!("../../src/workloads/data/snailtracer.hex").trim()).expect("hex");
    FrameInput::call(Fork::Cancun, code, vec![0x30, 0x62, 0x7b, 0x7c], 1_000_000_000)
}

/// `n` warm SLOADs of slot 0 in a loop.
fn sload_loop(n: u16) -> FrameInput {
    let [hi, lo] = n.to_be_bytes();
    let code =
        vec![0x61, hi, lo, 0x5b, 0x60, 0x00, 0x54, 0x50, 0x60, 0x01, 0x90, 0x03, 0x80, 0x60, 0x03, 0x57, 0x50, 0x00];
    FrameInput::call(Fork::Cancun, code, Vec::new(), 10_000_000)
}

fn run_wasm(precompile: &Precompile<MemoryHost>, frame: &FrameInput) {
    let mut session = precompile.session(MemoryHost::for_frame(frame)).expect("session");
    let Action::Return(result) = session.start(frame).expect("frame") else { panic!("a sub-call") };
    black_box(session.bytes(result.output).expect("output"));
}

fn run_native(table: &native::MemoryTable, frame: &FrameInput) {
    let mut host = MemoryHost::for_frame(frame);
    black_box(native::run_frame(&mut host, table, frame).expect("frame"));
}

fn benches(c: &mut Criterion) {
    let engine = Engine::new(&EngineConfig::default()).expect("engine");
    let precompile = Precompile::<MemoryHost>::new(&engine).expect("precompile");
    let table: native::MemoryTable = native::table();
    let workloads = [
        ("snailtracer", snailtracer()),
        ("empty frame", FrameInput::call(Fork::Cancun, Vec::new(), Vec::new(), 100_000)),
        ("sload x1000", sload_loop(1_000)),
    ];
    for (name, frame) in &workloads {
        let mut group = c.benchmark_group(*name);
        if *name == "snailtracer" {
            group.sample_size(10);
        }
        group.bench_function("precompile", |b| b.iter(|| run_wasm(&precompile, frame)));
        group.bench_function("native", |b| b.iter(|| run_native(&table, frame)));
        group.finish();
    }
}

criterion_group! {
    name = precompile_vs_native;
    config = Criterion::default();
    targets = benches
}
criterion_main!(precompile_vs_native);
