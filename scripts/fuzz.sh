#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs every libFuzzer target in fuzz/ (built with clang 14, ASan + UBSan) for a bounded time
# from its committed seed corpus (fuzz/corpus/<name>/). A crash fails the run.
# Usage: scripts/fuzz.sh [build dir]   (default build-san, as scripts/ci-stages/20-sanitizers.sh
# configures it; a missing or unconfigured dir is configured with the fuzzers and nothing else).
# FUZZ_SECONDS sets the time per target (default 8: ten targets in 80 s, which the 30-minute CI
# budget needs; run longer by hand);
# FUZZ_ONLY=name runs one target.
set -euo pipefail
cd "$(dirname "$0")/.."
fuzz_build=${1:-build-san}
seconds=${FUZZ_SECONDS:-8}
if [ ! -f "$fuzz_build/CMakeCache.txt" ]; then
  CXX=clang++-14 cmake -S . -B "$fuzz_build" -DCMAKE_BUILD_TYPE=Debug \
    -DDEFENDER_BUILD_FUZZERS=ON -DDEFENDER_BUILD_TESTS=OFF -DDEFENDER_BUILD_BENCH=OFF >/dev/null
fi
cmake --build "$fuzz_build" -j "$(nproc)" --target defender_fuzzers >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for fuzzer in "$fuzz_build"/fuzz/*_fuzzer; do
  name=$(basename "$fuzzer" _fuzzer)
  [ -z "${FUZZ_ONLY:-}" ] || [ "$FUZZ_ONLY" = "$name" ] || continue
  corpus="$work/$name"
  mkdir -p "$corpus"
  cp -r fuzz/corpus/"$name"/. "$corpus"/ 2>/dev/null || true
  log="$work/$name.log"
  if ! "$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 \
      -artifact_prefix="$work/$name-" "$corpus" >"$log" 2>&1; then
    tail -n 60 "$log"
    echo "fuzzer $name failed; the input is in the artifact named above" >&2
    exit 1
  fi
  runs=$(grep -Eo 'stat::number_of_executed_units: [0-9]+' "$log" | grep -Eo '[0-9]+$' || true)
  [ -n "$runs" ] || runs=$(grep -Eo '#[0-9]+' "$log" | tail -n 1 | tr -d '#')
  echo "fuzz $name: ${runs:-?} executions in ${seconds} s, no crash"
done
