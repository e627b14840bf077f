"""Compares the LLVM path's snailtracer result with wasmtime's and prints the times.

Usage: report.py WASMTIME_RUN_JSON HARNESS_OUTPUT BENCH_JSON (what `just llvm-path` writes).
Exits 1 when the results differ.
"""
import json
import sys

# Status bytes of the frames snailtracer can end with (abi/src/status.rs).
STATUS_BYTES = {"Stop": 0x01, "Return": 0x02, "SelfDestruct": 0x03, "Revert": 0x10}


def harness_output(path):
    fields = {}
    with open(path) as lines:
        for line in lines:
            key, _, value = line.strip().partition(" ")
            fields[key] = value
    return fields


def main():
    wasmtime = json.load(open(sys.argv[1]))
    llvm = harness_output(sys.argv[2])
    bench = json.load(open(sys.argv[3]))
    expected = {
        "status": STATUS_BYTES.get(wasmtime["status"], -1),
        "gas_used": wasmtime["gas_used"],
        "gas_refunded": wasmtime["gas_refunded"],
        "output": wasmtime["output"],
    }
    got = {
        "status": int(llvm["status"], 16),
        "gas_used": int(llvm["gas_used"]),
        "gas_refunded": int(llvm["gas_refunded"]),
        "output": llvm["output"],
    }
    differences = [key for key in expected if expected[key] != got[key]]
    native = bench["snailtracer_native_ms"]
    rows = [
        ("native revm-interpreter", native),
        ("wasmtime, the artifact", bench["snailtracer_precompile_ms"]),
        ("wasm2c + clang -O3, the artifact", float(llvm["median_ms"])),
    ]
    print(f"snailtracer, median of {llvm['runs']} runs each")
    for name, ms in rows:
        print(f"  {name:<40} {ms:8.1f} ms  {ms / native:5.2f}x native")
    if differences:
        for key in differences:
            print(f"LLVM path differs from wasmtime in {key}: {got[key]} against {expected[key]}")
        sys.exit(1)
    print(
        f"LLVM path result identical to wasmtime's: status {wasmtime['status']}, gas used "
        f"{wasmtime['gas_used']}, refund {wasmtime['gas_refunded']}, {len(wasmtime['output']) // 2 - 1} output bytes"
    )


if __name__ == "__main__":
    main()
