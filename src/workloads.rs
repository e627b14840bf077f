//! The benchmark workloads, one place for the CLI, the estimator and the fee check: single
//! frames (`evmpc bench`) and honest transactions (snailtracer, burntpix, an ERC-20
//! transfer, a CALL-heavy loop) whose charge the fee fit keeps low.

mod frames;
mod transactions;

pub use frames::{
    empty_frame, iszero_loop, run_native, run_precompile, sload_loop, snailtracer_frame, Workload, LOOP_ITERATIONS,
};
pub use transactions::{burntpix_tx, erc20_transfer_tx, honest, snailtracer_tx};

/// The embedded snailtracer runtime code (see `src/workloads/data/SOURCE.md`).
pub fn snailtracer() -> Vec<u8> {
    hex::decode(include_str!("workloads/data/snailtracer.hex").trim()).expect("embedded snailtracer is valid hex")
}

/// Calldata of snailtracer's `Benchmark()`.
pub const SNAILTRACER_CALLDATA: [u8; 4] = [0x30, 0x62, 0x7b, 0x7c];

#[cfg(test)]
mod tests {
    #[test]
    fn the_embedded_snailtracer_is_whole() {
        assert_eq!(super::snailtracer().len(), 17_730);
    }
}
