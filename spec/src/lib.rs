//! The canonical evmpc precompile artifact, as the protocol spec pins it.
//!
//! This crate is the spec's own directory: [`WASM`] is `evmpc.wasm` and [`LOCK`] is
//! `artifact.lock`, the files `just verify-artifact` rebuilds and checks. A node that depends
//! on `evmpc-host` from a registry runs exactly these bytes; `evmpc-host` refuses to run
//! bytes whose sha256 differs from the lock's.
#![no_std]

/// The canonical precompile artifact (`evmpc.wasm`).
pub const WASM: &[u8] = include_bytes!("../evmpc.wasm");

/// The artifact lock (`artifact.lock`): sha256, size, toolchain pins and the ABI hash.
pub const LOCK: &str = include_str!("../artifact.lock");

/// The value of `key = "value"` (or `key = value`) in the lock.
pub fn lock_value(key: &str) -> Option<&'static str> {
    LOCK.lines().find_map(|line| {
        let (name, value) = line.split_once('=')?;
        (name.trim() == key).then(|| value.trim().trim_matches('"'))
    })
}

/// The artifact's sha256 as the lock states it (lower-case hex), or `""` if the lock has none.
pub fn locked_sha256() -> &'static str {
    lock_value("sha256").unwrap_or("")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_lock_names_the_artifacts_size_and_hash() {
        assert_eq!(lock_value("size").and_then(|size| size.parse::<usize>().ok()), Some(WASM.len()));
        assert_eq!(locked_sha256().len(), 64);
        assert!(locked_sha256().bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()));
    }
}
