use super::merkle::{logs_hash, state_root};
use super::program;
use crate::adversarial::Pattern;
use alloy_primitives::B256;
use evmpc_host::executor::{Executor, Metered};
use evmpc_host::fees::{Picos, Usage};
use evmpc_host::{Engine, TxError};
use evmpc_oracle::native;
use revm::context::result::{EVMError, ExecutionResult, HaltReason, InvalidTransaction, OutOfGasError};
use revm::context::{BlockEnv, CfgEnv, Context, Journal, TxEnv};
use revm::context_interface::journaled_state::JournalTr;
use revm::context_interface::ContextTr;
use revm::database::{CacheState, EmptyDB, State};
use revm::primitives::hardfork::SpecId;
use revm::{DatabaseCommit, MainContext};
use revm_statetest_types::{SpecName, Test, TestSuite, TestUnit};
use std::path::Path;
use std::time::{Duration, Instant};

/// The state of one vector: revm's cache state with bundle tracking over nothing.
pub type TestDb = State<EmptyDB>;
/// The revm context a vector runs in.
pub type TestContext = Context<BlockEnv, TxEnv, CfgEnv, TestDb, Journal<TestDb>, ()>;
/// A run's result on either side, errors sorted by blame for comparison.
type TxResult = Result<ExecutionResult, RunError>;

/// Why a run has no execution result.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RunError {
    /// The transaction or its header is invalid (revm's validation message).
    Invalid(String),
    /// The node failed: database, precompile or revm itself.
    Failed(String),
}

impl std::fmt::Display for RunError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            RunError::Invalid(message) => write!(f, "invalid: {message}"),
            RunError::Failed(message) => write!(f, "failed: {message}"),
        }
    }
}

impl<E: std::fmt::Display> From<TxError<E>> for RunError {
    fn from(error: TxError<E>) -> Self {
        match error {
            TxError::Invalid(invalid) => RunError::Invalid(invalid.to_string()),
            TxError::Header(invalid) => RunError::Invalid(invalid.to_string()),
            other => RunError::Failed(other.to_string()),
        }
    }
}

impl<E: std::fmt::Display> From<EVMError<E, InvalidTransaction>> for RunError {
    fn from(error: EVMError<E, InvalidTransaction>) -> Self {
        match error {
            EVMError::Transaction(invalid) => RunError::Invalid(invalid.to_string()),
            EVMError::Header(invalid) => RunError::Invalid(invalid.to_string()),
            other => RunError::Failed(other.to_string()),
        }
    }
}

/// Which vectors to run.
#[derive(Clone, Debug, Default)]
pub struct Selection {
    /// Only this fork (as state tests name it, e.g. `Cancun`).
    pub fork: Option<String>,
    /// Only tests whose name contains this.
    pub filter: Option<String>,
    /// Also run each vector on native revm and compare.
    pub compare_native: bool,
    /// Runs of each vector on each side; the fastest is reported (at least 1).
    pub runs: usize,
    /// Also measure each vector's time inside the precompile against its fee.
    pub fees: bool,
}

/// What became of one vector.
#[derive(Clone, Debug)]
pub enum Verdict {
    /// Post-state root, logs hash and expected exception all match.
    Pass,
    /// Something differs; the reason says what.
    Fail(String),
    /// Not run; the reason says why.
    Skip(String),
}

/// One vector's outcome.
#[derive(Clone, Debug)]
pub struct VectorReport {
    /// Test name.
    pub test: String,
    /// Fork, as the file names it.
    pub fork: String,
    /// `(data, gas, value)` indexes.
    pub indexes: (usize, usize, usize),
    /// The verdict through the precompile.
    pub verdict: Verdict,
    /// Time of the transaction through the precompile.
    pub precompile_time: Duration,
    /// With `--compare-native`: the native time and what differs, if anything.
    pub native: Option<(Duration, Option<Difference>)>,
    /// With `--fees`: the precompile's time and fee.
    pub fee: Option<FeeSample>,
    /// With `--compare-native`: the units the session counted, and those native revm counts
    /// for the same transaction ([`evmpc_oracle::native::UnitCounter`]).
    pub units: Option<(u64, u64)>,
}

/// More runs a vector gets when its fastest run so far is above its fee.
pub const RETRIES: usize = 40;
/// The pause before each of those runs.
pub const RETRY_PAUSE: Duration = Duration::from_millis(250);
/// Runs after those, further apart, for a vector still above its fee: this machine's slow
/// phases have lasted longer than the first ten seconds (a memory-bound vector at 6-12
/// times its quiet time for all of them, at its quiet time when run again alone).
pub const LATE_RETRIES: usize = 10;
/// The pause before each of the late runs.
pub const LATE_RETRY_PAUSE: Duration = Duration::from_secs(5);

/// A vector's time inside the precompile against what the fee schedule charges for it.
#[derive(Clone, Copy, Debug)]
pub struct FeeSample {
    /// The fastest of the runs' times inside the precompile (instantiation, every frame
    /// start and resume with their imports, the reset at the end).
    pub time: Duration,
    /// What the session used.
    pub usage: Usage,
    /// Its fee in picoseconds (`None` when it overflows).
    pub charge: Option<Picos>,
}

impl FeeSample {
    /// Whether the fee is below the time spent (a fee that overflows `u64` picoseconds is
    /// above any time).
    pub fn undercharged(&self) -> bool {
        self.charge.is_some_and(|charge| self.time.as_nanos() * 1000 > u128::from(charge))
    }

    /// Time over charge (above 1 means undercharged).
    pub fn ratio(&self) -> f64 {
        let charge = self.charge.map_or(f64::INFINITY, |charge| charge as f64 / 1e3);
        self.time.as_nanos() as f64 / charge.max(1e-9)
    }
}

/// How the precompile's run of a vector differs from native revm's.
#[derive(Clone, Debug)]
pub enum Difference {
    /// Only the halt reason differs (both halt, same gas, same state): a 32-bit guest fails
    /// some huge operands earlier (`InvalidOperand`, `MemoryLimit`) than 64-bit revm
    /// (`Memory`, `OutOfOffset`, `CreateInitCodeSizeLimit`). The spec makes the status class
    /// consensus, not the reason.
    HaltReason(String),
    /// Status class, gas, output, logs or post state differ, or the units the guest counted
    /// (which the fee charges) differ from native revm's count.
    Consensus(String),
}

/// Why a file could not be run.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// Reading failed.
    #[error("{path}: {source}")]
    Io {
        /// The file.
        path: String,
        /// The failure.
        source: std::io::Error,
    },
    /// The JSON is not a state test.
    #[error("{path}: not a state test: {source}")]
    Json {
        /// The file.
        path: String,
        /// The parse error.
        source: serde_json::Error,
    },
}

/// Runs state-test vectors through the precompile.
pub struct Runner {
    executor: Executor<TestContext>,
    selection: Selection,
    schedule: evmpc_host::FeeSchedule,
}

impl Runner {
    /// A runner with its own executor.
    ///
    /// # Errors
    /// The precompile cannot be set up.
    pub fn new(engine: &Engine, selection: Selection) -> Result<Runner, evmpc_host::Error> {
        Ok(Runner { executor: Executor::new(engine)?, selection, schedule: engine.fee_schedule() })
    }

    /// The schedule its sessions are charged by.
    pub fn fee_schedule(&self) -> evmpc_host::FeeSchedule {
        self.schedule
    }

    /// Runs every selected vector of `path`.
    ///
    /// # Errors
    /// The file cannot be read or is not a state test.
    pub fn run_file(&self, path: &Path) -> Result<Vec<VectorReport>, FileError> {
        let name = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| FileError::Io { path: name.clone(), source })?;
        let suite: TestSuite = serde_json::from_str(&text).map_err(|source| FileError::Json { path: name, source })?;
        let mut outcomes = Vec::new();
        for (test, unit) in &suite.0 {
            if self.selection.filter.as_ref().is_some_and(|filter| !test.contains(filter.as_str())) {
                continue;
            }
            self.run_unit(test, unit, &mut outcomes);
        }
        Ok(outcomes)
    }

    fn run_unit(&self, name: &str, unit: &TestUnit, outcomes: &mut Vec<VectorReport>) {
        let prestate = unit.state();
        for (spec_name, tests) in &unit.post {
            let fork = format!("{spec_name:?}");
            if self.selection.fork.as_ref().is_some_and(|wanted| !wanted.eq_ignore_ascii_case(&fork)) {
                continue;
            }
            let skip = match spec_name {
                SpecName::Constantinople | SpecName::ByzantiumToConstantinopleAt5 => {
                    Some("Constantinople with EIP-1283 never went live (Petersburg replaced it)")
                }
                SpecName::Unknown => Some("unknown fork"),
                other if other.to_spec_id() > SpecId::OSAKA => {
                    Some("fork after Osaka: not executed by this precompile")
                }
                _ => None,
            };
            for test in tests {
                let indexes = (test.indexes.data, test.indexes.gas, test.indexes.value);
                let mut outcome = VectorReport {
                    test: name.to_string(),
                    fork: fork.clone(),
                    indexes,
                    verdict: Verdict::Pass,
                    precompile_time: Duration::ZERO,
                    native: None,
                    fee: None,
                    units: None,
                };
                match skip {
                    Some(reason) => outcome.verdict = Verdict::Skip(reason.to_string()),
                    None => self.run_vector(unit, spec_name.to_spec_id(), &prestate, test, &mut outcome),
                }
                outcomes.push(outcome);
            }
        }
    }

    fn run_vector(
        &self,
        unit: &TestUnit,
        spec: SpecId,
        prestate: &revm::database::CacheState,
        test: &Test,
        outcome: &mut VectorReport,
    ) {
        let vector = match Vector::new(unit, spec, prestate, test) {
            Ok(vector) => vector,
            Err(error) => {
                outcome.verdict = match &test.expect_exception {
                    Some(_) => Verdict::Pass,
                    None => Verdict::Fail(format!("transaction cannot be built: {error}")),
                };
                return;
            }
        };
        let runs = self.selection.runs.max(1);
        let wasm = vector.timed(runs, || vector.run_precompile(&self.executor));
        outcome.precompile_time = wasm.time;
        outcome.verdict = match mismatch(test, &wasm.result, wasm.root) {
            None => Verdict::Pass,
            Some(reason) => Verdict::Fail(reason),
        };
        if self.selection.compare_native {
            let native = vector.timed(runs, || vector.run_native());
            outcome.native = Some((native.time, difference(&wasm.result, wasm.root, &native.result, native.root)));
            outcome.units = Some((wasm.metered.usage.units, vector.native_units()));
        }
        if self.selection.fees {
            outcome.fee = Some(vector.fee_sample(&self.executor, runs, wasm.metered));
        }
    }

    /// Runs one state-test unit's first vector of its first fork `runs` times on each side
    /// and reports the fastest run of each, the gas used and any difference: the
    /// benchmark's view of a vector (its expected post state is not checked).
    ///
    /// # Errors
    /// The unit has no vector or its transaction cannot be built.
    pub fn time_program(&self, program: &Pattern, runs: usize) -> Result<Timing, VectorError> {
        with_vector(program, |vector| {
            let wasm = vector.timed(runs.max(1), || vector.run_precompile(&self.executor));
            let native = vector.timed(runs.max(1), || vector.run_native());
            Ok(Timing {
                precompile: wasm.time,
                native: native.time,
                gas_used: native.gas_used()?,
                difference: difference(&wasm.result, wasm.root, &native.result, native.root),
            })
        })
    }
}

impl Runner {
    /// Runs `unit`'s first vector once on each side and tells how the two runs differ (the
    /// fuzzer's view: the expected post state is not checked, native revm is the oracle;
    /// both sides refusing the transaction alike is no difference), units counted included.
    ///
    /// # Errors
    /// The unit has no vector or its transaction cannot be built.
    pub fn differential(&self, program: &Pattern) -> Result<Option<Difference>, VectorError> {
        with_vector(program, |vector| {
            let wasm = vector.run_precompile(&self.executor);
            let (native, units) = vector.run_native_counted();
            let differs = difference(&wasm.result, wasm.root, &native.result, native.root);
            if differs.is_none() && wasm.metered.usage.units != units {
                let text = format!("units: precompile {}, native revm {units}", wasm.metered.usage.units);
                return Ok(Some(Difference::Consensus(text)));
            }
            Ok(differs)
        })
    }
}

/// An estimator's view of one vector: the precompile's time inside the session against
/// native revm's time for the whole transaction, and what the session used.
#[derive(Clone, Debug)]
pub struct Measurement {
    /// Gas the transaction used (native revm's figure).
    pub gas_used: u64,
    /// The fastest time inside the precompile (instantiation, starts and resumes with
    /// their imports, the reset at the end).
    pub precompile: Duration,
    /// The fastest time of the transaction on native revm.
    pub native: Duration,
    /// What the precompile's session used.
    pub usage: Usage,
    /// Wasm instructions the guest ran, when the engine counts them.
    pub instructions: Option<u64>,
    /// Whether the two runs differ in consensus (the units counted included).
    pub differs: bool,
    /// What the guest counts, by feature ([`evmpc_abi::units::feature`]), as native revm
    /// counts it.
    pub features: Vec<u64>,
}

impl Runner {
    /// Runs `unit`'s first vector once on each side to warm up, then `runs` times, and
    /// reports the fastest runs (the benchmark's view: the expected post state is not
    /// checked, native revm is the reference).
    ///
    /// # Errors
    /// The unit has no vector, its transaction cannot be built or native revm refuses it.
    pub fn measure_program(&self, program: &Pattern, runs: usize) -> Result<Measurement, VectorError> {
        with_vector(program, |vector| {
            let wasm = vector.run_precompile(&self.executor);
            let (native, counter) = vector.run_native_features();
            let gas_used = native.gas_used()?;
            let differs = matches!(
                difference(&wasm.result, wasm.root, &native.result, native.root),
                Some(Difference::Consensus(_))
            ) || wasm.metered.usage.units != counter.units();
            let runs = runs_for(runs, wasm.metered.time);
            let precompile = (0..runs)
                .map(|_| vector.run_precompile(&self.executor).metered.time)
                .min()
                .unwrap_or(wasm.metered.time);
            let native_time = (0..runs).map(|_| vector.run_native().time).min().unwrap_or(native.time);
            Ok(Measurement {
                gas_used,
                precompile,
                native: native_time,
                usage: wasm.metered.usage,
                instructions: wasm.metered.instructions,
                differs,
                features: counter.features().to_vec(),
            })
        })
    }
}

/// Time a measurement spends on a program at least, in runs: a short program's fastest run
/// is its cost only when it has run many times (timing noise only adds time, and adds most,
/// relatively, to the shortest programs).
pub const MEASURED: Duration = Duration::from_millis(20);

/// `runs`, or more for a program whose run takes `once`, so that the runs take [`MEASURED`].
pub fn runs_for(runs: usize, once: Duration) -> usize {
    let enough = MEASURED.as_nanos() / once.as_nanos().max(1);
    runs.max(1).max(usize::try_from(enough).unwrap_or(usize::MAX).min(1_000))
}

/// The post-state root and logs hash native revm computes for a program: the expectation
/// of the state test written from it.
///
/// # Errors
/// The program's fork is unknown, or native revm refuses its transaction.
pub fn native_post(program: &Pattern) -> Result<(B256, B256), VectorError> {
    with_vector(program, |vector| {
        let run = vector.run_native();
        let result = run.result.map_err(VectorError::NativeRefused)?;
        Ok((run.root, logs_hash(result.logs())))
    })
}

/// Why a generated program gives no measurement.
#[derive(Debug, thiserror::Error)]
pub enum VectorError {
    /// The program names a fork state tests do not know.
    #[error("unknown fork `{0}`")]
    UnknownFork(&'static str),
    /// Native revm refused the transaction.
    #[error("native revm refused the transaction: {0}")]
    NativeRefused(RunError),
}

/// Runs `f` on the vector `program` makes: the one harness of every tool that runs
/// generated programs (benchmarks, the estimator, the fuzzer, the fee check's workloads).
/// It is built directly; JSON is written only by `--emit-statetests`
/// ([`Pattern::state_test`]), and a test keeps the two the same.
fn with_vector<R>(program: &Pattern, f: impl FnOnce(&Vector<'_>) -> Result<R, VectorError>) -> Result<R, VectorError> {
    let prestate = program::prestate(program);
    let vector = Vector::of_program(program, &prestate)?;
    f(&vector)
}

/// A benchmark's view of one vector: fastest time on each side, gas, differences.
#[derive(Clone, Debug)]
pub struct Timing {
    /// Fastest run through the precompile.
    pub precompile: Duration,
    /// Fastest run on native revm.
    pub native: Duration,
    /// Gas the transaction used (native revm's figure).
    pub gas_used: u64,
    /// How the two runs differ, if they do.
    pub difference: Option<Difference>,
}

/// A run's result and post-state root.
struct Run {
    result: TxResult,
    root: B256,
    time: Duration,
    /// What the precompile's session cost (nothing for a native run).
    metered: Metered,
}

/// The chain configuration of a vector under `spec`.
pub(crate) fn cfg_for(spec: SpecId, chain_id: u64) -> CfgEnv {
    let mut cfg = CfgEnv::default();
    cfg.chain_id = chain_id;
    cfg.set_spec_and_mainnet_gas_params(spec);
    cfg.set_max_blobs_per_tx(if spec.is_enabled_in(SpecId::PRAGUE) && !spec.is_enabled_in(SpecId::OSAKA) {
        9
    } else {
        6
    });
    cfg
}

/// One vector, ready to run any number of times on either side.
struct Vector<'a> {
    prestate: &'a CacheState,
    cfg: CfgEnv,
    block: BlockEnv,
    tx: TxEnv,
}

impl<'a> Vector<'a> {
    fn new(
        unit: &TestUnit,
        spec: SpecId,
        prestate: &'a CacheState,
        test: &Test,
    ) -> Result<Self, revm_statetest_types::TestError> {
        let mut cfg = cfg_for(spec, unit.env.current_chain_id.map_or(1, |id| id.to()));
        let block = unit.block_env(&mut cfg);
        let tx = test.tx_env(unit)?;
        Ok(Vector { prestate, cfg, block, tx })
    }

    /// The vector of a generated program, built directly from it.
    fn of_program(program: &Pattern, prestate: &'a CacheState) -> Result<Self, VectorError> {
        let spec = program::spec(program).ok_or(VectorError::UnknownFork(program.fork))?;
        let cfg = cfg_for(spec, 1);
        let block = program::block(program, &cfg);
        Ok(Vector { prestate, cfg, block, tx: program::tx(program) })
    }

    fn context(&self) -> TestContext {
        let db = State::builder().with_cached_prestate(self.prestate.clone()).with_bundle_update().build();
        Context::mainnet()
            .with_block(self.block.clone())
            .with_tx(self.tx.clone())
            .with_cfg(self.cfg.clone())
            .with_db(db)
    }

    /// The fastest of `runs` runs (all runs give the same result).
    fn timed(&self, runs: usize, run: impl Fn() -> Run) -> Run {
        let mut best = run();
        for _ in 1..runs {
            let next = run();
            if next.time < best.time {
                best = next;
            }
        }
        best
    }

    fn run_precompile(&self, executor: &Executor<TestContext>) -> Run {
        let started = Instant::now();
        let (ctx, result, metered) = executor.transact_metered(self.context());
        Run { metered, ..Run::committed(ctx, result.map_err(RunError::from), started) }
    }

    /// The units native revm counts for the transaction (its result is the uncounted run's).
    fn native_units(&self) -> u64 {
        self.run_native_counted().1
    }

    /// A native run that also counts the guest's units (slower: an inspector sees every step).
    fn run_native_counted(&self) -> (Run, u64) {
        let (run, counter) = self.run_native_features();
        (run, counter.units())
    }

    /// A native run that counts what the guest counts, feature by feature.
    fn run_native_features(&self) -> (Run, native::UnitCounter) {
        let started = Instant::now();
        let (ctx, result, counter) = native::transact_counted(self.context());
        (Run::committed(ctx, result.map_err(RunError::from), started), counter)
    }

    fn run_native(&self) -> Run {
        let started = Instant::now();
        let (ctx, result) = native::transact(self.context());
        Run::committed(ctx, result.map_err(RunError::from), started)
    }

    /// The fastest time inside the precompile of `runs` runs (one of them `first`), and the
    /// session's usage and fee, which every run shares. Timing noise only ever adds time,
    /// so a vector whose fastest run is above its fee runs up to [`RETRIES`] more times,
    /// [`RETRY_PAUSE`] apart, then up to [`LATE_RETRIES`] more, [`LATE_RETRY_PAUSE`] apart,
    /// before it counts as undercharged: a vector really charged below its cost is above its
    /// fee on every run, however long the check waits.
    fn fee_sample(&self, executor: &Executor<TestContext>, runs: usize, first: Metered) -> FeeSample {
        let mut sample = FeeSample { time: first.time, usage: first.usage, charge: first.fee.ok() };
        let mut more = 0;
        while sample.undercharged() || more + 1 < runs {
            if more + 1 >= runs + RETRIES + LATE_RETRIES {
                break;
            }
            if sample.undercharged() {
                // Spread the retries over a minute: a slow phase of the machine passes.
                let late = more + 1 >= runs + RETRIES;
                std::thread::sleep(if late { LATE_RETRY_PAUSE } else { RETRY_PAUSE });
            }
            let (_, _, metered) = executor.transact_metered(self.context());
            sample.time = sample.time.min(metered.time);
            more += 1;
        }
        sample
    }
}

impl Run {
    /// Gas the transaction used, or why there is none (native revm refused it).
    fn gas_used(&self) -> Result<u64, VectorError> {
        match &self.result {
            Ok(result) => Ok(result.gas().tx_gas_used()),
            Err(error) => Err(VectorError::NativeRefused(error.clone())),
        }
    }

    /// Commits the journal of a successful run and takes the post-state root; the time
    /// includes the commit, on both sides alike.
    fn committed(mut ctx: TestContext, result: TxResult, started: Instant) -> Run {
        let state = ctx.journal_mut().finalize();
        if result.is_ok() {
            ctx.db_mut().commit(state);
        }
        let time = started.elapsed();
        Run { result, root: state_root(&ctx.journaled_state.database), time, metered: Metered::default() }
    }
}

/// How a vector's result differs from the fixture, if it does.
fn mismatch(test: &Test, result: &TxResult, root: B256) -> Option<String> {
    match (&test.expect_exception, result) {
        (Some(_), Err(RunError::Invalid(_))) => None,
        (Some(expected), Ok(_)) => Some(format!("expected {expected}, but the transaction was accepted")),
        (Some(expected), Err(error)) => Some(format!("expected {expected}, got {error}")),
        (None, Err(error)) => Some(format!("transaction failed: {error}")),
        (None, Ok(result)) => {
            let logs = logs_hash(result.logs());
            if logs != test.logs {
                return Some(format!("logs hash {logs} != expected {}", test.logs));
            }
            if root != test.hash {
                return Some(format!("state root {root} != expected {} ({})", test.hash, describe(result)));
            }
            None
        }
    }
}

fn describe(result: &ExecutionResult) -> String {
    match result {
        ExecutionResult::Success { reason, gas, .. } => format!("success {reason:?}, gas {}", gas.tx_gas_used()),
        ExecutionResult::Revert { gas, .. } => format!("revert, gas {}", gas.tx_gas_used()),
        ExecutionResult::Halt { reason, gas, .. } => format!("halt {reason:?}, gas {}", gas.tx_gas_used()),
    }
}

/// The result with its halt reason replaced by one for all: the spec makes the status class
/// consensus, not the reason (gas, output, logs and state still count).
fn halt_class(result: &ExecutionResult) -> ExecutionResult {
    let mut result = result.clone();
    if let ExecutionResult::Halt { reason, .. } = &mut result {
        *reason = HaltReason::OutOfGas(OutOfGasError::Basic);
    }
    result
}

/// What differs between the precompile's run and native revm's, if anything.
fn difference(wasm: &TxResult, wasm_root: B256, native: &TxResult, native_root: B256) -> Option<Difference> {
    let consensus = |text: String| Some(Difference::Consensus(text));
    match (wasm, native) {
        (Ok(wasm), Ok(native)) => {
            let text = format!("precompile: {} / native: {}", describe(wasm), describe(native));
            if halt_class(wasm) != halt_class(native) {
                return consensus(text);
            }
            if wasm_root != native_root {
                return consensus(format!("state root {wasm_root} / native {native_root}"));
            }
            (wasm != native).then_some(Difference::HaltReason(text))
        }
        (Err(wasm), Err(native)) => (wasm.to_string() != native.to_string())
            .then(|| Difference::Consensus(format!("errors differ: {wasm} / native {native}"))),
        (Ok(wasm), Err(native)) => {
            consensus(format!("precompile accepted ({}), native refused: {native}", describe(wasm)))
        }
        (Err(wasm), Ok(native)) => {
            consensus(format!("precompile refused: {wasm}, native accepted ({})", describe(native)))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use revm::context::result::ResultGas;

    fn halt(reason: HaltReason, gas: u64) -> TxResult {
        Ok(ExecutionResult::Halt { reason, gas: ResultGas::default().with_total_gas_spent(gas), logs: Vec::new() })
    }

    #[test]
    fn halts_differing_only_in_reason_are_not_consensus() {
        let root = B256::ZERO;
        let guest = halt(HaltReason::OutOfGas(OutOfGasError::InvalidOperand), 300_000);
        for native in
            [HaltReason::OutOfOffset, HaltReason::CreateInitCodeSizeLimit, HaltReason::OutOfGas(OutOfGasError::Memory)]
        {
            let native = halt(native, 300_000);
            assert!(matches!(difference(&guest, root, &native, root), Some(Difference::HaltReason(_))));
        }
        let other_gas = halt(HaltReason::OutOfOffset, 299_999);
        assert!(matches!(difference(&guest, root, &other_gas, root), Some(Difference::Consensus(_))));
        assert!(matches!(difference(&guest, root, &guest, B256::with_last_byte(1)), Some(Difference::Consensus(_))));
        assert!(difference(&guest, root, &guest, root).is_none());
    }
}
