//! A generated program ([`Pattern`]) as the vector the runner executes, built directly: the
//! accounts before, the reference block and a legacy transaction from the fixed sender.
//! [`Pattern::state_test`] writes the same program as an Ethereum state test for
//! `--emit-statetests`; a test below keeps the two identical.

use crate::adversarial::{sender, Pattern, CONTRACT};
use revm::context::{BlockEnv, CfgEnv, TxEnv};
use revm::database::CacheState;
use revm::primitives::hardfork::SpecId;
use revm::primitives::{keccak256, Address, Bytes, TxKind, B256, U256};
use revm::state::{AccountInfo, Bytecode};
use revm_statetest_types::SpecName;
use serde::Deserialize;
use std::collections::HashMap;

/// The coinbase of every program's block.
const COINBASE: [u8; 20] = [
    0x2a, 0xdc, 0x25, 0x66, 0x50, 0x18, 0xaa, 0x1f, 0xe0, 0xe6, 0xbc, 0x66, 0x6d, 0xac, 0x8f, 0xc2, 0x69, 0x7f, 0xf9,
    0xba,
];
/// The block's number, timestamp and base fee, and the transaction's gas price.
const NUMBER: u64 = 0x100;
const TIMESTAMP: u64 = 0x3e8;
const BASE_FEE: u64 = 0x0a;
const GAS_PRICE: u128 = 0x0a;
/// The sender's balance: 1,000 ether; the attacking contract's: 1 ether; others' 1 wei.
const SENDER_BALANCE: u128 = 1_000_000_000_000_000_000_000;
const CONTRACT_BALANCE: u128 = 1_000_000_000_000_000_000;
/// The least block gas limit of a program's block.
const BLOCK_GAS_LIMIT: u64 = 30_000_000;

/// The fork the program names, if state tests know it.
pub(crate) fn spec(program: &Pattern) -> Option<SpecId> {
    let deserializer = serde::de::value::StrDeserializer::<serde::de::value::Error>::new(program.fork);
    SpecName::deserialize(deserializer).ok().map(|name| name.to_spec_id())
}

/// The accounts before the transaction.
pub(crate) fn prestate(program: &Pattern) -> CacheState {
    let slots = |holder: &[u8; 20]| -> HashMap<U256, U256> {
        let held = program.storage.iter().filter(|(address, _, _)| address == holder);
        held.map(|(_, key, value)| (U256::from_be_bytes(*key), U256::from_be_bytes(*value))).collect()
    };
    // Later entries replace earlier ones at the same address, as keys of the test's `pre`;
    // an account known only by its storage exists with nothing else.
    let mut accounts: HashMap<[u8; 20], (u128, u64, &[u8])> = HashMap::new();
    accounts.insert(sender(), (SENDER_BALANCE, 0, &[]));
    accounts.insert(CONTRACT, (CONTRACT_BALANCE, 1, &program.code));
    accounts.extend(program.accounts.iter().map(|(address, code)| (*address, (1, 1, code.as_slice()))));
    for (holder, _, _) in &program.storage {
        accounts.entry(*holder).or_insert((0, 0, &[]));
    }
    let mut state = CacheState::new();
    for (address, (balance, nonce, code)) in &accounts {
        let code = Bytes::copy_from_slice(code);
        let code_hash = keccak256(&code);
        if !code.is_empty() {
            let bytecode = Bytecode::new_raw_checked(code.clone()).unwrap_or(Bytecode::new_legacy(code));
            state.contracts.insert(code_hash, bytecode);
        }
        let info =
            AccountInfo { balance: U256::from(*balance), code_hash, code: None, nonce: *nonce, ..Default::default() };
        state.insert_account_with_storage(Address::from(*address), info, slots(address).into_iter().collect());
    }
    state
}

/// The block every program runs in, under `cfg`'s fork.
pub(crate) fn block(program: &Pattern, cfg: &CfgEnv) -> BlockEnv {
    let mut block = BlockEnv {
        number: U256::from(NUMBER),
        beneficiary: Address::from(COINBASE),
        timestamp: U256::from(TIMESTAMP),
        gas_limit: program.gas_limit.max(BLOCK_GAS_LIMIT),
        basefee: BASE_FEE,
        difficulty: U256::ZERO,
        prevrandao: Some(B256::ZERO),
        ..BlockEnv::default()
    };
    block.set_blob_excess_gas_and_price(0, cfg.blob_base_fee_update_fraction());
    block
}

/// The program's transaction: legacy, from the fixed sender, to the attacking contract (or
/// creating one from the call data).
pub(crate) fn tx(program: &Pattern) -> TxEnv {
    TxEnv {
        caller: Address::from(sender()),
        gas_price: GAS_PRICE,
        gas_priority_fee: None,
        blob_hashes: Vec::new(),
        max_fee_per_blob_gas: u128::MAX,
        tx_type: 0,
        gas_limit: program.gas_limit,
        data: Bytes::copy_from_slice(&program.data),
        nonce: 0,
        chain_id: Some(1),
        value: U256::from(program.value),
        access_list: Default::default(),
        authorization_list: Vec::new(),
        kind: if program.create { TxKind::Create } else { TxKind::Call(Address::from(CONTRACT)) },
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use revm_statetest_types::{TestSuite, TestUnit};

    /// The program as `--emit-statetests` writes it, parsed back.
    fn emitted(program: &Pattern) -> TestUnit {
        let text = program.state_test(None).to_string();
        let suite: TestSuite = serde_json::from_str(&text).expect(&program.name);
        suite.0.into_values().next().expect("one unit")
    }

    fn assert_same(program: &Pattern) {
        let unit = emitted(program);
        let (name, tests) = unit.post.iter().next().expect("one fork");
        let spec = spec(program).expect("a known fork");
        assert_eq!(spec, name.to_spec_id(), "{}", program.name);
        let mut cfg = super::super::runner::cfg_for(spec, 1);
        assert_eq!(block(program, &cfg), unit.block_env(&mut cfg), "{}: block", program.name);
        assert_eq!(tx(program), tests[0].tx_env(&unit).expect("a transaction"), "{}: transaction", program.name);
        assert_eq!(prestate(program), unit.state(), "{}: accounts", program.name);
    }

    #[test]
    fn every_generated_program_is_built_as_its_emitted_state_test_reads() {
        let mut programs = crate::adversarial::patterns();
        programs.extend(crate::estimate::all().into_iter().map(|probe| probe.pattern));
        programs.extend(crate::workloads::honest());
        programs.extend((0..200).map(|seed| crate::fuzz::case(seed).pattern));
        for program in &programs {
            assert_same(program);
        }
        assert!(programs.len() > 600);
    }
}
