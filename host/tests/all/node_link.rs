//! The node link called directly: transactions and frames over a contract's storage, gas
//! prepaid and settled, and every misuse refused with nothing changed.

use crate::asm::asm;
use borsh::BorshDeserialize;
use evmpc_host::abi::contract::{LinkError, Transaction, TxOutcome, TxStatus};
use evmpc_host::abi::{Action, Code, FrameInput, Status, SubcallOutcome, SubcallOutput};
use evmpc_host::node_link::{Link, LinkTrap, MemoryContract};
use evmpc_host::state::layout::{self, StoredAccount};
use evmpc_host::state::{ContractDb, ContractStorage, MemoryStorage};
use evmpc_host::{Engine, EngineConfig, FeeSchedule};
use revm::primitives::{keccak256, Address, U256};
use std::sync::OnceLock;

const USER: [u8; 20] = [0x11; 20];
const COUNTER: [u8; 20] = [0xc0; 20];
const LOOPER: [u8; 20] = [0xde; 20];
const STOPPER: [u8; 20] = [0x5d; 20];
const HASHER: [u8; 20] = [0x4a; 20];
const PLENTY: u64 = 1_000_000_000_000_000;

fn link() -> &'static Link<MemoryStorage> {
    static LINK: OnceLock<Link<MemoryStorage>> = OnceLock::new();
    LINK.get_or_init(|| Link::new(&Engine::new(&EngineConfig::new()).expect("engine")).expect("link"))
}

/// Adds one to slot 0 and returns the new value.
fn counter() -> Vec<u8> {
    asm("PUSH1 0x00 SLOAD PUSH1 0x01 ADD DUP1 PUSH1 0x00 SSTORE PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 RETURN")
}

/// Calls [`STOPPER`] until its gas runs out: a frame per hundred-odd gas.
fn looper() -> Vec<u8> {
    asm(&format!(
        "JUMPDEST PUSH1 0x00 DUP1 DUP1 DUP1 DUP1 PUSH20 0x{} GAS CALL POP PUSH1 0x00 JUMP",
        hex::encode(STOPPER)
    ))
}

/// Hashes its call data with the identity precompile's copy of it, and returns the hash.
fn hasher() -> Vec<u8> {
    asm("CALLDATASIZE PUSH1 0x00 PUSH1 0x00 CALLDATACOPY \
         PUSH1 0x00 PUSH1 0x00 CALLDATASIZE PUSH1 0x00 PUSH1 0x04 GAS STATICCALL POP \
         CALLDATASIZE PUSH1 0x00 KECCAK256 PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 RETURN")
}

fn genesis() -> MemoryStorage {
    let mut db = ContractDb::new(MemoryStorage::default());
    db.insert_account(Address::from(USER), U256::from(10u64.pow(18)), 0, &[]);
    db.insert_account(Address::from(COUNTER), U256::ZERO, 1, &counter());
    db.insert_account(Address::from(LOOPER), U256::ZERO, 1, &looper());
    db.insert_account(Address::from(STOPPER), U256::ZERO, 1, &asm("STOP"));
    db.insert_account(Address::from(HASHER), U256::ZERO, 1, &hasher());
    db.storage
}

fn contract(gas: u64) -> MemoryContract {
    MemoryContract::new(genesis(), gas)
}

fn tx(to: [u8; 20], gas_limit: u64) -> Vec<u8> {
    let tx = Transaction { caller: USER, to: Some(to), value: [0; 32], data: Vec::new(), gas_limit };
    borsh::to_vec(&tx).unwrap()
}

fn outcome(contract: &MemoryContract, len: i64) -> TxOutcome {
    assert_eq!(contract.register().len() as i64, len);
    TxOutcome::try_from_slice(contract.register()).unwrap()
}

fn slot(storage: &MemoryStorage, address: [u8; 20], key: u8) -> Option<Vec<u8>> {
    let generation = ContractDb::new(storage.clone()).slots(&Address::from(address)).unwrap().generation;
    storage.read(&layout::slot_key(&address, generation, &U256::from(key).to_be_bytes::<32>()))
}

#[test]
fn transactions_change_the_contracts_storage_and_pay_the_fee() {
    let mut contract = contract(PLENTY);
    for expected in 1u8..=2 {
        contract.begin_call();
        let len = link().transact(&mut contract, &tx(COUNTER, 100_000)).unwrap();
        let outcome = outcome(&contract, len);
        assert_eq!(outcome.status, TxStatus::Success);
        assert_eq!(outcome.output, U256::from(expected).to_be_bytes::<32>());
    }
    assert_eq!(slot(&contract.storage, COUNTER, 0), Some(U256::from(2).to_be_bytes::<32>().to_vec()));
    let user = contract.storage.read(&layout::account_key(&USER)).unwrap();
    assert_eq!(StoredAccount::from_bytes(&user).unwrap().nonce, 2, "the engine's nonces move with its transactions");
    let paid = PLENTY - contract.gas_left;
    let schedule = FeeSchedule::REFERENCE;
    assert!(paid >= 2 * schedule.per_session, "each transaction pays at least a session: {paid}");
    assert!(paid < 2 * schedule.upper_bound(100_000, 100).unwrap(), "the bound is refunded down to the fee: {paid}");
}

#[test]
fn misuse_is_refused_with_nothing_charged_or_changed() {
    let mut contract = contract(PLENTY);
    let before = contract.storage.clone();
    let code = |result: Result<i64, LinkTrap>| LinkError::from_code(result.unwrap());
    assert_eq!(code(link().transact(&mut contract, &[1, 2, 3])), Some(LinkError::Malformed));
    assert_eq!(code(link().frame_start(&mut contract, &[0xff; 9])), Some(LinkError::Malformed));
    let outcome = borsh::to_vec(&SubcallOutcome::empty(Status::Stop, 0)).unwrap();
    assert_eq!(code(link().frame_resume(&mut contract, &outcome)), Some(LinkError::NoSession));
    assert_eq!(code(link().frame_resume(&mut contract, b"junk")), Some(LinkError::Malformed));
    assert_eq!(LinkError::from_code(link().guest_read(&mut contract, 0, 32)), Some(LinkError::NoSession));
    assert_eq!(code(link().session_end(&mut contract, true)), Some(LinkError::NoSession));
    let too_much = PLENTY / FeeSchedule::REFERENCE.floor_per_gas() + 1;
    assert_eq!(code(link().transact(&mut contract, &tx(COUNTER, too_much))), Some(LinkError::GasLimitTooHigh));
    assert_eq!(code(link().transact(&mut contract, &tx(COUNTER, u64::MAX))), Some(LinkError::GasLimitTooHigh));
    let unaffordable =
        Transaction { caller: USER, to: Some(COUNTER), value: [0xff; 32], data: vec![], gas_limit: 50_000 };
    let unaffordable = borsh::to_vec(&unaffordable).unwrap();
    assert_eq!(code(link().transact(&mut contract, &unaffordable)), Some(LinkError::InvalidTransaction));
    assert_eq!(contract.storage, before);
    assert!(PLENTY - contract.gas_left < FeeSchedule::REFERENCE.per_session, "refusals cost (almost) nothing");
}

#[test]
fn running_out_of_gas_in_a_call_pays_everything_and_keeps_nothing() {
    let schedule = FeeSchedule::REFERENCE;
    let gas_limit = 200_000;
    // Enough for a session and the gas limit at the floor price per gas, not for hundreds of
    // frames.
    let gas = schedule.per_session + schedule.per_call + schedule.floor_per_gas() * gas_limit + 1;
    let mut contract = contract(gas);
    let before = contract.storage.clone();
    let trap = link().transact(&mut contract, &tx(LOOPER, gas_limit)).unwrap_err();
    assert!(matches!(trap, LinkTrap::OutOfGas(_)), "{trap}");
    assert_eq!(contract.gas_left, 0);
    assert_eq!(contract.storage, before, "nothing of the transaction is kept");
    // The same transaction with gas for its fee runs (out of EVM gas), and is kept.
    let mut rich = self::contract(PLENTY);
    let len = link().transact(&mut rich, &tx(LOOPER, gas_limit)).unwrap();
    assert_eq!(outcome(&rich, len).status, TxStatus::Halt);
    let user = StoredAccount::from_bytes(&rich.storage.read(&layout::account_key(&USER)).unwrap()).unwrap();
    assert_eq!(user.nonce, 1);
    assert!(PLENTY - rich.gas_left > gas, "its fee is more than the gas limit at the floor price per gas");
}

#[test]
fn precompile_calls_come_out_of_a_frame_to_be_served() {
    let data = b"evmpc frames".to_vec();
    let mut contract = contract(PLENTY);
    let len = link().frame_start(&mut contract, &borsh::to_vec(&frame(HASHER, hasher(), &data)).unwrap()).unwrap();
    let Action::Call(request) = action(&contract, len) else { panic!("the identity precompile comes out") };
    assert_eq!(request.bytecode_address[19], 4);
    let read = link().guest_read(&mut contract, request.input.offset, request.input.len);
    assert_eq!((read, contract.register()), (data.len() as i64, &data[..]));
    let served = SubcallOutcome {
        status: Status::Return,
        gas_remaining: request.gas_limit - 18,
        gas_refunded: 0,
        output: SubcallOutput::Bytes(data.clone()),
        created_address: None,
    };
    let len = link().frame_resume(&mut contract, &borsh::to_vec(&served).unwrap()).unwrap();
    let Action::Return(result) = action(&contract, len) else { panic!("the frame returns") };
    assert_eq!(result.status, Status::Return);
    link().guest_read(&mut contract, result.output.offset, result.output.len);
    assert_eq!(contract.register(), keccak256(&data).as_slice());
    let again = link().frame_resume(&mut contract, &borsh::to_vec(&served).unwrap()).unwrap();
    assert_eq!(LinkError::from_code(again), Some(LinkError::NoSession), "nothing is suspended");
    let beside = link().transact(&mut contract, &tx(COUNTER, 100_000)).unwrap();
    assert_eq!(LinkError::from_code(beside), Some(LinkError::SessionOpen));
    assert_eq!(LinkError::from_code(link().guest_read(&mut contract, u32::MAX, 2)), Some(LinkError::OutOfBounds));
    assert_eq!(link().session_end(&mut contract, false).unwrap(), 0);
    assert!(!contract.session_open());
}

#[test]
fn a_session_keeps_its_changes_only_when_ended_with_commit() {
    for keep in [true, false] {
        let mut contract = contract(PLENTY);
        for expected in 1u8..=2 {
            let len =
                link().frame_start(&mut contract, &borsh::to_vec(&frame(COUNTER, counter(), &[])).unwrap()).unwrap();
            let Action::Return(result) = action(&contract, len) else { panic!("the counter returns") };
            link().guest_read(&mut contract, result.output.offset, result.output.len);
            assert_eq!(contract.register(), U256::from(expected).to_be_bytes::<32>(), "later frames see earlier ones");
        }
        assert_eq!(slot(&contract.storage, COUNTER, 0), None, "nothing is written before the end");
        link().session_end(&mut contract, keep).unwrap();
        let kept = slot(&contract.storage, COUNTER, 0);
        assert_eq!(kept, keep.then(|| U256::from(2).to_be_bytes::<32>().to_vec()));
        let user = StoredAccount::from_bytes(&contract.storage.read(&layout::account_key(&USER)).unwrap()).unwrap();
        assert_eq!(user.nonce, 0, "frames are not transactions");
    }
}

/// A root frame from [`USER`] to `target`, its code read from storage by the node.
fn frame(target: [u8; 20], code: Vec<u8>, data: &[u8]) -> FrameInput {
    let mut frame = FrameInput::call(evmpc_host::Fork::Prague, Vec::new(), data.to_vec(), 1_000_000);
    frame.code = Code::Account { address: target, hash: keccak256(&code).0, len: code.len() as u32 };
    frame.kind = evmpc_host::abi::FrameKind::Call { bytecode_address: target };
    frame.caller = USER;
    frame.target = target;
    frame
}

fn action(contract: &MemoryContract, len: i64) -> Action {
    assert_eq!(contract.register().len() as i64, len, "a refusal: {:?}", LinkError::from_code(len));
    Action::try_from_slice(contract.register()).unwrap()
}
