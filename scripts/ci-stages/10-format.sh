#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Every C++ file in git is formatted as .clang-format says (clang-format 14, Debian 12's);
# the failing files and their differences are printed. Fix with:
#   git ls-files '*.cpp' '*.hpp' | xargs clang-format -i
set -euo pipefail
cd "$(dirname "$0")/../.."
command -v clang-format >/dev/null || { echo "10-format: clang-format is missing (apt-get install clang-format)" >&2; exit 1; }
mapfile -t files < <(git ls-files '*.cpp' '*.hpp' '*.h')
if ! clang-format --dry-run -Werror "${files[@]}"; then
    echo "10-format: the files above are not formatted (git ls-files '*.cpp' '*.hpp' | xargs clang-format -i)" >&2
    exit 1
fi
echo "10-format: ${#files[@]} files formatted as .clang-format says"
