//! A small EVM assembler for tests, benchmarks and attack programs.
//!
//! Mnemonics are revm's (`PUSH1`, `CALL`, `KECCAK256`, ...). `PUSHn 0x…` takes a hex literal,
//! left-padded to n bytes. `.0x…` emits raw bytes. `name:` marks a position and `@name`
//! pushes it (`PUSH2`), so loops read as `top: JUMPDEST … @top JUMP`.

use revm::bytecode::opcode::{OpCode, PUSH2};
use std::collections::HashMap;

/// Why a program does not assemble.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AsmError {
    /// A token that is neither a mnemonic, a label nor raw bytes.
    #[error("unknown mnemonic `{0}`")]
    UnknownMnemonic(String),
    /// A `PUSHn` without a literal, or with one that is not hex or wider than n bytes.
    #[error("bad literal for `{op}`: `{literal}`")]
    BadLiteral {
        /// The push.
        op: String,
        /// The literal (empty when missing).
        literal: String,
    },
    /// Raw bytes that are not hex.
    #[error("bad raw bytes `{0}`")]
    BadRaw(String),
    /// `@name` without `name:`, or a label defined twice.
    #[error("label `{0}` is undefined or defined twice")]
    Label(String),
    /// A label past the 64 KiB a `PUSH2` can address.
    #[error("label `{0}` is beyond 0xffff")]
    LabelTooFar(String),
}

/// Assembles `source`.
///
/// # Errors
/// [`AsmError`] for an unknown mnemonic, a bad literal or an unresolved label.
///
/// # Examples
/// ```
/// let code = evmpc_oracle::asm::assemble("top: JUMPDEST PUSH1 0x01 POP @top JUMP").unwrap();
/// assert_eq!(code, vec![0x5b, 0x60, 0x01, 0x50, 0x61, 0x00, 0x00, 0x56]);
/// ```
pub fn assemble(source: &str) -> Result<Vec<u8>, AsmError> {
    let mut out = Vec::new();
    let mut labels = HashMap::new();
    let mut references = Vec::new();
    let mut tokens = source.split_whitespace();
    while let Some(token) = tokens.next() {
        if let Some(raw) = token.strip_prefix('.') {
            out.extend(hex::decode(raw.trim_start_matches("0x")).map_err(|_| AsmError::BadRaw(token.into()))?);
        } else if let Some(name) = token.strip_suffix(':') {
            if labels.insert(name.to_string(), out.len()).is_some() {
                return Err(AsmError::Label(name.into()));
            }
        } else if let Some(name) = token.strip_prefix('@') {
            out.push(PUSH2);
            references.push((out.len(), name.to_string()));
            out.extend([0, 0]);
        } else {
            let opcode = (0..=255u8)
                .find(|byte| OpCode::new(*byte).is_some_and(|op| op.as_str() == token))
                .ok_or_else(|| AsmError::UnknownMnemonic(token.into()))?;
            out.push(opcode);
            let width = OpCode::new(opcode).map_or(0, |op| op.info().immediate_size() as usize);
            if width > 0 {
                let literal = tokens.next().unwrap_or_default();
                out.extend(push_literal(token, literal, width)?);
            }
        }
    }
    for (at, name) in references {
        let position = *labels.get(&name).ok_or_else(|| AsmError::Label(name.clone()))?;
        let position = u16::try_from(position).map_err(|_| AsmError::LabelTooFar(name))?;
        out[at..at + 2].copy_from_slice(&position.to_be_bytes());
    }
    Ok(out)
}

fn push_literal(op: &str, literal: &str, width: usize) -> Result<Vec<u8>, AsmError> {
    let bad = || AsmError::BadLiteral { op: op.into(), literal: literal.into() };
    let digits = literal.strip_prefix("0x").ok_or_else(bad)?;
    let digits = if digits.len() % 2 == 1 { format!("0{digits}") } else { digits.to_string() };
    let bytes = hex::decode(digits).map_err(|_| bad())?;
    if bytes.len() > width {
        return Err(bad());
    }
    let mut padded = vec![0u8; width - bytes.len()];
    padded.extend(bytes);
    Ok(padded)
}

/// Assembles `source`, for programs written into tests and benchmarks.
///
/// # Panics
/// If `source` does not assemble: such a program is a bug in its caller.
pub fn asm(source: &str) -> Vec<u8> {
    assemble(source).unwrap_or_else(|error| panic!("{error} in `{source}`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn assembles_pushes_raw_bytes_and_labels() {
        assert_eq!(asm("PUSH1 0x2a PUSH0 MSTORE STOP"), vec![0x60, 0x2a, 0x5f, 0x52, 0x00]);
        assert_eq!(asm("PUSH2 0x1 .0xfe"), vec![0x61, 0x00, 0x01, 0xfe]);
        assert_eq!(asm("@end JUMP end: JUMPDEST"), vec![0x61, 0x00, 0x04, 0x56, 0x5b]);
    }

    #[test]
    fn bad_programs_are_refused() {
        assert_eq!(assemble("NOPE"), Err(AsmError::UnknownMnemonic("NOPE".into())));
        assert!(matches!(assemble("PUSH1 0x0102"), Err(AsmError::BadLiteral { .. })));
        assert!(matches!(assemble("PUSH1"), Err(AsmError::BadLiteral { .. })));
        assert_eq!(assemble("@nowhere JUMP"), Err(AsmError::Label("nowhere".into())));
        assert_eq!(assemble("a: a:"), Err(AsmError::Label("a".into())));
    }
}
