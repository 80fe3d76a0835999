#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Time per byte of the whole `defender check` process (read, split, parse, validate) on
# concatenated reports of 100 KB, 1 MB and 10 MB (compact JSON, pretty JSON, CBOR), then on
# hostile inputs. Each figure is the median wall time of RUNS runs (default 7) after one
# warm-up run, taken with python3's perf_counter around the process.
# Usage: bench/check_per_byte.sh [defender binary]   (default build-bench/defender)
# Environment: RUNS; TIMEOUT (seconds per run, default 60: a run that takes longer, or crashes,
# is reported as such).
# The reports are `defender collect --procfs tests/fixtures/proc/gateway` (sampled lists, no
# live data), so every run checks the same bytes.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
defender=${1:-$root/build-bench/defender}
work=$(mktemp -d /tmp/defender-check-bench.XXXXXX)
trap 'rm -rf "$work"' EXIT

procfs=$root/tests/fixtures/proc/gateway
"$defender" collect --procfs "$procfs" --compact >"$work/one.json"
"$defender" collect --procfs "$procfs" >"$work/one-pretty.json"
"$defender" collect --procfs "$procfs" --format cbor --short-names >"$work/one.cbor"

python3 - "$defender" "$work" "${RUNS:-7}" "${TIMEOUT:-60}" <<'EOF'
import os, statistics, subprocess, sys, time

defender, work, runs, timeout = sys.argv[1], sys.argv[2], int(sys.argv[3]), float(sys.argv[4])

def run_once(path):
    start = time.perf_counter()
    try:
        done = subprocess.run([defender, "check", "-q", path], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL, timeout=timeout)
    except subprocess.TimeoutExpired:
        return None, "timeout"
    elapsed = time.perf_counter() - start
    if done.returncode < 0:
        return None, "signal %d" % -done.returncode
    return elapsed, "exit %d" % done.returncode

def row(name, path):
    size = os.path.getsize(path) if os.path.isfile(path) else None
    shown = "{:,}".format(size).replace(",", " ") if size else "–"
    first, outcome = run_once(path)  # warm-up
    if first is None:
        print("| %s | %s | %s | – | – |" % (name, shown, outcome), flush=True)
        return
    times = [first] if first > 10 else [run_once(path)[0] for _ in range(runs)]
    ms = statistics.median(times) * 1e3
    per_byte = "%.1f" % (ms * 1e6 / size) if size else "–"
    print("| %s | %s | %s | %.2f | %s |" % (name, shown, outcome, ms, per_byte), flush=True)

def repeat_to(source, target, size):
    one = open(source, "rb").read()
    if not source.endswith(".cbor"):
        one = one.rstrip(b"\n") + b"\n"
    count = -(-size // len(one))
    open(target, "wb").write(one * count)
    return count

print("| Input | Bytes | Exit | ms | ns/byte |")
print("|---|---:|---|---:|---:|")
for kind in ("one.json", "one-pretty.json", "one.cbor"):
    for size in (100_000, 1_000_000, 10_000_000):
        target = os.path.join(work, "in")
        count = repeat_to(os.path.join(work, kind), target, size)
        row("%s × %d" % (kind, count), target)

# Hostile: nested 5 000 000 levels after a report; 100 000 keys in one object (refused above
# 10 922); the widest object read (10 922 members); a duplicate key in each of 1 000 reports;
# 16 MiB of NUL bytes (the most `check` reads); /dev/zero.
one = open(os.path.join(work, "one.json"), "rb").read().rstrip(b"\n")
n = 5_000_000
hostile = {"deep": one + b'\n{"a":' + b"[" * n + b"]" * n + b"}\n"}
def wide(members):
    body = b",".join(b'"%d":0' % i for i in range(members))
    return b'{"header":{"report_id":1,"version":"1.0"},"custom_metrics":{' + body + b"}}"
hostile["keys-100000"] = wide(100_000)
hostile["keys-10922"] = wide(10_922)
duplicated = one.replace(b'"version":"1.0"', b'"version":"1.0","version":"1.0"', 1)
hostile["duplicates × 1000"] = (duplicated + b"\n") * 1000
hostile["16 MiB of NUL"] = bytes(16 * 1024 * 1024)
for name, content in hostile.items():
    path = os.path.join(work, "hostile")
    open(path, "wb").write(content)
    row(name, path)
row("/dev/zero", "/dev/zero")
EOF
