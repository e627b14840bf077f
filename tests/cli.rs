//! The `evmpc` binary as a user runs it.

use std::path::PathBuf;
use std::process::Command;

fn evmpc() -> Command {
    Command::new(env!("CARGO_BIN_EXE_evmpc"))
}

fn data(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data").join(name)
}

#[test]
fn run_executes_the_embedded_default_and_reports_json() {
    let output = evmpc().args(["run", "--json"]).output().unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(report["status"], "Return");
    assert_eq!(report["gas_used"], 165_962_868);
    let expected_output = format!("0x19{}18{}63{}", "00".repeat(31), "00".repeat(31), "00".repeat(31));
    assert_eq!(report["output"], expected_output.as_str());
}

#[test]
fn run_reports_bad_input_clearly() {
    let output = evmpc().args(["run", "--code", "0xzz"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--code is not valid hex"));
    let output = evmpc().args(["run", "--code", "00", "--fork", "atlantis"]).output().unwrap();
    assert!(String::from_utf8_lossy(&output.stderr).contains("unknown fork `atlantis`"));
    let output = evmpc().args(["run", "--code", "fe", "--gas", "1000"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "a halted frame exits 1");
}

#[test]
fn run_writes_the_frame_message_the_guest_decodes() {
    let dir = std::env::temp_dir().join(format!("evmpc-cli-message-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("frame.msg");
    let output = evmpc()
        .args(["run", "--code", "6001600055", "--input", "0xabcd", "--gas", "50000", "--write-message"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let frame = evmpc_abi::FrameInput::decode(&std::fs::read(&path).unwrap()).unwrap();
    assert_eq!(frame.gas_limit, 50_000);
    assert_eq!(frame.input, evmpc_abi::CallData::Inline(vec![0xab, 0xcd]));
    assert_eq!(frame.code, evmpc_abi::Code::Inline(vec![0x60, 0x01, 0x60, 0x00, 0x55]));
    let output = evmpc().args(["run", "--write-message"]).arg(dir.join("missing/frame.msg")).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("missing/frame.msg"));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn hash_prints_the_locked_identifiers() {
    let output = evmpc().arg("hash").output().unwrap();
    assert!(output.status.success());
    let text = String::from_utf8_lossy(&output.stdout);
    let lock = std::fs::read_to_string(PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("spec/artifact.lock")).unwrap();
    let sha = lock.lines().find_map(|l| l.strip_prefix("sha256 = ")).unwrap().trim_matches('"');
    assert!(text.contains(sha), "{text}");
}

#[test]
fn statetest_runs_files_and_goes_on_after_malformed_json() {
    let dir = std::env::temp_dir().join(format!("evmpc-cli-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("broken.json"), "{ not json").unwrap();
    std::fs::copy(data("yulExample.json"), dir.join("yulExample.json")).unwrap();
    std::fs::copy(data("invalidTr.json"), dir.join("invalidTr.json")).unwrap();
    let report = dir.join("report.json");
    let output =
        evmpc().arg("statetest").arg(&dir).arg("--compare-native").arg("--json").arg(&report).output().unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("broken.json: not a state test"), "{stderr}");
    assert_eq!(output.status.code(), Some(1), "a malformed file fails the run");
    let last = stdout.lines().last().unwrap();
    assert!(last.ends_with("passed, 1 failed, 0 skipped"), "{stdout}");
    assert!(!last.starts_with("0 passed"), "the other files still ran: {stdout}");
    assert!(stdout.contains("0 differences from native revm"), "{stdout}");
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert!(json["per_fork"]["Cancun"]["passed"].as_u64().unwrap() >= 2);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn statetest_names_a_missing_path() {
    let output = evmpc().args(["statetest", "/nonexistent/evmpc/tests"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/evmpc/tests does not exist"));
}
