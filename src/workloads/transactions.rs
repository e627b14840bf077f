//! Honest workloads: what real transactions do, whose charge the fee fit keeps low.

use super::{snailtracer, SNAILTRACER_CALLDATA};
use crate::adversarial::{address, sender, Pattern, CONTRACT};
use revm::primitives::{keccak256, U256};

fn hex_code(text: &str) -> Vec<u8> {
    hex::decode(text.trim()).expect("embedded bytecode is valid hex")
}

fn word(bytes20: [u8; 20]) -> [u8; 32] {
    let mut word = [0u8; 32];
    word[12..].copy_from_slice(&bytes20);
    word
}

fn parse(text: &str) -> [u8; 20] {
    let mut bytes = [0u8; 20];
    hex::decode_to_slice(text.trim_start_matches("0x"), &mut bytes).expect("a valid address");
    bytes
}

/// snailtracer's `Benchmark()`: compute, memory and internal calls (166 million gas).
pub fn snailtracer_tx() -> Pattern {
    let mut pattern = Pattern::with_code("snailtracer", "snailtracer Benchmark()", snailtracer());
    pattern.data = SNAILTRACER_CALLDATA.to_vec();
    pattern.gas_limit = 1_000_000_000;
    pattern
}

/// burntpix `run(0, iterations)`: creates contracts, writes storage, emits logs.
pub fn burntpix_tx(iterations: u64) -> Pattern {
    let one = parse("0x0a743ba7304efcc9e384ece9be7631e2470e401e");
    let three = parse("0xc917e98213a05d271adc5d93d2fee6c1f1006f75");
    let four = parse("0xf529c70db0800449ebd81fbc6e4221523a989f05");
    let mut pattern = Pattern::with_code(
        "burntpix",
        format!("burntpix run(0, {iterations})"),
        hex_code(include_str!("data/burntpix/bytecode_two.hex")),
    )
    .with(one, hex_code(include_str!("data/burntpix/bytecode_one.hex")))
    .with(three, hex_code(include_str!("data/burntpix/bytecode_three.hex")))
    .with(four, hex_code(include_str!("data/burntpix/bytecode_four.hex")))
    .with_slot(CONTRACT, [0; 32], word(four))
    .with_slot(CONTRACT, U256::from(1).to_be_bytes::<32>(), word(one))
    .with_slot(CONTRACT, U256::from(2).to_be_bytes::<32>(), word(three));
    let mut data = vec![0xa4, 0xde, 0x9a, 0xb4];
    data.extend([0u8; 32]);
    data.extend(U256::from(iterations).to_be_bytes::<32>());
    pattern.data = data;
    pattern.gas_limit = 1_000_000_000;
    pattern
}

/// An ERC-20 `transfer(to, 1)` from a holder to a new account: two storage writes, a log.
pub fn erc20_transfer_tx() -> Pattern {
    let holder = sender();
    let mut key = [0u8; 64];
    key[..32].copy_from_slice(&word(holder));
    let slot = keccak256(key).0;
    let mut pattern =
        Pattern::with_code("erc20-transfer", "ERC-20 transfer(to, 1)", hex_code(include_str!("data/erc20/token.hex")))
            .with_slot(CONTRACT, slot, U256::from(1_000_000).to_be_bytes::<32>());
    let mut data = vec![0xa9, 0x05, 0x9c, 0xbb];
    data.extend(word(address(0x7777)));
    data.extend(U256::from(1).to_be_bytes::<32>());
    pattern.data = data;
    pattern.gas_limit = 100_000;
    pattern
}

/// The honest workloads: snailtracer, burntpix, an ERC-20 transfer and a CALL-heavy loop.
pub fn honest() -> Vec<Pattern> {
    vec![
        snailtracer_tx(),
        burntpix_tx(2_000),
        erc20_transfer_tx(),
        crate::contracts::call_heavy(crate::contracts::CALLS),
    ]
}
