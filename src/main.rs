//! `evmpc`: see `evmpc --help`.

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = evmpc::cmd::Cli::parse();
    match cli.command.run() {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error}");
            std::process::ExitCode::from(2)
        }
    }
}
