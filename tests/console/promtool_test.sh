#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# console.promtool: `promtool check metrics` finds no problem (and prints nothing, lint
# warnings included) in the /metrics text of a realistic fleet and of one with hostile thing
# and metric names. Skipped (exit 77) without promtool (scripts/deps/console.list installs it).
set -euo pipefail
sample=$1
promtool=${PROMTOOL:-$(command -v promtool || true)}
if [[ -z $promtool ]]; then
    echo "SKIP: promtool not found (install the prometheus package: scripts/deps/console.list)"
    exit 77
fi
status=0
for mode in realistic hostile; do
    text=$("$sample" "$mode")
    if [[ $text != *defender_thing_reports_accepted_total* ]]; then
        echo "FAIL ($mode): the sample has no per-thing families:"
        echo "$text" | head -20
        status=1
        continue
    fi
    if ! output=$(printf '%s\n' "$text" | "$promtool" check metrics 2>&1) || [[ -n $output ]]; then
        echo "FAIL ($mode): promtool check metrics says:"
        echo "$output"
        status=1
    else
        echo "ok ($mode): $(printf '%s\n' "$text" | grep -vc '^#') samples, no problems"
    fi
done
exit $status
