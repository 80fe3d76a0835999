#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Whole-process comparison: `defender collect --format json > /dev/null` against `ss -tan` and
# `ss -uan`, with N established loopback TCP sockets held open by bench/hold_sockets.py.
# Prints one markdown table (wall time, time per socket, peak RSS) to standard output;
# progress goes to standard error. Run it on an otherwise quiet machine, after a Release build:
#
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-bench -j2 --target defender_bench defender-cli
#   bench/compare_with_ss.sh
#
# Environment: DEFENDER (binary, default build-bench/defender), SIZES (established sockets,
# default "1000 16000 60000"), RUNS (hyperfine runs, default 20), WARMUP (default 3),
# RESULTS_DIR (hyperfine JSON and logs, default build-bench/bench-results),
# LIVE_BENCH=1 to also run the live-collector micro-benchmarks (build-bench/bench/defender_bench)
# at each size, into RESULTS_DIR/live-<N>.txt.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
DEFENDER=${DEFENDER:-$root/build-bench/defender}
SIZES=${SIZES:-"1000 16000 60000"}
RUNS=${RUNS:-20}
WARMUP=${WARMUP:-3}
RESULTS_DIR=${RESULTS_DIR:-$root/build-bench/bench-results}
PYTHON=/usr/bin/python3
CONNECTIONS_PER_HOLDER=3900  # 2 * 3900 + 1 file descriptors per holder process

holder_pids=()
holder_dir=$(mktemp -d)

stop_holders() {
    local pid
    for pid in "${holder_pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${holder_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    holder_pids=()
}
cleanup() {
    stop_holders
    rm -rf "$holder_dir"
}
trap cleanup EXIT
trap 'exit 130' INT TERM HUP

log() { echo "$@" >&2; }
established_count() { ss -Htan state established | wc -l; }

# Starts holders for `sockets` established sockets and waits until ss shows them.
hold_established() {
    local sockets=$1 connections=$(( $1 / 2 )) index=0 chunk
    local before
    before=$(established_count)
    while (( connections > 0 )); do
        chunk=$(( connections < CONNECTIONS_PER_HOLDER ? connections : CONNECTIONS_PER_HOLDER ))
        "$PYTHON" "$here/hold_sockets.py" "$chunk" > "$holder_dir/holder.$index" &
        holder_pids+=($!)
        connections=$(( connections - chunk ))
        index=$(( index + 1 ))
    done
    local holder
    for (( holder = 0; holder < index; holder++ )); do
        until grep -qs '^ready' "$holder_dir/holder.$holder"; do
            sleep 0.2
            for pid in "${holder_pids[@]}"; do
                kill -0 "$pid" 2>/dev/null || { log "a socket holder died"; exit 1; }
            done
        done
    done
    local deadline=$(( SECONDS + 60 ))
    until (( $(established_count) >= before + sockets )); do
        (( SECONDS < deadline )) || { log "ss shows fewer sockets than expected"; break; }
        sleep 0.2
    done
    rm -f "$holder_dir"/holder.*
}

wait_until_released() {
    local deadline=$(( SECONDS + 30 ))
    while (( $(established_count) > $1 && SECONDS < deadline )); do sleep 0.2; done
}

# Largest "Maximum resident set size" in KiB over 5 runs of the command.
peak_rss_kib() {
    local run max=0 kib
    for run in 1 2 3 4 5; do
        kib=$(/usr/bin/time -v "$@" 2>&1 >/dev/null | awk '/Maximum resident set size/ {print $6}')
        (( kib > max )) && max=$kib
    done
    echo "$max"
}

# Which collector `defender collect` used: netlink if it opened a NETLINK_SOCK_DIAG socket.
collector_used() {
    if ! command -v strace > /dev/null; then echo "unknown (no strace)"; return; fi
    local trace
    trace=$(strace -f -e trace=socket,openat "$DEFENDER" collect --format json 2>&1 >/dev/null)
    if grep -q 'AF_NETLINK.*NETLINK_SOCK_DIAG\|AF_NETLINK.*NETLINK_INET_DIAG' <<< "$trace"; then
        echo "netlink (sock_diag)"
    elif grep -q 'net/tcp' <<< "$trace"; then
        echo "/proc/net text"
    else
        echo "unknown"
    fi
}

[[ -x $DEFENDER ]] || { log "no defender binary at $DEFENDER (build it first)"; exit 1; }
[[ -x /usr/bin/time ]] || { log "/usr/bin/time is missing: apt-get install time"; exit 1; }
command -v hyperfine > /dev/null || { log "hyperfine is missing: apt-get install hyperfine"; exit 1; }
mkdir -p "$RESULTS_DIR"

summary="$RESULTS_DIR/summary.tsv"
: > "$summary"
for sockets in $SIZES; do
    idle=$(established_count)
    log "== $sockets established sockets (idle machine: $idle)"
    hold_established "$sockets"
    seen=$(established_count)
    tcp_total=$(ss -Htan | wc -l)
    collector=$(collector_used)
    log "   ss sees $seen established, $tcp_total TCP sockets in all; defender uses $collector"

    json="$RESULTS_DIR/hyperfine-$sockets.json"
    hyperfine -N --warmup "$WARMUP" --runs "$RUNS" --export-json "$json" --style basic \
        --command-name defender "$DEFENDER collect --format json" \
        --command-name ss-tan "ss -tan" \
        --command-name ss-uan "ss -uan" >&2
    if [[ ${LIVE_BENCH:-0} == 1 ]]; then
        "$root/build-bench/bench/defender_bench" --benchmark_filter=BM_Live \
            --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
            > "$RESULTS_DIR/live-$sockets.txt" 2>&1
    fi
    defender_kib=$(peak_rss_kib "$DEFENDER" collect --format json)
    ss_kib=$(peak_rss_kib ss -tan)

    printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$sockets" "$seen" "$tcp_total" "$json" \
        "$defender_kib" "$ss_kib" "$collector" >> "$summary"
    stop_holders
    wait_until_released "$idle"
done

"$PYTHON" - "$summary" <<'PY'
import json, sys

print("| Established sockets (ss) | TCP sockets in all | `defender collect` ms | `ss -tan` ms "
      "| `ss -uan` ms | defender / ss -tan | defender µs per socket | marginal µs per socket "
      "| defender peak RSS MiB | `ss -tan` peak RSS MiB | collector used |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
previous = None
for line in open(sys.argv[1]):
    _, seen, total, path, defender_kib, ss_kib, collector = line.rstrip("\n").split("\t")
    results = {r["command"]: r for r in json.load(open(path))["results"]}
    mean = {name: results[name]["mean"] * 1e3 for name in results}
    sd = {name: results[name]["stddev"] * 1e3 for name in results}
    seen = int(seen)
    marginal = "–"
    if previous:
        marginal = f"{(mean['defender'] - previous[1]) * 1e3 / (seen - previous[0]):.3f}"
    print(f"| {seen:,} | {int(total):,} "
          f"| {mean['defender']:.2f} ± {sd['defender']:.2f} "
          f"| {mean['ss-tan']:.2f} ± {sd['ss-tan']:.2f} | {mean['ss-uan']:.2f} ± {sd['ss-uan']:.2f} "
          f"| {mean['defender'] / mean['ss-tan']:.2f}x | {mean['defender'] * 1e3 / seen:.3f} "
          f"| {marginal} | {int(defender_kib) / 1024:.1f} | {int(ss_kib) / 1024:.1f} | {collector} |")
    previous = (seen, mean["defender"])
PY
