//! The guest on wasmtime: its store, its imports and its exports.

use super::image::FreshMemory;
use super::limiter::MemoryCap;
use crate::engine::{Engine, IdleInstances};
use crate::error::{EngineError, EngineStep, GuestTrap, NodeError};
use crate::fees::Term;
use crate::imports::{self, for_each_import, ImportFault};
use crate::state_host::evm_host::EvmHost;
use crate::store::code_window::CodeWindow;
use crate::store::SessionData;
use evmpc_abi::imports::{IMPORT_MODULE, MEMORY_EXPORT};
use evmpc_abi::limits::MAX_GUEST_MEMORY;
use std::mem::ManuallyDrop;
use std::sync::{Arc, Mutex};
use wasmtime::{Caller, InstancePre, Linker, Memory, Module, Store, TypedFunc};

/// What wasmtime's store holds: the session's data (none while the instance is idle),
/// the guest's memory, the limiter, and what the instance keeps across sessions.
pub(crate) struct StoreData<H: EvmHost> {
    session: Option<SessionData<H>>,
    memory: Option<Memory>,
    limiter: MemoryCap,
    /// The instance's codes past the guest's cap; lent to the running session.
    code_window: Option<CodeWindow>,
    /// The end of the memory any session of the instance used: what it holds mapped below
    /// the cap.
    used_end: usize,
}

impl<H: EvmHost> StoreData<H> {
    fn new() -> Self {
        StoreData { session: None, memory: None, limiter: MemoryCap::default(), code_window: None, used_end: 0 }
    }

    /// Takes the running session's data, with the code window it was lent.
    fn take_session(&mut self) -> Option<SessionData<H>> {
        let mut session = self.session.take()?;
        if let Some(window) = session.code_window.take() {
            self.code_window = Some(window);
        }
        Some(session)
    }
}

impl<H: EvmHost> StoreData<H> {
    fn session(&mut self) -> &mut SessionData<H> {
        self.session.as_mut().expect("the guest runs only inside a session")
    }
}

/// Defines every import on `linker`.
fn define_imports<H: EvmHost + 'static>(linker: &mut Linker<StoreData<H>>) -> wasmtime::Result<()> {
    macro_rules! define {
        ($name:ident, ($($arg:ident: $ty:ty),*) -> $ret:ty) => {
            linker.func_wrap(
                IMPORT_MODULE,
                stringify!($name),
                |mut caller: Caller<'_, StoreData<H>>, $($arg: $ty),*| -> wasmtime::Result<$ret> {
                    let memory = caller.data().memory.expect("memory is set at instantiation");
                    let (memory, data) = memory.data_and_store_mut(&mut caller);
                    let session = data.session();
                    session.usage.add(Term::Imports, 1);
                    imports::bodies::$name(memory, session, $($arg),*).map_err(wasmtime::Error::new)
                },
            )?;
        };
    }
    for_each_import!(define);
    Ok(())
}

/// The artifact linked to the imports for `H`, and the instances of finished sessions kept
/// for the next ones.
pub(crate) struct Pool<H: EvmHost> {
    pre: InstancePre<StoreData<H>>,
    /// The artifact's initial memory, when its instances can be reset to fresh ones.
    fresh: Option<&'static FreshMemory>,
    idle: Mutex<Vec<Idle<H>>>,
    max_idle: usize,
    /// Most grown memory the idle instances hold in all.
    max_idle_memory: usize,
    /// Bytes of code each instance keeps past the cap (0: none).
    code_window: usize,
}

/// Most memory a kept instance may hold past what its last session used: more is a larger
/// session's, mapped for nothing, and goes back to the pool's slots, which keep this much
/// resident each (`EngineConfig::keep_resident`'s default).
const MAX_UNUSED_MEMORY: usize = crate::fees::RESIDENT_MEMORY as usize;

/// The artifact linked to the imports for `H`, ready to instantiate; instances are kept
/// for reuse up to `max_idle`, holding up to `max_idle_memory` bytes of grown memory and kept
/// code in all, when the artifact allows it, each keeping up to `code_window` bytes of code.
pub(crate) fn prepare<H: EvmHost + 'static>(
    engine: &wasmtime::Engine,
    module: &Module,
    max_idle: u32,
    max_idle_memory: usize,
    code_window: usize,
) -> Result<Pool<H>, EngineError> {
    let mut linker = Linker::new(engine);
    define_imports(&mut linker).map_err(|e| EngineError::new(EngineStep::Link, e))?;
    let pre = linker.instantiate_pre(module).map_err(|e| EngineError::new(EngineStep::Link, e))?;
    let fresh = if max_idle > 0 { FreshMemory::of_artifact() } else { None };
    // Codes are kept only where instances are reused (and reset).
    let code_window = if fresh.is_some() { code_window } else { 0 };
    Ok(Pool { pre, fresh, idle: Mutex::new(Vec::new()), max_idle: max_idle as usize, max_idle_memory, code_window })
}

impl<H: EvmHost> Pool<H> {
    fn idle(&self) -> std::sync::MutexGuard<'_, Vec<Idle<H>>> {
        self.idle.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Whether one more idle instance holding `grown` bytes of grown memory fits beside `idle`.
    fn fits(&self, idle: &[Idle<H>], grown: usize) -> bool {
        let held: usize = idle.iter().map(|instance| instance.grown).sum();
        idle.len() < self.max_idle && held.saturating_add(grown) <= self.max_idle_memory
    }
}

impl<H: EvmHost> IdleInstances for Pool<H> {
    fn drop_idle(&self) {
        let idle = std::mem::take(&mut *self.idle());
        drop(idle);
    }
}

/// An instance's store and the handles a session calls it by.
struct Parts<H: EvmHost> {
    store: Store<StoreData<H>>,
    memory: Memory,
    entries: [TypedFunc<i32, i64>; 2],
    input_buffer: TypedFunc<i32, i32>,
    units: TypedFunc<(), i64>,
}

/// An instance no session holds: reset to a fresh one, its store holding no session data,
/// holding `grown` bytes past the initial memory (zeros a session finds mapped, and its
/// kept codes).
struct Idle<H: EvmHost> {
    parts: Parts<H>,
    grown: usize,
}

// SAFETY: an idle instance's store holds no session data (`StoreData::session` is `None`),
// so it holds no `H` and nothing of a session's; wasmtime's store is `Send` for `Send`
// data, and the rest of `StoreData` (the memory handle, the limiter) is `Send`.
unsafe impl<H: EvmHost> Send for Idle<H> {}

/// One instance of the guest on wasmtime.
pub(crate) struct WasmtimeInstance<H: EvmHost> {
    parts: ManuallyDrop<Parts<H>>,
    pool: Arc<Pool<H>>,
    /// Every call into the guest so far returned: the instance may be reset for reuse.
    returned: bool,
}

impl<H: EvmHost + 'static> WasmtimeInstance<H> {
    /// An instance over `session`: an idle one of `pool`, or a new one. With `count`, fuel
    /// counts instructions. `engine`'s idle instances are dropped when the pool (of
    /// `max_sessions`) is full, and instantiation tried again.
    #[allow(clippy::result_large_err)]
    pub(crate) fn new(
        engine: &Engine,
        pool: &Arc<Pool<H>>,
        session: SessionData<H>,
        count: bool,
        max_sessions: u32,
    ) -> Result<Self, (SessionData<H>, NodeError)> {
        let idle = pool.idle().pop();
        let mut parts = match idle {
            Some(Idle { parts, .. }) => parts,
            None => match Self::instantiate(pool, max_sessions) {
                Err(NodeError::PoolExhausted { .. }) => {
                    engine.drop_idle();
                    match Self::instantiate(pool, max_sessions) {
                        Ok(parts) => parts,
                        Err(error) => return Err((session, error)),
                    }
                }
                Ok(parts) => parts,
                Err(error) => return Err((session, error)),
            },
        };
        if count {
            // Fuel is on only to count instructions: there is always more.
            let _ = parts.store.set_fuel(u64::MAX);
        }
        let mut session = session;
        session.code_window = parts.store.data_mut().code_window.take();
        parts.store.data_mut().session = Some(session);
        Ok(WasmtimeInstance { parts: ManuallyDrop::new(parts), pool: Arc::clone(pool), returned: true })
    }

    fn instantiate(pool: &Pool<H>, max_sessions: u32) -> Result<Parts<H>, NodeError> {
        let mut store = Store::new(pool.pre.module().engine(), StoreData::new());
        store.limiter(|data| &mut data.limiter);
        let instance = pool.pre.instantiate(&mut store).map_err(|error| {
            if error.is::<wasmtime::PoolConcurrencyLimitError>() {
                NodeError::PoolExhausted { max_sessions }
            } else {
                EngineError::new(EngineStep::Instantiate, error).into()
            }
        })?;
        // Found by name once per instance: a session takes an idle instance with them.
        let exports = |e: wasmtime::Error| NodeError::from(EngineError::new(EngineStep::Exports, e));
        let memory = instance
            .get_memory(&mut store, MEMORY_EXPORT)
            .ok_or_else(|| exports(wasmtime::Error::msg("the artifact exports no memory")))?;
        store.data_mut().memory = Some(memory);
        store.data_mut().code_window = Self::open_window(&mut store, memory, pool.code_window);
        let input_buffer = instance.get_typed_func(&mut store, "input_buffer").map_err(exports)?;
        let frame_start = instance.get_typed_func(&mut store, "frame_start").map_err(exports)?;
        let frame_resume = instance.get_typed_func(&mut store, "frame_resume").map_err(exports)?;
        let units = instance.get_typed_func(&mut store, "units").map_err(exports)?;
        let entries = [frame_start, frame_resume];
        Ok(Parts { store, memory, entries, input_buffer, units })
    }

    /// Grows `memory` past the guest's cap by `bytes` for the instance's codes; `None` when
    /// there are none to keep, or the OS refused the pages (the instance runs without).
    fn open_window(store: &mut Store<StoreData<H>>, memory: Memory, bytes: usize) -> Option<CodeWindow> {
        const PAGE: usize = 1 << 16;
        let pages = bytes / PAGE;
        if pages == 0 {
            return None;
        }
        let to_cap = MAX_GUEST_MEMORY.checked_sub(memory.data_size(&*store))? / PAGE;
        store.data_mut().limiter.past_cap = true;
        let grown = memory.grow(&mut *store, (to_cap + pages) as u64);
        store.data_mut().limiter = MemoryCap::default();
        grown.ok().map(|_| CodeWindow::new(MAX_GUEST_MEMORY, MAX_GUEST_MEMORY + pages * PAGE))
    }

    /// Calls `input_buffer(len)`, `frame_start(len)` / `frame_resume(len)` (entry 0 / 1) or
    /// `units()`.
    pub(crate) fn input_buffer(&mut self, len: i32) -> wasmtime::Result<i64> {
        self.returning(|parts| parts.input_buffer.call(&mut parts.store, len).map(i64::from))
    }

    pub(crate) fn enter(&mut self, entry: usize, len: i32) -> wasmtime::Result<i64> {
        self.returning(|parts| parts.entries[entry].call(&mut parts.store, len))
    }

    pub(crate) fn units(&mut self) -> wasmtime::Result<i64> {
        self.returning(|parts| parts.units.call(&mut parts.store, ()))
    }
}

impl<H: EvmHost> WasmtimeInstance<H> {
    /// Runs a call into the guest; one that does not return (a trap, or a panic unwinding
    /// through it) leaves the instance unfit for reuse.
    #[inline(always)]
    fn returning<R>(&mut self, call: impl FnOnce(&mut Parts<H>) -> wasmtime::Result<R>) -> wasmtime::Result<R> {
        let returned = std::mem::replace(&mut self.returned, false);
        let result = call(&mut self.parts);
        self.returned = returned && result.is_ok();
        result
    }

    pub(crate) fn data(&self) -> &SessionData<H> {
        self.parts.store.data().session.as_ref().expect("a live instance holds its session")
    }

    pub(crate) fn data_mut(&mut self) -> &mut SessionData<H> {
        self.parts.store.data_mut().session()
    }

    pub(crate) fn into_data(mut self) -> SessionData<H> {
        self.parts.store.data_mut().take_session().expect("a live instance holds its session")
    }

    pub(crate) fn memory(&self) -> &[u8] {
        self.parts.memory.data(&self.parts.store)
    }

    pub(crate) fn memory_mut(&mut self) -> &mut [u8] {
        let parts = &mut *self.parts;
        parts.memory.data_mut(&mut parts.store)
    }

    pub(crate) fn fuel_left(&self) -> Option<u64> {
        self.parts.store.get_fuel().ok()
    }

    pub(crate) fn limiter(&mut self) -> &mut MemoryCap {
        &mut self.parts.store.data_mut().limiter
    }
}

impl<H: EvmHost> Drop for WasmtimeInstance<H> {
    /// Resets the instance to a fresh one and keeps it for the pool's next session, when
    /// every call returned, the session used its memory (all but [`MAX_UNUSED_MEMORY`] of
    /// what any session of the instance used) and the pool has room for it; drops it
    /// otherwise.
    fn drop(&mut self) {
        // SAFETY: `parts` is taken once, here, and never used after.
        let mut parts = unsafe { ManuallyDrop::take(&mut self.parts) };
        drop(parts.store.data_mut().take_session());
        let Some(fresh) = &self.pool.fresh else { return };
        if !self.returned || std::thread::panicking() {
            return;
        }
        let mut window = parts.store.data_mut().code_window.take();
        let used_end = parts.store.data().used_end;
        let memory = parts.memory.data_mut(&mut parts.store);
        let session_end = fresh.session_len(memory);
        let used_end = used_end.max(session_end);
        let grown = used_end - fresh.size() + window.as_ref().map_or(0, CodeWindow::used);
        if used_end - session_end > MAX_UNUSED_MEMORY || !self.pool.fits(&self.pool.idle(), grown) {
            return;
        }
        if !fresh.restore(memory, window.as_mut().map_or(&[], |window| window.unwritten())) {
            return;
        }
        if let Some(window) = &mut window {
            window.end_session();
        }
        let store = parts.store.data_mut();
        (store.limiter, store.code_window, store.used_end) = (MemoryCap::default(), window, used_end);
        let mut idle = self.pool.idle();
        if self.pool.fits(&idle, grown) {
            idle.push(Idle { parts, grown });
        }
    }
}

/// Whether a wasmtime trap is a native stack overflow.
pub(crate) fn is_stack_overflow(trap: &wasmtime::Error) -> bool {
    matches!(trap.downcast_ref::<wasmtime::Trap>(), Some(wasmtime::Trap::StackOverflow))
}

/// The trap by its code, or the import's refusal that raised it.
pub(crate) fn guest_trap(trap: &wasmtime::Error) -> GuestTrap {
    if let Some(ImportFault::Guest(refusal)) = trap.downcast_ref::<ImportFault>() {
        return GuestTrap::Import(*refusal);
    }
    match trap.downcast_ref::<wasmtime::Trap>() {
        Some(wasmtime::Trap::UnreachableCodeReached) => GuestTrap::Unreachable,
        Some(wasmtime::Trap::MemoryOutOfBounds | wasmtime::Trap::HeapMisaligned) => GuestTrap::MemoryOutOfBounds,
        Some(wasmtime::Trap::IntegerDivisionByZero) => GuestTrap::DivisionByZero,
        Some(wasmtime::Trap::IntegerOverflow) => GuestTrap::IntegerOverflow,
        Some(wasmtime::Trap::BadConversionToInteger) => GuestTrap::BadConversion,
        Some(wasmtime::Trap::TableOutOfBounds | wasmtime::Trap::IndirectCallToNull | wasmtime::Trap::BadSignature) => {
            GuestTrap::IndirectCall
        }
        _ => GuestTrap::Other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::state_host::MemoryHost;
    use evmpc_abi::imports::{ValType, IMPORTS};

    /// The linker defines exactly the ABI table, with the table's signatures.
    #[test]
    fn linker_matches_import_table() {
        let engine = wasmtime::Engine::default();
        let mut linker = Linker::<StoreData<MemoryHost>>::new(&engine);
        define_imports(&mut linker).unwrap();
        let data = StoreData { session: Some(SessionData::new(MemoryHost::default())), ..StoreData::new() };
        let mut store = Store::new(&engine, data);
        let defined: Vec<_> =
            linker.iter(&mut store).map(|(module, name, _)| (module.to_string(), name.to_string())).collect();
        assert_eq!(defined.len(), IMPORTS.len());
        for sig in IMPORTS {
            let export =
                linker.get(&mut store, IMPORT_MODULE, sig.name).unwrap_or_else(|_| panic!("{} missing", sig.name));
            let ty = export.into_func().unwrap().ty(&store);
            let to_abi = |t: wasmtime::ValType| match t {
                wasmtime::ValType::I32 => ValType::I32,
                wasmtime::ValType::I64 => ValType::I64,
                other => panic!("unexpected type {other:?}"),
            };
            assert_eq!(ty.params().map(to_abi).collect::<Vec<_>>(), sig.params, "{}", sig.name);
            assert_eq!(ty.results().map(to_abi).collect::<Vec<_>>(), sig.results, "{}", sig.name);
        }
    }

    #[test]
    fn traps_are_named_by_their_code_and_overflow_is_the_nodes() {
        assert!(is_stack_overflow(&wasmtime::Error::from(wasmtime::Trap::StackOverflow)));
        let unreachable = wasmtime::Error::from(wasmtime::Trap::UnreachableCodeReached);
        assert!(!is_stack_overflow(&unreachable));
        assert_eq!(guest_trap(&unreachable), GuestTrap::Unreachable);
        let refused = wasmtime::Error::new(ImportFault::Guest(crate::error::ImportRefusal::Overlap));
        assert_eq!(guest_trap(&refused), GuestTrap::Import(crate::error::ImportRefusal::Overlap));
    }
}

#[cfg(test)]
mod reuse_tests {
    use super::*;
    use crate::engine_config::EngineConfig;
    use crate::state_host::MemoryHost;

    fn pool(max_idle: u32) -> (Engine, Arc<Pool<MemoryHost>>) {
        pool_with_memory(max_idle, 8 << 20)
    }

    fn pool_with_memory(max_idle: u32, max_idle_memory: usize) -> (Engine, Arc<Pool<MemoryHost>>) {
        let engine = Engine::new(EngineConfig::new().max_sessions(4)).unwrap();
        let pool = prepare(engine.wasmtime(), engine.module().unwrap(), max_idle, max_idle_memory, 0).unwrap();
        (engine, Arc::new(pool))
    }

    /// A session of `pool` that ran `code` with `calldata` as its first frame, and the action
    /// it returned.
    fn run_frame(
        engine: &Engine,
        pool: &Arc<Pool<MemoryHost>>,
        code: Vec<u8>,
        calldata: Vec<u8>,
    ) -> (WasmtimeInstance<MemoryHost>, Vec<u8>) {
        use evmpc_abi::{wire, Fork, FrameInput};
        let frame = FrameInput::call(Fork::Cancun, code, calldata, 30_000_000);
        let data = SessionData::new(MemoryHost::for_frame(&frame));
        let mut session = WasmtimeInstance::new(engine, pool, data, false, 4).map_err(|(_, e)| e).unwrap();
        let message = wire::to_vec(&frame);
        let at = session.input_buffer(message.len() as i32).unwrap() as u32 as usize;
        session.memory_mut()[at..at + message.len()].copy_from_slice(&message);
        let packed = session.enter(0, message.len() as i32).unwrap();
        assert!(packed > 0, "the frame ran: {packed}");
        let (ptr, len) = ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize);
        let action = session.memory()[ptr..ptr + len].to_vec();
        (session, action)
    }

    /// Code that expands EVM memory to `bytes` (an MSTORE of 1 at its last word) and stops.
    fn expand_memory(bytes: u32) -> Vec<u8> {
        let at = (bytes - 32).to_be_bytes();
        [vec![0x60, 0x01, 0x63], at.to_vec(), vec![0x52, 0x00]].concat()
    }

    fn instance(engine: &Engine, pool: &Arc<Pool<MemoryHost>>) -> WasmtimeInstance<MemoryHost> {
        let data = SessionData::new(MemoryHost::default());
        WasmtimeInstance::new(engine, pool, data, false, 4).map_err(|(_, error)| error).unwrap()
    }

    #[test]
    fn an_instance_is_kept_only_when_every_call_returned() {
        let (engine, pool) = pool(1);
        assert!(pool.fresh.is_some(), "the artifact's instances can be reset");
        let mut used = instance(&engine, &pool);
        used.memory_mut()[1_000] = 1;
        used.units().unwrap();
        drop(used);
        assert_eq!(pool.idle().len(), 1, "a session that returned leaves its instance");

        let reused = instance(&engine, &pool);
        assert_eq!(pool.idle().len(), 0, "the next session takes it");
        assert_eq!(reused.memory()[1_000], 0, "reset to the artifact's initial memory");
        let second = instance(&engine, &pool);
        drop((reused, second));
        assert_eq!(pool.idle().len(), 1, "no more than max_idle are kept");

        let mut trapped = instance(&engine, &pool);
        let _ = trapped.returning(|_| Err::<(), _>(wasmtime::Error::msg("a trap")));
        drop(trapped);
        assert_eq!(pool.idle().len(), 0, "a call that did not return leaves nothing to reuse");

        let mut grown = instance(&engine, &pool);
        let parts = &mut *grown.parts;
        parts.memory.grow(&mut parts.store, 1).unwrap();
        let count = pool.fresh.unwrap().grown_pages_at();
        grown.memory_mut()[count..count + 4].copy_from_slice(&2u32.to_le_bytes());
        drop(grown);
        assert_eq!(pool.idle().len(), 0, "memory the guest counts past the memory's end is not trusted");
    }

    /// A session that grew its memory leaves its instance, reset to zeros past the initial
    /// memory, which the next session uses without seeing it: the same action, the same
    /// memory counted. An instance holding much more than its session used, or more than
    /// the pool's budget, is dropped.
    #[test]
    fn a_grown_instance_is_kept_while_its_sessions_use_its_memory() {
        let (engine, pool) = pool(2);
        let fresh = pool.fresh.unwrap();
        let (session, action) = run_frame(&engine, &pool, expand_memory(3 << 20), Vec::new());
        let len = session.memory().len();
        assert!(len > 3 << 20, "EVM memory of 3 MiB is guest memory: {len}");
        assert_eq!(fresh.session_len(session.memory()), len, "a fresh instance's memory is the session's");
        drop(session);
        {
            let idle = pool.idle();
            assert_eq!(idle.len(), 1, "the grown instance is kept");
            let Idle { parts, grown } = idle.last().unwrap();
            assert_eq!(*grown, len - fresh.size());
            let memory = parts.memory.data(&parts.store);
            let mut image = vec![0; fresh.size()];
            fresh.restore_all(&mut image);
            assert!(memory[..fresh.size()] == image, "the initial memory rewritten");
            assert!(memory[fresh.size()..].iter().all(|byte| *byte == 0), "the grown pages zeroed");
        }

        let taken = instance(&engine, &pool);
        assert_eq!((taken.memory().len(), fresh.session_len(taken.memory())), (len, fresh.size()), "grown, not seen");
        drop(taken);
        let (again, same) = run_frame(&engine, &pool, expand_memory(3 << 20), Vec::new());
        assert_eq!(pool.idle().len(), 0, "the grown instance was taken");
        assert_eq!((again.memory().len(), fresh.session_len(again.memory())), (len, len), "nothing grown twice");
        assert_eq!(same, action, "the same action as on a fresh instance");
        drop(again);

        let (small, _) = run_frame(&engine, &pool, expand_memory(1024), Vec::new());
        assert_eq!(small.memory().len(), len, "the small session ran on the grown instance");
        drop(small);
        assert_eq!(pool.idle().len(), 0, "3 MiB its session did not use: dropped");

        let (engine, pool) = pool_with_memory(2, 1 << 20);
        drop(run_frame(&engine, &pool, expand_memory(3 << 20), Vec::new()));
        assert_eq!(pool.idle().len(), 0, "past the idle memory budget: dropped");
        drop(run_frame(&engine, &pool, expand_memory(64 << 10), Vec::new()));
        assert_eq!(pool.idle().len(), 1, "within it: kept");
    }

    /// Frames that write EVM memory, hash, log, store, copy large call data and fill
    /// their stacks leave, once reset, exactly the artifact's initial memory: the guest
    /// wrote nothing above its heap mark, nor in its heap's hole.
    #[test]
    fn frames_leave_nothing_above_the_heap_mark() {
        let (engine, pool) = pool(1);
        let fresh = pool.fresh.expect("the artifact's instances can be reset");
        // MSTORE 0xff at 0x1000; KECCAK256 and LOG0 over 0..0x1020; SSTORE 1 at 1;
        // CALLDATACOPY all call data to 0x100; RETURN 0..0x1020.
        let code = hex::decode("60ff61100052611020600020506110206000a06001600155366000610100376110206000f3").unwrap();
        // 700 words pushed, a DUP16 at the top, all popped but one.
        let deep = [[0x60, 0xa5].repeat(700), vec![0x8f], vec![0x50; 700]].concat();
        let frames = [(code.clone(), Vec::new(), 4), (code, vec![0x5a; 4 * 1024], 4), (deep, Vec::new(), 701)];
        for (code, calldata, stack_words) in frames {
            let (mut session, _) = run_frame(&engine, &pool, code, calldata);
            let hole = fresh.written(session.memory_mut()).expect("memory did not grow").hole;
            // The chunk is 48 KiB; a stack's room runs up to 96 words past what it held.
            let unreached = 48 * 1024 - (stack_words + 96) * 32;
            assert!(hole.len() >= unreached, "the stacks' chunk past {stack_words} words is not rewritten: {hole:?}");
            drop(session);
            let idle = pool.idle();
            let Idle { parts, .. } = idle.last().expect("the instance was kept");
            let mut image = vec![0; parts.memory.data_size(&parts.store)];
            fresh.restore_all(&mut image);
            assert!(parts.memory.data(&parts.store) == image, "a reused instance starts as a fresh one");
        }
    }

    /// A session whose calls read their codes from the instance's window leaves, once
    /// reset, exactly the artifact's initial memory followed by zeros up to the cap: the
    /// blocks it took for the codes stayed unwritten. The codes stay in the window for the
    /// next session, which finds them there and gives the same action.
    #[test]
    fn codes_served_from_the_window_leave_their_blocks_unwritten() {
        use evmpc_abi::{wire, Fork, FrameInput};
        use revm::primitives::U256;
        let engine = Engine::new(EngineConfig::new().max_sessions(4)).unwrap();
        let pool = Arc::new(prepare(engine.wasmtime(), engine.module().unwrap(), 1, 64 << 20, 1 << 20).unwrap());
        let fresh = pool.fresh.unwrap();
        let callees: Vec<[u8; 20]> = (1..=8u8).map(|index| [index; 20]).collect();
        // CALL each callee (PUSH1 0 x5, PUSH20 address, GAS, CALL), keeping the success flags.
        let code: Vec<u8> = callees
            .iter()
            .flat_map(|address| {
                [vec![0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x60, 0, 0x73], address.to_vec(), vec![0x5a, 0xf1]].concat()
            })
            .chain([0x00])
            .collect();
        let frame = FrameInput::call(Fork::Cancun, code, Vec::new(), 30_000_000);
        let run = || {
            let mut host = MemoryHost::for_frame(&frame);
            for (index, address) in callees.iter().enumerate() {
                // 8 KiB to 15 KiB of JUMPDESTs, then memory expanded by 1.5 KiB more per callee
                // (the guest's allocator takes memory between the codes' blocks), then STOP.
                let expand = (0x600 * (index as u16 + 1)).to_be_bytes();
                let tail = [0x60, 0x01, 0x61, expand[0], expand[1], 0x52, 0x00];
                host.insert_account(
                    *address,
                    U256::ZERO,
                    1,
                    &[vec![0x5b; 8192 + 1024 * index], tail.to_vec()].concat(),
                );
            }
            host.warm_frame_accounts(&frame);
            let mut data = SessionData::new(host);
            data.inline_calls = true;
            let mut session = WasmtimeInstance::new(&engine, &pool, data, false, 4).map_err(|(_, e)| e).unwrap();
            let message = wire::to_vec(&frame);
            let at = session.input_buffer(message.len() as i32).unwrap() as u32 as usize;
            session.memory_mut()[at..at + message.len()].copy_from_slice(&message);
            let packed = session.enter(0, message.len() as i32).unwrap();
            let (ptr, len) = ((packed >> 32) as usize, (packed & 0xffff_ffff) as usize);
            let action = session.memory()[ptr..ptr + len].to_vec();
            let window = session.data().code_window.as_ref().expect("the instance keeps codes");
            (session.data().usage, window.used(), action)
        };
        let (usage, used, action) = run();
        assert_eq!(
            used,
            callees
                .iter()
                .enumerate()
                .map(|(i, _)| crate::store::code_window::entry_len(8199 + 1024 * i))
                .sum::<usize>()
        );
        let check_reset = || {
            let idle = pool.idle();
            let Idle { parts, .. } = idle.last().expect("the instance was kept");
            let memory = parts.memory.data(&parts.store);
            let mut image = vec![0; fresh.size()];
            fresh.restore_all(&mut image);
            assert!(memory[..fresh.size()] == image, "the initial memory rewritten");
            let used_end = parts.store.data().used_end;
            assert!(used_end > fresh.size() + 8 * 8192, "the codes' blocks are in grown pages: {used_end}");
            assert!(memory[fresh.size()..used_end].iter().all(|byte| *byte == 0), "the grown pages are zeros");
            assert_eq!(memory[MAX_GUEST_MEMORY..MAX_GUEST_MEMORY + 8192], [0x5b; 8192], "the first code, kept");
        };
        check_reset();
        let (again, used_again, same) = run();
        assert_eq!((again, used_again, same), (usage, used, action), "read from the window: the same session");
        check_reset();
    }

    #[test]
    fn a_full_pool_drops_idle_instances_and_instantiates() {
        let (engine, pool) = pool(4);
        let other = Arc::new(prepare::<MemoryHost>(engine.wasmtime(), engine.module().unwrap(), 4, 0, 0).unwrap());
        let idle: Arc<dyn IdleInstances> = other.clone();
        engine.register_idle(Arc::downgrade(&idle));
        let parked: Vec<_> = (0..4).map(|_| instance(&engine, &other)).collect();
        drop(parked);
        assert_eq!(other.idle().len(), 4, "the other precompile holds every slot");
        let taken = instance(&engine, &pool);
        assert_eq!(other.idle().len(), 0);
        drop(taken);
    }

    #[test]
    fn without_idle_instances_nothing_is_kept() {
        let (engine, pool) = pool(0);
        assert!(pool.fresh.is_none());
        drop(instance(&engine, &pool));
        assert_eq!(pool.idle().len(), 0);
    }
}
