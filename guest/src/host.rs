use crate::imports::{self, ptr, ptr_mut};
use accounts::Accounts;
use alloc::collections::BTreeMap;
use alloc::{borrow::Cow, vec::Vec};
use evmpc_abi::records::{request, AccessFlags, AccountRecord, SelfDestructRecord, SSTORE_RECORD_SIZE};
use evmpc_abi::{ExecContext, Fork, Status};
use revm_interpreter::bytecode::opcode::{JUMP, JUMPDEST, JUMPI};
use revm_interpreter::context_interface::cfg::GasParams;
use revm_interpreter::context_interface::journaled_state::AccountInfoLoad;
use revm_interpreter::host::LoadError;
use revm_interpreter::primitives::hardfork::SpecId;
use revm_interpreter::primitives::{Address, Log, StorageKey, StorageValue, B256, U256};
use revm_interpreter::state::{AccountInfo, Bytecode};
use revm_interpreter::{GasTable, Host, SStoreResult, SelfDestructResult, StateLoad};
use transient::Transient;

/// Account records kept while a frame runs.
mod accounts;
/// EIP-1153 transient storage.
mod transient;

/// revm's [`Host`] served by the imports, with the block and transaction context kept
/// in guest memory for the whole session.
pub(crate) struct ImportHost {
    env: Env,
    gas_params: GasParams,
    /// The account whose code was loaded last, and the code's length: after a CALL
    /// instruction, the account holding the code the callee runs.
    code_holder: (Address, u32),
    /// The running frame's account records.
    accounts: Accounts,
    /// Hashes of the 256 blocks before this one, as the node gave them: fixed for the
    /// transaction, asked once each.
    block_hashes: BTreeMap<u64, B256>,
    /// EIP-1153 transient storage of the session's transaction.
    pub(crate) transient: Transient,
    /// The session's units so far ([`evmpc_abi::units`]): what its frames executed.
    pub(crate) units: u64,
    /// Static gas of the opcodes another one's body runs ([`crate::instructions`]).
    pub(crate) static_gas: StaticGas,
}

/// Static gas under the session's fork of the opcodes another one's body runs.
pub(crate) struct StaticGas {
    pub(crate) jump: u64,
    pub(crate) jumpi: u64,
    pub(crate) jumpdest: u64,
}

impl StaticGas {
    /// Those of the session's gas `table`.
    pub(crate) fn of(table: &GasTable) -> StaticGas {
        let gas = |opcode: u8| u64::from(table[opcode as usize]);
        StaticGas { jump: gas(JUMP), jumpi: gas(JUMPI), jumpdest: gas(JUMPDEST) }
    }
}

/// The session's context, as U256 and addresses, converted once.
struct Env {
    number: U256,
    beneficiary: Address,
    timestamp: U256,
    gas_limit: U256,
    basefee: U256,
    difficulty: U256,
    prevrandao: Option<U256>,
    blob_gasprice: U256,
    slot_num: U256,
    chain_id: U256,
    gas_price: U256,
    origin: Address,
    blob_hashes: Vec<U256>,
}

/// An account as the `account` import reports it.
pub(crate) struct AccountLoad {
    pub(crate) record: AccountRecord,
    pub(crate) flags: AccessFlags,
}

/// Maps a wire fork to revm's spec id.
pub(crate) fn spec_of(fork: Fork) -> SpecId {
    match fork {
        Fork::Frontier => SpecId::FRONTIER,
        Fork::Homestead => SpecId::HOMESTEAD,
        Fork::Tangerine => SpecId::TANGERINE,
        Fork::SpuriousDragon => SpecId::SPURIOUS_DRAGON,
        Fork::Byzantium => SpecId::BYZANTIUM,
        Fork::Petersburg => SpecId::PETERSBURG,
        Fork::Istanbul => SpecId::ISTANBUL,
        Fork::Berlin => SpecId::BERLIN,
        Fork::London => SpecId::LONDON,
        Fork::Merge => SpecId::MERGE,
        Fork::Shanghai => SpecId::SHANGHAI,
        Fork::Cancun => SpecId::CANCUN,
        Fork::Prague => SpecId::PRAGUE,
        Fork::Osaka => SpecId::OSAKA,
    }
}

fn word(bytes: &[u8; 32]) -> U256 {
    U256::from_be_bytes(*bytes)
}

fn skip_flag(skip_cold_load: bool) -> i32 {
    if skip_cold_load {
        request::SKIP_COLD
    } else {
        0
    }
}

impl ImportHost {
    /// The session's host: the gas parameters of its fork, and its block and transaction,
    /// converted once.
    pub(crate) fn new(context: &ExecContext, static_gas: StaticGas) -> Self {
        let block = &context.block;
        let env = Env {
            number: word(&block.number),
            beneficiary: Address::from(block.beneficiary),
            timestamp: word(&block.timestamp),
            gas_limit: word(&block.gas_limit),
            basefee: word(&block.basefee),
            difficulty: word(&block.difficulty),
            prevrandao: block.prevrandao.as_ref().map(word),
            blob_gasprice: word(&block.blob_gasprice),
            slot_num: word(&block.slot_num),
            chain_id: U256::from(context.chain_id),
            gas_price: word(&context.tx.gas_price),
            origin: Address::from(context.tx.origin),
            blob_hashes: context.tx.blob_hashes.iter().map(word).collect(),
        };
        ImportHost {
            env,
            gas_params: GasParams::new_spec(spec_of(context.fork)),
            code_holder: (Address::ZERO, 0),
            accounts: Accounts::default(),
            block_hashes: BTreeMap::new(),
            transient: Transient::default(),
            units: 0,
            static_gas,
        }
    }

    /// Forgets the account records of the frame that ran: control goes to the node or to
    /// another frame.
    pub(crate) fn forget_accounts(&mut self) {
        self.accounts.clear();
    }

    /// The account whose code the last load with code was for, and the code's length.
    pub(crate) fn code_holder(&self) -> (Address, u32) {
        self.code_holder
    }

    /// Moves `value` from `from` to `to` (a zero value touches `to`) through the `transfer`
    /// import; the failure's status, if any.
    pub(crate) fn transfer(&mut self, from: &Address, to: &Address, value: &U256) -> Option<Status> {
        let value = value.to_be_bytes::<32>();
        // SAFETY: the pointers reference live 20- and 32-byte values.
        let code = unsafe { imports::transfer(ptr(&from.0), ptr(&to.0), ptr(&value)) };
        self.accounts.clear();
        if code == 0 {
            return None;
        }
        // The node answers with a status code; anything else is its bug, not an outcome.
        Some(Status::from_u8(code as u8).filter(|status| !status.is_success()).unwrap_or_else(|| crate::wasm::trap()))
    }

    /// Loads an account: kept by this frame already, or through the `account` import.
    pub(crate) fn account(&mut self, address: &Address, load_code: bool, skip_cold_load: bool) -> AccountLoad {
        let (record, flags) = match self.accounts.get(address, load_code) {
            Some(kept) => kept,
            None => {
                let mut out = [0u8; AccountRecord::SIZE];
                let flags = skip_flag(skip_cold_load) | if load_code { request::LOAD_CODE } else { 0 };
                // SAFETY: the pointers reference live guest memory of the sizes the import writes.
                let flags = AccessFlags(unsafe { imports::account(ptr(address), flags, ptr_mut(&mut out)) });
                let record = AccountRecord::from_bytes(&out);
                if !flags.has(AccessFlags::SKIPPED) {
                    self.accounts.put(*address, record, flags, load_code);
                }
                (record, flags)
            }
        };
        if load_code && !flags.has(AccessFlags::SKIPPED) {
            self.code_holder = (*address, record.code_len);
        }
        AccountLoad { record, flags }
    }
}

impl Host for ImportHost {
    fn basefee(&self) -> U256 {
        self.env.basefee
    }
    fn blob_gasprice(&self) -> U256 {
        self.env.blob_gasprice
    }
    fn gas_limit(&self) -> U256 {
        self.env.gas_limit
    }
    fn difficulty(&self) -> U256 {
        self.env.difficulty
    }
    fn prevrandao(&self) -> Option<U256> {
        self.env.prevrandao
    }
    fn block_number(&self) -> U256 {
        self.env.number
    }
    fn timestamp(&self) -> U256 {
        self.env.timestamp
    }
    fn beneficiary(&self) -> Address {
        self.env.beneficiary
    }
    fn slot_num(&self) -> U256 {
        self.env.slot_num
    }
    fn chain_id(&self) -> U256 {
        self.env.chain_id
    }
    fn effective_gas_price(&self) -> U256 {
        self.env.gas_price
    }
    fn caller(&self) -> Address {
        self.env.origin
    }
    fn blob_hash(&self, number: usize) -> Option<U256> {
        self.env.blob_hashes.get(number).copied()
    }
    fn max_initcode_size(&self) -> usize {
        // EIP-3860: twice EIP-170's code size limit, for every fork the ABI names.
        2 * 0x6000
    }
    fn gas_params(&self) -> &GasParams {
        &self.gas_params
    }
    fn is_amsterdam_eip8037_enabled(&self) -> bool {
        false
    }

    fn block_hash(&mut self, number: u64) -> Option<B256> {
        let hash = self.block_hashes.entry(number).or_insert_with(|| {
            let mut out = B256::ZERO;
            // SAFETY: `out` is 32 writable bytes.
            unsafe { imports::block_hash(number as i64, ptr_mut(&mut out.0)) };
            out
        });
        Some(*hash)
    }

    fn selfdestruct(
        &mut self,
        address: Address,
        target: Address,
        skip_cold_load: bool,
    ) -> Result<StateLoad<SelfDestructResult>, LoadError> {
        let mut out = [0u8; SelfDestructRecord::SIZE];
        // SAFETY: the pointers reference live guest memory of the sizes the import uses.
        let flags = AccessFlags(unsafe {
            imports::selfdestruct(ptr(&address.0), ptr(&target.0), skip_flag(skip_cold_load), ptr_mut(&mut out))
        });
        self.accounts.clear();
        if flags.has(AccessFlags::SKIPPED) {
            return Err(LoadError::ColdLoadSkipped);
        }
        let record = SelfDestructRecord::from_bytes(&out);
        Ok(StateLoad::new(
            SelfDestructResult {
                had_value: record.had_value,
                target_exists: record.target_exists,
                previously_destroyed: record.previously_destroyed,
            },
            flags.has(AccessFlags::COLD),
        ))
    }

    fn log(&mut self, log: Log) {
        let topics = log.data.topics();
        // SAFETY: topics are contiguous 32-byte words; data is a live slice.
        unsafe {
            imports::log(
                ptr(&log.address.0),
                topics.as_ptr() as usize as i32,
                topics.len() as i32,
                log.data.data.as_ptr() as usize as i32,
                log.data.data.len() as i32,
            )
        }
    }

    fn sstore_skip_cold_load(
        &mut self,
        address: Address,
        key: StorageKey,
        value: StorageValue,
        skip_cold_load: bool,
    ) -> Result<StateLoad<SStoreResult>, LoadError> {
        let key = key.to_be_bytes::<32>();
        let new = value.to_be_bytes::<32>();
        let mut out = [0u8; SSTORE_RECORD_SIZE];
        // SAFETY: the pointers reference live guest memory of the sizes the import uses.
        let flags = AccessFlags(unsafe {
            imports::sstore(ptr(&address.0), ptr(&key), ptr(&new), skip_flag(skip_cold_load), ptr_mut(&mut out))
        });
        if flags.has(AccessFlags::SKIPPED) {
            return Err(LoadError::ColdLoadSkipped);
        }
        let (original, present) = out.split_at(32);
        Ok(StateLoad::new(
            SStoreResult {
                original_value: U256::from_be_slice(original),
                present_value: U256::from_be_slice(present),
                new_value: value,
            },
            flags.has(AccessFlags::COLD),
        ))
    }

    fn sload_skip_cold_load(
        &mut self,
        address: Address,
        key: StorageKey,
        skip_cold_load: bool,
    ) -> Result<StateLoad<StorageValue>, LoadError> {
        let key = key.to_be_bytes::<32>();
        let mut out = [0u8; 32];
        // SAFETY: the pointers reference live guest memory of the sizes the import uses.
        let flags = AccessFlags(unsafe {
            imports::sload(ptr(&address.0), ptr(&key), skip_flag(skip_cold_load), ptr_mut(&mut out))
        });
        if flags.has(AccessFlags::SKIPPED) {
            return Err(LoadError::ColdLoadSkipped);
        }
        Ok(StateLoad::new(U256::from_be_bytes(out), flags.has(AccessFlags::COLD)))
    }

    fn tstore(&mut self, address: Address, key: StorageKey, value: StorageValue) {
        self.transient.store(address, key, value)
    }

    fn tload(&mut self, address: Address, key: StorageKey) -> StorageValue {
        self.transient.load(address, key)
    }

    /// Loads an account for the stock instructions (BALANCE, EXTCODEHASH, SELFBALANCE and
    /// the CALL family).
    ///
    /// The guest never runs code it loads here: the host starts a callee's frame with the
    /// callee's code itself. So `code` is only what the CALL family inspects, the EIP-7702
    /// delegation, and an empty stand-in otherwise; EXTCODESIZE and EXTCODECOPY, which need
    /// the real code, are replaced in [`crate::instructions`].
    fn load_account_info_skip_cold_load(
        &mut self,
        address: Address,
        load_code: bool,
        skip_cold_load: bool,
    ) -> Result<AccountInfoLoad<'_>, LoadError> {
        let load = self.account(&address, load_code, skip_cold_load);
        if load.flags.has(AccessFlags::SKIPPED) {
            return Err(LoadError::ColdLoadSkipped);
        }
        let code = load_code.then(|| {
            if load.flags.has(AccessFlags::DELEGATED) {
                Bytecode::new_eip7702(Address::from(load.record.delegate))
            } else {
                Bytecode::default()
            }
        });
        let info = AccountInfo {
            balance: U256::from_be_bytes(load.record.balance),
            nonce: load.record.nonce,
            code_hash: B256::from(load.record.code_hash),
            account_id: None,
            code,
        };
        Ok(AccountInfoLoad {
            account: Cow::Owned(info),
            is_cold: load.flags.has(AccessFlags::COLD),
            is_empty: load.flags.has(AccessFlags::EMPTY),
        })
    }
}
