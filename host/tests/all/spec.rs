//! The spec (`spec/README.md`, `spec/fees.md`) states what the code does: hashes, imports,
//! limits, the fee schedule.

use evmpc_host::abi::imports::IMPORTS;
use evmpc_host::abi::limits;
use evmpc_host::artifact::{self, ARTIFACT};

const SPEC: &str = include_str!("../../../spec/README.md");

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[test]
fn spec_cites_the_artifact_and_abi_hashes() {
    let sha = hex(&artifact::sha256(ARTIFACT));
    assert!(SPEC.contains(&sha), "spec/README.md does not cite the artifact sha256 {sha}");
    let abi = hex(&evmpc_host::abi::abi_hash());
    assert!(SPEC.contains(&abi), "spec/README.md does not cite the ABI hash {abi}");
    assert_eq!(artifact::lock_value("abi-hash"), Some(abi.as_str()), "spec/artifact.lock has a stale ABI hash");
    assert!(SPEC.contains(&format!("{} bytes", ARTIFACT.len())), "spec/README.md states another artifact size");
}

#[test]
fn spec_lists_every_import_with_its_signature() {
    for sig in IMPORTS {
        let params: Vec<&str> = sig.params.iter().map(|t| t.name()).collect();
        let results: Vec<&str> = sig.results.iter().map(|t| t.name()).collect();
        let line = format!("`{}({}) -> ({})`", sig.name, params.join(", "), results.join(", "));
        assert!(SPEC.contains(&line), "spec/README.md lacks the import {line}");
    }
    let listed = SPEC.lines().filter(|line| line.starts_with("| `") && line.contains(") -> (")).count();
    assert_eq!(listed, IMPORTS.len(), "spec/README.md lists imports the ABI does not have");
}

#[test]
fn spec_states_the_limits() {
    for (name, value) in [
        ("MAX_CODE_SIZE", limits::MAX_CODE_SIZE as u64),
        ("MAX_INITCODE_SIZE", limits::MAX_INITCODE_SIZE as u64),
        ("MAX_CALLDATA_SIZE", limits::MAX_CALLDATA_SIZE as u64),
        ("MAX_MESSAGE_SIZE", limits::MAX_MESSAGE_SIZE as u64),
        ("HANDOVER_SIZE", limits::HANDOVER_SIZE as u64),
        ("MAX_EVM_MEMORY", limits::MAX_EVM_MEMORY),
        ("MAX_GUEST_MEMORY", limits::MAX_GUEST_MEMORY as u64),
        ("MAX_CODE_CACHE", limits::MAX_CODE_CACHE as u64),
        ("CODE_PADDING", limits::CODE_PADDING as u64),
        ("GUEST_STACK_SIZE", limits::GUEST_STACK_SIZE as u64),
        ("GUEST_INITIAL_MEMORY", limits::GUEST_INITIAL_MEMORY as u64),
        ("MAX_CALL_DEPTH", limits::MAX_CALL_DEPTH as u64),
    ] {
        let row = format!("| `{name}` | {value} |");
        assert!(SPEC.contains(&row), "spec/README.md lacks the row {row}");
    }
}

const FEES: &str = include_str!("../../../spec/fees.md");

#[test]
fn fees_spec_states_the_reference_schedule() {
    let schedule = evmpc_host::FeeSchedule::REFERENCE;
    let coefficients = schedule.coefficients();
    for (name, value) in &coefficients {
        let row = format!("| `{name}` | {value} |");
        assert!(FEES.contains(&row), "spec/fees.md lacks the row {row}");
    }
    let rows = FEES.lines().filter(|line| line.starts_with("| `per_")).count();
    assert_eq!(rows, coefficients.len(), "spec/fees.md states coefficients the schedule does not have");
}

const UNITS: &str = include_str!("../../../spec/fees/units.csv");

/// `spec/fees/units.csv` holds the unit tables the artifact counts by, row for row.
#[test]
fn units_csv_is_the_artifact_s_table() {
    let mut expected = String::from("kind,name,class,units\n");
    for (kind, name, class, units) in evmpc_host::abi::units::rows() {
        expected.push_str(&format!("{kind},{name},{class},{units}\n"));
    }
    assert!(
        UNITS == expected,
        "spec/fees/units.csv differs from evmpc_abi::units (`evmpc estimate --write-units` writes both)"
    );
}
