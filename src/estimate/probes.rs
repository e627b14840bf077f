//! The estimator's programs: for every opcode and every cost the boundary adds, families
//! of transactions that vary what drives the cost (operand sizes and values, memory offsets,
//! copy lengths, warm and cold access, code, call data and return data sizes, call depth).

use super::Probe;
use crate::adversarial::build::{big_code, call, expand, looping, push};
use crate::adversarial::{address, Pattern, CALLEE, DATA};
use evmpc_oracle::asm::asm;

/// Gas of a probe's transaction unless it says otherwise.
const GAS: u64 = 3_000_000;

const ONE: &str = "0x01";
const SMALL: &str = "0x0123456789abcdef";
const MID: &str = "0x0123456789abcdef0123456789abcdef01";
const BIG: &str = "0xfedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543211";
const MAX: &str = "0xffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff";
const NEG: &str = "0xfffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff3";

/// A probe of `op` in `class` that repeats `body` until the gas runs out.
fn looped(class: &'static str, op: &str, variant: &str, setup: &str, body: &str) -> Probe {
    probe(class, op, variant, Pattern::new("", "", &looping(setup, body)))
}

fn probe(class: &'static str, op: &str, variant: &str, mut pattern: Pattern) -> Probe {
    pattern.name = format!("{}-{}", op.to_lowercase(), variant.replace(' ', "-"));
    pattern.what = format!("{op}: {variant}");
    if pattern.gas_limit == crate::adversarial::GAS_LIMIT {
        pattern.gas_limit = GAS;
    }
    Probe { class, op: op.to_string(), variant: variant.to_string(), pattern }
}

/// `PUSH32`s of `operands`, last on top.
fn pushes(operands: &[&str]) -> String {
    operands.iter().map(|word| format!("PUSH32 {word}")).collect::<Vec<_>>().join(" ")
}

/// Every probe.
pub fn probes() -> Vec<Probe> {
    let mut all = arithmetic();
    all.extend(cheap());
    all.extend(memory());
    all.extend(hashing());
    all.extend(state());
    all.extend(calls());
    all.extend(boundary());
    all
}

fn arithmetic() -> Vec<Probe> {
    let mut all = Vec::new();
    // (top, second): DIV computes top / second.
    let pairs = [
        ("big-by-big", BIG, MAX),
        ("big-by-small", BIG, SMALL),
        ("big-by-129-bits", MAX, MID),
        ("small-by-big", SMALL, BIG),
        ("big-by-one", BIG, ONE),
        ("negative-by-129-bits", NEG, MID),
    ];
    let binary = [
        "ADD",
        "MUL",
        "SUB",
        "DIV",
        "SDIV",
        "MOD",
        "SMOD",
        "SIGNEXTEND",
        "LT",
        "GT",
        "SLT",
        "SGT",
        "EQ",
        "AND",
        "OR",
        "XOR",
        "BYTE",
    ];
    for op in binary {
        for (variant, top, second) in pairs {
            all.push(looped("arithmetic", op, variant, "", &format!("{} {op} POP", pushes(&[second, top]))));
        }
    }
    for (variant, shift) in [("by-1", ONE), ("by-128", "0x80"), ("by-255", "0xff"), ("by-256", "0x0100")] {
        for op in ["SHL", "SHR", "SAR"] {
            all.push(looped("arithmetic", op, variant, "", &format!("{} {op} POP", pushes(&[NEG, shift]))));
        }
    }
    for (variant, exponent) in [("exponent-1-byte", "0xff"), ("exponent-8-bytes", SMALL), ("exponent-17-bytes", MID)] {
        all.push(looped("arithmetic", "EXP", variant, "", &format!("{} EXP POP", pushes(&[exponent, BIG]))));
    }
    all.push(looped("arithmetic", "EXP", "exponent-32-bytes", "", &format!("{} EXP POP", pushes(&[MAX, BIG]))));
    for (variant, modulus) in [("mod-big", BIG), ("mod-small", SMALL), ("mod-129-bits", MID)] {
        for op in ["ADDMOD", "MULMOD"] {
            all.push(looped("arithmetic", op, variant, "", &format!("{} {op} POP", pushes(&[modulus, MAX, NEG]))));
        }
    }
    for op in ["ISZERO", "NOT"] {
        all.push(looped("arithmetic", op, "big", "", &format!("PUSH32 {BIG} {op} POP")));
    }
    let mut clz = looped("arithmetic", "CLZ", "big", "", &format!("PUSH32 {MID} CLZ POP"));
    clz.pattern.fork = "Osaka";
    all.push(clz);
    all
}

/// Opcodes of 1 to 5 gas: the dispatch itself is their cost.
fn cheap() -> Vec<Probe> {
    let mut all = Vec::new();
    for op in [
        "ADDRESS",
        "ORIGIN",
        "CALLER",
        "CALLVALUE",
        "CALLDATASIZE",
        "CODESIZE",
        "GASPRICE",
        "RETURNDATASIZE",
        "COINBASE",
        "TIMESTAMP",
        "NUMBER",
        "DIFFICULTY",
        "GASLIMIT",
        "CHAINID",
        "BASEFEE",
        "BLOBBASEFEE",
        "PC",
        "MSIZE",
        "GAS",
        "PUSH0",
        "SELFBALANCE",
    ] {
        all.push(looped("environment", op, "pop", "", &format!("{op} POP")));
    }
    all.push(looped("environment", "BLOBHASH", "index-0", "", "PUSH1 0x00 BLOBHASH POP"));
    all.push(looped("environment", "CALLDATALOAD", "offset-0", "", "PUSH1 0x00 CALLDATALOAD POP"));
    all.push(looped("stack", "PUSH1", "pop", "", "PUSH1 0x01 POP"));
    all.push(looped("stack", "PUSH32", "pop", "", &format!("PUSH32 {BIG} POP")));
    let seventeen = "PUSH1 0x01 ".repeat(17);
    for op in ["DUP1", "DUP16"] {
        all.push(looped("stack", op, "pop", &seventeen, &format!("{op} POP")));
    }
    for op in ["SWAP1", "SWAP16"] {
        all.push(looped("stack", op, "twice", &seventeen, &format!("{op} {op}")));
    }
    all.push(looped("control", "JUMPDEST", "run-of-100", "", &"JUMPDEST ".repeat(100)));
    all.push(looped("control", "JUMP", "loop", "", ""));
    all.push(looped("control", "JUMPI", "not-taken", "", "PUSH1 0x00 PUSH1 0x00 JUMPI"));
    all.push(looped("control", "JUMPI", "taken", "", "PUSH1 0x01 @next JUMPI next: JUMPDEST"));
    all
}

fn memory() -> Vec<Probe> {
    let mut all = Vec::new();
    for (variant, offset) in [("offset-0", "0x00"), ("offset-1mib", "0x0fffe0")] {
        let setup = if offset == "0x00" { String::new() } else { expand(1 << 20) };
        all.push(looped("memory", "MLOAD", variant, &setup, &format!("PUSH3 {offset} MLOAD POP")));
        all.push(looped("memory", "MSTORE", variant, &setup, &format!("PUSH1 0x01 PUSH3 {offset} MSTORE")));
        all.push(looped("memory", "MSTORE8", variant, &setup, &format!("PUSH1 0x01 PUSH3 {offset} MSTORE8")));
    }
    all.push(looped("memory", "MSTORE", "growing", "", "PUSH1 0x01 MSIZE MSTORE"));
    all.push(looped("memory", "MSTORE", "growing-by-1kib", "", "PUSH1 0x01 MSIZE PUSH2 0x03e0 ADD MSTORE"));
    for (variant, len) in [("32-bytes", 32u32), ("1kib", 1 << 10), ("32kib", 1 << 15)] {
        let setup = expand(1 << 16);
        all.push(looped("memory", "MCOPY", variant, &setup, &format!("PUSH3 {len:#x} PUSH1 0x00 PUSH3 0x8000 MCOPY")));
        all.push(looped(
            "memory",
            "CALLDATACOPY",
            variant,
            &setup,
            &format!("PUSH3 {len:#x} PUSH1 0x00 PUSH1 0x00 CALLDATACOPY"),
        ));
        all.push(looped(
            "memory",
            "CODECOPY",
            variant,
            &setup,
            &format!("PUSH3 {len:#x} PUSH1 0x00 PUSH1 0x00 CODECOPY"),
        ));
        let returner = asm("PUSH2 0x8000 PUSH1 0x00 RETURN");
        let body = format!("{} PUSH3 {len:#x} PUSH1 0x00 PUSH1 0x00 RETURNDATACOPY", call("STATICCALL", CALLEE, 0, 0));
        all.push(probe(
            "memory",
            "RETURNDATACOPY",
            variant,
            Pattern::new("", "", &looping(&setup, &body)).with(CALLEE, returner),
        ));
    }
    all
}

fn hashing() -> Vec<Probe> {
    let mut all = Vec::new();
    for (variant, len) in [("0-bytes", 0u32), ("32-bytes", 32), ("64-bytes", 64), ("1kib", 1 << 10), ("32kib", 1 << 15)]
    {
        all.push(looped(
            "hashing",
            "KECCAK256",
            variant,
            &expand(1 << 15),
            &format!("PUSH3 {len:#x} PUSH1 0x00 KECCAK256 POP"),
        ));
    }
    all
}

fn state() -> Vec<Probe> {
    let callee = push(CALLEE);
    let code = big_code(24_576, 0);
    let mut all = vec![
        looped("storage", "SLOAD", "warm", "", "PUSH1 0x00 SLOAD POP"),
        looped("storage", "SLOAD", "cold", "", "GAS SLOAD POP"),
        looped("storage", "SSTORE", "same-value", "", "PUSH1 0x00 PUSH1 0x00 SSTORE"),
        looped("storage", "SSTORE", "new-slot", "", "GAS GAS SSTORE"),
        looped("storage", "SSTORE", "warm-changed", "", "GAS PUSH1 0x00 SSTORE"),
        looped("storage", "TLOAD", "warm", "", "PUSH1 0x00 TLOAD POP"),
        looped("storage", "TSTORE", "same-slot", "", "PUSH1 0x01 PUSH1 0x00 TSTORE"),
        looped("storage", "TSTORE", "new-slot", "", "GAS GAS TSTORE"),
        looped("account", "BALANCE", "warm", "", "ADDRESS BALANCE POP"),
        looped("account", "BALANCE", "cold", "", "GAS BALANCE POP"),
        looped("account", "EXTCODESIZE", "cold", "", "GAS EXTCODESIZE POP"),
        looped("account", "EXTCODEHASH", "cold", "", "GAS EXTCODEHASH POP"),
        looped("account", "BLOCKHASH", "previous", "", "PUSH1 0xff BLOCKHASH POP"),
        looped("account", "BLOCKHASH", "each-of-256", "PUSH2 0x0100", "DUP1 BLOCKHASH POP PUSH1 0x01 SWAP1 SUB"),
    ];
    for (op, body) in [
        ("EXTCODESIZE", format!("{callee} EXTCODESIZE POP")),
        ("EXTCODEHASH", format!("{callee} EXTCODEHASH POP")),
        ("EXTCODECOPY", format!("PUSH1 0x20 PUSH1 0x00 PUSH1 0x00 {callee} EXTCODECOPY")),
    ] {
        all.push(probe(
            "account",
            op,
            "warm-24kib-code",
            Pattern::new("", "", &looping("", &body)).with(CALLEE, code.clone()),
        ));
    }
    let copy = format!("PUSH2 0x6000 PUSH1 0x00 PUSH1 0x00 {callee} EXTCODECOPY");
    all.push(probe("account", "EXTCODECOPY", "24kib", Pattern::new("", "", &looping("", &copy)).with(CALLEE, code)));
    for topics in 0..=4u8 {
        for (variant, len) in [("empty", 0u32), ("1kib", 1 << 10)] {
            let pushed = "PUSH1 0x01 ".repeat(usize::from(topics));
            let body = format!("{pushed} PUSH2 {len:#x} PUSH1 0x00 LOG{topics}");
            all.push(looped("log", &format!("LOG{topics}"), variant, "", &body));
        }
    }
    all
}

fn calls() -> Vec<Probe> {
    let callee = |code: &str| asm(code);
    let mut all = Vec::new();
    for op in ["CALL", "STATICCALL", "DELEGATECALL", "CALLCODE"] {
        for (variant, code) in [("no-code", Vec::new()), ("stop", callee("STOP")), ("24kib-code", big_code(24_576, 0))]
        {
            let body = call(op, CALLEE, 0, 0);
            all.push(probe("call", op, variant, Pattern::new("", "", &looping("", &body)).with(CALLEE, code)));
        }
    }
    let reader = callee("PUSH1 0x00 CALLDATALOAD POP STOP");
    for (variant, len) in [("1kib-calldata", 1u32 << 10), ("64kib-calldata", 1 << 16)] {
        let body = call("CALL", CALLEE, len, 0);
        all.push(probe(
            "call",
            "CALL",
            variant,
            Pattern::new("", "", &looping(&expand(len), &body)).with(CALLEE, reader.clone()),
        ));
    }
    for (variant, len) in [("returns-32-bytes", 32u32), ("returns-32kib", 1 << 15)] {
        let body = call("CALL", CALLEE, 0, len);
        let returner = callee(&format!("PUSH3 {len:#x} PUSH1 0x00 RETURN"));
        all.push(probe(
            "call",
            "CALL",
            variant,
            Pattern::new("", "", &looping(&expand(len), &body)).with(CALLEE, returner),
        ));
    }
    let value = format!("PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x01 {} GAS CALL POP", push(CALLEE));
    all.push(probe(
        "call",
        "CALL",
        "1-wei-stop",
        Pattern::new("", "", &looping("", &value)).with(CALLEE, callee("STOP")),
    ));
    // Dives: the contract calls itself with all gas until the depth limit or the gas stops
    // it, returning unused gas; the transaction dives again and again.
    let dive = |variant: &str, frame: &str| {
        let code = format!(
            "PUSH1 0x00 CALLDATALOAD @dive JUMPI \
             top: JUMPDEST PUSH1 0x01 PUSH1 0x00 MSTORE PUSH1 0x00 PUSH1 0x00 PUSH1 0x20 PUSH1 0x00 PUSH1 0x00 ADDRESS GAS CALL POP @top JUMP \
             dive: JUMPDEST {frame} PUSH1 0x00 PUSH1 0x00 PUSH1 0x20 PUSH1 0x00 PUSH1 0x00 ADDRESS GAS CALL STOP"
        );
        probe("call", "CALL", variant, Pattern::new("", "", &code))
    };
    all.push(dive("dive-to-depth", "PUSH1 0x01 PUSH1 0x00 MSTORE"));
    all.push(dive("dive-64kib-memory", "PUSH1 0x01 PUSH2 0xffe0 MSTORE PUSH1 0x01 PUSH1 0x00 MSTORE"));
    // One dive to the depth limit in a transaction with gas enough to reach it (63/64 of
    // the gas goes down each level): 1,024 frames live at once, each new to the session.
    // A counted recursion 1,024 deep: each frame passes 32 bytes down and returns 32 up.
    let counted = "PUSH1 0x00 CALLDATALOAD DUP1 ISZERO @bottom JUMPI PUSH1 0x01 SWAP1 SUB PUSH1 0x00 MSTORE \
                   PUSH1 0x20 PUSH1 0x00 DUP2 DUP2 DUP1 ADDRESS GAS CALL POP PUSH1 0x20 PUSH1 0x00 RETURN \
                   bottom: JUMPDEST BASEFEE PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 RETURN";
    let mut pattern = Pattern::new("", "", counted);
    pattern.data = revm::primitives::U256::from(1_023).to_be_bytes::<32>().to_vec();
    pattern.gas_limit = 100_000_000_000;
    all.push(probe("call", "CALL", "counted-recursion-1024-with-32-byte-io", pattern));
    for (variant, frame) in [
        ("dive-once-to-1024", ""),
        ("dive-once-to-1024-1kib-memory", "PUSH1 0x01 PUSH2 0x03e0 MSTORE"),
        ("dive-once-to-1024-64kib-memory", "PUSH1 0x01 PUSH2 0xffe0 MSTORE"),
    ] {
        let code = format!("{frame} PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 ADDRESS GAS CALL STOP");
        let mut pattern = Pattern::new("", "", &code);
        pattern.gas_limit = 100_000_000_000;
        all.push(probe("call", "CALL", variant, pattern));
    }
    let mut jumpdests = asm("PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 ADDRESS GAS CALL STOP");
    jumpdests.extend(std::iter::repeat_n(0x5b, 20_000));
    let mut attack = Pattern::with_code("", "", jumpdests);
    attack.gas_limit = 30_000_000;
    all.push(probe("call", "CALL", "recursion-20k-jumpdests", attack));
    for (variant, init, len) in [
        ("empty", String::new(), 0u32),
        ("48kib-initcode", "PUSH2 0x6000 PUSH1 0x00 PUSH1 0x00 DATA EXTCODECOPY".to_string(), 0xc000),
    ] {
        let init = init.replace("DATA", &push(DATA));
        for (op, salt) in [("CREATE", ""), ("CREATE2", "GAS")] {
            let body = format!("{salt} PUSH3 {len:#x} PUSH1 0x00 PUSH1 0x00 {op} POP");
            let pattern = Pattern::new("", "", &looping(&init, &body)).with(DATA, big_code(24_576, 0));
            all.push(probe("create", op, variant, pattern));
        }
    }
    let destroyer = asm(&format!("{} SELFDESTRUCT", push(address(0xbeef))));
    let body = call("CALL", CALLEE, 0, 0);
    all.push(probe(
        "call",
        "SELFDESTRUCT",
        "callee",
        Pattern::new("", "", &looping("", &body)).with(CALLEE, destroyer),
    ));
    for (variant, address_n, len) in [
        ("ecrecover-128", 1u16, 128u32),
        ("sha256-1kib", 2, 1 << 10),
        ("ripemd160-1kib", 3, 1 << 10),
        ("identity-1kib", 4, 1 << 10),
        ("identity-256kib", 4, 1 << 18),
        ("modexp-96", 5, 96),
        ("bn254-add", 6, 128),
        ("bn254-mul", 7, 96),
        ("blake2f-213", 9, 213),
        ("point-evaluation-192", 10, 192),
    ] {
        let body = call("STATICCALL", address(address_n), len, len.min(1 << 15));
        let pattern = Pattern::new("", "", &looping(&expand(len.max(1 << 10)), &body));
        all.push(probe("precompile", "STATICCALL", variant, pattern));
    }
    all
}

/// Sessions and bytes crossing the boundary.
fn boundary() -> Vec<Probe> {
    let mut all = Vec::new();
    let mut empty = Pattern::new("", "", "STOP");
    empty.gas_limit = 100_000;
    all.push(probe("boundary", "TRANSACTION", "stop", empty));
    for (variant, len) in [("1kib-calldata", 1usize << 10), ("64kib-calldata", 1 << 16)] {
        let mut pattern = Pattern::new("", "", "CALLDATASIZE POP STOP");
        pattern.data = vec![0xab; len];
        pattern.gas_limit = 30_000_000;
        all.push(probe("boundary", "TRANSACTION", variant, pattern));
    }
    for (variant, byte) in [("zeros", 0x00u8), ("ones", 0x01), ("jumpdests", 0x5b), ("push32s", 0x7f)] {
        let mut pattern = Pattern::new("", "", "STOP");
        pattern.create = true;
        pattern.data = vec![byte; 48 * 1024];
        pattern.gas_limit = 30_000_000;
        all.push(probe("boundary", "CREATE-TRANSACTION", &format!("48kib-{variant}"), pattern));
    }
    for (variant, len) in [("returns-1kib", 1u32 << 10), ("returns-1mib", 1 << 20)] {
        let mut pattern = Pattern::new("", "", &format!("PUSH3 {len:#x} PUSH1 0x00 RETURN"));
        pattern.gas_limit = 30_000_000;
        all.push(probe("boundary", "TRANSACTION", variant, pattern));
    }
    all
}
