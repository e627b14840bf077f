use crate::{Address, Fork, Word};
use alloc::vec::Vec;
use borsh::{BorshDeserialize, BorshSerialize};

/// The fork, block and transaction of a session: sent with its first frame and kept by the
/// guest for the session's whole life.
///
/// The fork and the gas parameters that follow from it belong to the session, not to a
/// frame: a later frame that carries another context is refused
/// ([`BoundaryError::ContextMismatch`](crate::BoundaryError::ContextMismatch)).
#[derive(Clone, Debug, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
pub struct ExecContext {
    /// The fork whose rules every frame of the session follows.
    pub fork: Fork,
    /// The block.
    pub block: BlockEnv,
    /// The transaction.
    pub tx: TxEnv,
    /// `CHAINID`.
    pub chain_id: u64,
    /// Addresses the node runs as precompiles in this session, ascending. A call to one of
    /// them always goes to the node; a call to any other account without code is answered
    /// by the guest itself (its value moved through the `transfer` import).
    pub precompiles: Vec<Address>,
}

/// The block the transaction runs in, as the EVM sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
pub struct BlockEnv {
    /// `NUMBER`.
    pub number: Word,
    /// `COINBASE`.
    pub beneficiary: Address,
    /// `TIMESTAMP`.
    pub timestamp: Word,
    /// `GASLIMIT`.
    pub gas_limit: Word,
    /// `BASEFEE`.
    pub basefee: Word,
    /// `DIFFICULTY` before the Merge.
    pub difficulty: Word,
    /// `PREVRANDAO` from the Merge on.
    pub prevrandao: Option<Word>,
    /// `BLOBBASEFEE` (EIP-7516), computed by the node from the excess blob gas.
    pub blob_gasprice: Word,
    /// Slot number (EIP-7843), zero where the chain has none.
    pub slot_num: Word,
}

/// The transaction, as the EVM sees it.
#[derive(Clone, Debug, Default, PartialEq, Eq, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
pub struct TxEnv {
    /// `ORIGIN`.
    pub origin: Address,
    /// `GASPRICE`: the effective gas price, computed by the node.
    pub gas_price: Word,
    /// `BLOBHASH` values (EIP-4844).
    pub blob_hashes: Vec<Word>,
}

impl ExecContext {
    /// A context for `fork` with chain id 1, Ethereum's precompiles for the fork and an
    /// otherwise zero block (with a zero `prevrandao` from the Merge on) and transaction.
    pub fn new(fork: Fork) -> Self {
        ExecContext {
            fork,
            block: BlockEnv { prevrandao: (fork >= Fork::Merge).then_some([0; 32]), ..BlockEnv::default() },
            tx: TxEnv::default(),
            chain_id: 1,
            precompiles: ethereum_precompiles(fork),
        }
    }

    /// Whether `address` is one of the session's precompiles.
    pub fn is_precompile(&self, address: &Address) -> bool {
        self.precompiles.binary_search(address).is_ok()
    }
}

/// The addresses of Ethereum's precompiles under `fork`, ascending: 0x01–0x04 from
/// Frontier, to 0x08 from Byzantium (EIP-196/197/198), 0x09 from Istanbul (EIP-152),
/// 0x0a from Cancun (EIP-4844), 0x0b–0x11 from Prague (EIP-2537), and 0x100 from Osaka
/// (EIP-7951).
pub fn ethereum_precompiles(fork: Fork) -> Vec<Address> {
    let last = match fork {
        Fork::Frontier | Fork::Homestead | Fork::Tangerine | Fork::SpuriousDragon => 0x04,
        Fork::Byzantium | Fork::Petersburg => 0x08,
        Fork::Istanbul | Fork::Berlin | Fork::London | Fork::Merge | Fork::Shanghai => 0x09,
        Fork::Cancun => 0x0a,
        Fork::Prague | Fork::Osaka => 0x11,
    };
    let low = |n: u16| {
        let mut address = [0u8; 20];
        address[18..].copy_from_slice(&n.to_be_bytes());
        address
    };
    let mut addresses: Vec<Address> = (1..=last).map(low).collect();
    if fork >= Fork::Osaka {
        addresses.push(low(0x100));
    }
    addresses
}
