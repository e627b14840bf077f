//! Prints the ABI hash: `cargo run -p evmpc-abi --features hash --example abi_hash`.

fn main() {
    let hash: String = evmpc_abi::abi_hash().iter().map(|b| format!("{b:02x}")).collect();
    println!("{hash}");
}
