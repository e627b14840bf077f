use super::CliError;

/// Decodes hex (`0x` optional, whitespace ignored).
pub fn hex_bytes(text: &str, what: &str) -> Result<Vec<u8>, CliError> {
    let clean: String = text.trim().trim_start_matches("0x").split_whitespace().collect();
    hex::decode(&clean).map_err(|error| CliError::Usage(format!("{what} is not valid hex: {error}")))
}

/// Hex given inline, or `@path` of a file holding hex.
pub fn hex_or_file(arg: &str, what: &str) -> Result<Vec<u8>, CliError> {
    match arg.strip_prefix('@') {
        Some(path) => {
            let text =
                std::fs::read_to_string(path).map_err(|source| CliError::Io { path: path.to_string(), source })?;
            hex_bytes(&text, what)
        }
        None => hex_bytes(arg, what),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_forms() {
        assert_eq!(hex_bytes("0x60 01", "code").unwrap(), vec![0x60, 0x01]);
        assert_eq!(hex_bytes("", "code").unwrap(), Vec::<u8>::new());
        assert!(matches!(hex_bytes("0xzz", "code"), Err(CliError::Usage(_))));
        assert!(matches!(hex_or_file("@/nonexistent/file", "code"), Err(CliError::Io { .. })));
    }
}

/// The Wasm engine that runs the artifact, as the command line names it.
#[derive(clap::ValueEnum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum EngineArg {
    /// wasmtime (Cranelift, pooled instances).
    #[default]
    Wasmtime,
    /// wasmi, an interpreter: the second engine, for differential runs.
    Wasmi,
    /// The artifact through WABT's wasm2c, compiled in (built with `--features wasm2c`).
    #[cfg(feature = "wasm2c")]
    Wasm2c,
}

impl From<EngineArg> for evmpc_host::WasmEngine {
    fn from(engine: EngineArg) -> Self {
        match engine {
            EngineArg::Wasmtime => evmpc_host::WasmEngine::Wasmtime,
            EngineArg::Wasmi => evmpc_host::WasmEngine::Wasmi,
            #[cfg(feature = "wasm2c")]
            EngineArg::Wasm2c => evmpc_host::WasmEngine::Wasm2c,
        }
    }
}
