#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# README command 2: install what is missing, build, and run the whole test suite:
# the CTest suite, then every stage in scripts/ci-stages/ in order (format check, sanitizers and
# fuzzers, packages, the service under a real systemd, cross-builds).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh --tests
scripts/build.sh
build_dir=${BUILD_DIR:-build}
ctest --test-dir "$build_dir" --output-on-failure -j "$(nproc)" --timeout 300
for stage in scripts/ci-stages/*.sh; do
  [ -e "$stage" ] || continue
  started=$SECONDS
  echo "== stage $(basename "$stage")"
  BUILD_DIR=$build_dir "$stage"
  echo "== stage $(basename "$stage") passed in $((SECONDS - started)) s"
done
