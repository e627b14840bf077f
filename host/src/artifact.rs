//! The canonical artifact is committed under `spec/`, which is the `evmpc-artifact` crate;
//! this crate embeds exactly those bytes and refuses to run different ones.

use crate::error::NodeError;
use sha2::{Digest, Sha256};

/// The canonical precompile artifact (`spec/evmpc.wasm`, shipped in `evmpc-artifact`).
pub const ARTIFACT: &[u8] = evmpc_artifact::WASM;

/// The artifact lock (`spec/artifact.lock`): sha256, size, toolchain and ABI hash.
pub const LOCK: &str = evmpc_artifact::LOCK;

pub use evmpc_artifact::{lock_value, locked_sha256};

/// sha256 of `bytes`.
pub fn sha256(bytes: &[u8]) -> [u8; 32] {
    Sha256::digest(bytes).into()
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
