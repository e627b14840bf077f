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
