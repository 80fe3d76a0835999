#!/usr/bin/env bash
# README command 1: install what is missing, build, and run the main job locally.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
echo "== defender collect -n 2 -s 1 --custom-metrics"
build/defender collect -n 2 -s 1 --custom-metrics
