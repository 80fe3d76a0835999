#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every error and warning message the program can print is explained in
# docs/troubleshooting.md: the fixed text at the start of each message (up to the first
# inserted value) of Error{...}, spdlog::error/warn/critical and the agent's warn/error log
# lines in src/ must appear there. Fragments shorter than 8 characters are too generic to check.
# Usage: error_messages_test.sh <source dir>
set -euo pipefail
source=$1
doc=$source/docs/troubleshooting.md
missing=0
while IFS= read -r fragment; do
  fragment=${fragment%% }
  [ "${#fragment}" -ge 8 ] || continue
  if ! grep -qF -- "$fragment" "$doc"; then
    echo "not in docs/troubleshooting.md: \"$fragment\""
    missing=$((missing + 1))
  fi
done < <(grep -rhoE '(Error\{|spdlog::(error|warn|critical)\(|LogLevel::(warn|error),)[[:space:]]*"([^"\\]|\\.)*' \
  "$source/src" | sed -E 's/^[^"]*"//; s/\{\}.*$//; s/\\"/"/g' | sort -u)
[ "$missing" -eq 0 ] || { echo "FAIL: $missing messages to explain" >&2; exit 1; }
echo PASS
