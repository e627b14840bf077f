# evmpc tasks. `just --list` shows them. The guest toolchain is Debian's, pinned below
# and in spec/artifact.lock; `just toolchain` installs it (root, apt).

set shell := ["bash", "-euo", "pipefail", "-c"]

# Toolchain pins live in spec/artifact.lock, next to the hash they produce.
lock := "spec/artifact.lock"
rustc_web := `sed -n 's/^rustc-web *= *"\(.*\)"/\1/p' spec/artifact.lock`
lld := `sed -n 's/^lld-22 *= *"\(.*\)"/\1/p' spec/artifact.lock`
target := `sed -n 's/^target *= *"\(.*\)"/\1/p' spec/artifact.lock`
rustflags := `sed -n 's/^rustflags *= *"\(.*\)"/\1/p' spec/artifact.lock`

# Lists the recipes.
default:
    @just --list

# Installs the pinned guest toolchain from Debian (needs root and apt).
toolchain:
    #!/usr/bin/env bash
    set -euo pipefail
    want="rustc-web={{rustc_web}} cargo-web={{rustc_web}} rust-web-src={{rustc_web}} lld-22={{lld}}"
    have_all=1
    for pkg in $want; do
        name=${pkg%%=*}; version=${pkg#*=}
        [ "$(dpkg-query -W -f='${Version}' "$name" 2>/dev/null || true)" = "$version" ] || have_all=0
    done
    if [ $have_all = 0 ]; then
        apt-get update -qq
        DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --allow-downgrades $want >/dev/null
    fi
    echo "guest toolchain: $(/usr/bin/rustc --version), wasm-ld $(/usr/lib/llvm-22/bin/wasm-ld --version | head -1)"

# Builds the guest into OUT (default spec/evmpc.wasm) with the pinned toolchain.
guest out="spec/evmpc.wasm" target_dir="target/guest": toolchain
    #!/usr/bin/env bash
    set -euo pipefail
    just _wasm-build guest "{{target_dir}}" "{{rustflags}}"
    mkdir -p "$(dirname {{out}})"
    cp "{{target_dir}}/{{target}}/release/evmpc_guest.wasm" "{{out}}"
    echo "{{out}}: $(stat -c %s {{out}}) bytes, sha256 $(sha256sum {{out}} | cut -d' ' -f1)"

# Builds the workspace in DIR (guest or contracts) to Wasm with the pinned toolchain, from a
# copy of the checkout at one fixed path. Cargo hashes a path dependency that lies outside the
# building workspace (abi/, state/, sdk/) by its absolute path, the hash orders code in the
# linked module, and so the bytes would depend on where the checkout lives; the copy removes
# that, and --remap-path-prefix keeps the path out of the bytes. A lock serialises builds.
_wasm-build dir target_dir flags="":
    #!/usr/bin/env bash
    set -euo pipefail
    root=$(pwd)
    stage=/tmp/evmpc-wasm-build
    exec 9>"$stage.lock"
    flock 9
    rm -rf "$stage"
    mkdir -p "$stage"
    tar -C "$root" --exclude=./target --exclude=./.git -cf - . | tar -C "$stage" -xf -
    cd "$stage/{{dir}}"
    RUSTC=/usr/bin/rustc RUSTC_BOOTSTRAP=1 \
    CARGO_TARGET_WASM32V1_NONE_LINKER=/usr/lib/llvm-22/bin/wasm-ld \
    CARGO_TARGET_DIR="$root/{{target_dir}}" \
    CARGO_ENCODED_RUSTFLAGS="$(printf '%s\x1f' --remap-path-prefix="$stage=/evmpc" --remap-path-prefix="${CARGO_HOME:-$HOME/.cargo}=/cargo" {{flags}} | sed 's/\x1f$//')" \
    SOURCE_DATE_EPOCH=0 \
        /usr/bin/cargo build --locked --release -Zbuild-std=core,alloc --target {{target}} -q

# Rebuilds spec/evmpc.wasm and rewrites the hash, size and ABI hash in spec/artifact.lock.
artifact: guest
    #!/usr/bin/env bash
    set -euo pipefail
    abi=$(cargo run -q --locked -p evmpc-abi --features hash --example abi_hash)
    sed -i -e "s/^sha256 *=.*/sha256 = \"$(sha256sum spec/evmpc.wasm | cut -d' ' -f1)\"/" \
           -e "s/^size *=.*/size = $(stat -c %s spec/evmpc.wasm)/" \
           -e "s/^abi-hash *=.*/abi-hash = \"$abi\"/" {{lock}}
    sha=$(sha256sum spec/evmpc.wasm | cut -d' ' -f1); size=$(stat -c %s spec/evmpc.wasm)
    sed -i -e "s/^| artifact sha256 | .*/| artifact sha256 | \`$sha\` |/" \
           -e "s/^| ABI hash | .*/| ABI hash | \`$abi\` |/" \
           -e "s/^| artifact | .*/| artifact | \`spec\/evmpc.wasm\`, $size bytes |/" spec/README.md
    cat {{lock}}

# Rebuilds the guest from a clean target dir and fails unless it is bit-for-bit spec/evmpc.wasm.
verify-artifact:
    #!/usr/bin/env bash
    set -euo pipefail
    rm -rf target/guest-verify
    just guest target/guest-verify/evmpc.wasm target/guest-verify
    want=$(sha256sum spec/evmpc.wasm | cut -d' ' -f1)
    got=$(sha256sum target/guest-verify/evmpc.wasm | cut -d' ' -f1)
    locked=$(sed -n 's/^sha256 *= *"\(.*\)"/\1/p' spec/artifact.lock)
    if [ "$got" != "$want" ] || [ "$want" != "$locked" ]; then
        echo "artifact mismatch: rebuilt $got, committed $want, locked $locked" >&2
        exit 1
    fi
    echo "verify-artifact: rebuilt bytes identical to spec/evmpc.wasm ($got)"

# Builds the engine contracts (contracts/) with the guest's pinned toolchain into
# contracts/wasm/ and rewrites their sha256 and size in contracts/contracts.lock.
contracts out="contracts/wasm" target_dir="target/contracts": toolchain
    #!/usr/bin/env bash
    set -euo pipefail
    just _wasm-build contracts "{{target_dir}}"
    mkdir -p "{{out}}"
    for name in engine-precompile engine-interpreter; do
        cp "{{target_dir}}/{{target}}/release/${name//-/_}.wasm" "{{out}}/$name.wasm"
        echo "{{out}}/$name.wasm: $(stat -c %s {{out}}/$name.wasm) bytes, sha256 $(sha256sum {{out}}/$name.wasm | cut -d' ' -f1)"
    done
    if [ "{{out}}" = "contracts/wasm" ]; then
        {
            echo "# The engine contracts in contracts/wasm/ and what built them (\`just contracts\`; the"
            echo "# toolchain pins are spec/artifact.lock's). \`just verify-contracts\` rebuilds them."
            for name in engine-precompile engine-interpreter; do
                echo "$name = { sha256 = \"$(sha256sum contracts/wasm/$name.wasm | cut -d' ' -f1)\", size = $(stat -c %s contracts/wasm/$name.wasm) }"
            done
        } > contracts/contracts.lock
    fi

# Rebuilds the engine contracts from a clean target dir and fails unless they are bit-for-bit
# the committed ones.
verify-contracts:
    #!/usr/bin/env bash
    set -euo pipefail
    rm -rf target/contracts-verify
    just contracts target/contracts-verify/wasm target/contracts-verify
    for name in engine-precompile engine-interpreter; do
        got=$(sha256sum target/contracts-verify/wasm/$name.wasm | cut -d' ' -f1)
        locked=$(sed -n "s/^$name = { sha256 = \"\([0-9a-f]*\)\".*/\1/p" contracts/contracts.lock)
        [ "$got" = "$locked" ] || { echo "$name: rebuilt $got, locked $locked" >&2; exit 1; }
    done
    echo "verify-contracts: rebuilt engine contracts identical to contracts/wasm/"

# Runs every test of the workspace (no Wasm toolchain needed).
test:
    cargo test --workspace --locked

# Runs the benchmarks (criterion) and prints the precompile/native summary.
bench:
    cargo bench -p evmpc-host --bench precompile --locked -- --noplot
    cargo run -q --release --locked --bin evmpc -- bench

# Times every adversarial pattern through the precompile and native revm (worst ratio last).
adversarial runs="5":
    cargo run -q --release --locked --bin evmpc -- bench --adversarial --runs {{runs}}

# The engine contracts on the reference node against the precompile and native revm.
bench-contracts runs="5":
    cargo run -q --release --locked --bin evmpc -- bench --contracts --runs {{runs}}

# Measures every program, searches for the ones the fee covers least, and fits the unit
# tables and the fee schedule: writes abi/src/units/table.rs, spec/fees/units.csv, the search's
# findings (spec/fees/search.json), spec/fees/estimate.csv and units.svg, and target/fees.md
# (copy the constants into host/src/fees.rs and spec/fees.md; then `just artifact`).
estimate:
    mkdir -p target
    cargo run -q --release --locked --bin evmpc -- estimate --rounds 3 --runs 5 --search 300 --write-units --write-search --save target/measurements.json --csv spec/fees/estimate.csv --plot spec/fees/units.svg --markdown target/fees.md

# Checks every state test's time inside the precompile against its fee (0 undercharged).
fees dir="../shared/fixtures/state-tests":
    cargo run -q --release --locked --bin evmpc -- statetest --fees --runs 3 {{dir}}

# Differential fuzzing against native revm and the ABI decoders fed bent messages.
fuzz programs="1000000" seed="0":
    cargo run -q --release --locked --bin evmpc -- fuzz --programs {{programs}} --seed {{seed}}

# Installs WABT (wasm2c and its runtime) and clang 19 from Debian, pinned (root, apt).
wabt:
    #!/usr/bin/env bash
    set -euo pipefail
    want="wabt=1.0.32-1 clang-19=1:19.1.7-3~deb12u1"
    for pkg in $want; do
        if [ "$(dpkg-query -W -f='${Version}' "${pkg%%=*}" 2>/dev/null || true)" != "${pkg#*=}" ]; then
            apt-get update -qq
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --allow-downgrades $want >/dev/null
            break
        fi
    done
    echo "wabt $(wasm2c --version), $(clang-19 --version | head -1)"

# The third engine, outside the Rust Wasm runtimes: the artifact through wasm2c, compiled into
# evmpc-host (feature `wasm2c`). Its tests (the differential corpus, the memory cap, failing
# imports), every state test against native revm, and a differential fuzz smoke.
wasm2c dir="../shared/fixtures/state-tests" programs="200000": wabt
    cargo clippy -q --locked -p evmpc-host -p evmpc --all-targets --features wasm2c -- -D warnings
    cargo test -q --release --locked -p evmpc-host --features wasm2c --lib --test all -- wasm2c
    cargo run -q --release --locked --features wasm2c --bin evmpc -- statetest --engine wasm2c --compare-native {{dir}}
    cargo run -q --release --locked --features wasm2c --bin evmpc -- fuzz --engine wasm2c --programs {{programs}} --seed "$(date +%s)" --decoders 0 --time-limit 120

# The LLVM path: the artifact translated to C by WABT's wasm2c and compiled by clang -O3, run
# on snailtracer by tools/llvm-path/harness.c. wabt 1.0.32 cannot read wide arithmetic, so
# tools/lower-wide first turns those four instructions into calls the harness serves with
# 128-bit integers (spec §6). Fails unless the frame's status, gas, refund and output equal
# wasmtime's; prints its time against native revm and wasmtime.
llvm-path runs="7": wabt
    #!/usr/bin/env bash
    set -euo pipefail
    out=target/llvm-path
    mkdir -p $out
    cargo run -q --release --locked -p evmpc-lower-wide --bin lower-wide -- spec/evmpc.wasm $out/lowered.wasm
    wasm2c $out/lowered.wasm -n guest -o $out/guest.c
    clang-19 -O3 -w -I$out -Ihost/wasm2c -I/usr/share/wabt/wasm2c -o $out/harness tools/llvm-path/harness.c \
        /usr/share/wabt/wasm2c/wasm-rt-impl.c -lm
    cargo build -q --release --locked --bin evmpc
    evmpc=target/release/evmpc
    $evmpc run --write-message $out/snailtracer.msg --json > $out/wasmtime.json
    $out/harness $out/snailtracer.msg {{runs}} > $out/llvm.txt
    $evmpc bench --runs {{runs}} --json > $out/bench.json
    python3 tools/llvm-path/report.py $out/wasmtime.json $out/llvm.txt $out/bench.json

# Runs Ethereum's state tests through the precompile and compares with native revm.
statetest dir="../shared/fixtures/state-tests":
    cargo run -q --release --locked --bin evmpc -- statetest --compare-native {{dir}}
