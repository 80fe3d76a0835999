#!/usr/bin/env bash
# Installs the Debian 12 packages needed to build, test and demo defender (as root).
set -euo pipefail

packages=(
  build-essential cmake pkg-config
  nlohmann-json3-dev libcli11-dev libspdlog-dev libssl-dev
  libpaho-mqttpp-dev libpaho-mqtt-dev
  googletest libgtest-dev libgmock-dev libbenchmark-dev
  mosquitto mosquitto-clients openssl iproute2 python3 procps
)

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
