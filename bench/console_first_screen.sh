#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The console's "first screen" of a large fleet (docs/performance.md, "Web console"): a local
# mosquitto (mutual TLS, 127.0.0.1), `defender detect --http` with the Detect bench's profile
# (bench/lib/ten-behaviors.json), and `defender simulate` publishing REPORTS reports of THINGS
# things (10 % misbehaving); once the store has every thing, bench/console_first_screen.py loads
# the fleet page LOADS times in headless Chromium from an empty cache and prints the time until
# its table is filled, and curl times /metrics and /api/things. Prints Markdown to standard
# output; progress goes to standard error.
#
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-bench -j2 --target defender-cli
#   bench/console_first_screen.sh
#
# Environment: DEFENDER (default build-bench/defender), THINGS (default 10000), REPORTS (default
# 2 x THINGS), LOADS (default 5). Needs chromium, chromium-driver, python3-selenium (for
# /usr/bin/python3, Debian's) and curl.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
source "$root/scripts/lib/local-broker.sh"
defender=${DEFENDER:-$root/build-bench/defender}
things=${THINGS:-10000}
reports=${REPORTS:-$((2 * things))}
loads=${LOADS:-5}

source "$here/lib/scratch.sh"
bench_scratch console-screen

[[ -x $defender ]] || { log "no defender binary at $defender (build it first)"; exit 1; }
for tool in chromium chromedriver curl; do
  command -v "$tool" >/dev/null || { log "$tool is missing (scripts/deps/console.list)"; exit 1; }
done
make_local_pki "defender console bench CA" simulator
BROKER_EXTRA_CONF="max_queued_messages 0" start_local_broker
log "== mosquitto on 127.0.0.1:$port"

cp "$here/lib/ten-behaviors.json" "$work/profile.json"
http_port=$(_free_port)
"$defender" detect -e localhost -p "$port" -r "$work/ca.pem" -c "$work/emulator.pem" \
  -k "$work/emulator.key" --client-id bench-console --profile "$work/profile.json" \
  --store "$work/detect.db" --http "127.0.0.1:$http_port" >/dev/null 2>"$work/detect.log" &
pids+=($!)
for _ in $(seq 150); do grep -qs 'detecting: subscribed' "$work/detect.log" && break; sleep 0.1; done
grep -qs 'detecting: subscribed' "$work/detect.log" || { log "detect did not subscribe"; cat "$work/detect.log" >&2; exit 1; }

log "== simulate: $reports reports of $things things"
"$defender" simulate -e localhost -p "$port" -r "$work/ca.pem" -c "$work/device.pem" \
  -k "$work/device.key" --things "$things" --interval 0.001 --reports "$reports" \
  --connections 4 --misbehaving 0.1 --reply-wait 0 --json >/dev/null 2>"$work/simulate.log"

log "== waiting for the store to hold $things things"
known=0
for _ in $(seq 300); do
  known=$(curl -s "http://127.0.0.1:$http_port/api/things?limit=1" |
    python3 -c 'import json, sys; print(json.load(sys.stdin).get("total", 0))' 2>/dev/null || echo 0)
  [ "$known" -ge "$things" ] && break
  sleep 1
done
[ "$known" -ge "$things" ] || { log "the store holds $known of $things things"; exit 1; }
sleep 2  # the last reports' writes

echo "Fleet page, $things things (headless Chromium, empty cache each load):"
echo
/usr/bin/python3 "$here/console_first_screen.py" "http://127.0.0.1:$http_port" --loads "$loads"
echo
echo "| request | median of 5, ms | bytes |"
echo "|---|---|---|"
for path in "/api/things?limit=100" "/api/things?limit=100&sort=activeViolations&order=desc" /metrics; do
  samples=()
  for _ in 1 2 3 4 5; do
    samples+=("$(curl -s -o "$work/body" -w '%{time_total}' "http://127.0.0.1:$http_port$path")")
  done
  median=$(printf '%s\n' "${samples[@]}" | sort -n | sed -n 3p)
  printf '| `%s` | %.0f | %d |\n' "$path" "$(python3 -c "print($median * 1000)")" "$(stat -c %s "$work/body")"
done
