//! Runs a frame through the precompile and through native revm on identical states, and
//! projects what they did into comparable values.

use evmpc_host::{Action, Engine, EngineConfig, FrameInput, MemoryHost, Precompile, ReturnedFrame, Status};
use evmpc_oracle::native;
use std::collections::BTreeMap;
use std::sync::OnceLock;

/// The precompile, compiled once for the whole test binary.
pub(crate) fn precompile() -> &'static Precompile<MemoryHost> {
    static PRECOMPILE: OnceLock<Precompile<MemoryHost>> = OnceLock::new();
    PRECOMPILE.get_or_init(|| {
        let mut config = EngineConfig::new();
        config.max_sessions(16);
        Precompile::new(&Engine::new(&config).expect("engine")).expect("precompile")
    })
}

type Bytes = Vec<u8>;
/// Storage key → (original, present).
type Slots = BTreeMap<Bytes, (Bytes, Bytes)>;

/// What a frame left behind.
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct Effects {
    pub(crate) result: ReturnedFrame,
    pub(crate) state: State,
    /// Units counted: by the guest, or by native revm for the same frame.
    pub(crate) units: u64,
}

/// The state a frame leaves: logs, touched accounts with their changed slots, and which
/// accounts and slots are warm. (Transient storage lives in the guest; programs that use it
/// return what they read.)
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct State {
    pub(crate) logs: Vec<(Bytes, Vec<Bytes>, Bytes)>,
    /// touched address → (balance, nonce, code hash, changed slots).
    pub(crate) accounts: BTreeMap<Bytes, (Bytes, u64, Bytes, Slots)>,
    /// Warm accounts, each with its warm slots.
    pub(crate) warm: BTreeMap<Bytes, Vec<Bytes>>,
}

/// A state-setting step applied to both hosts alike.
pub(crate) type Setup = fn(&mut MemoryHost);

fn word(value: &revm::primitives::U256) -> Bytes {
    value.to_be_bytes::<32>().to_vec()
}

/// The host's state, projected for comparison.
pub(crate) fn state(host: &MemoryHost) -> State {
    let journal = &host.ctx.journaled_state;
    let tx = journal.transaction_id;
    let logs = host
        .logs()
        .iter()
        .map(|log| {
            (log.address.to_vec(), log.data.topics().iter().map(|t| t.to_vec()).collect(), log.data.data.to_vec())
        })
        .collect();
    let accounts = journal
        .state
        .iter()
        .filter(|(_, account)| account.is_touched())
        .map(|(address, account)| {
            let slots = account
                .storage
                .iter()
                .filter(|(_, slot)| slot.is_changed())
                .map(|(key, slot)| (word(key), (word(&slot.original_value), word(&slot.present_value))))
                .collect();
            let info = &account.info;
            (address.to_vec(), (word(&info.balance), info.nonce, info.code_hash.to_vec(), slots))
        })
        .collect();
    let warm = journal
        .state
        .iter()
        .filter(|(_, account)| !account.is_cold_transaction_id(tx))
        .map(|(address, account)| {
            let mut slots: Vec<Bytes> = account
                .storage
                .iter()
                .filter(|(_, slot)| !slot.is_cold_transaction_id(tx))
                .map(|(key, _)| word(key))
                .collect();
            slots.sort();
            (address.to_vec(), slots)
        })
        .collect();
    State { logs, accounts, warm }
}

pub(crate) fn effects(host: &MemoryHost, result: ReturnedFrame, units: u64) -> Effects {
    Effects { result, state: state(host), units }
}

pub(crate) fn run_precompile(frame: &FrameInput, setup: Setup) -> Effects {
    let mut host = MemoryHost::for_frame(frame);
    setup(&mut host);
    let mut session = precompile().session(host).expect("session");
    let action = session.start(frame).expect("precompile runs the frame");
    let result = match action {
        Action::Return(result) => session.returned(&result).expect("output in guest memory"),
        other => panic!("unexpected sub-call {other:?}"),
    };
    let units = session.usage().units;
    effects(&session.into_host(), result, units)
}

pub(crate) fn run_native(frame: &FrameInput, setup: Setup) -> Effects {
    let mut host = MemoryHost::for_frame(frame);
    setup(&mut host);
    let table: native::MemoryTable = native::table();
    let (result, counter) = native::run_frame_counted(&mut host, &table, frame).expect("native runs the frame");
    effects(&host, result, counter.units())
}

/// Halt reasons that a 32-bit guest and a 64-bit native build may name differently for
/// the same operand: an offset that overflows a 32-bit `usize` fails the conversion
/// (`InvalidOperandOOG`) in Wasm and the memory-cost check (`MemoryOOG`/`OutOfGas`) natively.
/// Both consume all gas and change nothing; the spec makes the halt class, not the reason,
/// consensus for these.
pub(crate) fn normalized(status: Status) -> Status {
    match status {
        Status::InvalidOperandOOG | Status::MemoryOOG | Status::MemoryLimitOOG => Status::OutOfGas,
        other => other,
    }
}

/// Runs `frame` both ways and asserts identical effects, units counted included.
pub(crate) fn assert_same(name: &str, frame: &FrameInput, setup: Setup) -> Effects {
    let mut wasm = run_precompile(frame, setup);
    let mut native = run_native(frame, setup);
    wasm.result.status = normalized(wasm.result.status);
    native.result.status = normalized(native.result.status);
    assert_eq!(wasm, native, "{name}: precompile and native revm differ");
    wasm
}
