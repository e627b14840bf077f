//! Ethereum precompile probes: each precompile called in a loop until 10M gas run out, with
//! inputs that stress each of its paths (sizes, rounds, even and odd moduli, exponent- and
//! base-heavy modexp, multi-scalar multiplications and pairings up to the largest `k` the
//! gas allows), under every fork pricing it has. Curve points are distinct multiples of the
//! generators, computed by the precompiles themselves.

use super::Probe;
use crate::adversarial::Pattern;
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use revm::precompile::{PrecompileSpecId, Precompiles};
use revm::primitives::hardfork::SpecId;
use revm::primitives::{Address, U256};

/// Gas of a precompile probe's transaction.
pub const GAS: u64 = 10_000_000;

const BN254_G1: &str = "0000000000000000000000000000000000000000000000000000000000000001\
                        0000000000000000000000000000000000000000000000000000000000000002";
const BN254_G2: &str = "198e9393920d483a7260bfb731fb5d25f1aa493335a9e71297e485b7aef312c2\
                        1800deef121f1e76426a00665e5c4479674322d4f75edadd46debd5cd992f6ed\
                        090689d0585ff075ec9e99ad690c3395bc4b313370b38ef355acdadcd122975b\
                        12c85ea5db8c6deb4aab71808dcb408fe3d1e7690c43d37b4ce6cc0166fa7daa";
const BLS_G1: &str = "0000000000000000000000000000000017f1d3a73197d7942695638c4fa9ac0fc3688c4f9774b905a14e3a3f171bac586c55e83ff97a1aeffb3af00adb22c6bb\
                      0000000000000000000000000000000008b3f481e3aaa0f1a09e30ed741d8ae4fcf5e095d5d00af600db18cb2c04b3edd03cc744a2888ae40caa232946c5e7e1";
const BLS_G2: &str = "00000000000000000000000000000000024aa2b2f08f0a91260805272dc51051c6e47ad4fa403b02b4510b647ae3d1770bac0326a805bbefd48056c8c121bdb8\
                      0000000000000000000000000000000013e02b6052719f607dacd3a088274f65596bd0d09920b61ab5da61bbdc7f5049334cf11213945d57e5ac7d055d042b7e\
                      000000000000000000000000000000000ce5d527727d6e118cc9cdc6da2e351aadfd9baa8cbdd3a76d429a695160d12c923ac9cc3baca289e193548608b82801\
                      000000000000000000000000000000000606c4a02ea734cc32acd2b02bc28b99cb3e287e85a763af267492ab572e99ab3f370d275cec1da1aaa9075ff05f79be";
/// P-256's generator: a valid public key for P256VERIFY.
const P256_G: &str = "6b17d1f2e12c4247f8bce6e563a440f277037d812deb33a0f4a13945d898c296\
                      4fe342e2fe1a7f9b8ee7eb4a7c0f9e162bce33576b315ececbb6406837bf51f5";
/// secp256k1's generator's x: a valid `r` for ecrecover.
const SECP256K1_GX: &str = "79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798";

fn bytes(text: &str) -> Vec<u8> {
    hex::decode(text.split_whitespace().collect::<String>()).expect("constant hex")
}

/// Runs precompile `number` of `spec` natively on `input`: its output, if it succeeds.
fn run(spec: SpecId, number: u16, input: &[u8]) -> Option<Vec<u8>> {
    let precompiles = Precompiles::new(PrecompileSpecId::from_spec_id(spec));
    let precompile = precompiles.get(&Address::from(crate::adversarial::address(number)))?;
    let output = precompile.execute(input, u64::MAX / 2, 0).ok()?;
    output.status.is_success().then(|| output.bytes.to_vec())
}

/// The gas precompile `number` of `spec` charges for `input`.
fn gas_of(spec: SpecId, number: u16, input: &[u8]) -> u64 {
    let precompiles = Precompiles::new(PrecompileSpecId::from_spec_id(spec));
    precompiles
        .get(&Address::from(crate::adversarial::address(number)))
        .and_then(|precompile| precompile.execute(input, u64::MAX / 2, 0).ok())
        .map_or(u64::MAX, |output| output.gas_used)
}

fn scalar(rng: &mut SmallRng) -> [u8; 32] {
    let mut word = [0u8; 32];
    rng.fill(&mut word);
    word
}

/// `count` distinct points `i × generator` (i = 2, 3, ...), by a multiplication precompile
/// (`number`) whose input is the point followed by a 32-byte scalar.
fn multiples(spec: SpecId, number: u16, generator: &[u8], count: usize) -> Vec<Vec<u8>> {
    (2..count as u64 + 2)
        .map(|factor| {
            let mut input = generator.to_vec();
            input.extend(U256::from(factor).to_be_bytes::<32>());
            run(spec, number, &input).expect("the generator is a valid point")
        })
        .collect()
}

/// One input of one precompile.
struct Input {
    number: u16,
    name: String,
    data: Vec<u8>,
}

fn input(number: u16, name: impl Into<String>, data: Vec<u8>) -> Input {
    Input { number, name: name.into(), data }
}

fn hashes() -> Vec<Input> {
    let mut all = Vec::new();
    for len in [0usize, 32, 4096, 32768] {
        for (number, name) in [(2u16, "sha256"), (3, "ripemd160"), (4, "identity")] {
            all.push(input(number, format!("{name}-{len}-bytes"), vec![0xa5; len]));
        }
    }
    all
}

fn ecrecover(rng: &mut SmallRng) -> Vec<Input> {
    let mut data = scalar(rng).to_vec();
    data.extend(U256::from(27).to_be_bytes::<32>());
    data.extend(bytes(SECP256K1_GX));
    data.extend(scalar(rng));
    vec![input(1, "ecrecover", data)]
}

/// Modexp inputs: base and modulus lengths, exponent lengths, moduli odd, even and a power of
/// two times an odd number; every exponent bit set (a multiplication per bit).
fn modexp(rng: &mut SmallRng, spec: SpecId) -> Vec<Input> {
    let mut all = Vec::new();
    let shapes = [
        (1usize, 1usize),
        (32, 1),
        (32, 32),
        (32, 256),
        (32, 1024),
        (8, 1024),
        (64, 64),
        (256, 32),
        (256, 256),
        (1024, 32),
    ];
    for (len, exponent_len) in shapes {
        for parity in ["odd", "even", "two-power"] {
            let mut base = vec![0u8; len];
            rng.fill(&mut base[..]);
            let mut modulus = vec![0u8; len];
            rng.fill(&mut modulus[..]);
            modulus[0] |= 0x80;
            match parity {
                "odd" => modulus[len - 1] |= 1,
                "even" => modulus[len - 1] &= 0xfe,
                _ => {
                    let half = len / 2;
                    modulus[half..].fill(0);
                    modulus[half.saturating_sub(1).min(len - 1)] |= 1;
                }
            }
            let mut data = Vec::new();
            for field in [len, exponent_len, len] {
                data.extend(U256::from(field).to_be_bytes::<32>());
            }
            data.extend(&base);
            data.extend(vec![0xff; exponent_len]);
            data.extend(&modulus);
            if gas_of(spec, 5, &data) <= GAS / 4 {
                all.push(input(5, format!("modexp-{len}-exp-{exponent_len}-{parity}"), data));
            }
        }
    }
    all
}

fn bn254(rng: &mut SmallRng, spec: SpecId) -> Vec<Input> {
    let g1 = bytes(BN254_G1);
    let g2 = bytes(BN254_G2);
    let points = multiples(spec, 7, &g1, 2);
    let mut add = points[0].clone();
    add.extend(&points[1]);
    let mut mul = points[0].clone();
    mul.extend(scalar(rng));
    let mut all = vec![input(6, "bn254-add", add), input(7, "bn254-mul", mul)];
    for pairs in [1usize, 2, 4, 8, 16] {
        let mut data = Vec::new();
        for point in multiples(spec, 7, &g1, pairs) {
            data.extend(point);
            data.extend(&g2);
        }
        if gas_of(spec, 8, &data) <= GAS / 2 {
            all.push(input(8, format!("bn254-pairing-{pairs}-pairs"), data));
        }
    }
    all
}

fn blake2f() -> Vec<Input> {
    [0u32, 1, 12, 1024, 1_000_000]
        .into_iter()
        .map(|rounds| {
            let mut data = rounds.to_be_bytes().to_vec();
            data.extend([0x5a; 64 + 128 + 16]);
            data.push(1);
            input(9, format!("blake2f-{rounds}-rounds"), data)
        })
        .collect()
}

fn point_evaluation() -> Vec<Input> {
    let mut commitment = [0u8; 48];
    commitment[0] = 0xc0;
    let mut hash = run(SpecId::CANCUN, 2, &commitment).expect("sha256 runs");
    hash[0] = 1;
    let mut data = hash;
    data.extend(bytes("73eda753299d7d483339d80809a1d80553bda402fffe5bfeffffffff00000000"));
    data.extend([0u8; 32]);
    data.extend(commitment);
    data.extend(commitment);
    vec![input(10, "point-evaluation", data)]
}

fn bls12(rng: &mut SmallRng) -> Vec<Input> {
    let spec = SpecId::PRAGUE;
    let (g1, g2) = (bytes(BLS_G1), bytes(BLS_G2));
    let mut all = Vec::new();
    let g1s = multiples(spec, 0x0c, &g1, 128);
    let g2s = multiples(spec, 0x0e, &g2, 128);
    all.push(input(0x0b, "bls12-g1-add", [g1s[0].clone(), g1s[1].clone()].concat()));
    all.push(input(0x0d, "bls12-g2-add", [g2s[0].clone(), g2s[1].clone()].concat()));
    for k in [1usize, 2, 4, 8, 16, 32, 64, 128] {
        let mut g1_msm = Vec::new();
        let mut g2_msm = Vec::new();
        for index in 0..k {
            g1_msm.extend(&g1s[index]);
            g1_msm.extend(scalar(rng));
            g2_msm.extend(&g2s[index]);
            g2_msm.extend(scalar(rng));
        }
        all.push(input(0x0c, format!("bls12-g1-msm-{k}"), g1_msm));
        all.push(input(0x0e, format!("bls12-g2-msm-{k}"), g2_msm));
    }
    for pairs in [1usize, 2, 4, 8, 16] {
        let data: Vec<u8> = (0..pairs).flat_map(|index| [g1s[index].clone(), g2s[index].clone()].concat()).collect();
        all.push(input(0x0f, format!("bls12-pairing-{pairs}-pairs"), data));
    }
    // A field element below the modulus, and an Fp2 element of two.
    let mut fp = vec![0u8; 16];
    fp.extend(&bytes(BLS_G1)[16..64]);
    all.push(input(0x10, "bls12-map-fp-to-g1", fp.clone()));
    all.push(input(0x11, "bls12-map-fp2-to-g2", [fp.clone(), fp].concat()));
    all
}

fn p256verify(rng: &mut SmallRng) -> Vec<Input> {
    let mut data = scalar(rng).to_vec();
    let mut r = scalar(rng);
    let mut s = scalar(rng);
    r[0] &= 0x7f;
    s[0] &= 0x7f;
    data.extend(r);
    data.extend(s);
    data.extend(bytes(P256_G));
    vec![input(0x100, "p256verify", data)]
}

/// The loop: the input copied from the end of the code into memory once, then the precompile
/// called with it until the gas runs out.
fn program(input: &Input) -> Vec<u8> {
    let len = input.data.len();
    let out = 4096.min(len.max(64));
    let head = |offset: usize| {
        evmpc_oracle::asm::asm(&format!(
            "PUSH3 {len:#08x} PUSH3 {offset:#08x} PUSH1 0x00 CODECOPY \
             top: JUMPDEST PUSH3 {out:#08x} PUSH3 {len:#08x} PUSH3 {len:#08x} PUSH1 0x00 PUSH2 {:#06x} GAS STATICCALL POP @top JUMP",
            input.number
        ))
    };
    let offset = head(0).len();
    let mut code = head(offset);
    code.extend(&input.data);
    code
}

/// The inputs of every precompile of `fork` (a state-test fork name).
fn inputs(fork: &str, spec: SpecId, rng: &mut SmallRng) -> Vec<Input> {
    let mut all = ecrecover(rng);
    all.extend(hashes());
    if spec.is_enabled_in(SpecId::BYZANTIUM) {
        all.extend(modexp(rng, spec));
        all.extend(bn254(rng, spec));
    }
    if spec.is_enabled_in(SpecId::ISTANBUL) {
        all.extend(blake2f());
    }
    if spec.is_enabled_in(SpecId::CANCUN) {
        all.extend(point_evaluation());
    }
    if spec.is_enabled_in(SpecId::PRAGUE) {
        all.extend(bls12(rng));
    }
    if spec.is_enabled_in(SpecId::OSAKA) {
        all.extend(p256verify(rng));
    }
    let _ = fork;
    all
}

/// The forks probed, and the precompiles probed in each (all when `None`).
type Forks = [(&'static str, SpecId, Option<&'static [u16]>); 5];
const FORKS: Forks = [
    ("Byzantium", SpecId::BYZANTIUM, Some(&[6, 7, 8])),
    ("Istanbul", SpecId::ISTANBUL, Some(&[5])),
    ("Cancun", SpecId::CANCUN, None),
    ("Prague", SpecId::PRAGUE, None),
    ("Osaka", SpecId::OSAKA, None),
];

/// Whether `input` is probed under `fork`: Prague prices modexp as Cancun does, so it takes
/// only the exponent-heavy even moduli of the grid.
fn probed(fork: &str, only: Option<&[u16]>, input: &Input) -> bool {
    if only.is_some_and(|numbers| !numbers.contains(&input.number)) {
        return false;
    }
    fork != "Prague" || input.number != 5 || (input.name.ends_with("-even") && input.name.contains("-exp-1024"))
}

/// Every precompile probe: every pricing the fit needs (Byzantium's and Istanbul's too), and
/// every precompile of Cancun, Prague and Osaka.
pub fn probes() -> Vec<Probe> {
    let mut all = Vec::new();
    for (fork, spec, only) in FORKS {
        let mut rng = SmallRng::seed_from_u64(0x9e3779b9);
        for input in inputs(fork, spec, &mut rng) {
            if !probed(fork, only, &input) {
                continue;
            }
            let mut pattern = Pattern::with_code("", "", program(&input));
            pattern.name = format!("precompile-{}-{}", fork.to_lowercase(), input.name);
            pattern.what = format!("{} in a loop under {fork}", input.name);
            pattern.gas_limit = GAS;
            pattern.fork = fork;
            let op = input.name.split('-').take(2).collect::<Vec<_>>().join("-");
            all.push(Probe {
                class: "precompile",
                op,
                variant: format!("{}-{}", fork.to_lowercase(), input.name),
                pattern,
            });
        }
    }
    all
}

#[cfg(test)]
mod tests {
    use super::*;
    use evmpc_host::fees::PricedPrecompile;

    /// The constant points are on their curves: the precompiles accept them.
    #[test]
    fn every_input_is_valid_and_every_pricing_is_probed() {
        assert!(run(SpecId::CANCUN, 8, &[bytes(BN254_G1), bytes(BN254_G2)].concat()).is_some(), "bn254 G2");
        assert!(run(SpecId::PRAGUE, 0x0f, &[bytes(BLS_G1), bytes(BLS_G2)].concat()).is_some(), "bls12 G2");
        let mut rng = SmallRng::seed_from_u64(1);
        assert!(run(SpecId::OSAKA, 0x100, &p256verify(&mut rng)[0].data).is_some(), "P256VERIFY runs");
        assert!(run(SpecId::CANCUN, 10, &point_evaluation()[0].data).is_some(), "point evaluation verifies");
        let forks: std::collections::BTreeSet<&str> = probes().iter().map(|probe| probe.pattern.fork).collect();
        assert_eq!(forks.len(), 5);
        let mut priced = std::collections::BTreeSet::new();
        for (fork, spec, only) in FORKS {
            for input in inputs(fork, spec, &mut rng) {
                if probed(fork, only, &input) {
                    priced.insert(PricedPrecompile::of(&crate::adversarial::address(input.number), spec, &input.data));
                }
            }
        }
        for precompile in PricedPrecompile::ALL {
            assert!(priced.contains(&Some(precompile)), "{} is probed", precompile.name());
        }
    }
}
