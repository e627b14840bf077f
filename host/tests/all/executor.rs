//! Whole transactions through the executor match native revm: a call chain to the depth
//! limit, and contracts that create, call and revert each other.

use crate::asm::asm;
use crate::harness::precompile;
use evmpc_host::abi::limits::MAX_INITCODE_SIZE;
use evmpc_host::executor::Executor;
use evmpc_host::state_host::memory_host::MemoryContext;
use evmpc_host::{Engine, EngineConfig, Error, Fork, MemoryHost, NodeError, Precompile, TxError};
use evmpc_oracle::native;
use revm::context::result::{ExecutionResult, HaltReason, OutOfGasError};
use revm::context::TxEnv;
use revm::context_interface::journaled_state::JournalTr;
use revm::context_interface::ContextTr;
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, TxKind, U256};
use revm::state::{AccountInfo, Bytecode, EvmState};
use std::collections::BTreeMap;
use std::sync::OnceLock;

const CALLER: Address = Address::new([0xee; 20]);
const CONTRACT: Address = Address::new([0xc0; 20]);

fn executor() -> &'static Executor<MemoryContext> {
    static EXECUTOR: OnceLock<Executor<MemoryContext>> = OnceLock::new();
    EXECUTOR.get_or_init(|| Executor::new(precompile().engine()).expect("executor"))
}

/// A Cancun context with a funded caller and `code` at [`CONTRACT`], running `tx`.
fn context(code: &[u8], data: Vec<u8>, gas_limit: u64) -> MemoryContext {
    let mut host = MemoryHost::for_fork(Fork::Cancun);
    let db = &mut host.ctx.journaled_state.database;
    db.insert_account_info(
        CALLER,
        AccountInfo { balance: U256::from(10).pow(U256::from(20)), ..AccountInfo::default() },
    );
    let bytecode = Bytecode::new_raw(Bytes::copy_from_slice(code));
    db.insert_account_info(
        CONTRACT,
        AccountInfo { code_hash: bytecode.hash_slow(), code: Some(bytecode), nonce: 1, ..AccountInfo::default() },
    );
    let mut ctx = host.ctx;
    ctx.block.gas_limit = u64::MAX;
    ctx.tx = TxEnv {
        caller: CALLER,
        kind: TxKind::Call(CONTRACT),
        data: Bytes::from(data),
        gas_limit,
        gas_price: 0,
        chain_id: Some(1),
        ..TxEnv::default()
    };
    ctx
}

type Projection = BTreeMap<Address, (U256, u64, revm::primitives::B256, BTreeMap<U256, U256>)>;

fn project(state: &EvmState) -> Projection {
    state
        .iter()
        .filter(|(_, account)| account.is_touched())
        .map(|(address, account)| {
            let storage = account.storage.iter().map(|(key, slot)| (*key, slot.present_value)).collect();
            (*address, (account.info.balance, account.info.nonce, account.info.code_hash, storage))
        })
        .collect()
}

/// Runs the transaction in `ctx` through the precompile and natively (revm with
/// EIP-7610); asserts identical results and post states.
fn assert_same(ctx: impl Fn() -> MemoryContext) -> (ExecutionResult, Projection) {
    let (mut wasm_ctx, wasm) = executor().transact(ctx());
    let wasm = wasm.expect("precompile executes the transaction");
    let wasm_state = project(&wasm_ctx.journal_mut().finalize());
    let (mut native_ctx, native) = native::transact(ctx());
    let native = native.expect("native executes the transaction");
    assert_eq!(wasm, native, "execution results differ");
    assert_eq!(wasm_state, project(&native_ctx.journal_mut().finalize()), "post states differ");
    (wasm, wasm_state)
}

fn assert_same_transaction(code: &[u8], data: Vec<u8>, gas_limit: u64) -> (ExecutionResult, Projection) {
    assert_same(|| context(code, data.clone(), gas_limit))
}

#[test]
fn a_call_chain_reaches_the_depth_limit_like_native_revm() {
    // Each frame calls itself with calldata = its depth + 1 and returns what the deepest
    // frame returned; the frame at depth 1024 cannot call further and returns 1025.
    let code = asm("PUSH1 0x00 CALLDATALOAD PUSH1 0x01 ADD PUSH1 0x00 MSTORE \
                    PUSH1 0x20 PUSH1 0x00 PUSH1 0x20 PUSH1 0x00 PUSH1 0x00 ADDRESS GAS CALL POP \
                    PUSH1 0x20 PUSH1 0x00 RETURN");
    let (result, _) = assert_same_transaction(&code, Vec::new(), 500_000_000_000);
    let output = result.output().expect("returns");
    assert_eq!(U256::from_be_slice(output), U256::from(1025), "the deepest frame is at depth 1024");

    // Frames' stacks lie end to end: 1,025 frames of a few words each do not grow guest
    // memory by revm's 32 KiB of room per frame (32 MiB), which the session's reset would
    // pay for (spec §7).
    let (_, _, metered) = executor().transact_metered(context(&code, Vec::new(), 500_000_000_000));
    assert!(metered.memory < 4 << 20, "a dive to depth 1,024 grew guest memory to {} bytes", metered.memory);
}

/// Init code that stores 1 in slot 0 and deploys `runtime`.
fn init_code(runtime: &[u8]) -> Vec<u8> {
    let len = runtime.len();
    let prefix_len = 5 + 2 + 2 + 2 + 1 + 2 + 2 + 1;
    let mut code = asm(&format!(
        "PUSH1 0x01 PUSH1 0x00 SSTORE PUSH1 0x{len:02x} PUSH1 0x{prefix_len:02x} PUSH1 0x00 CODECOPY PUSH1 0x{len:02x} PUSH1 0x00 RETURN"
    ));
    assert_eq!(code.len(), prefix_len);
    code.extend_from_slice(runtime);
    code
}

#[test]
fn nested_creates_calls_and_reverts_match_native_revm() {
    // The child stores 42, then reverts if it got call data.
    let child =
        asm("PUSH1 0x2a PUSH1 0x00 SSTORE CALLDATASIZE PUSH1 0x0a JUMPI STOP JUMPDEST PUSH1 0x00 PUSH1 0x00 REVERT");
    let init = init_code(&child);
    // The factory creates the child from its call data, calls it twice (the second call
    // reverts), creates it again with CREATE2 twice (the second collides), and records
    // every result in its storage; then it calls a failing CREATE whose init code reverts.
    let factory = asm("CALLDATASIZE PUSH1 0x00 PUSH1 0x00 CALLDATACOPY \
         CALLDATASIZE PUSH1 0x00 PUSH1 0x00 CREATE DUP1 PUSH1 0x00 SSTORE \
         PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 DUP6 GAS CALL PUSH1 0x01 SSTORE \
         PUSH1 0x00 PUSH1 0x00 PUSH1 0x01 PUSH1 0x00 PUSH1 0x00 DUP6 GAS CALL PUSH1 0x02 SSTORE \
         POP \
         PUSH1 0x07 CALLDATASIZE PUSH1 0x00 PUSH1 0x00 CREATE2 PUSH1 0x03 SSTORE \
         PUSH1 0x07 CALLDATASIZE PUSH1 0x00 PUSH1 0x00 CREATE2 PUSH1 0x04 SSTORE \
         PUSH5 0x60006000fd PUSH1 0x00 MSTORE PUSH1 0x05 PUSH1 0x1b PUSH1 0x00 CREATE PUSH1 0x05 SSTORE \
         RETURNDATASIZE PUSH1 0x06 SSTORE STOP");
    let (result, state) = assert_same_transaction(&factory, init, 5_000_000);
    assert!(result.is_success(), "{result:?}");
    let slots = &state.get(&CONTRACT).expect("factory touched").3;
    let created = slots.get(&U256::ZERO).copied().unwrap_or_default();
    assert_ne!(created, U256::ZERO, "CREATE succeeded");
    assert_eq!(slots.get(&U256::from(1)), Some(&U256::from(1)), "first call succeeded");
    assert_eq!(slots.get(&U256::from(2)).copied().unwrap_or_default(), U256::ZERO, "second call reverted");
    assert_ne!(slots.get(&U256::from(3)).copied().unwrap_or_default(), U256::ZERO, "CREATE2 succeeded");
    assert_eq!(slots.get(&U256::from(4)).copied().unwrap_or_default(), U256::ZERO, "CREATE2 collided");
    assert_eq!(slots.get(&U256::from(5)).copied().unwrap_or_default(), U256::ZERO, "reverting init code");
    let child_address = Address::from_word(created.to_be_bytes::<32>().into());
    let child_slots = &state.get(&child_address).expect("child created").3;
    assert_eq!(
        child_slots.get(&U256::ZERO),
        Some(&U256::from(42)),
        "the reverted call's write is undone, the first kept"
    );
}

/// Calls the running contract with call data `mode` (one word), all gas, output ignored.
fn call_self(mode: u8) -> String {
    format!(
        "PUSH1 0x{mode:02x} PUSH1 0x00 MSTORE PUSH1 0x00 PUSH1 0x00 PUSH1 0x20 PUSH1 0x00 PUSH1 0x00 ADDRESS GAS CALL POP"
    )
}

#[test]
fn transient_writes_of_failed_frames_are_undone_and_kept_ones_stay() {
    // Mode 0 writes slot 1 twice, then records slot 1 (and 2) after each child: mode 1
    // writes and reverts, mode 2 writes twice and succeeds, mode 4 writes, runs mode 2
    // (which succeeds) and reverts, taking its grandchild's writes with it.
    let code = asm(&format!(
        "PUSH1 0x00 CALLDATALOAD \
         DUP1 PUSH1 0x01 EQ @revert JUMPI DUP1 PUSH1 0x02 EQ @keep JUMPI DUP1 PUSH1 0x04 EQ @nested JUMPI POP \
         PUSH1 0x01 PUSH1 0x01 TSTORE PUSH1 0x02 PUSH1 0x01 TSTORE \
         {one} PUSH1 0x01 TLOAD PUSH1 0x00 SSTORE PUSH1 0x02 TLOAD PUSH1 0x01 SSTORE \
         {two} PUSH1 0x01 TLOAD PUSH1 0x02 SSTORE \
         {four} PUSH1 0x01 TLOAD PUSH1 0x03 SSTORE STOP \
         revert: JUMPDEST PUSH1 0x03 PUSH1 0x01 TSTORE PUSH1 0x04 PUSH1 0x01 TSTORE PUSH1 0x05 PUSH1 0x02 TSTORE \
         PUSH1 0x00 PUSH1 0x00 REVERT \
         keep: JUMPDEST PUSH1 0x06 PUSH1 0x01 TSTORE PUSH1 0x07 PUSH1 0x01 TSTORE STOP \
         nested: JUMPDEST PUSH1 0x09 PUSH1 0x01 TSTORE {two} PUSH1 0x00 PUSH1 0x00 REVERT",
        one = call_self(1),
        two = call_self(2),
        four = call_self(4),
    ));
    let (result, state) = assert_same_transaction(&code, Vec::new(), 1_000_000);
    assert!(result.is_success(), "{result:?}");
    let slots = &state.get(&CONTRACT).expect("contract touched").3;
    let slot = |key: u64| slots.get(&U256::from(key)).copied().unwrap_or_default();
    assert_eq!(slot(0), U256::from(2), "a reverted child's writes are undone");
    assert_eq!(slot(1), U256::ZERO, "a slot only a reverted child wrote is empty again");
    assert_eq!(slot(2), U256::from(7), "a successful child's last write stays");
    assert_eq!(slot(3), U256::from(7), "a reverted frame undoes what its successful child wrote");
}

#[test]
fn a_create_onto_an_account_with_storage_collides() {
    // EIP-7610: the CREATE2 target has storage (and no code, no nonce): the create fails
    // and its gas is consumed, as with code or a nonce.
    let init = [0x00u8];
    let target = CONTRACT.create2([0u8; 32], revm::primitives::keccak256(init));
    let creator = asm("PUSH1 0x00 PUSH1 0x00 MSTORE8 PUSH1 0x00 PUSH1 0x01 PUSH1 0x00 PUSH1 0x00 CREATE2 \
                       PUSH1 0x01 ADD PUSH1 0x00 SSTORE GAS PUSH1 0x01 SSTORE");
    let ctx = || {
        let mut ctx = context(&creator, Vec::new(), 10_000_000);
        let _ = ctx.journaled_state.database.insert_account_storage(target, U256::from(1), U256::from(5));
        ctx
    };
    let (result, state) = assert_same(ctx);
    assert!(result.is_success(), "{result:?}");
    let slots = &state.get(&CONTRACT).expect("creator touched").3;
    assert_eq!(slots.get(&U256::ZERO).copied(), Some(U256::from(1)), "the create collided: address 0 pushed");
    assert!(slots.get(&U256::from(1)).copied().unwrap_or_default() < U256::from(200_000), "its gas was consumed");
}

#[test]
fn init_code_above_the_limit_halts_a_valid_homestead_transaction() {
    // Before Shanghai a transaction's init code is bounded only by its gas; past
    // MAX_INITCODE_SIZE the frame halts (an outcome), it is never left without one.
    let mut host = MemoryHost::for_fork(Fork::Homestead);
    host.ctx.journaled_state.database.insert_account_info(
        CALLER,
        AccountInfo { balance: U256::from(10).pow(U256::from(20)), ..AccountInfo::default() },
    );
    let mut ctx = host.ctx;
    ctx.cfg.set_spec_and_mainnet_gas_params(SpecId::HOMESTEAD);
    ctx.block.gas_limit = u64::MAX;
    ctx.tx = TxEnv {
        caller: CALLER,
        kind: TxKind::Create,
        data: Bytes::from(vec![0u8; MAX_INITCODE_SIZE + 1]),
        gas_limit: 100_000_000,
        gas_price: 0,
        chain_id: Some(1),
        ..TxEnv::default()
    };
    let (_, result) = executor().transact(ctx);
    match result.expect("an outcome, not an error") {
        ExecutionResult::Halt { reason: HaltReason::OutOfGas(OutOfGasError::MemoryLimit), gas, .. } => {
            assert_eq!(gas.tx_gas_used(), 100_000_000)
        }
        other => panic!("expected the limit halt, got {other:?}"),
    }
}

/// A database whose reads fail: the node's fault.
#[derive(Debug, Default)]
struct BrokenDb;

#[derive(Debug, thiserror::Error)]
#[error("disk read failed")]
struct DiskError;

impl revm::database_interface::DBErrorMarker for DiskError {}

impl revm::Database for BrokenDb {
    type Error = DiskError;
    fn basic(&mut self, _: Address) -> Result<Option<AccountInfo>, DiskError> {
        Err(DiskError)
    }
    fn code_by_hash(&mut self, _: revm::primitives::B256) -> Result<Bytecode, DiskError> {
        Err(DiskError)
    }
    fn storage(&mut self, _: Address, _: U256) -> Result<U256, DiskError> {
        Err(DiskError)
    }
    fn block_hash(&mut self, _: u64) -> Result<revm::primitives::B256, DiskError> {
        Err(DiskError)
    }
}

impl evmpc_host::executor::StorageProbe for BrokenDb {
    fn has_storage(&mut self, _: Address) -> Result<bool, DiskError> {
        Err(DiskError)
    }
}

type BrokenContext = revm::Context<
    revm::context::BlockEnv,
    TxEnv,
    revm::context::CfgEnv,
    BrokenDb,
    revm::context::Journal<BrokenDb>,
    (),
>;

#[test]
fn node_faults_are_typed_and_never_a_result() {
    let broken = || {
        let mut ctx: BrokenContext = revm::Context::new(BrokenDb, SpecId::CANCUN);
        ctx.tx = TxEnv { caller: CALLER, kind: TxKind::Call(CONTRACT), gas_limit: 100_000, ..TxEnv::default() };
        ctx
    };
    let executor = Executor::<BrokenContext>::new(precompile().engine()).unwrap();
    let (_, result) = executor.transact(broken());
    assert!(matches!(result, Err(TxError::Database(_))), "{result:?}");

    // A session the engine cannot give is the node's fault too, typed, not a string.
    let mut config = EngineConfig::new();
    config.max_sessions(1);
    let engine = Engine::new(&config).unwrap();
    let executor = Executor::<MemoryContext>::new(&engine).unwrap();
    let held = Precompile::<MemoryHost>::new(&engine).unwrap().session(MemoryHost::default()).unwrap();
    let (_, result) = executor.transact(context(&asm("STOP"), Vec::new(), 100_000));
    assert!(matches!(result, Err(TxError::Precompile(Error::Node(NodeError::PoolExhausted { .. })))), "{result:?}");
    drop(held);
}
