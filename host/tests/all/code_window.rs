//! Codes an instance keeps past the guest's cap (`EngineConfig::code_window`): a session whose
//! codes are served from there gives the same results, gas, state, memory and usage as one
//! whose codes are copied into guest memory, on any engine, whether the window holds a code
//! already, has room for it, or is full.

use crate::asm::asm;
use crate::harness::state;
use evmpc_host::{Action, Engine, EngineConfig, FrameInput, MemoryHost, Precompile, WasmEngine};
use revm::primitives::U256;

/// Distinct contracts the frame calls, one each, some twice.
const CALLEES: u16 = 12;

fn callee_address(index: u16) -> [u8; 20] {
    let mut address = [0xc0; 20];
    address[18..].copy_from_slice(&index.to_be_bytes());
    address
}

/// A contract of about `1,000 + 2,000 * index` bytes: a jump over PUSH32 data full of
/// JUMPDEST bytes (which the bitmap must mark invalid) to its body, which expands its memory
/// (the guest's allocator takes memory between the codes' blocks) and returns its index, its
/// code size and a word of its own code; every fourth jumps into its PUSH data instead and
/// halts.
fn callee_code(index: u16) -> Vec<u8> {
    let pushes = (1_000 + 2_000 * usize::from(index)) / 33;
    let body_at = 4 + pushes * 33;
    let body = if index % 4 == 3 {
        "JUMPDEST PUSH2 0x0005 JUMP".to_string()
    } else {
        format!(
            "JUMPDEST PUSH1 0x01 PUSH2 {:#06x} MSTORE PUSH2 {index:#06x} PUSH1 0x00 MSTORE CODESIZE PUSH1 0x20 \
             MSTORE PUSH1 0x20 PUSH2 {:#06x} PUSH1 0x40 CODECOPY PUSH1 0x60 PUSH1 0x00 RETURN",
            0x700 * (usize::from(index) + 1),
            body_at / 2
        )
    };
    let data = format!("PUSH32 0x{}{:04x} ", "5b".repeat(30), index);
    asm(&format!("PUSH2 {body_at:#06x} JUMP {} {body}", data.repeat(pushes)))
}

/// A frame that CALLs every callee, then every one again, keeping each one's success
/// flag and output, and returns them all.
fn frame() -> FrameInput {
    let order: Vec<u16> = (0..CALLEES).chain(0..CALLEES).collect();
    let mut code = String::new();
    for (slot, index) in order.iter().enumerate() {
        code += &format!(
            "PUSH1 0x60 PUSH2 {:#06x} PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH20 0x{} PUSH3 0x030000 CALL \
             PUSH2 {:#06x} MSTORE ",
            slot * 0x80,
            hex::encode(callee_address(*index)),
            slot * 0x80 + 0x60
        );
    }
    code += &format!("PUSH2 {:#06x} PUSH1 0x00 RETURN", order.len() * 0x80);
    FrameInput::call(evmpc_host::Fork::Cancun, asm(&code), Vec::new(), 10_000_000)
}

fn precompile(configure: impl FnOnce(&mut EngineConfig)) -> Precompile<MemoryHost> {
    let mut config = EngineConfig::new();
    config.max_sessions(4);
    configure(&mut config);
    Precompile::new(&Engine::new(&config).unwrap()).unwrap()
}

fn insert_callees(host: &mut MemoryHost) {
    for index in 0..CALLEES {
        host.insert_account(callee_address(index), U256::ZERO, 1, &callee_code(index));
    }
}

/// One session of `precompile` running [`frame`] with calls inline: everything the node
/// and the fee see.
fn outcome(precompile: &Precompile<MemoryHost>) -> String {
    let frame = frame();
    let mut host = MemoryHost::for_frame(&frame);
    insert_callees(&mut host);
    host.warm_frame_accounts(&frame);
    let mut session = precompile.session(host).unwrap();
    session.inline_calls(true);
    let action = session.start(&frame).unwrap();
    let Action::Return(result) = action else { panic!("the calls ran inline: {action:?}") };
    let output = hex::encode(session.bytes(result.output).unwrap());
    let (usage, memory) = (session.usage(), session.memory_size());
    let state = state(&session.into_host());
    format!("{:?} {} {output} {usage:?} {memory} {state:?}", result.status, result.gas_used)
}

#[test]
fn codes_served_from_the_window_run_as_codes_copied_into_guest_memory() {
    let copied = outcome(&precompile(|config| {
        config.code_window(0);
    }));
    assert!(copied.starts_with("Return"), "{copied}");
    let window = precompile(|config| {
        config.idle_instances(1);
    });
    for session in 0..3 {
        // The first session fills the window, the next ones read it.
        assert_eq!(outcome(&window), copied, "session {session} on the window's instance");
    }
    // 64 KiB holds the first few codes only: the rest are copied, and the next session
    // starts the window over.
    let small = precompile(|config| {
        config.idle_instances(1).code_window(64 * 1024);
    });
    for session in 0..3 {
        assert_eq!(outcome(&small), copied, "session {session} with a full window");
    }
    let wasmi = outcome(&precompile(|config| {
        config.wasm_engine(WasmEngine::Wasmi);
    }));
    assert_eq!(wasmi, copied, "wasmi writes every code into guest memory");
}

#[test]
fn a_code_window_above_its_maximum_is_refused() {
    let error = Engine::new(EngineConfig::new().code_window(EngineConfig::MAX_CODE_WINDOW + 1)).unwrap_err();
    assert!(error.to_string().contains("code_window"), "{error}");
}
