use crate::state_host::revm_host::RevmHost;
use evmpc_abi::{Address, ExecContext, Fork, FrameInput, Word};
use revm::context::{BlockEnv, CfgEnv, Context, Journal, JournalTr, TxEnv};
use revm::context_interface::block::BlobExcessGasAndPrice;
use revm::context_interface::ContextTr;
use revm::database::{CacheDB, EmptyDB};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address as RAddress, Bytes, Log, B256, U256};
use revm::state::{AccountInfo, Bytecode};

/// The revm context behind [`MemoryHost`]: mainnet types over an in-memory database.
pub type MemoryContext = Context<BlockEnv, TxEnv, CfgEnv, CacheDB<EmptyDB>, Journal<CacheDB<EmptyDB>>, ()>;

/// An in-memory [`EvmHost`](crate::EvmHost) for the CLI, tests and benchmarks: revm's
/// journal over a `CacheDB<EmptyDB>`. Unknown accounts are empty, unknown slots zero.
pub type MemoryHost = RevmHost<MemoryContext>;

impl Default for MemoryHost {
    fn default() -> Self {
        MemoryHost::for_fork(Fork::Cancun)
    }
}

/// revm's spec id for a wire fork.
pub fn spec_id(fork: Fork) -> SpecId {
    SpecId::try_from_u8(fork.to_u8()).unwrap_or(SpecId::CANCUN)
}

impl MemoryHost {
    /// An empty state whose journal follows `fork`'s rules.
    pub fn for_fork(fork: Fork) -> Self {
        let spec = spec_id(fork);
        let mut ctx: MemoryContext = Context::new(CacheDB::new(EmptyDB::default()), spec);
        ctx.journal_mut().set_spec_id(spec);
        RevmHost::new(ctx)
    }

    /// Loads the frame's caller and target into the journal, warm, as a transaction's
    /// validation does before its first frame runs (storage writes need the target loaded).
    pub fn warm_frame_accounts(&mut self, frame: &FrameInput) {
        for address in [frame.caller, frame.target] {
            // CacheDB<EmptyDB> cannot fail.
            let _ = self.ctx.journal_mut().load_account(RAddress::from(address));
        }
    }

    /// An empty state for `frame`'s fork (Cancun if it carries no context) with its caller
    /// and target warm and, where the frame carries one, its context applied.
    pub fn for_frame(frame: &FrameInput) -> Self {
        let fork = frame.context.as_ref().map_or(Fork::Cancun, |context| context.fork);
        let mut host = MemoryHost::for_fork(fork);
        if let Some(context) = &frame.context {
            host.apply_context(context);
        }
        host.warm_frame_accounts(frame);
        host
    }

    /// Sets revm's block, transaction and chain id from a frame context, so that native
    /// revm on this host sees the block the precompile sees (u64 fields saturate).
    pub fn apply_context(&mut self, context: &ExecContext) {
        let block = &context.block;
        let word = |w: &Word| U256::from_be_bytes(*w);
        let saturating_u64 = |w: &Word| u64::try_from(word(w)).unwrap_or(u64::MAX);
        self.ctx.block = BlockEnv {
            number: word(&block.number),
            beneficiary: RAddress::from(block.beneficiary),
            timestamp: word(&block.timestamp),
            gas_limit: saturating_u64(&block.gas_limit),
            basefee: saturating_u64(&block.basefee),
            difficulty: word(&block.difficulty),
            prevrandao: block.prevrandao.map(B256::from),
            blob_excess_gas_and_price: Some(BlobExcessGasAndPrice {
                excess_blob_gas: 0,
                blob_gasprice: u128::try_from(word(&block.blob_gasprice)).unwrap_or(u128::MAX),
            }),
            slot_num: saturating_u64(&block.slot_num),
        };
        self.ctx.tx.caller = RAddress::from(context.tx.origin);
        self.ctx.tx.gas_price = u128::try_from(word(&context.tx.gas_price)).unwrap_or(u128::MAX);
        self.ctx.tx.blob_hashes = context.tx.blob_hashes.iter().copied().map(B256::from).collect();
        // revm answers BLOBHASH only for blob transactions (type 3), whose effective gas
        // price is min(max fee, base fee + tip): a tip equal to the price keeps it exact.
        if !self.ctx.tx.blob_hashes.is_empty() {
            self.ctx.tx.tx_type = 3;
            self.ctx.tx.gas_priority_fee = Some(self.ctx.tx.gas_price);
        }
        self.ctx.cfg.chain_id = context.chain_id;
    }

    /// Puts an account into the state before a transaction runs: balance, nonce and code.
    /// An account the journal has loaded already (the frame's caller and target, once
    /// warmed) is replaced there too, so the insert always takes effect.
    pub fn insert_account(&mut self, address: Address, balance: U256, nonce: u64, code: &[u8]) {
        let bytecode = Bytecode::new_raw(Bytes::copy_from_slice(code));
        let info =
            AccountInfo { balance, nonce, code_hash: bytecode.hash_slow(), code: Some(bytecode), account_id: None };
        let address = RAddress::from(address);
        if let Some(account) = self.ctx.journaled_state.state.get_mut(&address) {
            account.info = info.clone();
        }
        self.ctx.journaled_state.database.insert_account_info(address, info);
    }

    /// Sets a storage slot in the database.
    pub fn insert_storage(&mut self, address: Address, key: Word, value: Word) {
        let _ = self.ctx.journaled_state.database.insert_account_storage(
            RAddress::from(address),
            U256::from_be_bytes(key),
            U256::from_be_bytes(value),
        );
    }

    /// Logs emitted so far.
    pub fn logs(&self) -> &[Log] {
        self.ctx.journaled_state.logs()
    }

    /// Storage slots whose present value differs from their original one, by account.
    pub fn storage_changes(&self) -> Vec<(Address, Word, Word, Word)> {
        let mut changes = Vec::new();
        for (address, account) in self.ctx.journaled_state.state.iter() {
            for (key, slot) in account.storage.iter() {
                if slot.present_value != slot.original_value {
                    changes.push((
                        address.0 .0,
                        key.to_be_bytes::<32>(),
                        slot.original_value.to_be_bytes::<32>(),
                        slot.present_value.to_be_bytes::<32>(),
                    ));
                }
            }
        }
        changes.sort();
        changes
    }
}
