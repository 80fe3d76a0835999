#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# CPU of the agent's own thread per report cycle (schedstat, ns), at a short interval: the
# quick before/after check behind the "what changed" figures in docs/performance.md.
# Starts mosquitto with client certificates, `defender emulate` and `defender agent`
# (mutual TLS), waits 3 s, then reads the main thread's schedstat over 10 s.
# Environment: DEFENDER (default build-bench/defender), INTERVAL (default 0.5),
# STATEDIR (default a fresh directory; e.g. /dev/shm/x to take the file system out).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
source "$root/scripts/lib/local-broker.sh"
work=$(mktemp -d /tmp/defender-cycle.XXXXXX)
pids=()
trap 'kill "${pids[@]}" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
make_local_pki "cycle CA" cycle-thing
start_local_broker
defender=${DEFENDER:-$root/build-bench/defender}
tls=(-e localhost -p "$port" -r "$work/ca.pem")
"$defender" emulate "${tls[@]}" -c "$work/emulator.pem" -k "$work/emulator.key" \
  --min-interval 0 >/dev/null 2>&1 &
pids+=($!)
sleep 1
"$defender" agent "${tls[@]}" -c "$work/device.pem" -k "$work/device.key" -t cycle-thing \
  --interval "${INTERVAL:-0.5}" --allow-short-interval --state-dir "${STATEDIR:-$work/state}" \
  >/dev/null 2>"$work/agent.log" &
agent=$!
pids+=($agent)
sleep 3
before=$(awk '{print $1}' "/proc/$agent/task/$agent/schedstat")
reports_before=$(grep -c "accepted (" "$work/agent.log")
sleep 10
after=$(awk '{print $1}' "/proc/$agent/task/$agent/schedstat")
reports_after=$(grep -c "accepted (" "$work/agent.log")
cycles=$((reports_after - reports_before))
echo "agent thread: $(((after - before) / cycles / 1000)) us per cycle over $cycles cycles"
