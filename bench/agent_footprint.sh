#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The agent between reports: `defender agent` connected with mutual TLS (or, with
# MODE=websocket, over WebSocket with SigV4) to a local mosquitto, answered by
# `defender emulate --min-interval 0`, publishing every INTERVAL seconds while
# bench/hold_sockets.py holds about 100 established loopback sockets. Measures, from /proc:
#   - idle RSS (VmRSS, VmHWM) between two reports;
#   - CPU (utime + stime) per report cycle, over CYCLES cycles;
#   - context switches per thread (voluntary + involuntary, with the thread's comm) over an idle
#     window between two reports, i.e. which threads wake up when nothing is published.
# Prints a markdown summary to standard output; progress goes to standard error.
# Certificates and mosquitto are set up as in scripts/demo.sh. Run after a Release build:
#
#   cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release
#   cmake --build build-bench -j2 --target defender-cli defender-mqtt-module
#   bench/agent_footprint.sh
#
# Environment: DEFENDER (default build-bench/defender), INTERVAL (default 10), CYCLES (default 6),
# CONNECTIONS (held loopback connections, 2 sockets each; default 50), KEEP_ALIVE (default 60),
# MODE (mtls, or websocket: `-w` to mosquitto's wss listener with throw-away AWS credentials in
# the environment; default mtls),
# PERF=1 to also count sched:sched_switch per thread with `perf stat` over the idle window.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
source "$root/scripts/lib/local-broker.sh"
defender=${DEFENDER:-$root/build-bench/defender}
interval=${INTERVAL:-10}
cycles=${CYCLES:-6}
connections=${CONNECTIONS:-50}
keep_alive=${KEEP_ALIVE:-60}
mode=${MODE:-mtls}
[[ $mode == mtls || $mode == websocket ]] || { echo "MODE must be mtls or websocket" >&2; exit 2; }

source "$here/lib/scratch.sh"
bench_scratch footprint

[[ -x $defender ]] || { log "no defender binary at $defender (build it first)"; exit 1; }

log "== certificates in $work"
make_local_pki "defender footprint CA" footprint-thing
[[ $mode == websocket ]] && WSS_LISTENER=1
start_local_broker
log "== mosquitto on 127.0.0.1:$port${wss_port:+ (wss on $wss_port)}"

log "== holding $connections loopback connections"
/usr/bin/python3 "$here/hold_sockets.py" "$connections" >"$work/holder.out" &
pids+=($!)
until grep -qs '^ready' "$work/holder.out"; do sleep 0.1; done

tls=(-e localhost -p "$port" -r "$work/ca.pem")
"$defender" emulate "${tls[@]}" -c "$work/emulator.pem" -k "$work/emulator.key" \
  --min-interval 0 >"$work/emulator.out" 2>"$work/emulator.log" &
pids+=($!)
sleep 1

log "== defender agent --interval $interval ($mode)"
if [[ $mode == websocket ]]; then
  connection=(-e localhost -p "$wss_port" -r "$work/ca.pem" -w)
else
  connection=("${tls[@]}" -c "$work/device.pem" -k "$work/device.key")
fi
AWS_ACCESS_KEY_ID=AKIDFOOTPRINT AWS_SECRET_ACCESS_KEY=footprint-secret AWS_EC2_METADATA_DISABLED=true \
  "$defender" agent "${connection[@]}" -t footprint-thing \
  --interval "$interval" --allow-short-interval --keep-alive "$keep_alive" \
  --state-dir "$work/state" >"$work/agent.out" 2>"$work/agent.log" &
agent=$!
pids+=($agent)

answered() { grep -c '^ACCEPTED\|^REJECTED' "$work/emulator.out" 2>/dev/null || true; }
# Waits until the emulator has answered `n` reports (or fails after a generous deadline).
wait_answered() {
  local deadline=$(( SECONDS + interval * 3 + 30 ))
  until (( $(answered) >= $1 )); do
    kill -0 "$agent" 2>/dev/null || { log "the agent exited"; cat "$work/agent.log" >&2; exit 1; }
    (( SECONDS < deadline )) || { log "no answer to report $1"; cat "$work/agent.log" >&2; exit 1; }
    sleep 0.05
  done
}
cpu_ticks() { awk '{print $14 + $15}' "/proc/$agent/stat"; }  # utime + stime
# One line per thread: tid, comm, nanoseconds on CPU (schedstat: finer than clock ticks).
thread_cpu_ns() {
  local task
  for task in /proc/"$agent"/task/*; do
    printf '%s\t%s\t%s\n' "${task##*/}" "$(cat "$task/comm")" "$(awk '{print $1}' "$task/schedstat")"
  done
}
# Resident KiB per mapping (library file name, [heap], [stack], anonymous), largest first.
rss_by_mapping() {
  awk '/^[0-9a-f]+-[0-9a-f]+ / { name = ($6 == "" ? "[anonymous]" : $6); sub(".*/", "", name) }
       /^Rss:/ { rss[name] += $2 }
       END { for (n in rss) if (rss[n] > 0) printf "%d\t%s\n", rss[n], n }' \
    "/proc/$agent/smaps" | sort -rn
}
# One line per thread: tid, comm, voluntary, nonvoluntary context switches.
thread_switches() {
  local task
  for task in /proc/"$agent"/task/*; do
    printf '%s\t%s\t%s\t%s\n' "${task##*/}" "$(cat "$task/comm")" \
      "$(awk '/^voluntary_ctxt_switches/ {print $2}' "$task/status")" \
      "$(awk '/^nonvoluntary_ctxt_switches/ {print $2}' "$task/status")"
  done
}

wait_answered 1
sockets=$(ss -Htan state established | wc -l)
# Warm up: one more cycle, so the first report's one-off costs (TLS handshake, first
# allocations) are not counted.
wait_answered 2
sleep 1
start_reports=$(answered)
start_ticks=$(cpu_ticks)
thread_cpu_ns > "$work/cpu.before"
start_time=$(date +%s.%N)
wait_answered $(( start_reports + cycles ))
# End at the same phase as the start: 1 s after a report was answered.
sleep 1
end_ticks=$(cpu_ticks)
thread_cpu_ns > "$work/cpu.after"
end_time=$(date +%s.%N)
ticks_per_second=$(getconf CLK_TCK)

# Idle window: from 1 s after a report to 1 s before the next one.
wait_answered $(( start_reports + cycles + 1 ))
sleep 1
window=$(( interval - 2 ))
thread_switches > "$work/switches.before"
window_start=$(date +%s.%N)
if [[ ${PERF:-0} == 1 ]] && command -v perf > /dev/null; then
  perf stat --per-thread -e 'sched:sched_switch' -p "$agent" -o "$work/perf.txt" \
    -- sleep "$window" 2>/dev/null || true
else
  sleep "$window"
fi
thread_switches > "$work/switches.after"
window_end=$(date +%s.%N)
reports_in_window=$(( $(answered) - start_reports - cycles - 1 ))
status=$(cat "/proc/$agent/status")
rss_kib=$(awk '/^VmRSS/ {print $2}' <<< "$status")
hwm_kib=$(awk '/^VmHWM/ {print $2}' <<< "$status")
threads=$(awk '/^Threads/ {print $2}' <<< "$status")
rss_by_mapping > "$work/rss.txt"

echo "## defender agent between reports"
echo
echo "Mode ${mode}, interval ${interval} s, keep-alive ${keep_alive} s, ${sockets} established TCP sockets on the host"
echo
echo "| | |"
echo "|---|---|"
echo "| Idle RSS (VmRSS) | $(awk -v k="$rss_kib" 'BEGIN {printf "%.1f MiB (%d KiB)", k / 1024, k}') |"
echo "| Peak RSS so far (VmHWM) | $(awk -v k="$hwm_kib" 'BEGIN {printf "%.1f MiB (%d KiB)", k / 1024, k}') |"
echo "| Threads | $threads |"
awk -v t0="$start_ticks" -v t1="$end_ticks" -v hz="$ticks_per_second" -v n="$cycles" \
    -v s0="$start_time" -v s1="$end_time" 'BEGIN {
  ms = (t1 - t0) * 1000 / hz
  printf "| CPU over %d cycles (%.1f s) | %.0f ms (clock tick %.0f ms) |\n", n, s1 - s0, ms, 1000 / hz
  printf "| CPU per report cycle | %.1f ms |\n", ms / n
}'
echo
echo "CPU per report cycle by thread (schedstat, ns precision):"
echo
echo "| Thread id | comm | ms over $cycles cycles | ms per cycle |"
echo "|---:|---|---:|---:|"
join -t $'\t' "$work/cpu.before" "$work/cpu.after" | awk -F'\t' -v n="$cycles" '{
  ms = ($5 - $3) / 1e6; total += ms
  printf "| %s | %s | %.2f | %.3f |\n", $1, $2, ms, ms / n
} END { printf "| | all | %.2f | %.3f |\n", total, total / n }'
echo
echo "Resident memory by mapping (KiB, from /proc/PID/smaps, largest 12):"
echo
echo "| KiB | mapping |"
echo "|---:|---|"
head -12 "$work/rss.txt" | awk -F'\t' '{ printf "| %d | %s |\n", $1, $2 }'
awk -F'\t' '{ t += $1 } END { printf "| %d | all |\n", t }' "$work/rss.txt"
echo
awk -v s0="$window_start" -v s1="$window_end" -v r="$reports_in_window" 'BEGIN {
  printf "Context switches per thread over an idle window of %.1f s (reports published in the window: %d):\n\n", s1 - s0, r
}'
echo "| Thread id | comm | voluntary | involuntary | per second |"
echo "|---:|---|---:|---:|---:|"
join -t $'\t' "$work/switches.before" "$work/switches.after" | awk -F'\t' \
    -v s0="$window_start" -v s1="$window_end" '{
  v = $6 - $3; i = $7 - $4
  printf "| %s | %s | %d | %d | %.1f |\n", $1, $2, v, i, (v + i) / (s1 - s0)
}'
if [[ -s $work/perf.txt ]]; then
  echo
  echo '`perf stat --per-thread -e sched:sched_switch` over the same window:'
  echo
  echo '```'
  grep -v '^#\|^$' "$work/perf.txt"
  echo '```'
fi
