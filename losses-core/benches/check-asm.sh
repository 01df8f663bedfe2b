#!/usr/bin/env bash
# Checks the machine code of the batch drivers in the release build of the
# `throughput` benchmark: every function compiled for AVX-512 or AVX2 must call no
# libm function (exp, log, log1p, expm1, tanh, pow, fma and their f32 forms). It
# counts each function's packed instructions of its width (zmm or ymm registers).
# A function with none is named without failing the check: a row loss whose loops
# the compiler could not vectorise has none, and is still correct.
#
# Usage, from anywhere in the workspace: losses-core/benches/check-asm.sh
# Needs objdump (binutils). Exits with status 1 and names the function on failure.
set -euo pipefail
cd "$(dirname "$0")/../.."

binary=$(cargo bench -p losses-core --bench throughput --no-run 2>&1 |
    grep -o 'target/release/deps/throughput-[0-9a-f]*' | head -n 1)
if [[ -z "$binary" ]]; then
    echo "check-asm: could not find the benchmark binary in the cargo output" >&2
    exit 1
fi

objdump -d --no-show-raw-insn -C "$binary" | awk '
    /^[0-9a-f]+ <.*>:$/ {
        level = ""
        if ($0 ~ /<losses_core::simd::x86::avx512/) level = "avx512"
        else if ($0 ~ /<losses_core::simd::x86::avx2/) level = "avx2"
        if (level != "") { count[level]++; id = level " #" count[level] }
        next
    }
    level == "" { next }
    /call/ && /<_*(exp|log|log1p|expm1|tanh|pow|fma)f?(_fma)?[@>]/ {
        print "check-asm: " id " calls libm: " $0
        failed = 1
    }
    level == "avx512" && /ps[ \t].*%zmm/ { packed[id]++ }
    level == "avx2" && /ps[ \t].*%ymm/ { packed[id]++ }
    { seen[id] = 1 }
    END {
        for (id in seen) {
            if (packed[id] == 0) {
                print "check-asm: " id " has no packed instructions of its width, no libm calls"
            } else {
                print "check-asm: " id ": " packed[id] " packed instructions, no libm calls"
            }
        }
        if (length(seen) == 0) { print "check-asm: no dispatched functions found"; failed = 1 }
        exit failed
    }'
