#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Regenerates the files made from the option table of the `defender` executable:
# packaging/agent.conf, packaging/detect.conf, packaging/defender.1 and the option tables in docs/configuration.md.
# Run after changing an option; tests/docs/generated_docs_test.sh fails until you do.
# Usage: scripts/update-generated-docs.sh [build dir]
set -euo pipefail
cd "$(dirname "$0")/.."
defender=${1:-build}/defender
"$defender" help-dump conf >packaging/agent.conf
"$defender" help-dump detect-conf >packaging/detect.conf
"$defender" help-dump man >packaging/defender.1
tables=$(mktemp)
trap 'rm -f "$tables"' EXIT
"$defender" help-dump markdown >"$tables"
python3 - docs/configuration.md "$tables" <<'PY'
import sys
path, tables = sys.argv[1], open(sys.argv[2]).read()
begin, end = "<!-- BEGIN GENERATED: defender help-dump markdown -->\n", "<!-- END GENERATED -->\n"
text = open(path).read()
head, rest = text.split(begin, 1)
_, tail = rest.split(end, 1)
open(path, "w").write(head + begin + tables + end + tail)
PY
echo "updated packaging/agent.conf, packaging/detect.conf, packaging/defender.1, docs/configuration.md"
