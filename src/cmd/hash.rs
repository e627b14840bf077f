use super::CliError;
use evmpc_host::artifact;
use std::process::ExitCode;

/// `evmpc hash`: the identifiers a protocol spec pins.
#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print only the ABI hash (hex), for scripts.
    #[arg(long)]
    abi_only: bool,
}

/// Runs the command.
pub fn run(args: Args) -> Result<ExitCode, CliError> {
    let abi = artifact::hex(&evmpc_abi::abi_hash());
    if args.abi_only {
        println!("{abi}");
        return Ok(ExitCode::SUCCESS);
    }
    let sha = artifact::hex(&artifact::sha256(artifact::ARTIFACT));
    let matches = artifact::verify(artifact::ARTIFACT).is_ok();
    let locked_abi = artifact::lock_value("abi-hash").unwrap_or("");
    println!("artifact sha256  {sha}{}", if matches { "" } else { "  (DIFFERS from spec/artifact.lock)" });
    println!("artifact size    {} bytes", artifact::ARTIFACT.len());
    println!("abi hash         {abi}{}", if locked_abi == abi { "" } else { "  (DIFFERS from spec/artifact.lock)" });
    println!("target           {}", artifact::lock_value("target").unwrap_or("?"));
    println!(
        "toolchain        rustc-web {}, lld-22 {}",
        artifact::lock_value("rustc-web").unwrap_or("?"),
        artifact::lock_value("lld-22").unwrap_or("?")
    );
    println!("rustflags        {}", artifact::lock_value("rustflags").unwrap_or("?"));
    Ok(if matches && locked_abi == abi { ExitCode::SUCCESS } else { ExitCode::from(1) })
}
