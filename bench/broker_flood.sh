#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The agent's resident memory under a hostile broker's flood (docs/reliability.md, "Hostile
# inputs"). Starts the test suite's hostile broker (tests/support/hostile_broker.hpp: TLS,
# answers CONNECT and SUBSCRIBE, never acknowledges a report, floods the accepted topic with
# QoS 0 PUBLISHes, or the client with SUBACKs, as fast as the socket takes them) and `defender agent` against it, reporting
# every second and waiting its publish timeout each time, for DURATION seconds. Prints the
# peak resident memory (VmHWM, the kernel's high-water mark, and the largest VmRSS sampled
# every 0.5 s), the bytes flooded, the connections and the agent's CPU time; progress goes to
# standard error.
#
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-bench -j2 --target defender-cli defender-mqtt-module \
#     defender-hostile-broker
#   bench/broker_flood.sh
#
# Environment: DEFENDER (default build-bench/defender), BROKER (default
# build-bench/tests/defender-hostile-broker), DURATION (seconds, default 120), FLOOD (large:
# PUBLISHes of PAYLOAD bytes, default 262000; endless: PUBLISHes declaring 268 435 455 bytes
# whose body streams in; subacks: SUBACKs nobody asked for, with PAYLOAD return codes each),
# MODE (mtls, the default: MQTT over TLS with a client certificate; websocket: MQTT over
# WebSocket over TLS, `agent --use-websocket` with fake SigV4 credentials from the environment,
# which the hostile broker does not check), FRAME_BYTES (websocket only: 0, the default, sends
# each MQTT packet as one binary frame; N fragments each flood packet into frames of N bytes).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
source "$root/scripts/lib/local-broker.sh"
defender=${DEFENDER:-$root/build-bench/defender}
broker=${BROKER:-$root/build-bench/tests/defender-hostile-broker}
duration=${DURATION:-120}
flood=${FLOOD:-large}
payload=${PAYLOAD:-262000}
mode=${MODE:-mtls}
frame_bytes=${FRAME_BYTES:-0}
case $mode in
  mtls) transport=tls ;;
  websocket) transport=wss; (( frame_bytes > 0 )) && transport=wss:$frame_bytes ;;
  *) echo "MODE must be mtls or websocket, not $mode" >&2; exit 2 ;;
esac

source "$here/lib/scratch.sh"
bench_scratch flood

[[ -x $defender ]] || { log "no defender binary at $defender (build it first)"; exit 1; }
[[ -x $broker ]] || { log "no hostile broker at $broker (build defender-hostile-broker)"; exit 1; }

make_local_pki "defender flood CA" flood-thing
"$broker" "$work/server.pem" "$work/server.key" flood-thing "$flood" "$payload" 0 "$transport" \
  >"$work/broker.out" 2>"$work/broker.err" &
pids+=($!)
until grep -qs '^port ' "$work/broker.out"; do sleep 0.1; done
port=$(awk '/^port /{print $2; exit}' "$work/broker.out")
log "== hostile broker ($flood, $transport) on 127.0.0.1:$port"

if [[ $mode == websocket ]]; then
  # Fake credentials: the presigned URL is made but the hostile broker does not check it.
  connection=(-w --signing-region us-east-1)
  export AWS_ACCESS_KEY_ID=AKIDDEFENDERFLOOD01 AWS_SECRET_ACCESS_KEY=floodSecretKey0123456789
  export AWS_EC2_METADATA_DISABLED=true
else
  connection=(-c "$work/device.pem" -k "$work/device.key")
fi
"$defender" agent -e localhost -p "$port" -r "$work/ca.pem" "${connection[@]}" \
  -t flood-thing --interval 1 \
  --allow-short-interval --reply-timeout 0.5 --state-dir "$work/state" \
  >"$work/agent.out" 2>"$work/agent.log" &
agent=$!
pids+=($agent)
log "== defender agent for $duration s"

kib() { awk -v field="$1:" '$1 == field {print $2}' "/proc/$agent/status"; }
max_rss=0
end=$(( SECONDS + duration ))
while (( SECONDS < end )); do
  kill -0 "$agent" 2>/dev/null || { log "the agent exited"; cat "$work/agent.log" >&2; exit 1; }
  rss=$(kib VmRSS)
  (( rss > max_rss )) && max_rss=$rss
  sleep 0.5
done
hwm=$(kib VmHWM)
rss=$(kib VmRSS)
cpu=$(awk -v hz="$(getconf CLK_TCK)" '{printf "%.0f", ($14 + $15) / hz}' "/proc/$agent/stat")
read -r _ flooded _ connections < <(tail -n 1 "$work/broker.out")

echo "| mode | flood | seconds | flooded (MiB) | connections | peak RSS, VmHWM (KiB) | largest VmRSS sampled (KiB) | VmRSS at the end (KiB) | agent CPU (s) |"
echo "|---|---|---|---|---|---|---|---|---|"
case $flood in
  large) what="PUBLISHes of $payload B" ;;
  endless) what="PUBLISHes declaring 268435455 B" ;;
  *) what="unsolicited SUBACKs of $payload codes" ;;
esac
case $transport in
  tls) how="mutual TLS" ;;
  wss) how="WebSocket, a frame per packet" ;;
  *) how="WebSocket, frames of $frame_bytes B" ;;
esac
echo "| $how | $what | $duration | $(( flooded / 1048576 )) | $connections | $hwm | $max_rss | $rss | $cpu |"
log "warnings and errors of the agent:"
grep -E 'warn|error' "$work/agent.log" | sort | uniq -c | sort -rn | head -n 10 >&2 || true
