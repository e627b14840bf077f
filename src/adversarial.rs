//! Programs written to attack the precompile's cost per EVM gas.
//!
//! Each [`Pattern`] is a transaction whose contract repeats one operation until its gas
//! runs out: call data, return data and init code crossing frames, code analysis,
//! Ethereum precompiles fed large inputs, import-heavy loops, costly arithmetic, memory
//! growth and deep recursion. `evmpc bench --adversarial` times each through the
//! precompile and native revm in the same process; `--emit-statetests` writes them as
//! Ethereum state tests, so `evmpc statetest --compare-native` can run them too.

use evmpc_oracle::asm::asm;
use serde_json::{json, Value};

pub(crate) mod build;
/// Loops of an adversarial program.
mod programs;

pub use programs::patterns;

/// The key whose address sends every pattern's transaction (the state tests' usual one).
pub const SENDER_KEY: &str = "0x45a915e4d060149eb4365960e6a7a45f334393093061116b197e3240065ff2d8";
/// The address of [`SENDER_KEY`].
pub const SENDER: &str = "0xa94f5374fce5edbc8e2a8697c15331677e6ebf0b";
/// Where the attacking contract lives.
pub const CONTRACT: [u8; 20] = address(0x1000);
/// A contract or account the attacker calls.
pub const CALLEE: [u8; 20] = address(0x2000);
/// A second helper account (a data store for EXTCODECOPY).
pub const DATA: [u8; 20] = address(0x3000);
/// Gas of every pattern's transaction unless it says otherwise.
pub const GAS_LIMIT: u64 = 10_000_000;

/// The address of [`SENDER`].
pub fn sender() -> [u8; 20] {
    let mut bytes = [0u8; 20];
    hex::decode_to_slice(SENDER.trim_start_matches("0x"), &mut bytes).expect("SENDER is an address");
    bytes
}

/// A low address: `n` in the last two bytes.
pub const fn address(n: u16) -> [u8; 20] {
    let mut bytes = [0u8; 20];
    let [hi, lo] = n.to_be_bytes();
    bytes[18] = hi;
    bytes[19] = lo;
    bytes
}

/// One attack: a contract at [`CONTRACT`] that the transaction calls, plus the accounts it
/// uses.
#[derive(Clone, Debug)]
pub struct Pattern {
    /// Short name, also the state test's file name.
    pub name: String,
    /// What it repeats, in a few words.
    pub what: String,
    /// The attacking contract's code.
    pub code: Vec<u8>,
    /// Other accounts with code: address and code.
    pub accounts: Vec<([u8; 20], Vec<u8>)>,
    /// Gas of the transaction.
    pub gas_limit: u64,
    /// Whether it is written as a state test (patterns whose pre-state is megabytes of code
    /// are only benchmarked).
    pub emit: bool,
    /// The transaction's call data.
    pub data: Vec<u8>,
    /// Storage slots set before the transaction: account, key, value. An account that is
    /// not otherwise listed exists with this storage only (nonce 0, no code, no balance).
    pub storage: Vec<([u8; 20], [u8; 32], [u8; 32])>,
    /// The fork, as state tests name it.
    pub fork: &'static str,
    /// Whether the transaction creates a contract (with `data` as init code) instead of
    /// calling [`CONTRACT`].
    pub create: bool,
    /// Wei the transaction sends.
    pub value: u64,
}

impl Pattern {
    /// A pattern of [`GAS_LIMIT`] gas that is also written as a state test.
    pub fn new(name: impl Into<String>, what: impl Into<String>, code: &str) -> Pattern {
        Pattern::with_code(name, what, asm(code))
    }

    /// A pattern of [`GAS_LIMIT`] gas running `code` as it is.
    pub fn with_code(name: impl Into<String>, what: impl Into<String>, code: Vec<u8>) -> Pattern {
        Pattern {
            name: name.into(),
            what: what.into(),
            code,
            accounts: Vec::new(),
            gas_limit: GAS_LIMIT,
            emit: true,
            data: Vec::new(),
            storage: Vec::new(),
            fork: "Cancun",
            create: false,
            value: 0,
        }
    }

    /// Sets a storage slot before the transaction.
    pub fn with_slot(mut self, address: [u8; 20], key: [u8; 32], value: [u8; 32]) -> Pattern {
        self.storage.push((address, key, value));
        self
    }

    /// Adds an account with `code`.
    pub fn with(mut self, address: [u8; 20], code: Vec<u8>) -> Pattern {
        self.accounts.push((address, code));
        self
    }

    /// The pattern as an Ethereum state test (one vector of its fork), with `post` the expected
    /// post-state root and logs hash (zero when not known yet).
    pub fn state_test(&self, post: Option<(String, String)>) -> Value {
        let hex = |bytes: &[u8]| format!("0x{}", hex::encode(bytes));
        let storage = |address: &[u8; 20]| {
            let slots: serde_json::Map<String, Value> = self
                .storage
                .iter()
                .filter(|(holder, _, _)| holder == address)
                .map(|(_, key, value)| (hex(key), Value::String(hex(value))))
                .collect();
            Value::Object(slots)
        };
        let account = |address: &[u8; 20], code: &[u8], balance: &str| json!({ "balance": balance, "code": hex(code), "nonce": "0x01", "storage": storage(address) });
        let mut pre = serde_json::Map::new();
        pre.insert(
            SENDER.into(),
            json!({ "balance": "0x3635c9adc5dea00000", "code": "0x", "nonce": "0x00", "storage": {} }),
        );
        pre.insert(hex(&CONTRACT), account(&CONTRACT, &self.code, "0x0de0b6b3a7640000"));
        for (address, code) in &self.accounts {
            pre.insert(hex(address), account(address, code, "0x01"));
        }
        // An account known only by its storage: no nonce, no code, no balance (EIP-7610).
        for (holder, _, _) in &self.storage {
            if !pre.contains_key(&hex(holder)) {
                pre.insert(
                    hex(holder),
                    json!({ "balance": "0x00", "code": "0x", "nonce": "0x00", "storage": storage(holder) }),
                );
            }
        }
        let zero = format!("0x{}", "00".repeat(32));
        let (hash, logs) = post.unwrap_or((zero.clone(), zero));
        json!({ self.name.as_str(): {
            "_info": { "comment": format!("evmpc adversarial pattern: {}", self.what) },
            "env": {
                "currentCoinbase": "0x2adc25665018aa1fe0e6bc666dac8fc2697ff9ba",
                "currentDifficulty": "0x00",
                "currentGasLimit": format!("{:#x}", self.gas_limit.max(30_000_000)),
                "currentNumber": "0x0100",
                "currentTimestamp": "0x03e8",
                "currentBaseFee": "0x0a",
                "currentRandom": format!("0x{}", "00".repeat(32)),
                "currentExcessBlobGas": "0x00"
            },
            "pre": pre,
            "transaction": {
                "data": [hex(&self.data)],
                "gasLimit": [format!("{:#x}", self.gas_limit)],
                "gasPrice": "0x0a",
                "nonce": "0x00",
                "secretKey": SENDER_KEY,
                "sender": SENDER,
                "to": if self.create { String::new() } else { hex(&CONTRACT) },
                "value": [format!("{:#x}", self.value)]
            },
            "post": { self.fork: [{
                "hash": hash,
                "logs": logs,
                "indexes": { "data": 0, "gas": 0, "value": 0 },
                "txbytes": "0x"
            }] }
        } })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pattern_is_a_valid_state_test_with_a_unique_name() {
        let patterns = patterns();
        for (index, pattern) in patterns.iter().enumerate() {
            assert!(patterns[index + 1..].iter().all(|other| other.name != pattern.name), "{}", pattern.name);
            let text = pattern.state_test(None).to_string();
            let suite: revm_statetest_types::TestSuite = serde_json::from_str(&text).expect(&pattern.name);
            assert_eq!(suite.0.len(), 1);
        }
        assert!(patterns.len() >= 30, "the suite covers the attack surface");
    }
}
