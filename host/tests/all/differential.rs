//! The differential corpus: every program runs once through the precompile and once
//! through native revm-interpreter on identical states; status, gas used, refund, output,
//! logs, storage, accounts and transient storage must agree.

use crate::asm::{asm, ret_top};
use crate::harness::{assert_same, normalized, Setup};
use evmpc_host::abi::{BlockEnv, ExecContext, TxEnv};
use evmpc_host::{Fork, FrameInput, MemoryHost, Status};
use revm::primitives::U256;

const OTHER: [u8; 20] = [0xaa; 20];
const EMPTY: [u8; 20] = [0xbb; 20];

/// One program of the corpus.
struct Case {
    name: String,
    fork: Fork,
    code: Vec<u8>,
    input: Vec<u8>,
    gas: u64,
    is_static: bool,
    setup: Setup,
    expect: Option<Status>,
}

fn nothing(_: &mut MemoryHost) {}

/// A funded contract with code, and storage of the frame's target.
fn world(host: &mut MemoryHost) {
    host.insert_account(OTHER, U256::from(10).pow(U256::from(18)), 3, &asm("PUSH1 0x01 PUSH1 0x01 SSTORE STOP"));
    host.insert_account(FrameInput::DEFAULT_TARGET, U256::from(777), 1, &[]);
    host.insert_storage(FrameInput::DEFAULT_TARGET, word(1), word(5));
    host.insert_storage(FrameInput::DEFAULT_TARGET, word(2), word(9));
}

fn word(value: u64) -> [u8; 32] {
    U256::from(value).to_be_bytes::<32>()
}

fn context(fork: Fork) -> ExecContext {
    ExecContext {
        block: BlockEnv {
            number: word(1_000),
            beneficiary: [0xc0; 20],
            timestamp: word(1_700_000_000),
            gas_limit: word(30_000_000),
            basefee: word(7),
            difficulty: word(0),
            prevrandao: Some([0x11; 32]),
            blob_gasprice: word(3),
            slot_num: word(0),
        },
        tx: TxEnv {
            origin: FrameInput::DEFAULT_CALLER,
            gas_price: word(10),
            blob_hashes: vec![[0x01; 32], [0x02; 32]],
        },
        ..ExecContext::new(fork)
    }
}

impl Case {
    fn new(name: impl Into<String>, code: Vec<u8>) -> Case {
        Case {
            name: name.into(),
            fork: Fork::Cancun,
            code,
            input: Vec::new(),
            gas: 1_000_000,
            is_static: false,
            setup: world,
            expect: None,
        }
    }
    fn fork(mut self, fork: Fork) -> Case {
        self.fork = fork;
        self
    }
    fn input(mut self, input: &str) -> Case {
        self.input = hex::decode(input).unwrap();
        self
    }
    fn gas(mut self, gas: u64) -> Case {
        self.gas = gas;
        self
    }
    fn static_frame(mut self) -> Case {
        self.is_static = true;
        self
    }
    fn empty_world(mut self) -> Case {
        self.setup = nothing;
        self
    }
    fn expect(mut self, status: Status) -> Case {
        self.expect = Some(status);
        self
    }
    fn frame(&self) -> FrameInput {
        let mut frame = FrameInput::call(self.fork, self.code.clone(), self.input.clone(), self.gas);
        frame.context = Some(Box::new(context(self.fork)));
        frame.value = word(5);
        frame.is_static = self.is_static;
        frame
    }
}

fn returns(name: &str, body: &str) -> Case {
    Case::new(name, ret_top(body)).expect(Status::Return)
}

fn arithmetic() -> Vec<Case> {
    const MAX: &str = "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    const MIN: &str = "0x8000000000000000000000000000000000000000000000000000000000000000";
    vec![
        returns("add", "PUSH1 0x02 PUSH1 0x03 ADD"),
        returns("add overflow", &format!("PUSH1 0x02 PUSH32 {MAX} ADD")),
        returns("mul", "PUSH8 0xffffffffffffffff PUSH8 0xfffffffffffffff1 MUL"),
        returns(
            "mul wide",
            &format!(
                "PUSH32 {MAX} PUSH32 0x123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef DUP1 MUL MUL"
            ),
        ),
        returns("sub underflow", "PUSH1 0x05 PUSH1 0x03 SUB"),
        returns("div", "PUSH1 0x07 PUSH2 0x1000 DIV"),
        returns("div by zero", "PUSH1 0x00 PUSH1 0x07 DIV"),
        returns("sdiv negative", &format!("PUSH1 0x03 PUSH32 {MAX} SDIV")),
        returns("sdiv min by -1", &format!("PUSH32 {MAX} PUSH32 {MIN} SDIV")),
        returns("mod", "PUSH1 0x07 PUSH2 0x1234 MOD"),
        returns("smod", &format!("PUSH1 0x03 PUSH32 {MAX} SMOD")),
        returns("addmod", &format!("PUSH1 0x07 PUSH32 {MAX} PUSH32 {MAX} ADDMOD")),
        returns("mulmod", &format!("PUSH9 0x0100000000000000ff PUSH32 {MAX} PUSH32 {MAX} MULMOD")),
        returns("exp small", "PUSH1 0x0a PUSH1 0x03 EXP"),
        returns("exp large", &format!("PUSH32 {MAX} PUSH1 0x07 EXP")),
        returns("signextend", "PUSH1 0xff PUSH1 0x00 SIGNEXTEND"),
        returns("signextend wide index", "PUSH2 0x7fff PUSH1 0x40 SIGNEXTEND"),
    ]
}

fn comparison_and_bitwise() -> Vec<Case> {
    const MAX: &str = "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
    vec![
        returns("lt", "PUSH1 0x02 PUSH1 0x01 LT"),
        returns("gt", "PUSH1 0x02 PUSH1 0x01 GT"),
        returns("slt", &format!("PUSH1 0x01 PUSH32 {MAX} SLT")),
        returns("sgt", &format!("PUSH1 0x01 PUSH32 {MAX} SGT")),
        returns("eq", "PUSH1 0x2a PUSH1 0x2a EQ"),
        returns("iszero", "PUSH1 0x00 ISZERO"),
        returns("and or xor", "PUSH1 0x0f PUSH1 0x3c AND PUSH1 0x50 OR PUSH1 0xff XOR"),
        returns("not", "PUSH1 0x00 NOT"),
        returns("byte", "PUSH2 0xabcd PUSH1 0x1e BYTE"),
        returns("byte out of range", "PUSH2 0xabcd PUSH1 0x40 BYTE"),
        returns("shl", "PUSH1 0x01 PUSH1 0xff SHL"),
        returns("shr", &format!("PUSH32 {MAX} PUSH1 0x04 SHR")),
        returns("sar negative", &format!("PUSH32 {MAX} PUSH2 0x0100 SAR")),
        returns(
            "shl huge shift",
            "PUSH1 0x01 PUSH32 0x0100000000000000000000000000000000000000000000000000000000000000 SHL",
        ),
        returns("clz osaka", "PUSH2 0x0100 CLZ").fork(Fork::Osaka),
        Case::new("clz before osaka", ret_top("PUSH2 0x0100 CLZ")).expect(Status::NotActivated),
    ]
}

fn keccak_and_memory() -> Vec<Case> {
    vec![
        returns("keccak empty", "PUSH1 0x00 PUSH1 0x00 KECCAK256"),
        returns("keccak word", "PUSH1 0x2a PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 KECCAK256"),
        returns("keccak 1000 bytes", "PUSH2 0x03e8 PUSH1 0x07 KECCAK256"),
        Case::new("keccak huge length", ret_top("PUSH5 0xffffffffff PUSH1 0x00 KECCAK256")).expect(Status::OutOfGas),
        returns("mstore mload", "PUSH2 0xbeef PUSH1 0x40 MSTORE PUSH1 0x40 MLOAD"),
        returns("mstore8 msize", "PUSH1 0xff PUSH2 0x0100 MSTORE8 MSIZE"),
        returns("mload unaligned", "PUSH32 0x0102030405060708091011121314151617181920212223242526272829303132 PUSH1 0x00 MSTORE PUSH1 0x05 MLOAD"),
        Case::new(
            "mcopy overlapping",
            asm("PUSH32 0x0102030405060708091011121314151617181920212223242526272829303132 PUSH1 0x00 MSTORE \
                 PUSH1 0x20 PUSH1 0x00 PUSH1 0x05 MCOPY PUSH1 0x40 PUSH1 0x00 RETURN"),
        )
        .expect(Status::Return),
        returns("mcopy zero length far", "PUSH1 0x00 PUSH1 0x00 PUSH4 0xffffffff MCOPY MSIZE"),
        Case::new("mcopy before cancun", ret_top("PUSH1 0x20 PUSH1 0x00 PUSH1 0x20 MCOPY MSIZE"))
            .fork(Fork::Shanghai)
            .expect(Status::NotActivated),
        returns("memory expansion 64 KiB", "PUSH1 0x01 PUSH3 0x010000 MSTORE MSIZE"),
        Case::new("memory expansion out of gas", ret_top("PUSH1 0x01 PUSH4 0x01000000 MSTORE MSIZE")).expect(Status::OutOfGas),
        Case::new("memory offset beyond 32 bits", ret_top("PUSH1 0x01 PUSH8 0x0100000000000000 MSTORE MSIZE")).expect(Status::OutOfGas),
    ]
}

fn data_copies() -> Vec<Case> {
    vec![
        returns("calldataload", "PUSH1 0x02 CALLDATALOAD").input("00112233445566778899"),
        returns("calldataload beyond", "PUSH1 0x40 CALLDATALOAD").input("0011"),
        returns("calldatasize", "CALLDATASIZE").input("001122"),
        Case::new(
            "calldatacopy partial",
            asm("PUSH1 0x40 PUSH1 0x01 PUSH1 0x00 CALLDATACOPY PUSH1 0x40 PUSH1 0x00 RETURN"),
        )
        .input("aabbccddeeff")
        .expect(Status::Return),
        Case::new("codecopy", asm("PUSH1 0x20 PUSH1 0x00 PUSH1 0x00 CODECOPY PUSH1 0x20 PUSH1 0x00 RETURN"))
            .expect(Status::Return),
        returns("codesize", "CODESIZE"),
        returns("returndatasize empty", "RETURNDATASIZE"),
        Case::new("returndatacopy out of bounds", asm("PUSH1 0x01 PUSH1 0x00 PUSH1 0x00 RETURNDATACOPY STOP"))
            .expect(Status::OutOfOffset),
        returns("returndatacopy zero", "PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 RETURNDATACOPY RETURNDATASIZE"),
    ]
}

fn control_flow() -> Vec<Case> {
    vec![
        Case::new("jump", asm("PUSH1 0x04 JUMP INVALID JUMPDEST PUSH1 0x01 PUSH1 0x00 SSTORE STOP"))
            .expect(Status::Stop),
        Case::new("jump invalid", asm("PUSH1 0x03 JUMP STOP")).expect(Status::InvalidJump),
        Case::new("jump into push data", asm("PUSH1 0x04 JUMP PUSH1 0x5b STOP")).expect(Status::InvalidJump),
        Case::new("jumpi taken", asm("PUSH1 0x01 PUSH1 0x06 JUMPI INVALID JUMPDEST STOP")).expect(Status::Stop),
        Case::new("jumpi not taken", asm("PUSH1 0x00 PUSH1 0x06 JUMPI INVALID JUMPDEST STOP"))
            .expect(Status::InvalidFEOpcode),
        returns("pc", "PUSH1 0x00 POP PC"),
        Case::new("loop", asm("PUSH2 0x0400 JUMPDEST PUSH1 0x01 SWAP1 SUB DUP1 PUSH1 0x03 JUMPI STOP"))
            .expect(Status::Stop),
        returns("gas", "GAS"),
    ]
}

/// The opcodes the guest runs inside another's body (a jump's JUMPDEST, the JUMP or JUMPI
/// after a PUSH2), with every gas limit up to the program's cost: each step runs out of gas
/// in turn, and units and gas must stay native revm's.
fn fused_steps() -> Vec<Case> {
    let programs = [
        ("push2 jump jumpdest", "PUSH2 0x0004 JUMP JUMPDEST STOP", 12),
        ("push2 jumpi taken", "PUSH1 0x01 PUSH2 0x0007 JUMPI INVALID JUMPDEST STOP", 17),
        ("push2 jumpi not taken onto a jumpdest", "PUSH1 0x00 PUSH2 0x0007 JUMPI JUMPDEST JUMPDEST STOP", 18),
        ("jump from the stack", "PUSH1 0x03 JUMP JUMPDEST STOP", 12),
        ("jumpi from the stack", "PUSH1 0x01 PUSH1 0x05 JUMPI JUMPDEST STOP", 17),
    ];
    let mut cases = Vec::new();
    for (name, code, cost) in programs {
        for gas in 0..=cost + 1 {
            cases.push(Case::new(format!("{name} with {gas} gas"), asm(code)).gas(gas));
        }
        cases.push(Case::new(name, asm(code)).expect(Status::Stop));
    }
    cases.extend([
        Case::new("push2 jump invalid", asm("PUSH2 0x0005 JUMP STOP STOP STOP")).expect(Status::InvalidJump),
        Case::new("push2 jumpi invalid", asm("PUSH1 0x01 PUSH2 0x0005 JUMPI STOP")).expect(Status::InvalidJump),
        Case::new("push2 jumpi underflow", asm("PUSH2 0x0004 JUMPI JUMPDEST STOP")).expect(Status::StackUnderflow),
        Case::new("push2 overflow before a jump", asm("JUMPDEST PUSH1 0x01 PUSH2 0x0000 JUMP"))
            .expect(Status::StackOverflow),
        Case::new("push2 last in code", asm("PUSH1 0x00 PUSH2 0x0001")).expect(Status::Stop),
        Case::new("jump onto a jumpdest at the end", asm("PUSH1 0x03 JUMP JUMPDEST")).expect(Status::Stop),
    ]);
    cases
}

fn pushes() -> Vec<Case> {
    let mut cases = vec![
        returns("push0", "PUSH0"),
        Case::new("push0 before shanghai", ret_top("PUSH0")).fork(Fork::Merge).expect(Status::NotActivated),
    ];
    for width in 1..=32 {
        let literal: String = (0..width).map(|i| format!("{:02x}", 0xa0 + i)).collect();
        cases.push(returns(&format!("push{width}"), &format!("PUSH{width} 0x{literal}")));
    }
    cases.push(Case::new("push past end of code", asm(".0x7f0102")).expect(Status::Stop));
    cases
}

fn stack() -> Vec<Case> {
    let pushes: String = (1..=17).map(|i| format!("PUSH1 0x{i:02x} ")).collect();
    let dups: String = (1..=16).map(|i| format!("DUP{i} ")).collect();
    let swaps: String = (1..=16).map(|i| format!("SWAP{i} ")).collect();
    vec![
        returns("dup1..16", &format!("{pushes}{dups}")),
        returns("swap1..16", &format!("{pushes}{swaps}")),
        // revm reports a short stack on DUP as an overflow; both sides must say the same.
        Case::new("dup16 underflow", asm("PUSH1 0x01 DUP16")),
        Case::new("add underflow", asm("PUSH1 0x01 ADD")).expect(Status::StackUnderflow),
        Case::new("stack overflow", asm("JUMPDEST PUSH1 0x01 PUSH1 0x00 JUMP")).expect(Status::StackOverflow),
    ]
}

fn logs() -> Vec<Case> {
    let mut cases = Vec::new();
    for topics in 0..=4 {
        let pushes: String = (0..topics).map(|i| format!("PUSH1 0x{:02x} ", 0x10 + i)).collect();
        cases.push(
            Case::new(
                format!("log{topics}"),
                asm(&format!("PUSH2 0xcafe PUSH1 0x00 MSTORE {pushes} PUSH1 0x20 PUSH1 0x00 LOG{topics} STOP")),
            )
            .expect(Status::Stop),
        );
    }
    cases.push(
        Case::new("log in static frame", asm("PUSH1 0x00 PUSH1 0x00 LOG0 STOP"))
            .static_frame()
            .expect(Status::StateChangeDuringStaticCall),
    );
    cases.push(
        Case::new("log then revert", asm("PUSH1 0x00 PUSH1 0x00 LOG0 PUSH1 0x00 PUSH1 0x00 REVERT"))
            .expect(Status::Revert),
    );
    cases
}

fn storage() -> Vec<Case> {
    vec![
        returns("sload cold then warm", "PUSH1 0x01 SLOAD PUSH1 0x01 SLOAD ADD"),
        returns("sload absent", "PUSH1 0x63 SLOAD"),
        Case::new("sstore new slot", asm("PUSH1 0x2a PUSH1 0x07 SSTORE STOP")).expect(Status::Stop),
        Case::new("sstore set and reset", asm("PUSH1 0x2a PUSH1 0x07 SSTORE PUSH1 0x00 PUSH1 0x07 SSTORE STOP"))
            .expect(Status::Stop),
        Case::new("sstore clear refund", asm("PUSH1 0x00 PUSH1 0x01 SSTORE STOP")).expect(Status::Stop),
        Case::new("sstore restore original", asm("PUSH1 0x06 PUSH1 0x01 SSTORE PUSH1 0x05 PUSH1 0x01 SSTORE STOP"))
            .expect(Status::Stop),
        Case::new("sstore then revert", asm("PUSH1 0x2a PUSH1 0x07 SSTORE PUSH1 0x00 PUSH1 0x00 REVERT"))
            .expect(Status::Revert),
        Case::new("sstore below stipend", asm("PUSH1 0x2a PUSH1 0x07 SSTORE STOP"))
            .gas(2_306)
            .expect(Status::ReentrancySentryOOG),
        Case::new("sstore in static frame", asm("PUSH1 0x2a PUSH1 0x07 SSTORE STOP"))
            .static_frame()
            .expect(Status::StateChangeDuringStaticCall),
        Case::new("sstore out of gas", asm("PUSH1 0x2a PUSH1 0x07 SSTORE STOP")).gas(5_000).expect(Status::OutOfGas),
        Case::new("sload cold out of gas", asm("PUSH1 0x01 SLOAD STOP")).gas(2_000).expect(Status::OutOfGas),
        Case::new("sstore refund on original frontier", asm("PUSH1 0x00 PUSH1 0x01 SSTORE STOP"))
            .fork(Fork::Frontier)
            .expect(Status::Stop),
        Case::new("sstore istanbul", asm("PUSH1 0x03 PUSH1 0x02 SSTORE PUSH1 0x09 PUSH1 0x02 SSTORE STOP"))
            .fork(Fork::Istanbul)
            .expect(Status::Stop),
    ]
}

fn transient() -> Vec<Case> {
    vec![
        returns("tstore tload", "PUSH1 0x2a PUSH1 0x01 TSTORE PUSH1 0x01 TLOAD"),
        Case::new("tstore kept", asm("PUSH1 0x2a PUSH1 0x03 TSTORE STOP")).expect(Status::Stop),
        Case::new("tstore then revert", asm("PUSH1 0x2a PUSH1 0x03 TSTORE PUSH1 0x00 PUSH1 0x00 REVERT"))
            .expect(Status::Revert),
        Case::new("tstore in static frame", asm("PUSH1 0x2a PUSH1 0x01 TSTORE STOP"))
            .static_frame()
            .expect(Status::StateChangeDuringStaticCall),
        Case::new("tload before cancun", ret_top("PUSH1 0x01 TLOAD")).fork(Fork::Shanghai).expect(Status::NotActivated),
    ]
}

fn accounts() -> Vec<Case> {
    let other = format!("PUSH20 0x{}", hex::encode(OTHER));
    let empty = format!("PUSH20 0x{}", hex::encode(EMPTY));
    vec![
        returns("balance cold", &format!("{other} BALANCE")),
        returns("balance warm", &format!("{other} BALANCE POP {other} BALANCE")),
        returns("balance absent", &format!("{empty} BALANCE")),
        returns("selfbalance", "SELFBALANCE"),
        returns("extcodesize", &format!("{other} EXTCODESIZE")),
        returns("extcodesize absent", &format!("{empty} EXTCODESIZE")),
        Case::new(
            "extcodecopy",
            asm(&format!("PUSH1 0x40 PUSH1 0x02 PUSH1 0x00 {other} EXTCODECOPY PUSH1 0x40 PUSH1 0x00 RETURN")),
        )
        .expect(Status::Return),
        Case::new(
            "extcodecopy offset beyond code",
            asm(&format!("PUSH1 0x20 PUSH2 0x0400 PUSH1 0x00 {other} EXTCODECOPY PUSH1 0x20 PUSH1 0x00 RETURN")),
        )
        .expect(Status::Return),
        returns(
            "extcodecopy zero length",
            &format!("PUSH1 0x00 PUSH1 0x00 PUSH4 0xffffffff {other} EXTCODECOPY MSIZE"),
        ),
        returns("extcodehash", &format!("{other} EXTCODEHASH")),
        returns("extcodehash absent", &format!("{empty} EXTCODEHASH")),
        returns("extcodehash self", "ADDRESS EXTCODEHASH"),
        Case::new("balance cold out of gas", ret_top(&format!("{other} BALANCE"))).gas(2_000).expect(Status::OutOfGas),
        Case::new("extcodesize berlin", ret_top(&format!("{other} EXTCODESIZE")))
            .fork(Fork::Berlin)
            .expect(Status::Return),
        Case::new("balance istanbul", ret_top(&format!("{other} BALANCE"))).fork(Fork::Istanbul).expect(Status::Return),
    ]
}

fn environment() -> Vec<Case> {
    let mut cases: Vec<Case> = [
        "ADDRESS",
        "ORIGIN",
        "CALLER",
        "CALLVALUE",
        "GASPRICE",
        "COINBASE",
        "TIMESTAMP",
        "NUMBER",
        "DIFFICULTY",
        "GASLIMIT",
        "CHAINID",
        "BASEFEE",
        "BLOBBASEFEE",
    ]
    .iter()
    .map(|op| returns(&op.to_lowercase(), op))
    .collect();
    cases.push(returns("prevrandao before merge", "DIFFICULTY").fork(Fork::London));
    cases.push(returns("blobhash 0", "PUSH1 0x00 BLOBHASH"));
    cases.push(returns("blobhash 1", "PUSH1 0x01 BLOBHASH"));
    cases.push(returns("blobhash missing", "PUSH1 0x05 BLOBHASH"));
    cases.push(returns("blockhash recent", "PUSH2 0x03e7 BLOCKHASH"));
    cases.push(returns("blockhash oldest", "PUSH2 0x02e8 BLOCKHASH"));
    cases.push(returns("blockhash too old", "PUSH2 0x02e7 BLOCKHASH"));
    cases.push(returns("blockhash current", "NUMBER BLOCKHASH"));
    cases.push(returns("blockhash future", "PUSH2 0x0400 BLOCKHASH"));
    cases
}

fn endings() -> Vec<Case> {
    vec![
        Case::new("stop", asm("STOP")).expect(Status::Stop),
        Case::new("empty code", Vec::new()).expect(Status::Stop),
        Case::new("revert with data", asm("PUSH2 0xdead PUSH1 0x00 MSTORE PUSH1 0x02 PUSH1 0x1e REVERT"))
            .expect(Status::Revert),
        Case::new("invalid", asm("INVALID")).expect(Status::InvalidFEOpcode),
        Case::new("undefined opcode", asm(".0x0c")).expect(Status::OpcodeNotFound),
        Case::new("out of gas loop", asm("JUMPDEST PUSH1 0x00 JUMP")).gas(100_000).expect(Status::OutOfGas),
        Case::new("selfdestruct", asm(&format!("PUSH20 0x{} SELFDESTRUCT", hex::encode(EMPTY))))
            .expect(Status::SelfDestruct),
        Case::new("selfdestruct to self", asm("ADDRESS SELFDESTRUCT")).expect(Status::SelfDestruct),
        Case::new("selfdestruct static", asm("ADDRESS SELFDESTRUCT"))
            .static_frame()
            .expect(Status::StateChangeDuringStaticCall),
        Case::new("selfdestruct london", asm(&format!("PUSH20 0x{} SELFDESTRUCT", hex::encode(OTHER))))
            .fork(Fork::London)
            .expect(Status::SelfDestruct),
        Case::new("return empty world", ret_top("PUSH1 0x01 SLOAD")).empty_world().expect(Status::Return),
        Case::new("return big output", asm("PUSH2 0x1000 PUSH1 0x00 RETURN")).expect(Status::Return),
    ]
}

fn corpus() -> Vec<Case> {
    [
        arithmetic(),
        comparison_and_bitwise(),
        keccak_and_memory(),
        data_copies(),
        control_flow(),
        fused_steps(),
        pushes(),
        stack(),
        logs(),
        storage(),
        transient(),
        accounts(),
        environment(),
        endings(),
    ]
    .into_iter()
    .flatten()
    .collect()
}

/// Every program of the corpus as a frame, with its state set-up.
pub(crate) fn frames() -> Vec<(String, FrameInput, Setup)> {
    corpus().into_iter().map(|case| (case.name.clone(), case.frame(), case.setup)).collect()
}

#[test]
fn precompile_agrees_with_native_revm_on_the_corpus() {
    let corpus = corpus();
    assert!(corpus.len() >= 100, "corpus has {} programs", corpus.len());
    let mut statuses = std::collections::BTreeSet::new();
    for case in &corpus {
        let effects = assert_same(&case.name, &case.frame(), case.setup);
        if let Some(expected) = case.expect {
            assert_eq!(effects.result.status, normalized(expected), "{}: status", case.name);
        }
        statuses.insert(effects.result.status.to_u8());
    }
    // The corpus exercises successes, reverts and many kinds of halt.
    assert!(statuses.len() >= 12, "only {} distinct statuses", statuses.len());
}

#[test]
fn state_changes_are_visible_and_equal() {
    let case =
        Case::new("sstore new slot", asm("PUSH1 0x2a PUSH1 0x07 SSTORE PUSH1 0x01 PUSH1 0x02 PUSH1 0x03 LOG1 STOP"));
    let effects = assert_same(&case.name, &case.frame(), case.setup);
    let target = effects.state.accounts.get(FrameInput::DEFAULT_TARGET.as_slice()).expect("target touched");
    let slot = target.3.get(word(7).as_slice()).expect("slot 7 written");
    assert_eq!(slot.1, word(0x2a).to_vec());
    assert_eq!(effects.state.logs.len(), 1);
}

/// Runs every program of the corpus on `engine` and asserts the same result, output and
/// state as wasmtime, bit for bit.
fn corpus_gives_the_same_effects_as_wasmtime_on(engine: evmpc_host::WasmEngine) {
    use evmpc_host::{Action, Engine, EngineConfig, Precompile};
    let precompile = Precompile::<MemoryHost>::new(&Engine::new(EngineConfig::new().wasm_engine(engine)).unwrap())
        .unwrap_or_else(|e| panic!("{engine:?} links the artifact: {e}"));
    for (name, frame, setup) in frames() {
        let mut host = MemoryHost::for_frame(&frame);
        setup(&mut host);
        let mut session = precompile.session(host).expect("session");
        let result = match session.start(&frame).unwrap_or_else(|e| panic!("{name}: {engine:?} runs the frame: {e}")) {
            Action::Return(result) => session.returned(&result).expect("output in guest memory"),
            other => panic!("{name}: unexpected sub-call {other:?}"),
        };
        let units = session.usage().units;
        let effects = crate::harness::effects(&session.into_host(), result, units);
        assert_eq!(effects, crate::harness::run_precompile(&frame, setup), "{name} on {engine:?}");
    }
}

/// The spec's promise, on a second engine: wasmi (an interpreter) gives every program of the
/// corpus the same result, output and state as wasmtime, bit for bit.
#[test]
fn wasmi_gives_the_corpus_the_same_effects_as_wasmtime() {
    corpus_gives_the_same_effects_as_wasmtime_on(evmpc_host::WasmEngine::Wasmi);
}

/// And on an engine outside the Rust runtimes: the artifact translated to C by wasm2c.
#[cfg(feature = "wasm2c")]
#[test]
fn wasm2c_gives_the_corpus_the_same_effects_as_wasmtime() {
    corpus_gives_the_same_effects_as_wasmtime_on(evmpc_host::WasmEngine::Wasm2c);
}
