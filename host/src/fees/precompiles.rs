//! The Ethereum precompiles as the fee prices them: each by its own gas, under the pricing
//! of the fork it runs in.

use revm::primitives::hardfork::SpecId;

/// An Ethereum precompile under one fork's pricing of its gas.
///
/// The node runs these natively between a guest frame's suspension and its resume (or as a
/// transaction's first frame); each call is timed into the session's meter and charged
/// `per_precompile_call` plus `per_precompile_gas` times the gas it consumed (all the gas it
/// was given when it halts). Its gas is a function of its inputs (words hashed, pairs, BLAKE2
/// rounds, the MSM's `k` with EIP-2537's discount, modexp's lengths and exponent), so the
/// price follows its inputs; where a fork re-priced a precompile (EIP-1108, EIP-2565,
/// EIP-7883) time per gas changed with it, and each pricing has its own row. Modexp's gas
/// does not see the modulus' parity, which its cost does (an even modulus is split in two),
/// so each pricing of modexp has a row for odd and one for even moduli.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[repr(u8)]
pub enum PricedPrecompile {
    /// `0x01` ecrecover.
    Ecrecover,
    /// `0x02` sha256, by words.
    Sha256,
    /// `0x03` ripemd160, by words.
    Ripemd160,
    /// `0x04` identity, by words.
    Identity,
    /// `0x05` modexp under EIP-198 (Byzantium to Muir Glacier), odd modulus.
    ModexpEip198,
    /// `0x05` modexp under EIP-2565 (Berlin to Prague), odd modulus.
    ModexpEip2565,
    /// `0x05` modexp under EIP-7883 (Osaka), odd modulus.
    ModexpEip7883,
    /// modexp under EIP-198 with an even modulus: a power of two and an odd part computed
    /// apart, which no pricing of modexp's gas sees.
    ModexpEip198Even,
    /// modexp under EIP-2565 with an even modulus.
    ModexpEip2565Even,
    /// modexp under EIP-7883 with an even modulus.
    ModexpEip7883Even,
    /// `0x06` bn254 addition before EIP-1108 (500 gas).
    Bn254AddByzantium,
    /// `0x06` bn254 addition from Istanbul (150 gas).
    Bn254AddIstanbul,
    /// `0x07` bn254 scalar multiplication before EIP-1108 (40,000 gas).
    Bn254MulByzantium,
    /// `0x07` bn254 scalar multiplication from Istanbul (6,000 gas).
    Bn254MulIstanbul,
    /// `0x08` bn254 pairing before EIP-1108 (100,000 + 80,000 per pair).
    Bn254PairingByzantium,
    /// `0x08` bn254 pairing from Istanbul (45,000 + 34,000 per pair).
    Bn254PairingIstanbul,
    /// `0x09` BLAKE2 compression, by rounds.
    Blake2f,
    /// `0x0a` KZG point evaluation.
    PointEvaluation,
    /// `0x0b` BLS12-381 G1 addition.
    Bls12G1Add,
    /// `0x0c` BLS12-381 G1 multi-scalar multiplication, by `k` with the discount.
    Bls12G1Msm,
    /// `0x0d` BLS12-381 G2 addition.
    Bls12G2Add,
    /// `0x0e` BLS12-381 G2 multi-scalar multiplication.
    Bls12G2Msm,
    /// `0x0f` BLS12-381 pairing, by pairs.
    Bls12Pairing,
    /// `0x10` BLS12-381 map of a field element to G1.
    Bls12MapFpToG1,
    /// `0x11` BLS12-381 map of an Fp2 element to G2.
    Bls12MapFp2ToG2,
    /// `0x100` P256VERIFY (EIP-7951, Osaka).
    P256Verify,
}

impl PricedPrecompile {
    /// How many there are.
    pub const COUNT: usize = 26;

    /// Every priced precompile, in order.
    pub const ALL: [PricedPrecompile; Self::COUNT] = [
        Self::Ecrecover,
        Self::Sha256,
        Self::Ripemd160,
        Self::Identity,
        Self::ModexpEip198,
        Self::ModexpEip2565,
        Self::ModexpEip7883,
        Self::ModexpEip198Even,
        Self::ModexpEip2565Even,
        Self::ModexpEip7883Even,
        Self::Bn254AddByzantium,
        Self::Bn254AddIstanbul,
        Self::Bn254MulByzantium,
        Self::Bn254MulIstanbul,
        Self::Bn254PairingByzantium,
        Self::Bn254PairingIstanbul,
        Self::Blake2f,
        Self::PointEvaluation,
        Self::Bls12G1Add,
        Self::Bls12G1Msm,
        Self::Bls12G2Add,
        Self::Bls12G2Msm,
        Self::Bls12Pairing,
        Self::Bls12MapFpToG1,
        Self::Bls12MapFp2ToG2,
        Self::P256Verify,
    ];

    /// Its position in [`ALL`](Self::ALL).
    pub const fn index(self) -> usize {
        self as usize
    }

    /// Its name in the spec and in reports.
    pub const fn name(self) -> &'static str {
        match self {
            Self::Ecrecover => "ecrecover",
            Self::Sha256 => "sha256",
            Self::Ripemd160 => "ripemd160",
            Self::Identity => "identity",
            Self::ModexpEip198 => "modexp-eip198",
            Self::ModexpEip2565 => "modexp-eip2565",
            Self::ModexpEip7883 => "modexp-eip7883",
            Self::ModexpEip198Even => "modexp-eip198-even",
            Self::ModexpEip2565Even => "modexp-eip2565-even",
            Self::ModexpEip7883Even => "modexp-eip7883-even",
            Self::Bn254AddByzantium => "bn254-add-byzantium",
            Self::Bn254AddIstanbul => "bn254-add-istanbul",
            Self::Bn254MulByzantium => "bn254-mul-byzantium",
            Self::Bn254MulIstanbul => "bn254-mul-istanbul",
            Self::Bn254PairingByzantium => "bn254-pairing-byzantium",
            Self::Bn254PairingIstanbul => "bn254-pairing-istanbul",
            Self::Blake2f => "blake2f",
            Self::PointEvaluation => "point-evaluation",
            Self::Bls12G1Add => "bls12-g1-add",
            Self::Bls12G1Msm => "bls12-g1-msm",
            Self::Bls12G2Add => "bls12-g2-add",
            Self::Bls12G2Msm => "bls12-g2-msm",
            Self::Bls12Pairing => "bls12-pairing",
            Self::Bls12MapFpToG1 => "bls12-map-fp-to-g1",
            Self::Bls12MapFp2ToG2 => "bls12-map-fp2-to-g2",
            Self::P256Verify => "p256verify",
        }
    }

    /// The precompile at `address` under `spec`'s pricing, called with `input`, if `spec`
    /// has one there.
    pub fn of(address: &[u8; 20], spec: SpecId, input: &[u8]) -> Option<PricedPrecompile> {
        if address[..18].iter().any(|byte| *byte != 0) {
            return None;
        }
        let number = u16::from_be_bytes([address[18], address[19]]);
        let from = |fork: SpecId| spec.is_enabled_in(fork);
        let priced = match number {
            1 => Self::Ecrecover,
            2 => Self::Sha256,
            3 => Self::Ripemd160,
            4 => Self::Identity,
            5 if from(SpecId::BYZANTIUM) => {
                let even = modulus_is_even(input);
                match (from(SpecId::OSAKA), from(SpecId::BERLIN), even) {
                    (true, _, false) => Self::ModexpEip7883,
                    (true, _, true) => Self::ModexpEip7883Even,
                    (_, true, false) => Self::ModexpEip2565,
                    (_, true, true) => Self::ModexpEip2565Even,
                    (_, _, false) => Self::ModexpEip198,
                    (_, _, true) => Self::ModexpEip198Even,
                }
            }
            6 if from(SpecId::ISTANBUL) => Self::Bn254AddIstanbul,
            6 if from(SpecId::BYZANTIUM) => Self::Bn254AddByzantium,
            7 if from(SpecId::ISTANBUL) => Self::Bn254MulIstanbul,
            7 if from(SpecId::BYZANTIUM) => Self::Bn254MulByzantium,
            8 if from(SpecId::ISTANBUL) => Self::Bn254PairingIstanbul,
            8 if from(SpecId::BYZANTIUM) => Self::Bn254PairingByzantium,
            9 if from(SpecId::ISTANBUL) => Self::Blake2f,
            10 if from(SpecId::CANCUN) => Self::PointEvaluation,
            11 if from(SpecId::PRAGUE) => Self::Bls12G1Add,
            12 if from(SpecId::PRAGUE) => Self::Bls12G1Msm,
            13 if from(SpecId::PRAGUE) => Self::Bls12G2Add,
            14 if from(SpecId::PRAGUE) => Self::Bls12G2Msm,
            15 if from(SpecId::PRAGUE) => Self::Bls12Pairing,
            16 if from(SpecId::PRAGUE) => Self::Bls12MapFpToG1,
            17 if from(SpecId::PRAGUE) => Self::Bls12MapFp2ToG2,
            0x100 if from(SpecId::OSAKA) => Self::P256Verify,
            _ => return None,
        };
        Some(priced)
    }
}

/// Whether a modexp input's modulus is even: its last byte (zero when past the input, as the
/// precompile reads it) has its low bit clear. Lengths past what memory can hold count as even,
/// the costlier pricing; an empty modulus computes nothing and counts as odd.
fn modulus_is_even(input: &[u8]) -> bool {
    let length = |index: usize| -> Option<usize> {
        let mut word = [0u8; 32];
        let start = 32 * index;
        if let Some(bytes) = input.get(start..) {
            let taken = bytes.len().min(32);
            word[..taken].copy_from_slice(&bytes[..taken]);
        }
        if word[..24].iter().any(|byte| *byte != 0) {
            return None;
        }
        usize::try_from(u64::from_be_bytes(word[24..].try_into().ok()?)).ok()
    };
    let (Some(base), Some(exponent), Some(modulus)) = (length(0), length(1), length(2)) else { return true };
    if modulus == 0 {
        return false;
    }
    match 96usize.checked_add(base).and_then(|at| at.checked_add(exponent)).and_then(|at| at.checked_add(modulus - 1)) {
        Some(last) => input.get(last).copied().unwrap_or(0) & 1 == 0,
        None => true,
    }
}

/// What a session's calls to one priced precompile used.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct PrecompileUse {
    /// Calls.
    pub calls: u64,
    /// Gas the calls consumed (all they were given when they halted).
    pub gas: u64,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(number: u16) -> [u8; 20] {
        let mut address = [0u8; 20];
        address[18..].copy_from_slice(&number.to_be_bytes());
        address
    }

    #[test]
    fn every_fork_precompile_is_priced_under_its_own_pricing() {
        for spec in [
            SpecId::FRONTIER,
            SpecId::BYZANTIUM,
            SpecId::ISTANBUL,
            SpecId::BERLIN,
            SpecId::CANCUN,
            SpecId::PRAGUE,
            SpecId::OSAKA,
        ] {
            let precompiles =
                revm::precompile::Precompiles::new(revm::precompile::PrecompileSpecId::from_spec_id(spec));
            for address in precompiles.addresses() {
                assert!(PricedPrecompile::of(&address.0 .0, spec, &[]).is_some(), "{address} under {spec:?}");
            }
            assert_eq!(
                precompiles.addresses().count(),
                (0..=0x100).filter(|n| PricedPrecompile::of(&at(*n), spec, &[]).is_some()).count()
            );
        }
        assert_eq!(PricedPrecompile::of(&at(5), SpecId::CANCUN, &[]), Some(PricedPrecompile::ModexpEip2565));
        assert_eq!(PricedPrecompile::of(&at(5), SpecId::OSAKA, &[]), Some(PricedPrecompile::ModexpEip7883));
        assert_eq!(PricedPrecompile::of(&at(8), SpecId::BYZANTIUM, &[]), Some(PricedPrecompile::Bn254PairingByzantium));
        let modexp = |base: u8, exponent: u8, modulus: &[u8]| {
            let mut input = [0u8; 96].to_vec();
            input[31] = base;
            input[63] = exponent;
            input[95] = modulus.len() as u8;
            input.extend(vec![7; usize::from(base) + usize::from(exponent)]);
            input.extend(modulus);
            PricedPrecompile::of(&at(5), SpecId::PRAGUE, &input)
        };
        assert_eq!(modexp(1, 1, &[1, 3]), Some(PricedPrecompile::ModexpEip2565));
        assert_eq!(modexp(1, 1, &[1, 2]), Some(PricedPrecompile::ModexpEip2565Even));
        let mut cut = [0u8; 96].to_vec();
        cut[95] = 4;
        cut.extend([1, 1, 1]);
        assert_eq!(
            PricedPrecompile::of(&at(5), SpecId::PRAGUE, &cut),
            Some(PricedPrecompile::ModexpEip2565Even),
            "a missing last byte is zero"
        );
        let index: Vec<usize> = PricedPrecompile::ALL.iter().map(|p| p.index()).collect();
        assert_eq!(index, (0..PricedPrecompile::COUNT).collect::<Vec<_>>());
    }
}
