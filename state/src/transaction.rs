//! A contract's Ethereum transaction as revm runs it: the same environment, the same
//! `TxEnv` and the same outcome whether the precompile runs it for the contract or the
//! contract interprets it itself.

use alloc::vec::Vec;
use evmpc_abi::contract::{LogEntry, Transaction, TxOutcome, TxStatus};
use revm::context::result::ExecutionResult;
use revm::context::{BlockEnv, CfgEnv, Context, Journal, JournalTr, TxEnv};
use revm::database_interface::Database;
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, Bytes, TxKind, U256};

/// What the block and chain are, as the node says (a contract cannot choose them).
#[derive(Clone, Debug)]
pub struct Environment {
    /// The fork's revm spec.
    pub spec: SpecId,
    /// The block.
    pub block: BlockEnv,
    /// The chain id.
    pub chain_id: u64,
}

impl Environment {
    /// `spec` on chain 1, in block 1 at time 1, with no block gas limit of its own.
    pub fn new(spec: SpecId) -> Environment {
        let block =
            BlockEnv { number: U256::from(1), timestamp: U256::from(1), gas_limit: u64::MAX, ..BlockEnv::default() };
        Environment { spec, block, chain_id: 1 }
    }

    /// The reference node's: Prague.
    pub fn reference() -> Environment {
        Environment::new(SpecId::PRAGUE)
    }

    /// Whether touched empty accounts go (EIP-161, from Spurious Dragon).
    pub fn clears_empty_accounts(&self) -> bool {
        self.spec.is_enabled_in(SpecId::SPURIOUS_DRAGON)
    }
}

/// Sets `ctx` up to run `tx` in `environment`. Gas has no price (the engine charges its
/// users as it likes), so there is no base fee; nonces are the engine's to keep, so revm
/// bumps them without checking.
pub fn prepare<DB: Database, C>(
    ctx: &mut Context<BlockEnv, TxEnv, CfgEnv, DB, Journal<DB>, C>,
    environment: &Environment,
    tx: &Transaction,
) {
    ctx.cfg.spec = environment.spec;
    ctx.journaled_state.set_spec_id(environment.spec);
    ctx.block = environment.block.clone();
    ctx.block.basefee = 0;
    ctx.cfg.chain_id = environment.chain_id;
    ctx.cfg.disable_nonce_check = true;
    ctx.tx = TxEnv {
        caller: Address::from(tx.caller),
        kind: tx.to.map_or(TxKind::Create, |to| TxKind::Call(Address::from(to))),
        value: U256::from_be_bytes(tx.value),
        data: Bytes::from(tx.data.clone()),
        gas_limit: tx.gas_limit,
        gas_price: 0,
        gas_priority_fee: None,
        chain_id: Some(environment.chain_id),
        ..TxEnv::default()
    };
}

/// What the contract receives of a finished transaction.
pub fn outcome<H>(result: &ExecutionResult<H>) -> TxOutcome {
    let (status, created) = match result {
        ExecutionResult::Success { output, .. } => (TxStatus::Success, output.address().map(|a| a.0 .0)),
        ExecutionResult::Revert { .. } => (TxStatus::Revert, None),
        ExecutionResult::Halt { .. } => (TxStatus::Halt, None),
    };
    TxOutcome {
        status,
        gas_used: result.gas().tx_gas_used(),
        output: result.output().map(|bytes| bytes.to_vec()).unwrap_or_default(),
        created,
        logs: result
            .logs()
            .iter()
            .map(|log| LogEntry {
                address: log.address.0 .0,
                topics: log.data.topics().iter().map(|topic| topic.0).collect::<Vec<_>>(),
                data: log.data.data.to_vec(),
            })
            .collect(),
    }
}
