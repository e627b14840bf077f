//! An EVM engine contract on the precompile: Ethereum state in its storage, every
//! transaction (calls, creates, nested frames, value) run by evmpc through `evmpc-sdk`.
//!
//! Method `transact`: input a borsh `Transaction`, output a borsh `TxOutcome`. A
//! transaction the node refuses (invalid, its gas limit above the contract's gas) aborts
//! the call.

#![no_std]

extern crate alloc;

use borsh::BorshDeserialize;
use evmpc_sdk::{Evmpc, Transaction};

/// Runs the transaction in the call's input.
#[unsafe(no_mangle)]
pub extern "C" fn transact() {
    let input = contract_env::input();
    let Ok(tx) = Transaction::try_from_slice(&input) else { contract_env::abort("transact: malformed transaction") };
    match Evmpc::node().transact(&tx) {
        Ok(outcome) => contract_env::set_output(&borsh::to_vec(&outcome).unwrap_or_default()),
        Err(error) => {
            let mut message = alloc::string::String::from("transact: ");
            let _ = core::fmt::write(&mut message, format_args!("{error}"));
            contract_env::abort(&message)
        }
    }
}
