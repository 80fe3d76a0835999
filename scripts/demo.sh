#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The local end-to-end demo, no AWS account needed: a throw-away CA and certificates, mosquitto
# on 127.0.0.1 requiring client certificates, `defender emulate` standing in for Device
# Defender, and `defender agent` publishing until three reports are accepted. When the binary
# has the web console (--http), it is served on CONSOLE_PORT (default 8080) and the demo prints its
# address; DEMO_CONSOLE=1 keeps the agent reporting until Ctrl-C (docs/console.md).
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib/local-broker.sh
defender=${DEFENDER:-build/defender}
reports=${REPORTS:-3}
console_port=${CONSOLE_PORT:-8080}

work=$(mktemp -d /tmp/defender-demo.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== making a throw-away CA and certificates in $work"
make_local_pki "defender demo CA" demo-thing
start_local_broker
echo "== mosquitto is on 127.0.0.1:$port (TLS, client certificates required)"

tls=(-e localhost -p "$port" -r "$work/ca.pem")
# A security profile as `aws iot describe-security-profile` prints it: the device may listen on
# SSH only. mosquitto's port is another, so the detector raises a violation (docs/detect.md).
# NotOn8000 is for the console: a server started on port 8000 raises it, stopping it clears it.
cat >"$work/known-ports.json" <<'JSON'
{"securityProfileName": "demo-known-ports",
 "behaviors": [{"name": "OnlySsh", "metric": "aws:listening-tcp-ports",
                "criteria": {"comparisonOperator": "in-port-set", "value": {"ports": [22]}}},
               {"name": "NotOn8000", "metric": "aws:listening-tcp-ports",
                "criteria": {"comparisonOperator": "not-in-port-set", "value": {"ports": [8000]}}}]}
JSON
# Detect runs in the emulator (--detect-profile), which also serves the web console. The console
# is a module the build puts next to the binary (an install: in its lib directory); a build
# without civetweb has none, and the demo then runs without the console.
detect_in_emulator=(--detect-profile "$work/known-ports.json" --detect-store "$work/detect.db")
bin_dir=$(dirname "$(readlink -f "$defender")")
console=0
for module in "${DEFENDER_CONSOLE_MODULE:-}" "$bin_dir/defender-console.so" \
  "$bin_dir"/../lib/defender/defender-console.so "$bin_dir"/../lib/*/defender/defender-console.so; do
  [ -n "$module" ] && [ -e "$module" ] && console=1
done
if [ "$console" = 1 ]; then
  detect_in_emulator+=(--http "127.0.0.1:$console_port")
  echo "== starting defender emulate, with Detect evaluating $work/known-ports.json and the web console"
else
  echo "== starting defender emulate, with Detect evaluating $work/known-ports.json (no console module)"
fi
"$defender" emulate "${tls[@]}" -c "$work/emulator.pem" -k "$work/emulator.key" --min-interval 1 \
  "${detect_in_emulator[@]}" >"$work/emulator.out" 2>"$work/emulator.log" &
pids+=($!)
sleep 1
if [ "$console" = 1 ]; then
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$console_port") 2>/dev/null && break
    sleep 0.1
  done
  echo "== the web console: open http://127.0.0.1:$console_port/"
fi

echo "== running defender agent until $reports reports are answered"
"$defender" agent "${tls[@]}" -c "$work/device.pem" -k "$work/device.key" -t demo-thing \
  --interval 2 --allow-short-interval --custom-metrics --state-dir "$work/state" \
  --exit-after "$reports"

echo "== what the emulator saw"
cat "$work/emulator.out"
accepted=$(grep -c '^ACCEPTED' "$work/emulator.out" || true)
if [ "$accepted" -lt "$reports" ]; then
  echo "error: only $accepted of $reports reports were accepted" >&2
  cat "$work/emulator.log" "$work/mosquitto.log" >&2
  exit 1
fi
echo "== $accepted reports accepted"
echo "== Detect: the alarms that are on (defender detect list-active-violations)"
"$defender" detect list-active-violations --store "$work/detect.db" | tee "$work/active.json"
if ! grep -q '"OnlySsh"' "$work/active.json"; then
  echo "error: Detect raised no violation of OnlySsh although mosquitto listens on $port" >&2
  cat "$work/emulator.log" >&2
  exit 1
fi

if [ "${DEMO_CONSOLE:-0}" = 1 ] && [ "$console" = 1 ]; then
  echo "== DEMO_CONSOLE=1: the agent reports every 2 s until Ctrl-C; open http://127.0.0.1:$console_port/"
  echo "   In another terminal, 'python3 -m http.server 8000' raises NotOn8000; stopping it clears it."
  "$defender" agent "${tls[@]}" -c "$work/device.pem" -k "$work/device.key" -t demo-thing \
    --interval 2 --allow-short-interval --custom-metrics --state-dir "$work/state" || true
fi
if [ "${DEMO_CONSOLE:-0}" != 1 ] && [ "$console" = 1 ]; then
  echo "== demo done. To watch the device in the web console until Ctrl-C: DEMO_CONSOLE=1 scripts/demo.sh"
fi
