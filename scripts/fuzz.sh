#!/usr/bin/env bash
# Fuzzes one parser with libFuzzer for SECONDS: scripts/fuzz.sh TARGET SECONDS [libFuzzer options…]
#   TARGET: json, engineio-v4, engineio-v3, socketio, jwt, filter, handlers, admin (Sources/gatewayd-fuzz/FuzzTarget.swift says what each checks).
# Builds gatewayd-fuzz with libFuzzer and AddressSanitizer (-sanitize=fuzzer,address) in .build-fuzz, starts from the seed corpus in
# Tests/fuzz/corpus/TARGET and keeps what it learns in .build-fuzz/corpus/TARGET; a crash, a sanitizer report or an
# input slower than 1 s stops it with the input saved as .build-fuzz/artifacts/TARGET-*. Exits non-zero then.
# Every input found that way belongs in Tests/fuzz/corpus/TARGET once fixed: the e2e suite replays them all.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${1:?usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer options]}
seconds=${2:?usage: scripts/fuzz.sh TARGET SECONDS [libFuzzer options]}
shift 2
[ -d "Tests/fuzz/corpus/$target" ] || { echo "no seed corpus Tests/fuzz/corpus/$target" >&2; exit 2; }
# The coverage kinds are spelled out: left to -sanitize=fuzzer, SwiftPM's per-file compiles got trace-pc-guard, which
# this libFuzzer no longer takes. -sanitize=fuzzer reaches the migrations plugin's tool too, whose link then misses
# LLVMFuzzerTestOneInput: the links ignore unresolved symbols (the tool runs its own main and never the fuzzer's).
swift build --scratch-path .build-fuzz --product gatewayd-fuzz -Xswiftc -sanitize=fuzzer,address \
  -Xswiftc -sanitize-coverage=edge,inline-8bit-counters,pc-table,trace-cmp -Xswiftc -DFUZZING \
  -Xlinker --unresolved-symbols=ignore-all >&2
mkdir -p ".build-fuzz/corpus/$target" .build-fuzz/artifacts
# Swift's own crash backtracer would race AddressSanitizer's report; libFuzzer's is enough.
GATEWAYD_FUZZ_TARGET=$target SWIFT_BACKTRACE=enable=no exec .build-fuzz/debug/gatewayd-fuzz \
  -max_total_time="$seconds" -timeout=1 -print_final_stats=1 -artifact_prefix=".build-fuzz/artifacts/$target-" \
  "$@" ".build-fuzz/corpus/$target" "Tests/fuzz/corpus/$target"
