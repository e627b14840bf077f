//! The committed engine contracts on the reference node: both agree with native revm,
//! misuse and exhaustion keep nothing, and the two meterings count alike.

use borsh::BorshDeserialize;
use evmpc_abi::contract::{Transaction, TxOutcome, TxStatus};
use evmpc_host::{Engine, EngineConfig};
use evmpc_node::{costs, Failure, Metering, ReferenceNode};
use evmpc_state::transaction::{self, Environment};
use evmpc_state::{ContractDb, MemoryStorage};
use revm::context::{BlockEnv, CfgEnv, Context, TxEnv};
use revm::primitives::{keccak256, Address, U256};
use revm::{ExecuteEvm, MainBuilder};
use std::sync::OnceLock;

const PRECOMPILE_ENGINE: &[u8] = include_bytes!("../../contracts/wasm/engine-precompile.wasm");
const INTERPRETER_ENGINE: &[u8] = include_bytes!("../../contracts/wasm/engine-interpreter.wasm");
const LOCK: &str = include_str!("../../contracts/contracts.lock");
const TOKEN: &str = include_str!("../../src/workloads/data/erc20/token.hex");

const HOLDER: [u8; 20] = [0xa1; 20];
const TOKEN_AT: [u8; 20] = [0x70; 20];
/// CALLs [`STOPPER`] until its gas runs out: a frame per hundred-odd gas.
const LOOPER: [u8; 20] = [0xde; 20];
const STOPPER: [u8; 20] = [0x5d; 20];
const ENOUGH: u64 = costs::MAX_GAS_BURNT;

fn evmpc() -> &'static Engine {
    static ENGINE: OnceLock<Engine> = OnceLock::new();
    ENGINE.get_or_init(|| Engine::new(&EngineConfig::new()).expect("evmpc engine"))
}

fn word(address: [u8; 20]) -> [u8; 32] {
    let mut word = [0; 32];
    word[12..].copy_from_slice(&address);
    word
}

/// The token at [`TOKEN_AT`] with 10^6 units held by [`HOLDER`].
fn genesis() -> MemoryStorage {
    let mut db = ContractDb::new(MemoryStorage::default());
    db.insert_account(Address::from(HOLDER), U256::from(10u64.pow(18)), 0, &[]);
    db.insert_account(Address::from(TOKEN_AT), U256::ZERO, 1, &hex::decode(TOKEN.trim()).unwrap());
    let balance_slot = keccak256([word(HOLDER), [0; 32]].concat());
    db.insert_slot(Address::from(TOKEN_AT), balance_slot.into(), U256::from(1_000_000)).unwrap();
    // JUMPDEST PUSH1 0 DUP1 DUP1 DUP1 DUP1 PUSH20 STOPPER GAS CALL POP PUSH1 0 JUMP
    let looper =
        [&[0x5b, 0x60, 0x00, 0x80, 0x80, 0x80, 0x80, 0x73][..], &STOPPER, &[0x5a, 0xf1, 0x50, 0x60, 0x00, 0x56]]
            .concat();
    db.insert_account(Address::from(LOOPER), U256::ZERO, 1, &looper);
    db.insert_account(Address::from(STOPPER), U256::ZERO, 1, &[0x00]);
    db.storage
}

/// `transfer(to, amount)` from [`HOLDER`].
fn transfer(to: [u8; 20], amount: u64) -> Transaction {
    let mut data = vec![0xa9, 0x05, 0x9c, 0xbb];
    data.extend(word(to));
    data.extend(U256::from(amount).to_be_bytes::<32>());
    Transaction { caller: HOLDER, to: Some(TOKEN_AT), value: [0; 32], data, gas_limit: 200_000 }
}

/// Native revm over the same storage layout: the oracle.
fn native(storage: MemoryStorage, tx: &Transaction) -> (TxOutcome, MemoryStorage) {
    let environment = Environment::reference();
    let mut ctx: Context<BlockEnv, TxEnv, CfgEnv, ContractDb<MemoryStorage>> =
        Context::new(ContractDb::new(storage), environment.spec);
    transaction::prepare(&mut ctx, &environment, tx);
    let tx_env = ctx.tx.clone();
    let mut evm = ctx.build_mainnet();
    let executed = evm.transact(tx_env).expect("a valid transaction");
    let mut db = std::mem::take(&mut evm.ctx.journaled_state.database);
    db.commit(&executed.state, environment.clears_empty_accounts()).unwrap();
    (transaction::outcome(&executed.result), db.storage)
}

fn node(metering: Metering, wasm: &[u8]) -> ReferenceNode {
    let mut node = ReferenceNode::new(metering, evmpc()).unwrap();
    node.deploy("engine", wasm, genesis()).unwrap();
    node
}

fn run(node: &mut ReferenceNode, tx: &Transaction) -> TxOutcome {
    let called = node.call("engine", "transact", &borsh::to_vec(tx).unwrap(), ENOUGH).unwrap();
    let output = called.result.unwrap_or_else(|failure| panic!("{failure:?}"));
    TxOutcome::try_from_slice(&output).unwrap()
}

#[test]
fn the_committed_contracts_match_their_lock() {
    for (name, wasm) in [("engine-precompile", PRECOMPILE_ENGINE), ("engine-interpreter", INTERPRETER_ENGINE)] {
        let line = LOCK.lines().find(|line| line.starts_with(&format!("{name} ="))).expect("locked");
        let digest = sha256(wasm);
        assert!(line.contains(&digest), "{name}: {digest} is not what {line} says");
        assert!(line.contains(&format!("size = {}", wasm.len())));
    }
}

fn sha256(bytes: &[u8]) -> String {
    use sha2::Digest;
    hex::encode(sha2::Sha256::digest(bytes))
}

#[test]
fn both_engines_agree_with_native_revm() {
    let txs = [transfer([0x77; 20], 1), transfer([0x77; 20], 999_999), transfer([0x78; 20], 5)];
    let mut expected = genesis();
    let mut outcomes = Vec::new();
    for tx in &txs {
        let (outcome, state) = native(expected, tx);
        outcomes.push(outcome);
        expected = state;
    }
    assert_eq!(
        outcomes.iter().map(|o| o.status).collect::<Vec<_>>(),
        [TxStatus::Success, TxStatus::Success, TxStatus::Revert]
    );
    for (metering, wasm) in [
        (Metering::FiniteWasm, PRECOMPILE_ENGINE),
        (Metering::FiniteWasm, INTERPRETER_ENGINE),
        (Metering::Fuel, INTERPRETER_ENGINE),
    ] {
        let mut node = node(metering, wasm);
        for (tx, outcome) in txs.iter().zip(&outcomes) {
            assert_eq!(&run(&mut node, tx), outcome, "{metering:?}");
        }
        assert_eq!(node.state("engine"), Some(&expected), "{metering:?}: the same state");
    }
}

#[test]
fn misuse_and_exhaustion_keep_nothing() {
    let mut node = node(Metering::FiniteWasm, PRECOMPILE_ENGINE);
    let before = node.state("engine").cloned();
    let malformed = node.call("engine", "transact", b"junk", ENOUGH).unwrap();
    assert!(
        matches!(malformed.result, Err(Failure::Aborted(ref m)) if m.contains("malformed")),
        "{:?}",
        malformed.result
    );
    let too_much = Transaction { gas_limit: u64::MAX / 2, ..transfer([0x77; 20], 1) };
    let refused = node.call("engine", "transact", &borsh::to_vec(&too_much).unwrap(), ENOUGH).unwrap();
    assert!(
        matches!(refused.result, Err(Failure::Aborted(ref m)) if m.contains("GasLimitTooHigh")),
        "{:?}",
        refused.result
    );
    // A transaction of many frames: with gas for its limit at the floor price per gas, not for
    // its frames, the contract runs out in the precompile.
    let looping = Transaction { to: Some(LOOPER), data: Vec::new(), gas_limit: 200_000, ..transfer([0x77; 20], 1) };
    let tx = borsh::to_vec(&looping).unwrap();
    let schedule = evmpc().fee_schedule();
    let floor =
        (schedule.per_session + schedule.per_call + schedule.floor_per_gas() * looping.gas_limit) * costs::GAS_PER_PICO;
    let mut starved_in_precompile = 0;
    for gas in (0..40).map(|step| floor + step * floor / 20) {
        let called = node.call("engine", "transact", &tx, gas).unwrap();
        match called.result {
            Err(Failure::OutOfGas) => {
                assert_eq!(called.gas.total, gas, "it pays all it had");
                assert_eq!(node.state("engine").cloned(), before, "and keeps nothing");
                starved_in_precompile += u32::from(called.gas.precompile > 0);
            }
            Err(Failure::Aborted(ref message)) => assert!(message.contains("GasLimitTooHigh"), "{message}"),
            ref other => {
                assert_eq!(TxOutcome::try_from_slice(other.as_ref().unwrap()).unwrap().status, TxStatus::Halt);
                break;
            }
        }
    }
    assert!(starved_in_precompile > 0, "some call ran out of gas in the precompile");
    assert_eq!(
        node.call("engine", "nothing", &[], ENOUGH).unwrap_err().to_string(),
        "the contract exports no method nothing"
    );
}

#[test]
fn finite_wasm_and_fuel_count_about_the_same_operations() {
    let tx = transfer([0x77; 20], 1);
    let counted = |metering| {
        let mut node = node(metering, INTERPRETER_ENGINE);
        node.call("engine", "transact", &borsh::to_vec(&tx).unwrap(), ENOUGH).unwrap().gas.wasm_ops
    };
    let (finite, fuel) = (counted(Metering::FiniteWasm), counted(Metering::Fuel));
    let ratio = finite as f64 / fuel as f64;
    assert!((0.8..1.5).contains(&ratio), "finite-wasm {finite} ops, fuel {fuel}");
}
