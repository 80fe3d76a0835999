#!/bin/bash
# SPDX-License-Identifier: Apache-2.0
# Size of the stripped `defender` binary and its shared libraries, each with its Debian package.
# Prints markdown to standard output. Usage: bench/binary_footprint.sh [path/to/defender]
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
binary=${1:-$(dirname "$here")/build-bench/defender}
[[ -x $binary ]] || { echo "no defender binary at $binary (build it first)" >&2; exit 1; }

stripped=$(mktemp)
trap 'rm -f "$stripped"' EXIT
strip -o "$stripped" "$binary"

echo "| Binary | Bytes | MiB |"
echo "|---|---:|---:|"
for file in "$binary" "$stripped"; do
    bytes=$(stat -c %s "$file")
    label=$([[ $file == "$binary" ]] && echo "defender (as built)" || echo "defender (stripped)")
    echo "| $label | $bytes | $(awk -v b="$bytes" 'BEGIN { printf "%.2f", b / 1048576 }') |"
done
echo
echo "| Shared library (ldd) | Resolved path | Debian package |"
echo "|---|---|---|"
ldd "$binary" | awk '
    /=>/ && $3 ~ /^\// { print $1, $3; next }
    $1 ~ /^\// { print $1, $1 }' |
while read -r name path; do
    real=$(readlink -f "$path")
    package=$(dpkg -S "$path" 2>/dev/null | head -1 | cut -d: -f1 ||
              true)
    [[ -n $package ]] || package=$(dpkg -S "$real" 2>/dev/null | head -1 | cut -d: -f1 || true)
    # dpkg knows /lib/... paths on merged-/usr systems; try that spelling too.
    [[ -n $package ]] || package=$(dpkg -S "${path#/usr}" 2>/dev/null | head -1 | cut -d: -f1 || true)
    echo "| $name | $path | ${package:-not from a package} |"
done
