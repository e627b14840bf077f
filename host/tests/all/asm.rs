//! A tiny EVM assembler for test programs: mnemonics as revm names them, `PUSHn 0x…`
//! (the literal is left-padded to n bytes), and raw bytes as `.0x…`.

use revm::bytecode::opcode::OpCode;

/// Assembles `source`.
pub(crate) fn asm(source: &str) -> Vec<u8> {
    let mut out = Vec::new();
    let mut tokens = source.split_whitespace();
    while let Some(token) = tokens.next() {
        if let Some(raw) = token.strip_prefix('.') {
            out.extend(hex::decode(raw.trim_start_matches("0x")).expect("raw hex"));
            continue;
        }
        let opcode = (0..=255u8)
            .find(|byte| OpCode::new(*byte).is_some_and(|op| op.as_str() == token))
            .unwrap_or_else(|| panic!("unknown mnemonic {token}"));
        out.push(opcode);
        if let Some(width) = token.strip_prefix("PUSH").and_then(|n| n.parse::<usize>().ok()).filter(|n| *n > 0) {
            let literal = tokens.next().expect("push literal");
            let digits = literal.trim_start_matches("0x");
            let digits = if digits.len() % 2 == 1 { format!("0{digits}") } else { digits.to_string() };
            let bytes = hex::decode(digits).expect("push literal hex");
            assert!(bytes.len() <= width, "literal {literal} wider than {token}");
            out.extend(std::iter::repeat_n(0u8, width - bytes.len()));
            out.extend(bytes);
        }
    }
    out
}

/// `…; return the top of the stack as one 32-byte word`.
pub(crate) fn ret_top(body: &str) -> Vec<u8> {
    asm(&format!("{body} PUSH1 0x00 MSTORE PUSH1 0x20 PUSH1 0x00 RETURN"))
}

#[test]
fn assembles() {
    assert_eq!(asm("PUSH1 0x2a PUSH0 MSTORE STOP"), vec![0x60, 0x2a, 0x5f, 0x52, 0x00]);
    assert_eq!(asm("PUSH2 0x1 .0xfe"), vec![0x61, 0x00, 0x01, 0xfe]);
}
