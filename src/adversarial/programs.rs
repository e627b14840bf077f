use super::build::{arithmetic, big_code, call, expand, looping, push, DIVISOR, MAX, NEGATIVE, ODD};
use super::{address, Pattern, CALLEE, DATA};
use evmpc_oracle::asm::asm;

/// How many distinct big contracts `call-distinct-24kib-code` calls, one each.
const DISTINCT: u16 = 400;

/// Every pattern, the table first.
pub fn patterns() -> Vec<Pattern> {
    let mut all = calls();
    all.extend(precompiles());
    all.extend(imports());
    all.extend(compute());
    all.extend(creates());
    all
}

fn calls() -> Vec<Pattern> {
    let reader = asm("PUSH1 0x00 CALLDATALOAD CALLDATASIZE ADD POP STOP");
    let returner = asm("PUSH2 0x8000 PUSH1 0x00 RETURN");
    let mut distinct = Pattern::new(
        "call-distinct-24kib-code",
        "CALL each of 400 distinct 24 KiB contracts once",
        &looping(
            "PUSH2 0x4000",
            "PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 DUP6 GAS CALL POP PUSH1 0x01 ADD",
        ),
    );
    for index in 0..DISTINCT {
        distinct = distinct.with(address(0x4000 + index), big_code(24_576, index));
    }
    distinct.gas_limit = u64::from(DISTINCT) * 2_800;
    distinct.emit = false;
    vec![
        Pattern::new(
            "call-1mib-calldata",
            "CALL passing 1 MiB of paid memory as call data",
            &looping(&expand(1 << 20), &call("CALL", CALLEE, 1 << 20, 0)),
        )
        .with(CALLEE, reader.clone()),
        Pattern::new(
            "delegatecall-512kib-calldata",
            "DELEGATECALL passing 512 KiB",
            &looping(&expand(1 << 19), &call("DELEGATECALL", CALLEE, 1 << 19, 0)),
        )
        .with(CALLEE, reader.clone()),
        Pattern::new(
            "call-24kib-code",
            "CALL a 24 KiB contract, no call data",
            &looping("", &call("CALL", CALLEE, 0, 0)),
        )
        .with(CALLEE, big_code(24_576, 0)),
        Pattern::new(
            "call-64kib-calldata",
            "CALL passing 64 KiB",
            &looping(&expand(1 << 16), &call("CALL", CALLEE, 1 << 16, 0)),
        )
        .with(CALLEE, reader.clone()),
        Pattern::new(
            "identity-256kib",
            "CALL the identity precompile with 256 KiB",
            &looping(&expand(1 << 18), &call("CALL", address(4), 1 << 18, 0)),
        ),
        Pattern::new(
            "staticcall-empty",
            "STATICCALL an account without code",
            &looping("", &call("STATICCALL", CALLEE, 0, 0)),
        )
        .with(CALLEE, Vec::new()),
        Pattern::new("call-empty", "CALL an account without code", &looping("", &call("CALL", CALLEE, 0, 0)))
            .with(CALLEE, Vec::new()),
        Pattern::new("return-32kib", "CALL a callee that returns 32 KiB", &looping("", &call("CALL", CALLEE, 0, 0)))
            .with(CALLEE, returner.clone()),
        Pattern::new("keccak-word", "KECCAK256 of one word", &looping("", "PUSH1 0x20 PUSH1 0x00 KECCAK256 POP")),
        Pattern::new("call-stop", "CALL a one-byte contract (STOP)", &looping("", &call("CALL", CALLEE, 0, 0)))
            .with(CALLEE, asm("STOP")),
        Pattern::new(
            "call-value-empty",
            "CALL sending 1 wei to an account without code",
            &looping(
                "",
                &format!("PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x01 {} GAS CALL POP", push(CALLEE)),
            ),
        )
        .with(CALLEE, Vec::new()),
        Pattern::new(
            "return-into-memory-32kib",
            "CALL a callee returning 32 KiB into the caller's memory",
            &looping(&expand(1 << 15), &call("CALL", CALLEE, 0, 1 << 15)),
        )
        .with(CALLEE, returner.clone()),
        Pattern::new(
            "returndatacopy-32kib",
            "CALL a callee returning 32 KiB, then RETURNDATACOPY it",
            &looping(
                &expand(1 << 15),
                &format!("{} RETURNDATASIZE PUSH1 0x00 PUSH1 0x00 RETURNDATACOPY", call("CALL", CALLEE, 0, 0)),
            ),
        )
        .with(CALLEE, returner),
        Pattern::new(
            "revert-32kib",
            "CALL a callee that reverts with 32 KiB",
            &looping("", &call("CALL", CALLEE, 0, 0)),
        )
        .with(CALLEE, asm("PUSH2 0x8000 PUSH1 0x00 REVERT")),
        Pattern::new(
            "callcode-64kib-calldata",
            "CALLCODE passing 64 KiB",
            &looping(&expand(1 << 16), &call("CALLCODE", CALLEE, 1 << 16, 0)),
        )
        .with(CALLEE, reader),
        Pattern::new(
            "recursion-64kib-memory",
            "recursive CALL of itself, each frame first expanding its memory to 64 KiB",
            "PUSH1 0x01 PUSH2 0xffe0 MSTORE PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 ADDRESS GAS CALL",
        ),
        Pattern::new(
            "call-64kib-memory",
            "CALL a callee that expands its memory to 64 KiB",
            &looping("", &call("CALL", CALLEE, 0, 0)),
        )
        .with(CALLEE, asm("PUSH1 0x01 PUSH2 0xffe0 MSTORE STOP")),
        {
            // With gas enough to reach depth 1,024 (63/64 of it goes down each level), one
            // transaction keeps 1,024 frames alive at once, each new to the session.
            let mut dive = Pattern::new(
                "dive-to-1024",
                "CALL itself with all gas, once, down to the depth limit",
                "PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 ADDRESS GAS CALL STOP",
            );
            dive.gas_limit = 100_000_000_000;
            dive
        },
        Pattern::new(
            "recursion-1kib-calldata",
            "recursive CALL of itself with 1 KiB of call data, as deep as gas allows",
            &looping(&expand(1 << 10), "PUSH1 0x00 PUSH1 0x00 PUSH2 0x0400 PUSH1 0x00 PUSH1 0x00 ADDRESS GAS CALL POP"),
        ),
        distinct,
    ]
}

fn precompiles() -> Vec<Pattern> {
    // modexp's header: base, exponent and modulus of one byte each; the rest is ignored.
    let modexp_header = "PUSH1 0x01 PUSH1 0x00 MSTORE PUSH1 0x01 PUSH1 0x20 MSTORE PUSH1 0x01 PUSH1 0x40 MSTORE";
    vec![
        Pattern::new(
            "modexp-1mib-input",
            "CALL modexp (200 gas) with 1 MiB of input it ignores",
            &looping(&format!("{} {modexp_header}", expand(1 << 20)), &call("CALL", address(5), 1 << 20, 0)),
        ),
        Pattern::new(
            "ecrecover-1mib-input",
            "CALL ecrecover with 1 MiB of input",
            &looping(&expand(1 << 20), &call("CALL", address(1), 1 << 20, 0)),
        ),
        Pattern::new(
            "ecadd-1mib-input",
            "CALL bn254 add (150 gas) with 1 MiB of input",
            &looping(&expand(1 << 20), &call("CALL", address(6), 1 << 20, 0)),
        ),
        Pattern::new(
            "sha256-1kib",
            "CALL sha256 with 1 KiB",
            &looping(&expand(1 << 10), &call("CALL", address(2), 1 << 10, 0x20)),
        ),
    ]
}

fn imports() -> Vec<Pattern> {
    let callee = push(CALLEE);
    vec![
        Pattern::new("sload-warm", "SLOAD of a warm slot", &looping("", "PUSH1 0x00 SLOAD POP")),
        Pattern::new("sload-cold", "SLOAD of a new cold slot each time", &looping("", "GAS SLOAD POP")),
        Pattern::new("sstore-warm-noop", "SSTORE of a slot's own value", &looping("", "PUSH1 0x00 PUSH1 0x00 SSTORE")),
        Pattern::new("sstore-new-slots", "SSTORE to a new slot each time", &looping("", "GAS GAS SSTORE")),
        Pattern::new("tload", "TLOAD", &looping("", "PUSH1 0x00 TLOAD POP")),
        Pattern::new("tstore", "TSTORE", &looping("", "PUSH1 0x01 PUSH1 0x00 TSTORE")),
        Pattern::new("tstore-new-slots", "TSTORE to a new slot each time", &looping("", "GAS GAS TSTORE")),
        Pattern::new("balance-warm", "BALANCE of itself", &looping("", "ADDRESS BALANCE POP")),
        Pattern::new("selfbalance", "SELFBALANCE (5 gas)", &looping("", "SELFBALANCE POP")),
        Pattern::new("balance-cold", "BALANCE of a new cold account each time", &looping("", "GAS BALANCE POP")),
        Pattern::new(
            "extcodesize-warm",
            "EXTCODESIZE of a 24 KiB contract",
            &looping("", &format!("{callee} EXTCODESIZE POP")),
        )
        .with(CALLEE, big_code(24_576, 0)),
        Pattern::new(
            "extcodehash-warm",
            "EXTCODEHASH of a 24 KiB contract",
            &looping("", &format!("{callee} EXTCODEHASH POP")),
        )
        .with(CALLEE, big_code(24_576, 0)),
        Pattern::new(
            "extcodecopy-24kib",
            "EXTCODECOPY of a whole 24 KiB contract",
            &looping("", &format!("PUSH2 0x6000 PUSH1 0x00 PUSH1 0x00 {callee} EXTCODECOPY")),
        )
        .with(CALLEE, big_code(24_576, 0)),
        Pattern::new("blockhash", "BLOCKHASH of the previous block (20 gas)", &looping("", "PUSH1 0xff BLOCKHASH POP")),
        Pattern::new("log0-empty", "LOG0 without data", &looping("", "PUSH1 0x00 PUSH1 0x00 LOG0")),
        Pattern::new(
            "log4-empty",
            "LOG4 without data",
            &looping("", "PUSH1 0x01 PUSH1 0x02 PUSH1 0x03 PUSH1 0x04 PUSH1 0x00 PUSH1 0x00 LOG4"),
        ),
        Pattern::new("log0-1kib", "LOG0 with 1 KiB of data", &looping("", "PUSH2 0x0400 PUSH1 0x00 LOG0")),
    ]
}

fn compute() -> Vec<Pattern> {
    vec![
        Pattern::new(
            "keccak-32kib",
            "KECCAK256 of 32 KiB",
            &looping(&expand(1 << 15), "PUSH2 0x8000 PUSH1 0x00 KECCAK256 POP"),
        ),
        Pattern::new("div", "DIV of 256 by 129 bits", &arithmetic(&[DIVISOR, MAX], "DIV")),
        Pattern::new("sdiv", "SDIV of a negative by 129 bits", &arithmetic(&[DIVISOR, NEGATIVE], "SDIV")),
        Pattern::new("mod", "MOD of 256 by 129 bits", &arithmetic(&[DIVISOR, MAX], "MOD")),
        Pattern::new("smod", "SMOD of a negative by 129 bits", &arithmetic(&[DIVISOR, NEGATIVE], "SMOD")),
        Pattern::new("addmod", "ADDMOD of 256-bit operands", &arithmetic(&[ODD, MAX, MAX], "ADDMOD")),
        Pattern::new("mulmod", "MULMOD of 256-bit operands", &arithmetic(&[ODD, MAX, MAX], "MULMOD")),
        Pattern::new("exp", "EXP with a 32-byte exponent", &arithmetic(&[MAX, ODD], "EXP")),
        Pattern::new(
            "memory-growth",
            "MSTORE one word past the end of memory",
            &looping("", "PUSH1 0x01 MSIZE MSTORE"),
        ),
        Pattern::new(
            "mcopy-32kib",
            "MCOPY of 32 KiB",
            &looping(&expand(1 << 16), "PUSH2 0x8000 PUSH1 0x00 PUSH2 0x8000 MCOPY"),
        ),
    ]
}

fn creates() -> Vec<Pattern> {
    // 48 KiB of init code starting with STOP, copied from DATA twice.
    let data = push(DATA);
    let init_code = format!(
        "PUSH2 0x6000 PUSH1 0x00 PUSH1 0x00 {data} EXTCODECOPY PUSH2 0x6000 PUSH1 0x00 PUSH2 0x6000 {data} EXTCODECOPY"
    );
    let deployer = "PUSH2 0x6000 PUSH1 0x00 RETURN";
    let deployer_bytes = asm(deployer);
    let mut store_deployer = String::new();
    for (index, byte) in deployer_bytes.iter().enumerate() {
        store_deployer.push_str(&format!("PUSH1 {byte:#04x} PUSH1 {index:#04x} MSTORE8 "));
    }
    vec![
        Pattern::new(
            "create-48kib-initcode",
            "CREATE with 48 KiB of init code",
            &looping(&init_code, "PUSH2 0xc000 PUSH1 0x00 PUSH1 0x00 CREATE POP"),
        )
        .with(DATA, big_code(24_576, 0)),
        Pattern::new(
            "create2-48kib-initcode",
            "CREATE2 with 48 KiB of init code",
            &looping(&init_code, "GAS PUSH2 0xc000 PUSH1 0x00 PUSH1 0x00 CREATE2 POP"),
        )
        .with(DATA, big_code(24_576, 0)),
        Pattern::new(
            "create-deploy-24kib",
            "CREATE that deploys 24 KiB of code",
            &looping(&store_deployer, &format!("PUSH1 {:#04x} PUSH1 0x00 PUSH1 0x00 CREATE POP", deployer_bytes.len())),
        ),
        Pattern::new(
            "create-empty",
            "CREATE with empty init code",
            &looping("", "PUSH1 0x00 PUSH1 0x00 PUSH1 0x00 CREATE POP"),
        ),
    ]
}
