# SPDX-License-Identifier: Apache-2.0
# The bench scripts' scratch space, sourced: `bench_scratch NAME` makes the directory
# /tmp/defender-NAME.XXXXXX as $work and an empty $pids; on exit (or INT, TERM, HUP) every pid
# in $pids is killed and reaped and $work removed. `log` writes progress to standard error,
# leaving standard output to the results.

bench_scratch() {
  work=$(mktemp -d "/tmp/defender-$1.XXXXXX")
  pids=()
  trap _bench_cleanup EXIT
  trap 'exit 130' INT TERM HUP
}

_bench_cleanup() {
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}

log() { echo "$@" >&2; }
