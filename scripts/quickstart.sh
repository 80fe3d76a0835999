#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# README command 1: install what is missing, build, and run the local end-to-end demo
# (mosquitto with mutual TLS, `defender emulate` as Device Defender, `defender agent`).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-deps.sh
scripts/build.sh
scripts/demo.sh
