//! `lower-wide IN.wasm OUT.wasm`: see the library, `evmpc_lower_wide::lower`.

fn main() -> std::process::ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let [_, input, output] = args.as_slice() else {
        eprintln!("usage: lower-wide IN.wasm OUT.wasm");
        return std::process::ExitCode::from(2);
    };
    let result = std::fs::read(input)
        .map_err(|e| format!("{input}: {e}"))
        .and_then(|wasm| evmpc_lower_wide::lower(&wasm))
        .and_then(|out| std::fs::write(output, out).map_err(|e| format!("{output}: {e}")));
    match result {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("lower-wide: {message}");
            std::process::ExitCode::FAILURE
        }
    }
}
