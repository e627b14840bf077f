//! The node link of `evmpc-host`, run natively over an in-memory contract storage.

use crate::Node;
use evmpc_host::node_link::{Link, LinkTrap, MemoryContract};
use evmpc_host::{Engine, EngineConfig};
use evmpc_state::MemoryStorage;
use std::sync::OnceLock;

/// A node for tests: the precompile behind the same calls a contract makes, over a
/// contract storage of the test's making, with (by default) all the gas it needs.
///
/// A trap of a real node (the contract's gas ran out, the node failed) panics here, with
/// the reason: a test that expects one catches it with `#[should_panic]`.
pub struct TestNode {
    contract: MemoryContract,
}

impl TestNode {
    /// A node whose contract keeps `storage`, in a Prague block.
    pub fn new(storage: MemoryStorage) -> TestNode {
        TestNode { contract: MemoryContract::new(storage, u64::MAX / 2) }
    }

    /// The node with `picos` of the contract's gas (fee schedule picoseconds).
    pub fn with_gas(mut self, picos: u64) -> TestNode {
        self.contract.gas_left = picos;
        self
    }

    /// The contract's gas left.
    pub fn gas_left(&self) -> u64 {
        self.contract.gas_left
    }

    /// The contract's storage.
    pub fn storage(&self) -> &MemoryStorage {
        &self.contract.storage
    }

    /// Starts a new contract call: a fresh register, no session.
    pub fn begin_call(&mut self) {
        self.contract.begin_call();
    }

    fn link() -> &'static Link<MemoryStorage> {
        static LINK: OnceLock<Link<MemoryStorage>> = OnceLock::new();
        LINK.get_or_init(|| {
            let engine = Engine::new(&EngineConfig::new()).expect("evmpc-sdk test double: the precompile's engine");
            Link::new(&engine).expect("evmpc-sdk test double: the precompile")
        })
    }

    fn answer(result: Result<i64, LinkTrap>) -> i64 {
        result.unwrap_or_else(|trap| panic!("the node ends the contract call: {trap}"))
    }
}

impl Node for TestNode {
    fn transact(&mut self, tx: &[u8]) -> i64 {
        Self::answer(Self::link().transact(&mut self.contract, tx))
    }

    fn frame_start(&mut self, frame: &[u8]) -> i64 {
        Self::answer(Self::link().frame_start(&mut self.contract, frame))
    }

    fn frame_resume(&mut self, outcome: &[u8]) -> i64 {
        Self::answer(Self::link().frame_resume(&mut self.contract, outcome))
    }

    fn guest_read(&mut self, offset: u32, len: u32) -> i64 {
        Self::link().guest_read(&mut self.contract, offset, len)
    }

    fn session_end(&mut self, commit: bool) -> i64 {
        Self::answer(Self::link().session_end(&mut self.contract, commit))
    }

    fn read_register(&mut self, dest: &mut [u8]) {
        let register = self.contract.register();
        let len = dest.len().min(register.len());
        dest[..len].copy_from_slice(&register[..len]);
    }
}
