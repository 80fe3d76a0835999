#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Publish rate of `defender simulate` through a local mosquitto (mutual TLS, 127.0.0.1), with
# and without `defender emulate` answering every report (docs/performance.md, "Load
# generator"). For each number of connections in CONNECTIONS it publishes REPORTS reports of
# THINGS things with no pause between slots (a tiny interval, no --rate cap: the rate is what the
# QoS 1 round trips allow) and prints a Markdown table row from the --json summary. Progress
# goes to standard error.
#
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-bench -j2 --target defender-cli defender-mqtt-module
#   bench/simulate_throughput.sh
#
# Environment: DEFENDER (default build-bench/defender), THINGS (default 1000), REPORTS
# (default 20000), CONNECTIONS (default "1 4"), FORMAT (json or cbor, default json).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
source "$root/scripts/lib/local-broker.sh"
defender=${DEFENDER:-$root/build-bench/defender}
things=${THINGS:-1000}
reports=${REPORTS:-20000}
connections=${CONNECTIONS:-1 4}
format=${FORMAT:-json}

source "$here/lib/scratch.sh"
bench_scratch simulate

[[ -x $defender ]] || { log "no defender binary at $defender (build it first)"; exit 1; }
make_local_pki "defender simulate CA" simulator
start_local_broker
log "== mosquitto on 127.0.0.1:$port"
tls=(-e localhost -p "$port" -r "$work/ca.pem" -c "$work/device.pem" -k "$work/device.key")

run() {  # label connections
  local summary
  summary=$("$defender" simulate "${tls[@]}" --things "$things" --interval 0.001 \
    --reports "$reports" --connections "$2" --format "$format" --misbehaving 0.1 --json \
    --reply-wait 10 2>>"$work/simulate.log")
  python3 - "$1" "$2" "$summary" <<'PY'
import json, sys
label, connections, s = sys.argv[1], sys.argv[2], json.loads(sys.argv[3])
print(f"| {label} | {connections} | {s['format']} | {s['acknowledged']} | {s['failed']} | "
      f"{s['accepted']} | {s['seconds']} | {s['reports_per_second']:.0f} |")
PY
}

echo "| service | connections | format | acknowledged | failed | accepted | seconds | reports/s |"
echo "|---|---|---|---|---|---|---|---|"
for k in $connections; do
  log "== simulate, no service, $k connection(s)"
  run "none (broker only)" "$k"
done
"$defender" emulate -e localhost -p "$port" -r "$work/ca.pem" -c "$work/emulator.pem" \
  -k "$work/emulator.key" --min-interval 0 >/dev/null 2>"$work/emulator.log" &
pids+=($!)
for _ in $(seq 150); do grep -qs 'waiting for reports' "$work/emulator.log" && break; sleep 0.1; done
grep -qs 'waiting for reports' "$work/emulator.log" || { log "the emulator did not subscribe"; exit 1; }
for k in $connections; do
  log "== simulate, defender emulate answering, $k connection(s)"
  run "defender emulate" "$k"
done
