#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# End-to-end throughput of `defender detect` (docs/performance.md, "Detect end to end"):
# `defender simulate` publishes REPORTS reports of THINGS things (10 % misbehaving) through a
# local mosquitto (mutual TLS, 127.0.0.1) as fast as its connections allow, and the detector
# evaluates them against a 10-behavior profile and records them in its SQLite store. The rate
# is the detector's: reports recorded divided by the time from the first to the last datapoint
# in the store (each datapoint carries the time it was evaluated). Prints a Markdown table row.
#
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-bench -j2 --target defender-cli defender-mqtt-module
#   bench/detect_throughput.sh
#
# Environment: DEFENDER (default build-bench/defender), THINGS (default 1000), REPORTS (default
# 20000), CONNECTIONS (simulate's, default 4), FORMAT (json or cbor, default json), DETECT_CPU
# (pins the detector to this CPU; with `taskset -c 0 bench/detect_throughput.sh` and
# DETECT_CPU=1 the generator and the broker share one core and the detector has the other).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
source "$root/scripts/lib/local-broker.sh"
defender=${DEFENDER:-$root/build-bench/defender}
things=${THINGS:-1000}
reports=${REPORTS:-20000}
connections=${CONNECTIONS:-4}
format=${FORMAT:-json}

source "$here/lib/scratch.sh"
bench_scratch detect-bench

[[ -x $defender ]] || { log "no defender binary at $defender (build it first)"; exit 1; }
make_local_pki "defender detect bench CA" simulator
# The broker must queue a whole run for the detector, not drop it (mosquitto's default keeps
# 1 000 messages per client and drops the rest).
BROKER_EXTRA_CONF="max_queued_messages 0" start_local_broker
log "== mosquitto on 127.0.0.1:$port"

# Ten behaviors over every device-side metric kind a simulated report carries.
cp "$here/lib/ten-behaviors.json" "$work/profile.json"
${DETECT_CPU:+taskset -c "$DETECT_CPU"} "$defender" detect -e localhost -p "$port" -r "$work/ca.pem" -c "$work/emulator.pem" \
  -k "$work/emulator.key" --client-id bench-detect --profile "$work/profile.json" \
  --store "$work/detect.db" >/dev/null 2>"$work/detect.log" &
detect_pid=$!
pids+=($detect_pid)
for _ in $(seq 150); do grep -qs 'detecting: subscribed' "$work/detect.log" && break; sleep 0.1; done
grep -qs 'detecting: subscribed' "$work/detect.log" || { log "detect did not subscribe"; cat "$work/detect.log" >&2; exit 1; }

# The detector's CPU time (user + system, clock ticks), to tell its cost from the machine's:
# simulate and mosquitto share the same cores.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$detect_pid/stat"; }
ticks_before=$(cpu_ticks)
log "== simulate: $reports reports of $things things over $connections connection(s)"
"$defender" simulate -e localhost -p "$port" -r "$work/ca.pem" -c "$work/device.pem" \
  -k "$work/device.key" --things "$things" --interval 0.001 --reports "$reports" \
  --connections "$connections" --format "$format" --misbehaving 0.1 --reply-wait 0 --json \
  >"$work/simulate.json" 2>>"$work/simulate.log"

count() {
  python3 - "$work/detect.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
n, first, last = db.execute("SELECT count(*), min(time), max(time) FROM datapoints").fetchone()
print(n, first or 0, last or 0)
PY
}
log "== waiting for the detector to record them"
previous=-1
still=0
for _ in $(seq 600); do
  read -r recorded first last < <(count)
  [ "$recorded" -ge "$reports" ] && break
  # Stopped growing: 5 s without a new datapoint (a loaded machine stalls it for a second).
  if [ "$recorded" = "$previous" ] && [ "$recorded" -gt 0 ]; then
    still=$((still + 1))
    [ "$still" -ge 5 ] && break
  else
    still=0
  fi
  previous=$recorded
  sleep 1
done
ticks_after=$(cpu_ticks)
cpu_seconds=$(python3 -c "import os,sys; print(($ticks_after - $ticks_before) / os.sysconf('SC_CLK_TCK'))")
rss_kib=$(sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$detect_pid/status")
db_bytes=$(du -cb "$work"/detect.db* | tail -n 1 | cut -f1)
python3 - "$recorded" "$first" "$last" "$things" "$format" "$connections" "$rss_kib" "$db_bytes" \
  "$work/simulate.json" "$cpu_seconds" <<'PY'
import json, sys
n, first, last, things, fmt, conns, rss, db = sys.argv[1:9]
sim = json.load(open(sys.argv[9]))
cpu = max(float(sys.argv[10]), 0.01)
seconds = max(int(last) - int(first), 1) / 1000
print("| things | format | simulate connections | published | recorded | seconds | reports/s | "
      "detect CPU s | reports per detect CPU s | detect peak RSS | store bytes |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
print(f"| {things} | {fmt} | {conns} | {sim['acknowledged']} | {n} | {seconds:.1f} | "
      f"{int(n) / seconds:.0f} | {cpu:.2f} | {int(n) / cpu:.0f} | {int(rss) / 1024:.1f} MiB | "
      f"{int(db) / 1e6:.1f} MB |")
PY
