#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A wrong-way include fails the build: compiles probe targets of tests/stages/ (excluded from
# `all`) in the build dir and expects
#   stage_probe_report_includes_collect         to build (report may include collect and util)
#   stage_probe_collect_includes_report         to fail: "report/field_names.hpp" not found
#   stage_probe_collect_includes_report_header  to fail: "defender/report.hpp" not found
# Usage: wrong_way_include_test.sh <build dir>
set -uo pipefail
build=$1
log=$(mktemp)
trap 'rm -f "$log"' EXIT
fail() {
    echo "FAIL: $*" >&2
    exit 1
}
# Only the probe's own object: its stage libraries are up to date after the build.
probe() { cmake --build "$build" --target "stage_probe_$1" >"$log" 2>&1; }

probe report_includes_collect || { cat "$log"; fail "the allowed include did not build"; }
echo "report_includes_collect: builds"
for case in "collect_includes_report report/field_names.hpp" \
    "collect_includes_report_header defender/report.hpp"; do
    read -r name header <<<"$case"
    if probe "$name"; then
        fail "$name built: src/collect/ can reach $header"
    fi
    # GCC: "x.hpp: No such file or directory"; clang: "'x.hpp' file not found".
    grep -Eq "$header'?(: No such file or directory| file not found)" "$log" ||
        { cat "$log"; fail "$name failed, but not for want of $header"; }
    echo "$name: refused ($header not found)"
done
