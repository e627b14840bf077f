//! The canonical artifact is committed under `spec/`; this crate embeds exactly those bytes
//! and refuses to run different ones.

use crate::error::NodeError;
use sha2::{Digest, Sha256};

/// The canonical precompile artifact (`spec/evmpc.wasm`).
pub const ARTIFACT: &[u8] = include_bytes!("../../spec/evmpc.wasm");

/// The artifact lock (`spec/artifact.lock`): sha256, size, toolchain and ABI hash.
pub const LOCK: &str = include_str!("../../spec/artifact.lock");

/// The value of `key = "value"` in the lock.
pub fn lock_value(key: &str) -> Option<&'static str> {
    LOCK.lines().find_map(|line| {
        let (name, value) = line.split_once('=')?;
        (name.trim() == key).then(|| value.trim().trim_matches('"'))
    })
}

/// sha256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
}

/// The artifact's sha256 as the lock states it (lower-case hex).
pub fn locked_sha256() -> &'static str {
    lock_value("sha256").unwrap_or("")
}

/// Checks `bytes` against the lock's sha256.
///
/// # Errors
/// [`NodeError::ArtifactMismatch`] when they differ.
pub fn verify(bytes: &[u8]) -> Result<(), NodeError> {
    let actual = hex(&sha256(bytes));
    let expected = locked_sha256();
    if actual != expected {
        return Err(NodeError::ArtifactMismatch { expected: expected.to_string(), actual });
    }
    Ok(())
}

/// Lower-case hex of `bytes`.
pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_artifact_matches_lock() {
        verify(ARTIFACT).unwrap();
        assert_eq!(lock_value("size").unwrap().parse::<usize>().unwrap(), ARTIFACT.len());
    }

    #[test]
    fn other_bytes_are_refused() {
        let mut bytes = ARTIFACT.to_vec();
        bytes[100] ^= 1;
        assert!(matches!(verify(&bytes), Err(NodeError::ArtifactMismatch { .. })));
    }
}
