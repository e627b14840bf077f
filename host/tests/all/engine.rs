//! Engine settings: the on-disk cache of the compiled artifact and refused configurations.

use evmpc_host::{Engine, EngineConfig, Error, Fork, FrameInput, MemoryHost, NodeError, Precompile, Status};
use std::path::PathBuf;

fn cache_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("evmpc-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

#[test]
fn the_compiled_artifact_is_cached_on_disk_and_reused() {
    let dir = cache_dir("cache-test");
    let mut config = EngineConfig::new();
    config.cache_dir(&dir).max_sessions(2);
    let first = Engine::new(&config).unwrap();
    first.module().unwrap();
    let files: Vec<_> = std::fs::read_dir(&dir).unwrap().map(|entry| entry.unwrap().path()).collect();
    assert_eq!(files.len(), 1, "one compiled module in {files:?}");
    assert_eq!(files[0].extension().and_then(|ext| ext.to_str()), Some("cwasm"));

    // A second engine with the same settings loads the cached module and runs frames.
    let second = Engine::new(&config).unwrap();
    let precompile = Precompile::<MemoryHost>::new(&second).unwrap();
    let frame = FrameInput::call(Fork::Cancun, vec![0x00], Vec::new(), 1_000);
    let mut session = precompile.session(MemoryHost::for_frame(&frame)).unwrap();
    assert_eq!(session.start(&frame).unwrap().into_return().unwrap().status, Status::Stop);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn invalid_settings_are_refused_once_at_engine_creation() {
    let error = Engine::new(EngineConfig::new().max_sessions(0)).unwrap_err();
    assert!(matches!(error, Error::Node(NodeError::Config(_))), "{error}");
    let error = Engine::new(EngineConfig::new().max_wasm_stack(1024)).unwrap_err();
    assert!(matches!(error, Error::Node(NodeError::Config(_))), "{error}");
    let error = Engine::new(EngineConfig::new().keep_resident(usize::MAX)).unwrap_err();
    assert!(matches!(error, Error::Node(NodeError::Config(_))), "{error}");
}

#[test]
fn sessions_beyond_the_pool_are_pool_exhausted_and_slots_come_back() {
    let mut config = EngineConfig::new();
    config.max_sessions(1);
    let engine = Engine::new(&config).unwrap();
    let precompile = Precompile::<MemoryHost>::new(&engine).unwrap();
    let first = precompile.session(MemoryHost::default()).unwrap();
    let error = precompile.session(MemoryHost::default()).err().expect("the pool has one slot");
    assert!(matches!(error, Error::Node(NodeError::PoolExhausted { .. })), "{error}");
    drop(first);
    precompile.session(MemoryHost::default()).expect("the slot is free again");
}

#[test]
fn concurrent_writers_of_the_cache_never_mix_their_files() {
    let dir = cache_dir("cache-race");
    let mut config = EngineConfig::new();
    config.cache_dir(&dir).max_sessions(1);
    let writers: Vec<_> = (0..3)
        .map(|_| {
            let config = config.clone();
            std::thread::spawn(move || Engine::new(&config).unwrap().module().map(|_| ()).unwrap())
        })
        .collect();
    writers.into_iter().for_each(|writer| writer.join().unwrap());
    let names: Vec<String> =
        std::fs::read_dir(&dir).unwrap().map(|entry| entry.unwrap().file_name().to_string_lossy().into()).collect();
    assert_eq!(names.len(), 1, "one module, no partial files: {names:?}");
    let engine = Engine::new(&config).unwrap();
    let precompile = Precompile::<MemoryHost>::new(&engine).unwrap();
    let frame = FrameInput::call(Fork::Cancun, vec![0x00], Vec::new(), 1_000);
    let mut session = precompile.session(MemoryHost::for_frame(&frame)).unwrap();
    assert_eq!(session.start(&frame).unwrap().into_return().unwrap().status, Status::Stop);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn the_guest_runs_its_deepest_paths_at_the_smallest_stack_the_config_allows() {
    // The native stack is a node's setting: the guest must fit the smallest one allowed,
    // on every program of the differential corpus, snailtracer and the sub-call paths.
    let mut config = EngineConfig::new();
    config.max_wasm_stack(EngineConfig::MIN_WASM_STACK).max_sessions(4);
    let engine = Engine::new(&config).unwrap();
    let precompile = Precompile::<MemoryHost>::new(&engine).unwrap();
    for (name, frame, setup) in crate::differential::frames() {
        let mut host = MemoryHost::for_frame(&frame);
        setup(&mut host);
        let mut session = precompile.session(host).unwrap();
        session.start(&frame).unwrap_or_else(|error| panic!("{name}: {error}"));
    }
    let snailtracer = hex::decode(include_str!("../../../src/workloads/data/snailtracer.hex").trim()).unwrap();
    let frame = FrameInput::call(Fork::Cancun, snailtracer, vec![0x30, 0x62, 0x7b, 0x7c], 1_000_000_000);
    let mut session = precompile.session(MemoryHost::for_frame(&frame)).unwrap();
    let result = session.start(&frame).unwrap().into_return().unwrap();
    assert_eq!(result.status, Status::Return);
    crate::subcalls::round_trips(&precompile);
}

/// Runs `frame` in a fresh session of `precompile`: what it returned, the state it left
/// and the units it counted. A sub-call request ends the session with its frame suspended.
fn outcome(precompile: &Precompile<MemoryHost>, frame: &FrameInput) -> String {
    let mut session = precompile.session(MemoryHost::for_frame(frame)).unwrap();
    let refused = session.start_encoded(&[0xff; 7]).unwrap_err();
    let action = session.start(frame).unwrap();
    let returned = action.clone().into_return().map(|result| session.returned(&result).unwrap());
    let units = session.usage().units;
    let state = crate::harness::state(&session.into_host());
    format!("{refused} {action:?} {returned:?} {units} {state:?}")
}

/// An engine that keeps one idle instance hands the same instance to every session, reset
/// between them; each session sees exactly what a fresh instance shows it.
#[test]
fn reused_instances_run_frames_as_fresh_ones() {
    let reusing = Precompile::<MemoryHost>::new(&Engine::new(EngineConfig::new().idle_instances(1)).unwrap()).unwrap();
    let fresh = Precompile::<MemoryHost>::new(&Engine::new(EngineConfig::new().idle_instances(0)).unwrap()).unwrap();
    let programs = [
        "PUSH1 0x2a PUSH1 0x07 SSTORE PUSH32 0x0102030405060708091011121314151617181920212223242526272829303132 \
         PUSH2 0x0400 MSTORE PUSH1 0x20 PUSH2 0x0400 KECCAK256 PUSH1 0x00 MSTORE PUSH1 0x01 PUSH1 0x01 TSTORE \
         PUSH1 0x40 PUSH1 0x00 LOG0 PUSH1 0x01 TLOAD PUSH1 0x20 MSTORE PUSH1 0x40 PUSH1 0x00 RETURN",
        "PUSH1 0x00 PUSH1 0x00 PUSH1 0x20 PUSH1 0x00 PUSH1 0x00 PUSH20 0xaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa GAS CALL",
        "PUSH1 0x01 TLOAD PUSH1 0x00 MSTORE PUSH2 0x0400 MLOAD PUSH1 0x20 MSTORE PUSH1 0x40 PUSH1 0x00 RETURN",
        "PUSH3 0x0fffff MLOAD PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 REVERT",
        "PUSH1 0x01 TLOAD PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 RETURN",
    ];
    for round in 0..2 {
        for program in programs {
            let frame = FrameInput::call(Fork::Cancun, crate::asm::asm(program), Vec::new(), 1_000_000);
            assert_eq!(outcome(&reusing, &frame), outcome(&fresh, &frame), "round {round}: {program}");
        }
    }
}
