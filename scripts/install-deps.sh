#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs the Debian 12 packages needed to build and demo defender (as root).
# With --tests, also those the whole test suite needs: one list per concern in scripts/deps/.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake pkg-config
  nlohmann-json3-dev libcli11-dev libspdlog-dev libmbedtls-dev libsqlite3-dev
  libcivetweb-dev libcrypt-dev libjs-chart.js
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  mosquitto mosquitto-clients openssl iproute2 python3 procps
)
if [ "${1:-}" = "--tests" ]; then
  for list in scripts/deps/*.list; do
    [ -e "$list" ] || continue
    while read -r package _; do
      [ -n "$package" ] && [ "${package:0:1}" != "#" ] && packages+=("$package")
    done <"$list"
  done
fi

missing=()
for package in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "installing: ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then
    echo "error: missing packages and not root; run as root or install: ${missing[*]}" >&2
    exit 2
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
