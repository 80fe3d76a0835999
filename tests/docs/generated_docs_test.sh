#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The committed files generated from the option table match what the executable generates
# (scripts/update-generated-docs.sh), the sample agent.conf with every setting uncommented is
# accepted by `defender agent --config`, and the man page renders without warnings.
# Usage: generated_docs_test.sh <defender binary> <source dir>
set -euo pipefail
defender=$1
source=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
stale() { fail "$1 is stale: run scripts/update-generated-docs.sh and commit the result"; }

"$defender" help-dump conf >"$tmp/agent.conf"
diff -u "$source/packaging/agent.conf" "$tmp/agent.conf" || stale packaging/agent.conf
"$defender" help-dump detect-conf >"$tmp/detect.conf"
diff -u "$source/packaging/detect.conf" "$tmp/detect.conf" || stale packaging/detect.conf
"$defender" help-dump man >"$tmp/defender.1"
diff -u "$source/packaging/defender.1" "$tmp/defender.1" || stale packaging/defender.1
"$defender" help-dump markdown >"$tmp/tables.md"
sed -n '/^<!-- BEGIN GENERATED: defender help-dump markdown -->$/,/^<!-- END GENERATED -->$/p' \
  "$source/docs/configuration.md" | sed '1d;$d' >"$tmp/committed-tables.md"
diff -u "$tmp/committed-tables.md" "$tmp/tables.md" || stale docs/configuration.md

# Every agent option is in the sample (the first long name of each line of the help).
"$defender" agent --help | grep -Eo '^ +(-[a-zA-Z],)?--[a-z][a-z-]*' | sed -E 's/.*--//' |
  sort -u >"$tmp/options"
[ "$(wc -l <"$tmp/options")" -gt 10 ] || fail "cannot read the agent's options from --help"
while read -r option; do
  [ "$option" = help ] && continue
  grep -q "^# $option = " "$source/packaging/agent.conf" ||
    fail "agent option --$option is not in packaging/agent.conf"
done <"$tmp/options"

# Uncommented, the sample is a valid configuration.
sed -E 's/^# ([a-z][a-z-]* = )/\1/' "$source/packaging/agent.conf" >"$tmp/uncommented.conf"
grep -Eq '^endpoint = ' "$tmp/uncommented.conf" || fail "nothing uncommented"
"$defender" agent --config "$tmp/uncommented.conf" --dry-run --exit-after 1 --interval 1 \
  --allow-short-interval >"$tmp/report.json" 2>"$tmp/agent.err" ||
  { cat "$tmp/agent.err"; fail "the uncommented sample is not accepted"; }
"$defender" check "$tmp/report.json" || fail "report from the sample configuration"

if command -v groff >/dev/null; then
  warnings=$(groff -man -Tutf8 -ww -z "$source/packaging/defender.1" 2>&1)
  [ -z "$warnings" ] || fail "defender.1: $warnings"
fi
echo PASS
