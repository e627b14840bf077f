use crate::wire_enum::wire_enum;
use borsh::{BorshDeserialize, BorshSerialize};

wire_enum! {
/// An Ethereum hard fork, as the precompile names it on the wire.
///
/// Discriminants are pinned: they are part of the ABI. The guest maps each one to the
/// matching revm `SpecId`. Forks after Osaka are not executed (their gas model needs
/// fields this ABI does not carry).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, BorshSerialize, BorshDeserialize)]
#[cfg_attr(feature = "hash", derive(borsh::BorshSchema))]
#[borsh(use_discriminant = true)]
pub enum Fork {
    /// Frontier.
    Frontier = 0,
    /// Homestead (EIP-2, EIP-7).
    Homestead = 1,
    /// Tangerine Whistle (EIP-150).
    Tangerine = 2,
    /// Spurious Dragon (EIP-158, EIP-170).
    SpuriousDragon = 3,
    /// Byzantium.
    Byzantium = 4,
    /// Petersburg (Constantinople without EIP-1283).
    Petersburg = 5,
    /// Istanbul.
    Istanbul = 6,
    /// Berlin (EIP-2929, EIP-2930).
    Berlin = 7,
    /// London (EIP-1559, EIP-3529).
    London = 8,
    /// Paris, the Merge (PREVRANDAO).
    Merge = 9,
    /// Shanghai (PUSH0, EIP-3860).
    Shanghai = 10,
    /// Cancun (EIP-1153, EIP-4844, EIP-5656, EIP-6780).
    Cancun = 11,
    /// Prague (EIP-7702).
    Prague = 12,
    /// Osaka (EIP-7939 CLZ, EIP-7823, EIP-7825).
    Osaka = 13,
}
}

impl Fork {
    /// The fork's lower-case name as the CLI and the spec write it.
    pub const fn name(self) -> &'static str {
        match self {
            Fork::Frontier => "frontier",
            Fork::Homestead => "homestead",
            Fork::Tangerine => "tangerine",
            Fork::SpuriousDragon => "spurious-dragon",
            Fork::Byzantium => "byzantium",
            Fork::Petersburg => "petersburg",
            Fork::Istanbul => "istanbul",
            Fork::Berlin => "berlin",
            Fork::London => "london",
            Fork::Merge => "merge",
            Fork::Shanghai => "shanghai",
            Fork::Cancun => "cancun",
            Fork::Prague => "prague",
            Fork::Osaka => "osaka",
        }
    }

    /// The fork named `name` (case-insensitive; `paris` is accepted for `merge`).
    pub fn from_name(name: &str) -> Option<Fork> {
        let lower = name.to_ascii_lowercase();
        let lower = lower.replace('_', "-");
        if lower == "paris" {
            return Some(Fork::Merge);
        }
        if lower == "constantinoplefix" || lower == "constantinople-fix" {
            return Some(Fork::Petersburg);
        }
        Fork::ALL.iter().copied().find(|fork| fork.name() == lower)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_values_are_indexes() {
        for (index, fork) in Fork::ALL.iter().enumerate() {
            assert_eq!(fork.to_u8() as usize, index);
            assert_eq!(Fork::from_u8(index as u8), Some(*fork));
            assert_eq!(Fork::from_name(fork.name()), Some(*fork));
        }
        assert_eq!(Fork::from_u8(14), None);
        assert_eq!(Fork::from_name("Paris"), Some(Fork::Merge));
        assert_eq!(Fork::from_name("CANCUN"), Some(Fork::Cancun));
        assert_eq!(Fork::from_name("nope"), None);
    }
}
