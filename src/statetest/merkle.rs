use alloy_primitives::{keccak256, Address, Log, B256, U256};
use alloy_trie::root::{state_root_unhashed, storage_root_unhashed};
use alloy_trie::TrieAccount;
use revm::database::{EmptyDB, State};

/// keccak256 of the RLP list of `logs`, as state tests write it.
pub fn logs_hash(logs: &[Log]) -> B256 {
    let mut out = Vec::with_capacity(alloy_rlp::list_length(logs));
    alloy_rlp::encode_list(logs, &mut out);
    keccak256(&out)
}

/// The state trie root of every account `state` holds.
pub fn state_root(state: &State<EmptyDB>) -> B256 {
    let accounts = state.cache.trie_account().into_iter().map(|(address, account)| {
        let storage =
            account.storage.iter().filter(|(_, value)| !value.is_zero()).map(|(key, value)| (B256::from(*key), *value));
        let trie = TrieAccount {
            nonce: account.info.nonce,
            balance: account.info.balance,
            storage_root: storage_root_unhashed(storage.collect::<Vec<(B256, U256)>>()),
            code_hash: account.info.code_hash,
        };
        (address, trie)
    });
    state_root_unhashed(accounts.collect::<Vec<(Address, TrieAccount)>>())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_roots_are_the_known_constants() {
        assert_eq!(logs_hash(&[]), keccak256([0xc0]));
        let empty = State::builder().build();
        assert_eq!(state_root(&empty), alloy_trie::EMPTY_ROOT_HASH);
    }
}
