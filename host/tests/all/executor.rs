//! Whole transactions through the executor match native revm: a call chain to the depth
//! limit, and contracts that create, call and revert each other.

use crate::asm::asm;
use crate::harness::precompile;
use evmpc_host::executor::Executor;
use evmpc_host::memory_host::MemoryContext;
use evmpc_host::{Fork, MemoryHost};
use revm::context::result::ExecutionResult;
use revm::context::TxEnv;
use revm::context_interface::journaled_state::JournalTr;
use revm::context_interface::ContextTr;
use revm::primitives::{Address, Bytes, TxKind, U256};
use revm::state::{AccountInfo, Bytecode, EvmState};
use revm::{ExecuteEvm, MainBuilder};
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

/// Runs the transaction through the precompile and natively; asserts identical results.
fn assert_same_transaction(code: &[u8], data: Vec<u8>, gas_limit: u64) -> (ExecutionResult, Projection) {
    let (mut ctx, wasm) = executor().transact(context(code, data.clone(), gas_limit));
    let wasm = wasm.expect("precompile executes the transaction");
    let wasm_state = project(&ctx.journal_mut().finalize());

    let ctx = context(code, data, gas_limit);
    let tx = ctx.tx.clone();
    let native = ctx.build_mainnet().transact(tx).expect("native executes the transaction");
    assert_eq!(wasm, native.result, "execution results differ");
    assert_eq!(wasm_state, project(&native.state), "post states differ");
    (wasm, wasm_state)
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
