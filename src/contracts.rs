//! The seed's claim, measured: an EVM engine contract on the precompile against the same
//! engine interpreting EVM bytecode in metered Wasm. Each workload runs as one Ethereum
//! transaction through five paths:
//!
//! 1. native revm;
//! 2. the precompile directly (the node link, no contract);
//! 3. `engine-precompile` on the reference node, metered by finite-wasm;
//! 4. `engine-interpreter` on the reference node, metered by finite-wasm (NEAR's model);
//! 5. `engine-interpreter` under wasmtime fuel (the same count, kept by compiled code).
//!
//! Every path starts from the same state in the same storage layout and must end with the
//! same outcome and the same state as native revm before any time counts.

pub mod plot;

use crate::adversarial::{Pattern, CONTRACT};
use evmpc_abi::contract::{Transaction, TxOutcome};
use evmpc_host::node_link::{Link, MemoryContract};
use evmpc_host::Engine;
use evmpc_node::{costs, Metering, ReferenceNode};
use evmpc_state::transaction::{self, Environment};
use evmpc_state::{ContractDb, MemoryStorage};
use revm::context::{BlockEnv, CfgEnv, Context, TxEnv};
use revm::primitives::{Address, U256};
use revm::{ExecuteEvm, MainBuilder};
use std::time::{Duration, Instant};

/// The committed `engine-precompile` contract.
pub const ENGINE_PRECOMPILE: &[u8] = include_bytes!("../contracts/wasm/engine-precompile.wasm");
/// The committed `engine-interpreter` contract.
pub const ENGINE_INTERPRETER: &[u8] = include_bytes!("../contracts/wasm/engine-interpreter.wasm");

/// Where the engines are deployed on the reference node.
const ENGINE: &str = "engine";

/// A way to run a transaction.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Path {
    /// revm, natively.
    Native,
    /// The precompile through the node link, no contract.
    Precompile,
    /// `engine-precompile`, finite-wasm metering.
    EnginePrecompile,
    /// `engine-interpreter`, finite-wasm metering.
    EngineInterpreter,
    /// `engine-interpreter`, wasmtime fuel.
    EngineInterpreterFuel,
}

impl Path {
    /// All five, in the order.
    pub const ALL: [Path; 5] =
        [Path::Native, Path::Precompile, Path::EnginePrecompile, Path::EngineInterpreter, Path::EngineInterpreterFuel];

    /// A column header.
    pub fn label(self) -> &'static str {
        match self {
            Path::Native => "(1) native revm",
            Path::Precompile => "(2) precompile",
            Path::EnginePrecompile => "(3) engine-precompile",
            Path::EngineInterpreter => "(4) engine-interpreter",
            Path::EngineInterpreterFuel => "(5) interpreter, fuel",
        }
    }
}

/// A workload: a state and a transaction on it.
pub struct Workload {
    /// Short name.
    pub name: String,
    /// The state before.
    pub genesis: MemoryStorage,
    /// The transaction.
    pub tx: Transaction,
}

impl Workload {
    /// `pattern` as a state in the engines' layout and a transaction from its sender.
    pub fn from_pattern(pattern: &Pattern) -> Workload {
        let sender = crate::adversarial::sender();
        let mut db = ContractDb::new(MemoryStorage::default());
        db.insert_account(Address::from(sender), U256::from(10u128.pow(21)), 0, &[]);
        db.insert_account(Address::from(CONTRACT), U256::from(10u64.pow(18)), 1, &pattern.code);
        for (address, code) in &pattern.accounts {
            db.insert_account(Address::from(*address), U256::from(1), 1, code);
        }
        for (address, key, value) in &pattern.storage {
            db.insert_slot(Address::from(*address), U256::from_be_bytes(*key), U256::from_be_bytes(*value))
                .expect("a fresh storage decodes");
        }
        let tx = Transaction {
            caller: sender,
            to: (!pattern.create).then_some(CONTRACT),
            value: [0; 32],
            data: pattern.data.clone(),
            gas_limit: pattern.gas_limit,
        };
        Workload { name: pattern.name.clone(), genesis: db.storage, tx }
    }
}

/// What one run of a path did.
#[derive(Clone, Debug)]
pub struct Run {
    /// The transaction's outcome.
    pub outcome: TxOutcome,
    /// The state after.
    pub state: MemoryStorage,
    /// Wall time.
    pub time: Duration,
    /// NEAR gas the node charged (none natively).
    pub node_gas: Option<u64>,
    /// Wasm operations the contract ran (engines only).
    pub wasm_ops: Option<u64>,
}

/// Why a path could not run a workload.
#[derive(Debug, thiserror::Error)]
pub enum BenchError {
    /// The node could not be set up or failed.
    #[error("reference node: {0}")]
    Node(#[from] evmpc_node::NodeError),
    /// The precompile could not be set up or failed.
    #[error("evmpc: {0}")]
    Evmpc(#[from] evmpc_host::Error),
    /// Native revm could not run or commit a workload.
    #[error("native revm: {workload}: {source}")]
    Native {
        /// The workload.
        workload: String,
        /// revm's or the storage layout's error.
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// The transaction failed where it should not (invalid, a contract abort, out of gas).
    #[error("{path}: {workload}: {reason}")]
    Failed {
        /// The path.
        path: &'static str,
        /// The workload.
        workload: String,
        /// What happened.
        reason: String,
    },
    /// A path's outcome or state differs from native revm's.
    #[error("{path}: {workload}: {what} differs from native revm's")]
    Disagrees {
        /// The path.
        path: &'static str,
        /// The workload.
        workload: String,
        /// Outcome or state.
        what: &'static str,
    },
}

/// The five paths, set up once.
pub struct Paths {
    link: Link<MemoryStorage>,
    nodes: [ReferenceNode; 3],
}

impl Paths {
    /// Compiles the precompile and deploys the engines.
    ///
    /// # Errors
    /// [`BenchError`] when something cannot be set up.
    pub fn new(evmpc: &Engine) -> Result<Paths, BenchError> {
        let link = Link::new(evmpc)?;
        let deployed = |metering, wasm: &[u8]| -> Result<ReferenceNode, BenchError> {
            let mut node = ReferenceNode::new(metering, evmpc)?;
            node.deploy(ENGINE, wasm, MemoryStorage::default())?;
            Ok(node)
        };
        let nodes = [
            deployed(Metering::FiniteWasm, ENGINE_PRECOMPILE)?,
            deployed(Metering::FiniteWasm, ENGINE_INTERPRETER)?,
            deployed(Metering::Fuel, ENGINE_INTERPRETER)?,
        ];
        Ok(Paths { link, nodes })
    }

    /// Runs `workload` once through `path`, from its genesis.
    ///
    /// # Errors
    /// [`BenchError::Failed`] when the transaction does not complete.
    pub fn run(&mut self, path: Path, workload: &Workload) -> Result<Run, BenchError> {
        let failed =
            |reason: String| BenchError::Failed { path: path.label(), workload: workload.name.clone(), reason };
        match path {
            Path::Native => native(workload),
            Path::Precompile => {
                let mut contract = MemoryContract::new(workload.genesis.clone(), u64::MAX / 2);
                let message = borsh::to_vec(&workload.tx).expect("a transaction encodes");
                let started = Instant::now();
                let answer = self.link.transact(&mut contract, &message);
                let time = started.elapsed();
                let len = answer.map_err(|trap| failed(trap.to_string()))?;
                let outcome = decode(contract.register()).ok_or_else(|| failed(format!("refused: {len}")))?;
                let node_gas = (u64::MAX / 2 - contract.gas_left).saturating_mul(costs::GAS_PER_PICO);
                Ok(Run { outcome, state: contract.storage, time, node_gas: Some(node_gas), wasm_ops: None })
            }
            Path::EnginePrecompile | Path::EngineInterpreter | Path::EngineInterpreterFuel => {
                let node = &mut self.nodes[match path {
                    Path::EnginePrecompile => 0,
                    Path::EngineInterpreter => 1,
                    _ => 2,
                }];
                node.set_state(ENGINE, workload.genesis.clone())?;
                let input = borsh::to_vec(&workload.tx).expect("a transaction encodes");
                let called = node.call(ENGINE, "transact", &input, u64::MAX)?;
                let output = called.result.map_err(|failure| failed(format!("{failure:?}")))?;
                let outcome = decode(&output).ok_or_else(|| failed("an output that does not decode".into()))?;
                let state = node.state(ENGINE).cloned().unwrap_or_default();
                Ok(Run {
                    outcome,
                    state,
                    time: called.time,
                    node_gas: Some(called.gas.total),
                    wasm_ops: Some(called.gas.wasm_ops),
                })
            }
        }
    }
}

fn decode(bytes: &[u8]) -> Option<TxOutcome> {
    borsh::BorshDeserialize::try_from_slice(bytes).ok()
}

/// Native revm over the engines' storage layout, its state written back the same way.
fn native(workload: &Workload) -> Result<Run, BenchError> {
    let failed = |source: Box<dyn std::error::Error + Send + Sync>| BenchError::Native {
        workload: workload.name.clone(),
        source,
    };
    let environment = Environment::reference();
    let mut ctx: Context<BlockEnv, TxEnv, CfgEnv, ContractDb<MemoryStorage>> =
        Context::new(ContractDb::new(workload.genesis.clone()), environment.spec);
    transaction::prepare(&mut ctx, &environment, &workload.tx);
    let tx_env = ctx.tx.clone();
    let started = Instant::now();
    let mut evm = ctx.build_mainnet();
    let executed = evm.transact(tx_env).map_err(|error| failed(Box::new(error)))?;
    let mut db = std::mem::take(&mut evm.ctx.journaled_state.database);
    db.commit(&executed.state, environment.clears_empty_accounts()).map_err(|error| failed(Box::new(error)))?;
    let time = started.elapsed();
    Ok(Run { outcome: transaction::outcome(&executed.result), state: db.storage, time, node_gas: None, wasm_ops: None })
}

/// Checks `run` of `path` against native revm's.
///
/// # Errors
/// [`BenchError::Disagrees`] naming what differs.
pub fn agree(path: Path, workload: &Workload, run: &Run, native: &Run) -> Result<(), BenchError> {
    let differs = |what| BenchError::Disagrees { path: path.label(), workload: workload.name.clone(), what };
    if run.outcome != native.outcome {
        return Err(differs("the outcome"));
    }
    if run.state != native.state {
        return Err(differs("the state after"));
    }
    Ok(())
}

/// The benchmark's workloads: snailtracer, burntpix, an ERC-20 transfer and a CALL-heavy
/// loop.
pub fn workloads() -> Vec<Workload> {
    use crate::workloads::{burntpix_tx, erc20_transfer_tx, snailtracer_tx};
    [snailtracer_tx(), burntpix_tx(BURNTPIX_ITERATIONS), erc20_transfer_tx(), call_heavy(CALLS)]
        .iter()
        .map(Workload::from_pattern)
        .collect()
}

/// burntpix's `run(0, n)` iterations.
pub const BURNTPIX_ITERATIONS: u64 = 2_000;
/// CALLs of the CALL-heavy loop.
pub const CALLS: u16 = 1_000;

/// `calls` CALLs to a contract that reads a slot and returns it: a frame each.
pub(crate) fn call_heavy(calls: u16) -> Pattern {
    let callee = crate::adversarial::CALLEE;
    let code = format!(
        "PUSH2 {calls:#06x} top: JUMPDEST PUSH1 0x20 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH20 0x{} GAS CALL POP \
         PUSH1 0x01 SWAP1 SUB DUP1 @top JUMPI STOP",
        hex::encode(callee)
    );
    let mut pattern = Pattern::new("call-heavy", format!("{calls} CALLs, each reading a slot"), &code)
        .with(callee, evmpc_oracle::asm::asm("PUSH1 0x00 SLOAD PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 RETURN"))
        .with_slot(callee, [0; 32], U256::from(7).to_be_bytes::<32>());
    pattern.gas_limit = 10_000_000;
    pattern
}

#[cfg(test)]
mod tests {
    use super::*;
    use evmpc_host::EngineConfig;

    #[test]
    fn every_path_agrees_with_native_revm_on_the_small_workloads() {
        let engine = Engine::new(&EngineConfig::new()).unwrap();
        let mut paths = Paths::new(&engine).unwrap();
        for workload in workloads().iter().filter(|workload| workload.tx.gas_limit <= 10_000_000) {
            let native = paths.run(Path::Native, workload).unwrap();
            assert!(native.outcome.gas_used > 21_000, "{} does something", workload.name);
            for path in &Path::ALL[1..] {
                let run = paths.run(*path, workload).unwrap();
                agree(*path, workload, &run, &native).unwrap();
                assert!(run.node_gas.is_some_and(|gas| gas > 0), "{path:?} charges gas");
            }
        }
    }
}
