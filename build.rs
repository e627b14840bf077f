//! Refuses to build when the committed artifact and its lock disagree: the precompile's
//! bytes are consensus-critical, and `evmpc-host` embeds exactly `spec/evmpc.wasm`.

use sha2::{Digest, Sha256};

fn lock_value<'a>(lock: &'a str, key: &str) -> Option<&'a str> {
    lock.lines().find_map(|line| {
        let (name, value) = line.split_once('=')?;
        (name.trim() == key).then(|| value.trim().trim_matches('"'))
    })
}

fn main() {
    println!("cargo:rerun-if-changed=spec/evmpc.wasm");
    println!("cargo:rerun-if-changed=spec/artifact.lock");
    let artifact =
        std::fs::read("spec/evmpc.wasm").expect("spec/evmpc.wasm is missing: the canonical artifact is committed");
    let lock = std::fs::read_to_string("spec/artifact.lock").expect("spec/artifact.lock is missing");
    let actual: String = Sha256::digest(&artifact).iter().map(|b| format!("{b:02x}")).collect();
    let locked = lock_value(&lock, "sha256").unwrap_or("<none>");
    let size = lock_value(&lock, "size").unwrap_or("<none>");
    if actual != locked || size != artifact.len().to_string() {
        panic!(
            "\n\nspec/evmpc.wasm does not match spec/artifact.lock:\n  file: sha256 {actual}, {} bytes\n  lock: sha256 {locked}, {size} bytes\n\
             Rebuild with `just artifact` (and commit both), or restore the committed artifact.\n\n",
            artifact.len()
        );
    }
}
