//! The same EVM engine as `engine-precompile` with revm (its mainnet handler and
//! interpreter) compiled into the contract: every EVM instruction is interpreted by
//! metered Wasm. State, block and outcome are exactly `engine-precompile`'s
//! (`evmpc-state`'s layout and transaction mapping).
//!
//! Method `transact`: input a borsh `Transaction`, output a borsh `TxOutcome`; an invalid
//! transaction aborts the call.

#![no_std]

extern crate alloc;

use borsh::BorshDeserialize;
use contract_env::NodeStorage;
use evmpc_abi::contract::Transaction;
use evmpc_state::transaction::{self, Environment};
use evmpc_state::ContractDb;
use revm::context::{BlockEnv, CfgEnv, Context, TxEnv};
use revm::context_interface::ContextTr;
use revm::{ExecuteEvm, MainBuilder};

/// Runs the transaction in the call's input.
#[unsafe(no_mangle)]
pub extern "C" fn transact() {
    let input = contract_env::input();
    let Ok(tx) = Transaction::try_from_slice(&input) else { contract_env::abort("transact: malformed transaction") };
    let environment = Environment::reference();
    let mut ctx: Context<BlockEnv, TxEnv, CfgEnv, ContractDb<NodeStorage>> =
        Context::new(ContractDb::new(NodeStorage), environment.spec);
    transaction::prepare(&mut ctx, &environment, &tx);
    let tx_env = ctx.tx.clone();
    let mut evm = ctx.build_mainnet();
    let Ok(executed) = evm.transact(tx_env) else { contract_env::abort("transact: invalid transaction") };
    let clear_empty = environment.clears_empty_accounts();
    if evm.ctx.db_mut().commit(&executed.state, clear_empty).is_err() {
        contract_env::abort("transact: corrupt state");
    }
    let outcome = transaction::outcome(&executed.result);
    contract_env::set_output(&borsh::to_vec(&outcome).unwrap_or_default());
}
