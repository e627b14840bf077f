//! With the `wasm2c` feature: the artifact as C, compiled into the crate (see
//! `host/wasm2c/shim.c`). Needs WABT's `wasm2c` (`WASM2C`, default on the `PATH`) and its
//! runtime sources (`WASM2C_RUNTIME`, default Debian's `/usr/share/wabt/wasm2c`).

fn main() {
    println!("cargo:rerun-if-changed=build.rs");
    #[cfg(feature = "wasm2c")]
    wasm2c::build();
}

#[cfg(feature = "wasm2c")]
mod wasm2c {
    use std::path::PathBuf;
    use std::process::Command;

    fn env_or(name: &str, default: &str) -> String {
        println!("cargo:rerun-if-env-changed={name}");
        std::env::var(name).unwrap_or_else(|_| default.to_string())
    }

    pub(super) fn build() {
        println!("cargo:rerun-if-changed=wasm2c/shim.c");
        println!("cargo:rerun-if-changed=wasm2c/wide_arithmetic.h");
        let out = PathBuf::from(std::env::var("OUT_DIR").expect("cargo sets OUT_DIR"));
        // The same bytes the crate embeds: `evmpc-artifact`'s, which the lock pins.
        let lowered =
            evmpc_lower_wide::lower(evmpc_artifact::WASM).unwrap_or_else(|e| panic!("lowering the artifact: {e}"));
        std::fs::write(out.join("lowered.wasm"), lowered).expect("OUT_DIR is writable");
        let wasm2c = env_or("WASM2C", "wasm2c");
        let status = Command::new(&wasm2c)
            .arg(out.join("lowered.wasm"))
            .args(["-n", "guest", "-o"])
            .arg(out.join("guest.c"))
            .status()
            .unwrap_or_else(|e| {
                panic!("`{wasm2c}` did not run ({e}): the wasm2c feature needs WABT (apt install wabt)")
            });
        assert!(status.success(), "wasm2c failed on the lowered artifact");
        let runtime = PathBuf::from(env_or("WASM2C_RUNTIME", "/usr/share/wabt/wasm2c"));
        // No signal handlers: wasmtime owns SIGSEGV in this process. Bounds are checked in
        // code and the call depth counted instead.
        let common = |build: &mut cc::Build| {
            build
                .include(&out)
                .include(&runtime)
                .define("WASM_RT_MEMCHECK_SIGNAL_HANDLER", "0")
                .opt_level(3)
                .warnings(false);
        };
        let mut runtime_build = cc::Build::new();
        common(&mut runtime_build);
        runtime_build
            .file(runtime.join("wasm-rt-impl.c"))
            .define("wasm_rt_grow_memory", "evmpc_w2c_grow_unchecked")
            .compile("evmpc_wasm2c_runtime");
        let mut guest_build = cc::Build::new();
        common(&mut guest_build);
        guest_build.file("wasm2c/shim.c").compile("evmpc_wasm2c_guest");
    }
}
