//! The fitted unit tables as the files that hold them: `abi/src/units/table.rs`, which the
//! artifact is built from, and `spec/fees/units.csv`, which the spec cites (a test keeps the
//! two equal).

use evmpc_abi::units::{feature, feature_name, DIVISION_CLASSES, MODULAR_CLASSES};

/// `abi/src/units/table.rs` for `weights` (by feature).
pub fn source(weights: &[u32]) -> String {
    let list = |range: std::ops::Range<usize>| {
        weights[range].iter().map(|weight| weight.to_string()).collect::<Vec<_>>().join(", ")
    };
    let rows = |first: usize, rows: usize, classes: usize| {
        (0..rows)
            .map(|row| format!("[{}]", list(first + row * classes..first + (row + 1) * classes)))
            .collect::<Vec<_>>()
    };
    let mut text = String::from(
        "//! The unit tables, written by `evmpc estimate --write-units` from its fit; `spec/fees/units.csv`\n\
         //! holds the same numbers (a test of `evmpc-host` compares them).\n\n",
    );
    text.push_str(&format!(
        "/// Units of each opcode, by opcode.\n#[rustfmt::skip]\npub const OPCODE: [u32; 256] = [{}];\n",
        list(0..256)
    ));
    text.push_str(&format!(
        "/// Extra units of DIV, SDIV, MOD and SMOD by operand class.\n#[rustfmt::skip]\n\
         pub const DIVISION: [[u32; super::DIVISION_CLASSES]; 4] = [{}];\n",
        rows(feature::division(0, 0), 4, DIVISION_CLASSES).join(", ")
    ));
    text.push_str(&format!(
        "/// Extra units of ADDMOD and MULMOD by the modulus' significant limbs.\n#[rustfmt::skip]\n\
         pub const MODULAR: [[u32; super::MODULAR_CLASSES]; 2] = [{}];\n",
        rows(feature::modular(0, 0), 2, MODULAR_CLASSES).join(", ")
    ));
    text.push_str(&format!(
        "/// Extra units of EXP per significant byte of the exponent.\npub const EXP_BYTE: u32 = {};\n",
        weights[feature::EXP_BYTE]
    ));
    text.push_str(&format!(
        "/// Units per byte copied by CALLDATACOPY, CODECOPY, RETURNDATACOPY, MCOPY and EXTCODECOPY.\n\
         pub const COPY_BYTE: [u32; 5] = [{}];\n",
        list(feature::copy(0)..feature::copy(5))
    ));
    for (name, doc, index) in [
        ("INITCODE_BYTE", "Units per byte of init code a CREATE or CREATE2 runs.", feature::INITCODE_BYTE),
        ("MEMORY_BYTE", "Units per byte of a returning frame's EVM memory.", feature::MEMORY_BYTE),
        ("OUTPUT_BYTE", "Units per byte of a returning frame's output.", feature::OUTPUT_BYTE),
    ] {
        text.push_str(&format!("/// {doc}\npub const {name}: u32 = {};\n", weights[index]));
    }
    text
}

/// `spec/fees/units.csv` for `weights` (by feature).
pub fn csv(weights: &[u32]) -> String {
    let mut text = String::from("kind,name,class,units\n");
    for (index, weight) in weights.iter().enumerate() {
        let (kind, name, class) = feature_name(index);
        text.push_str(&format!("{kind},{name},{class},{weight}\n"));
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The files written from the artifact's own weights are the committed ones.
    #[test]
    fn the_committed_files_are_what_the_weights_write() {
        let weights: Vec<u32> = (0..feature::COUNT).map(evmpc_abi::units::weight).collect();
        assert_eq!(source(&weights), include_str!("../../abi/src/units/table.rs"));
        assert_eq!(csv(&weights), include_str!("../../spec/fees/units.csv"));
    }
}
