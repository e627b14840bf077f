//! Many transactions in one process: a node's day, compressed.
//!
//! Each thread keeps a chain state of its own (an ERC-20 token with 256 holders, a contract
//! that calls another 100 times) and sends it transactions one after another, committing
//! each; every fifth transaction is instead a generated case of the fuzzer on a fresh state
//! (creates, reverts, deep calls, every fork). The state stops growing once every holder
//! has been paid, so memory that keeps growing after that is the precompile's or the host's.
//! All threads share one [`Engine`] and its pool; a session the pool cannot give
//! ([`NodeError::PoolExhausted`]) is waited for and the transaction sent again.

use crate::adversarial::{address, Pattern, CONTRACT};
use evmpc_host::executor::{Executor, TxError};
use evmpc_host::state_host::memory_host::MemoryContext;
use evmpc_host::{Engine, Error, NodeError};
use revm::context::result::ExecutionResult;
use revm::context::{BlockEnv, CfgEnv, Context, TxEnv};
use revm::context_interface::block::BlobExcessGasAndPrice;
use revm::context_interface::journaled_state::JournalTr;
use revm::context_interface::ContextTr;
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{keccak256, Address, Bytes, TxKind, U256};
use revm::state::{AccountInfo, Bytecode};
use revm::{DatabaseCommit, MainContext};

/// The token's holders (and senders of its transfers).
const HOLDERS: u16 = 256;
/// The token contract.
const TOKEN: [u8; 20] = address(0x4000);
/// Calls of the call-heavy contract per transaction.
const CALLS: u16 = 100;

/// What one transaction came to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    /// Success.
    Success,
    /// Revert.
    Revert,
    /// Exceptional halt.
    Halt,
    /// Refused before it ran (invalid for revm).
    Invalid,
}

/// Why a transaction failed for the node.
#[derive(Debug, thiserror::Error)]
#[error("transaction {index}: {message}")]
pub struct LoadError {
    /// Its index in the run.
    pub index: u64,
    /// What failed.
    pub message: String,
}

/// One thread's chain state and the executor it runs transactions with.
pub struct Chain {
    executor: Executor<MemoryContext>,
    db: Option<CacheDB<EmptyDB>>,
    nonces: Vec<u64>,
    /// Times a transaction waited for a pool slot.
    pub pool_waits: u64,
    /// The most guest memory a session grew to, and the transaction it ran.
    pub largest_memory: (usize, u64),
}

/// The holder at `index`.
fn holder(index: u16) -> [u8; 20] {
    let mut bytes = address(index);
    bytes[0] = 0x77;
    bytes
}

fn slot_of(holder: [u8; 20]) -> U256 {
    let mut key = [0u8; 64];
    key[12..32].copy_from_slice(&holder);
    U256::from_be_bytes(keccak256(key).0)
}

fn code(bytes: Vec<u8>) -> Bytecode {
    Bytecode::new_raw(Bytes::from(bytes))
}

impl Chain {
    /// A chain with the token and the call-heavy contracts deployed.
    ///
    /// # Errors
    /// The precompile cannot be set up.
    pub fn new(engine: &Engine) -> Result<Chain, evmpc_host::Error> {
        let mut db = CacheDB::new(EmptyDB::default());
        let token = crate::workloads::erc20_transfer_tx().code;
        db.insert_account_info(Address::from(TOKEN), AccountInfo::default().with_code(code(token)));
        let call_heavy = crate::contracts::call_heavy(CALLS);
        db.insert_account_info(Address::from(CONTRACT), AccountInfo::default().with_code(code(call_heavy.code)));
        for (account, bytes) in call_heavy.accounts {
            db.insert_account_info(Address::from(account), AccountInfo::default().with_code(code(bytes)));
        }
        for (account, key, value) in call_heavy.storage {
            let _ =
                db.insert_account_storage(Address::from(account), U256::from_be_bytes(key), U256::from_be_bytes(value));
        }
        for index in 0..HOLDERS {
            let holder = Address::from(holder(index));
            db.insert_account_info(holder, AccountInfo::default().with_balance(U256::from(10u128.pow(24))));
            let _ =
                db.insert_account_storage(Address::from(TOKEN), slot_of(holder.into_array()), U256::from(1u64 << 40));
        }
        Ok(Chain {
            executor: Executor::new(engine)?,
            db: Some(db),
            nonces: vec![0; HOLDERS as usize],
            pool_waits: 0,
            largest_memory: (0, 0),
        })
    }

    /// Sends transaction `index` of the run (its kind and parties follow from the index).
    ///
    /// # Errors
    /// The node failed (not a revert or halt: those are outcomes).
    pub fn send(&mut self, index: u64) -> Result<Ended, LoadError> {
        if index % 5 == 4 {
            return self.fuzz_case(index);
        }
        let from = (index % u64::from(HOLDERS)) as u16;
        let (to, data) = if index % 5 == 3 {
            (CONTRACT, Vec::new())
        } else {
            let mut data = vec![0xa9, 0x05, 0x9c, 0xbb];
            data.extend([0u8; 12]);
            data.extend(holder(((index / 7) % u64::from(HOLDERS)) as u16));
            data.extend(U256::from(1 + index % 3).to_be_bytes::<32>());
            (TOKEN, data)
        };
        let tx = TxEnv::builder()
            .caller(Address::from(holder(from)))
            .kind(TxKind::Call(Address::from(to)))
            .data(Bytes::from(data))
            .gas_limit(1_000_000)
            .gas_price(10)
            .nonce(self.nonces[from as usize])
            .build()
            .map_err(|error| LoadError { index, message: format!("{error:?}") })?;
        let db = self.db.take().unwrap_or_else(|| CacheDB::new(EmptyDB::default()));
        let (ended, db) = self.transact(index, db, tx, SpecId::PRAGUE)?;
        self.db = Some(db);
        if ended != Ended::Invalid {
            self.nonces[from as usize] += 1;
        }
        Ok(ended)
    }

    /// Runs `tx` on `db` and commits it; waits for a pool slot when there is none.
    fn transact(
        &mut self,
        index: u64,
        db: CacheDB<EmptyDB>,
        tx: TxEnv,
        spec: SpecId,
    ) -> Result<(Ended, CacheDB<EmptyDB>), LoadError> {
        let mut db = db;
        loop {
            let mut cfg = CfgEnv::default();
            cfg.set_spec_and_mainnet_gas_params(spec);
            let block = BlockEnv {
                number: U256::from(256),
                timestamp: U256::from(1000),
                basefee: 10,
                gas_limit: 30_000_000,
                prevrandao: Some(Default::default()),
                blob_excess_gas_and_price: Some(BlobExcessGasAndPrice::new(0, 3_338_477)),
                ..BlockEnv::default()
            };
            let ctx: MemoryContext = Context::mainnet().with_db(db).with_block(block).with_tx(tx.clone()).with_cfg(cfg);
            let (mut ctx, result, metered) = self.executor.transact_metered(ctx);
            if metered.memory > self.largest_memory.0 {
                self.largest_memory = (metered.memory, index);
            }
            let state = ctx.journal_mut().finalize();
            let mut after = ctx.journaled_state.database;
            let ended = match result {
                Ok(ExecutionResult::Success { .. }) => Ended::Success,
                Ok(ExecutionResult::Revert { .. }) => Ended::Revert,
                Ok(ExecutionResult::Halt { .. }) => Ended::Halt,
                Err(TxError::Invalid(_) | TxError::Header(_)) => return Ok((Ended::Invalid, after)),
                Err(TxError::Precompile(Error::Node(NodeError::PoolExhausted { .. }))) => {
                    self.pool_waits += 1;
                    std::thread::yield_now();
                    db = after;
                    continue;
                }
                Err(error) => return Err(LoadError { index, message: error.to_string() }),
            };
            after.commit(state);
            return Ok((ended, after));
        }
    }

    /// The fuzzer's case `index` on a fresh state of its own.
    fn fuzz_case(&mut self, index: u64) -> Result<Ended, LoadError> {
        let case = crate::fuzz::case(index);
        let (db, tx, spec) = fresh_state(&case.pattern);
        self.transact(index, db, tx, spec).map(|(ended, _)| ended)
    }
}

/// `pattern`'s accounts in a new database, its transaction and its fork.
fn fresh_state(pattern: &Pattern) -> (CacheDB<EmptyDB>, TxEnv, SpecId) {
    let sender = crate::adversarial::sender();
    let mut db = CacheDB::new(EmptyDB::default());
    db.insert_account_info(Address::from(sender), AccountInfo::default().with_balance(U256::from(10u128.pow(21))));
    db.insert_account_info(
        Address::from(CONTRACT),
        AccountInfo::default()
            .with_balance(U256::from(10u64.pow(18)))
            .with_nonce(1)
            .with_code(code(pattern.code.clone())),
    );
    for (account, bytes) in &pattern.accounts {
        let info = AccountInfo::default().with_balance(U256::from(1)).with_nonce(1).with_code(code(bytes.clone()));
        db.insert_account_info(Address::from(*account), info);
    }
    for (account, key, value) in &pattern.storage {
        let _ =
            db.insert_account_storage(Address::from(*account), U256::from_be_bytes(*key), U256::from_be_bytes(*value));
    }
    let spec = crate::statetest::program::spec(pattern).unwrap_or(SpecId::CANCUN);
    (db, crate::statetest::program::tx(pattern), spec)
}

#[cfg(test)]
mod tests {
    use super::*;
    use evmpc_host::EngineConfig;

    #[test]
    fn transfers_calls_and_cases_run_on_one_chain() {
        let engine = Engine::shared().unwrap();
        let mut chain = Chain::new(&engine).unwrap();
        let ended: Vec<Ended> = (0..20).map(|index| chain.send(index).unwrap()).collect();
        for index in [0, 1, 2, 3, 5, 8] {
            assert_eq!(ended[index], Ended::Success, "transaction {index}");
        }
        assert!(ended.iter().all(|ended| *ended != Ended::Invalid), "{ended:?}");
    }

    #[test]
    fn threads_wait_for_the_one_slot_and_lose_nothing() {
        let mut config = EngineConfig::new();
        config.max_sessions(1);
        let engine = Engine::new(&config).unwrap();
        let sent = std::thread::scope(|scope| {
            let threads: Vec<_> = (0..2u64)
                .map(|thread| {
                    let engine = &engine;
                    scope.spawn(move || {
                        let mut chain = Chain::new(engine).unwrap();
                        (thread..400).step_by(2).filter(|index| chain.send(*index).is_ok()).count()
                    })
                })
                .collect();
            threads.into_iter().map(|thread| thread.join().unwrap()).sum::<usize>()
        });
        assert_eq!(sent, 400, "every transaction ran, none failed for want of a slot");
    }
}
