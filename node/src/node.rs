//! Contracts deployed on the node, and their calls: one wasmtime store per call, gas
//! counted by the contract's metering, storage writes kept only when the call succeeds.

use crate::costs::{GAS_PER_PICO, REGULAR_OP};
use crate::host_functions;
use crate::instrument::{self, InstrumentError};
use crate::storage::JournaledStorage;
use evmpc_host::node_link::{self, CallingContract, Environment, LinkState, LinkTrap, OutOfGas};
use evmpc_state::MemoryStorage;
use std::collections::BTreeMap;
use std::time::{Duration, Instant};
use wasmtime::{Config, Engine, Linker, Module, Store, StoreLimits, StoreLimitsBuilder};

/// How the node counts a contract's Wasm operations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Metering {
    /// finite-wasm's instrumentation: a host call charging each basic block's operations,
    /// and host calls reserving and releasing each function's stack (NEAR's model).
    FiniteWasm,
    /// wasmtime's fuel: the same count kept by the compiled code itself.
    Fuel,
}

impl Metering {
    /// The module the instrumentation imports from.
    pub(crate) const IMPORTS: &'static str = "finite";
}

/// Why a contract call failed: its writes are not kept, its gas is burnt.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Failure {
    /// Its gas ran out (in Wasm, a host function or the precompile).
    OutOfGas,
    /// It aborted, with its message.
    Aborted(String),
    /// Its Wasm stack reservations exceeded the node's limit.
    StackOverflow,
    /// It trapped (unreachable, out-of-bounds memory ...).
    Trap(String),
}

/// Why the node could not run a call at all.
#[derive(Debug, thiserror::Error)]
pub enum NodeError {
    /// No contract is deployed at that account.
    #[error("no contract at {0}")]
    NoContract(String),
    /// The contract does not export that method.
    #[error("the contract exports no method {0}")]
    NoMethod(String),
    /// The module could not be instrumented.
    #[error(transparent)]
    Instrument(#[from] InstrumentError),
    /// wasmtime refused the module, its imports or its setup.
    #[error("wasmtime: {0}")]
    Wasmtime(String),
    /// The precompile failed on the node's side.
    #[error(transparent)]
    Link(#[from] LinkTrap),
    /// evmpc could not be set up.
    #[error(transparent)]
    Evmpc(#[from] evmpc_host::Error),
}

fn wasmtime_error(error: impl std::fmt::Display) -> NodeError {
    NodeError::Wasmtime(error.to_string())
}

/// NEAR gas a call burnt, by what burnt it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct GasUse {
    /// Wasm operations counted.
    pub wasm_ops: u64,
    /// Gas of the host functions of module `env`.
    pub host: u64,
    /// Gas of the storage accesses (the contract's and the precompile's).
    pub storage: u64,
    /// Gas of the precompile's fees.
    pub precompile: u64,
    /// Everything: `wasm_ops × REGULAR_OP` and the rest (the limit, if it ran out).
    pub total: u64,
}

/// What came of a call.
#[derive(Clone, Debug)]
pub struct CallOutcome {
    /// Its output, or why it failed.
    pub result: Result<Vec<u8>, Failure>,
    /// The gas it burnt.
    pub gas: GasUse,
    /// Wall time: instantiation and the call.
    pub time: Duration,
}

/// The gas counters of one call.
#[derive(Debug, Default)]
pub(crate) struct Meter {
    pub(crate) limit: u64,
    pub(crate) ops: u64,
    pub(crate) host: u64,
    pub(crate) storage: u64,
    pub(crate) precompile: u64,
    /// Fuel given at the last sync ([`Metering::Fuel`]).
    pub(crate) fuel_given: u64,
}

impl Meter {
    pub(crate) fn burnt(&self) -> u64 {
        self.ops
            .saturating_mul(REGULAR_OP)
            .saturating_add(self.host)
            .saturating_add(self.storage)
            .saturating_add(self.precompile)
    }

    pub(crate) fn left(&self) -> u64 {
        self.limit.saturating_sub(self.burnt())
    }
}

/// What a call's store holds.
pub(crate) struct CallState {
    pub(crate) storage: JournaledStorage,
    pub(crate) link: LinkState<JournaledStorage>,
    pub(crate) meter: Meter,
    pub(crate) metering: Metering,
    pub(crate) input: Vec<u8>,
    pub(crate) output: Vec<u8>,
    pub(crate) register: Vec<u8>,
    pub(crate) stack: u64,
    pub(crate) failure: Option<Failure>,
    limits: StoreLimits,
}

impl CallState {
    /// Burns `gas`, or all that is left and [`Failure::OutOfGas`].
    pub(crate) fn burn_host(&mut self, gas: u64) -> Result<(), Failure> {
        self.meter.host = self.meter.host.saturating_add(gas);
        self.meter.storage = self.meter.storage.saturating_add(self.storage.take_cost());
        self.check()
    }

    pub(crate) fn check(&mut self) -> Result<(), Failure> {
        if self.meter.burnt() > self.meter.limit {
            return Err(Failure::OutOfGas);
        }
        Ok(())
    }
}

impl CallingContract for CallState {
    type Storage = JournaledStorage;

    fn storage(&mut self) -> &mut JournaledStorage {
        &mut self.storage
    }

    fn link(&mut self) -> &mut LinkState<JournaledStorage> {
        &mut self.link
    }

    fn gas_left(&self) -> u64 {
        self.meter.left() / GAS_PER_PICO
    }

    fn charge(&mut self, fee: u64) -> Result<(), OutOfGas> {
        self.meter.storage = self.meter.storage.saturating_add(self.storage.take_cost());
        let gas = fee.saturating_mul(GAS_PER_PICO);
        let left = self.meter.left();
        self.meter.precompile = self.meter.precompile.saturating_add(gas.min(left));
        if gas > left {
            return Err(OutOfGas);
        }
        Ok(())
    }

    fn refund(&mut self, fee: u64) {
        self.meter.precompile = self.meter.precompile.saturating_sub(fee.saturating_mul(GAS_PER_PICO));
    }

    fn environment(&self) -> Environment {
        Environment::reference()
    }
}

/// A deployed contract.
struct Contract {
    module: Module,
    state: MemoryStorage,
}

/// Limits a call runs within.
const MAX_MEMORY: usize = 128 << 20;
/// Bytes of finite-wasm stack reservations a call may hold at once.
pub(crate) const MAX_STACK: u64 = 1 << 20;

/// The node: a wasmtime engine, its linker with every host function, and the contracts.
pub struct ReferenceNode {
    metering: Metering,
    engine: Engine,
    linker: Linker<CallState>,
    contracts: BTreeMap<String, Contract>,
}

impl ReferenceNode {
    /// A node metering contracts by `metering`, offering them the precompile of `evmpc`.
    ///
    /// # Errors
    /// [`NodeError`] when wasmtime or the precompile cannot be set up.
    pub fn new(metering: Metering, evmpc: &evmpc_host::Engine) -> Result<ReferenceNode, NodeError> {
        let mut config = Config::new();
        config.consume_fuel(metering == Metering::Fuel);
        let engine = Engine::new(&config).map_err(wasmtime_error)?;
        let mut linker = Linker::new(&engine);
        host_functions::add(&mut linker, metering)?;
        node_link::add_to_linker(&mut linker, evmpc)?;
        Ok(ReferenceNode { metering, engine, linker, contracts: BTreeMap::new() })
    }

    /// How it meters.
    pub fn metering(&self) -> Metering {
        self.metering
    }

    /// Deploys `wasm` at `account` with `state` in its storage (instrumented first, for
    /// [`Metering::FiniteWasm`]). Returns the size of the module as compiled.
    ///
    /// # Errors
    /// [`NodeError`] when the module cannot be instrumented or compiled.
    pub fn deploy(&mut self, account: &str, wasm: &[u8], state: MemoryStorage) -> Result<usize, NodeError> {
        let wasm = match self.metering {
            Metering::FiniteWasm => instrument::instrument(wasm, Metering::IMPORTS)?,
            Metering::Fuel => wasm.to_vec(),
        };
        let module = Module::new(&self.engine, &wasm).map_err(wasmtime_error)?;
        self.contracts.insert(account.to_string(), Contract { module, state });
        Ok(wasm.len())
    }

    /// Replaces the storage of the contract at `account` (a genesis, a reset between runs).
    ///
    /// # Errors
    /// [`NodeError::NoContract`] when nothing is deployed there.
    pub fn set_state(&mut self, account: &str, state: MemoryStorage) -> Result<(), NodeError> {
        let contract = self.contracts.get_mut(account).ok_or_else(|| NodeError::NoContract(account.to_string()))?;
        contract.state = state;
        Ok(())
    }

    /// The storage of the contract at `account`.
    pub fn state(&self, account: &str) -> Option<&MemoryStorage> {
        self.contracts.get(account).map(|contract| &contract.state)
    }

    /// Calls `method` of the contract at `account` with `input` and `gas` NEAR gas (at most
    /// [`costs::MAX_GAS_BURNT`](crate::costs::MAX_GAS_BURNT) on NEAR; any amount here). Its storage writes are kept only
    /// when it succeeds.
    ///
    /// # Errors
    /// [`NodeError`] when the call cannot be made or the node fails in it; the contract's
    /// storage is as before.
    pub fn call(&mut self, account: &str, method: &str, input: &[u8], gas: u64) -> Result<CallOutcome, NodeError> {
        let contract = self.contracts.get_mut(account).ok_or_else(|| NodeError::NoContract(account.to_string()))?;
        let state = CallState {
            storage: JournaledStorage::new(std::mem::take(&mut contract.state)),
            link: LinkState::default(),
            meter: Meter { limit: gas, ..Meter::default() },
            metering: self.metering,
            input: input.to_vec(),
            output: Vec::new(),
            register: Vec::new(),
            stack: 0,
            failure: None,
            limits: StoreLimitsBuilder::new().memory_size(MAX_MEMORY).build(),
        };
        let started = Instant::now();
        let mut store = Store::new(&self.engine, state);
        store.limiter(|state| &mut state.limits);
        if self.metering == Metering::Fuel {
            let fuel = gas / REGULAR_OP;
            store.set_fuel(fuel).map_err(wasmtime_error)?;
            store.data_mut().meter.fuel_given = fuel;
        }
        let ran = run(&self.linker, &mut store, &contract.module, method);
        let time = started.elapsed();
        if self.metering == Metering::Fuel {
            let left = store.get_fuel().map_err(wasmtime_error)?;
            let meter = &mut store.data_mut().meter;
            meter.ops = meter.ops.saturating_add(meter.fuel_given.saturating_sub(left));
        }
        let mut state = store.into_data();
        state.meter.storage = state.meter.storage.saturating_add(state.storage.take_cost());
        let result = match ran {
            Ok(()) if state.meter.burnt() > gas => Err(Failure::OutOfGas),
            Ok(()) => Ok(std::mem::take(&mut state.output)),
            Err(error) => match classify(error, &mut state) {
                Ok(failure) => Err(failure),
                Err(node_error) => {
                    contract.state = state.storage.revert();
                    return Err(node_error);
                }
            },
        };
        contract.state = if result.is_ok() { state.storage.commit() } else { state.storage.revert() };
        let meter = &state.meter;
        let gas = GasUse {
            wasm_ops: meter.ops,
            host: meter.host,
            storage: meter.storage,
            precompile: meter.precompile,
            total: if result == Err(Failure::OutOfGas) { gas } else { meter.burnt() },
        };
        Ok(CallOutcome { result, gas, time })
    }
}

/// Instantiates `module` and calls `method`.
fn run(
    linker: &Linker<CallState>,
    store: &mut Store<CallState>,
    module: &Module,
    method: &str,
) -> Result<(), RunError> {
    let instance = linker.instantiate(&mut *store, module).map_err(RunError::Instantiate)?;
    let function =
        instance.get_typed_func::<(), ()>(&mut *store, method).map_err(|_| RunError::NoMethod(method.to_string()))?;
    function.call(&mut *store, ()).map_err(RunError::Trap)
}

/// What went wrong in [`run`].
enum RunError {
    Instantiate(wasmtime::Error),
    NoMethod(String),
    Trap(wasmtime::Error),
}

/// The contract's failure, or the node's error.
fn classify(error: RunError, state: &mut CallState) -> Result<Failure, NodeError> {
    let trap = match error {
        RunError::Instantiate(error) => return Err(wasmtime_error(error)),
        RunError::NoMethod(method) => return Err(NodeError::NoMethod(method)),
        RunError::Trap(trap) => trap,
    };
    if let Some(failure) = state.failure.take() {
        return Ok(failure);
    }
    match trap.downcast::<LinkTrap>() {
        Ok(LinkTrap::OutOfGas(_)) => Ok(Failure::OutOfGas),
        Ok(node) => Err(NodeError::Link(node)),
        Err(trap) => match trap.downcast_ref::<wasmtime::Trap>() {
            Some(wasmtime::Trap::OutOfFuel) => Ok(Failure::OutOfGas),
            _ => Ok(Failure::Trap(format!("{trap:#}"))),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_meter_adds_every_kind_of_gas() {
        let meter = Meter { limit: 10 * REGULAR_OP, ops: 2, host: 3, storage: 4, precompile: 5, fuel_given: 0 };
        assert_eq!(meter.burnt(), 2 * REGULAR_OP + 12);
        assert_eq!(meter.left(), 8 * REGULAR_OP - 12);
        assert_eq!(crate::costs::linear(1, 2, 3), 7);
    }
}
