#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every source file of the tree (C++, shell, Python, CMake, JavaScript) names its license in
# its first three lines: `SPDX-License-Identifier: Apache-2.0` (README, LICENSE).
# Usage: license_headers_test.sh <source dir>
set -euo pipefail
cd "$1"
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  list() { git ls-files; }
else
  list() { find . -type f -not -path './build*' -not -path './.git/*' | sed 's|^\./||'; }
fi
missing=0
checked=0
while IFS= read -r file; do
  case $file in
    *fuzz/corpus* | *fixtures/*) continue ;;
    *.cpp | *.hpp | *.h | *.sh | *.py | *.cmake | *.cmake.in | *CMakeLists.txt | *.js) ;;
    *) continue ;;
  esac
  [ -f "$file" ] || continue
  checked=$((checked + 1))
  if ! head -n 3 "$file" | grep -q "SPDX-License-Identifier: Apache-2.0"; then
    echo "no SPDX-License-Identifier line in the first 3 lines: $file"
    missing=$((missing + 1))
  fi
done < <(list)
[ "$checked" -gt 100 ] || { echo "FAIL: only $checked source files found" >&2; exit 1; }
[ "$missing" -eq 0 ] || { echo "FAIL: $missing of $checked files lack the license line" >&2; exit 1; }
echo "PASS: $checked files"
