//! Engine settings: the on-disk cache of the compiled artifact and refused configurations.

use evmpc_host::{Engine, Error, Fork, FrameInput, HostConfig, MemoryHost, NodeError, Precompile, Status};

#[test]
fn the_compiled_artifact_is_cached_on_disk_and_reused() {
    let dir = std::env::temp_dir().join(format!("evmpc-cache-test-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let mut config = HostConfig::new();
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
    let error = Engine::new(HostConfig::new().max_sessions(0)).unwrap_err();
    assert!(matches!(error, Error::Node(NodeError::Config(_))), "{error}");
    let error = Engine::new(HostConfig::new().max_wasm_stack(1024)).unwrap_err();
    assert!(matches!(error, Error::Node(NodeError::Config(_))), "{error}");
}

#[test]
fn sessions_beyond_the_pool_are_a_node_error_and_slots_come_back() {
    let mut config = HostConfig::new();
    config.max_sessions(1);
    let engine = Engine::new(&config).unwrap();
    let precompile = Precompile::<MemoryHost>::new(&engine).unwrap();
    let first = precompile.session(MemoryHost::default()).unwrap();
    let error = precompile.session(MemoryHost::default()).err().expect("the pool has one slot");
    assert!(matches!(error, Error::Node(NodeError::Engine(_))), "{error}");
    drop(first);
    precompile.session(MemoryHost::default()).expect("the slot is free again");
}
