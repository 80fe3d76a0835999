#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# What the web console costs a detector: the idle resident memory (VmRSS, and whether civetweb
# and the console module are mapped) of `defender detect` connected to a local mosquitto, with
# --http off and with --http on (after one request to each API endpoint, so the server's threads
# and the console's store connection exist). With BASELINE=<an older defender binary> (one built
# without the console, e.g. from the commit before it), the same detector without the console
# code at all. Prints a markdown table to standard output; progress goes to standard error.
#
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-bench -j2 --target defender-cli
#   bench/console_footprint.sh
#
# Environment: DEFENDER (default build-bench/defender), BASELINE (optional), SETTLE (seconds
# between start and measurement; default 3).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
source "$root/scripts/lib/local-broker.sh"
defender=${DEFENDER:-$root/build-bench/defender}
baseline=${BASELINE:-}
settle=${SETTLE:-3}

source "$here/lib/scratch.sh"
bench_scratch console-footprint

[[ -x $defender ]] || { log "no defender binary at $defender (build it first)"; exit 1; }
make_local_pki "defender console footprint CA" footprint-thing
start_local_broker
cat > "$work/profile.json" <<'JSON'
{"securityProfileName": "p", "behaviors": [{"name": "Ports", "metric": "aws:listening-tcp-ports",
 "criteria": {"comparisonOperator": "in-port-set", "value": {"ports": [22]}}}]}
JSON

# measure LABEL BINARY [ARGS...]: starts detect, waits, prints a table row.
measure() {
  local label=$1 binary=$2 run=$((${#pids[@]}))
  shift 2
  "$binary" detect -e localhost -p "$port" -r "$work/ca.pem" -c "$work/emulator.pem" \
    -k "$work/emulator.key" --client-id "footprint-$run" --store "$work/detect-$run.db" \
    --profile "$work/profile.json" "$@" >"$work/detect-$run.out" 2>"$work/detect-$run.log" &
  local pid=$!
  pids+=($pid)
  local deadline=$(( SECONDS + 20 ))
  until grep -qs 'detecting: subscribed' "$work/detect-$run.log"; do
    (( SECONDS < deadline )) || { log "detect did not subscribe"; cat "$work/detect-$run.log" >&2; exit 1; }
    sleep 0.1
  done
  if [[ -n ${http_port:-} ]]; then
    for path in / /api/things /api/things/footprint-thing /api/violations /api/session /metrics \
      /static/app.js; do
      curl -s -o /dev/null "http://127.0.0.1:$http_port$path" || true
    done
  fi
  sleep "$settle"
  local rss hwm threads civetweb module
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status")
  hwm=$(awk '/^VmHWM/ {print $2}' "/proc/$pid/status")
  threads=$(awk '/^Threads/ {print $2}' "/proc/$pid/status")
  civetweb=$(grep -c 'libcivetweb' "/proc/$pid/maps" || true)
  module=$(grep -c 'defender-console.so' "/proc/$pid/maps" || true)
  printf '| %s | %d | %d | %d | %s | %s |\n' "$label" "$rss" "$hwm" "$threads" \
    "$([[ $civetweb -gt 0 ]] && echo yes || echo no)" "$([[ $module -gt 0 ]] && echo yes || echo no)"
  kill "$pid"
  wait "$pid" 2>/dev/null || true
}

echo "| defender detect, idle | VmRSS KiB | VmHWM KiB | threads | civetweb mapped | console module mapped |"
echo "|---|---|---|---|---|---|"
if [[ -n $baseline ]]; then
  http_port='' measure "before the console ($baseline)" "$baseline"
fi
http_port='' measure "--http off" "$defender"
http_port=$(_free_port)
measure "--http 127.0.0.1:$http_port" "$defender" --http "127.0.0.1:$http_port"
