//! A contract's side of the link kept in memory: for tests, test doubles and tools.

use super::contract::{CallingContract, LinkState};
use super::prepaid::OutOfGas;
use crate::fees::Picos;
use evmpc_state::transaction::Environment;
use evmpc_state::MemoryStorage;
use revm::primitives::hardfork::SpecId;

/// A [`CallingContract`] over [`MemoryStorage`] with a plain gas counter in picoseconds.
#[derive(Default)]
pub struct MemoryContract {
    /// The contract's storage.
    pub storage: MemoryStorage,
    /// Gas left, in picoseconds.
    pub gas_left: Picos,
    /// The block and chain.
    pub environment: Option<Environment>,
    link: LinkState<MemoryStorage>,
}

impl MemoryContract {
    /// A contract with `gas_left` picoseconds of gas in a Prague block.
    pub fn new(storage: MemoryStorage, gas_left: Picos) -> MemoryContract {
        MemoryContract {
            storage,
            gas_left,
            environment: Some(Environment::new(SpecId::PRAGUE)),
            link: LinkState::default(),
        }
    }

    /// Starts a new contract call: a fresh register and no session.
    pub fn begin_call(&mut self) {
        self.link = LinkState::default();
    }

    /// Whether a frame-level session is open.
    pub fn session_open(&self) -> bool {
        self.link.session_open()
    }

    /// What the last call left in the register.
    pub fn register(&self) -> &[u8] {
        self.link.register()
    }
}

impl CallingContract for MemoryContract {
    type Storage = MemoryStorage;

    fn storage(&mut self) -> &mut MemoryStorage {
        &mut self.storage
    }

    fn link(&mut self) -> &mut LinkState<MemoryStorage> {
        &mut self.link
    }

    fn gas_left(&self) -> Picos {
        self.gas_left
    }

    fn charge(&mut self, fee: Picos) -> Result<(), OutOfGas> {
        match self.gas_left.checked_sub(fee) {
            Some(left) => {
                self.gas_left = left;
                Ok(())
            }
            None => {
                self.gas_left = 0;
                Err(OutOfGas)
            }
        }
    }

    fn refund(&mut self, fee: Picos) {
        self.gas_left = self.gas_left.saturating_add(fee);
    }

    fn environment(&self) -> Environment {
        self.environment.clone().unwrap_or_else(|| Environment::new(SpecId::PRAGUE))
    }
}
