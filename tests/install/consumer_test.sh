#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Installs defender into a temporary prefix and uses it as users do: builds
# examples/custom-agent with find_package(Defender), compiles with pkg-config, runs the
# installed `defender` (which must find its installed MQTT module).
# Usage: consumer_test.sh <defender build dir> <source dir>
set -euo pipefail
build=$1
source=$2
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
prefix=$tmp/prefix

step() { echo "== $*"; }
fail() {
    echo "FAIL: $*" >&2
    exit 1
}

step "cmake --install into a temporary prefix"
cmake --install "$build" --prefix "$prefix" >"$tmp/install.log"
libdir=$(dirname "$(find "$prefix" -name libdefender.a -print -quit)")
for file in "$prefix/bin/defender" "$libdir/defender/defender-mqtt.so" "$libdir/libdefender.a" \
    "$libdir/cmake/Defender/FindMbedTLS.cmake" \
    "$libdir/libdefender_mqtt.a" "$prefix/include/defender/defender.hpp" \
    "$prefix/include/defender/version.hpp" \
    "$libdir/cmake/Defender/DefenderConfig.cmake" \
    "$libdir/cmake/Defender/DefenderConfigVersion.cmake" "$libdir/pkgconfig/defender.pc" \
    "$libdir/pkgconfig/defender-mqtt.pc"; do
    [ -e "$file" ] || fail "not installed: ${file#"$prefix"/}"
done

step "examples/custom-agent against the installed CMake package"
cmake -S "$source/examples/custom-agent" -B "$tmp/consumer" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_BUILD_TYPE=Release -DCMAKE_COMPILE_WARNING_AS_ERROR=ON >"$tmp/configure.log" ||
    { cat "$tmp/configure.log"; fail "configure"; }
cmake --build "$tmp/consumer" >"$tmp/build.log" 2>&1 || { cat "$tmp/build.log"; fail "build"; }
"$tmp/consumer/custom-agent" >"$tmp/report.json"
"$prefix/bin/defender" check - <"$tmp/report.json" || { cat "$tmp/report.json"; fail "invalid report"; }
grep -q '"device_clock_seconds"' "$tmp/report.json" || fail "custom metric missing"

for file in "$libdir"/libdefender_mqtt_lean.a "$libdir"/pkgconfig/defender-mqtt-lean.pc \
    "$libdir"/defender/defender-mqtt-lean.so "$prefix"/include/defender/lean_mqtt_transport.hpp; do
    [ ! -e "$file" ] || fail "installed although the one MQTT stack replaced it: ${file#"$prefix"/}"
done

step "Defender::defender alone needs no mbed TLS"
cmake -S "$source/examples/custom-agent" -B "$tmp/consumer-no-tls" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_DISABLE_FIND_PACKAGE_MbedTLS=ON \
    >"$tmp/configure-no-tls.log" 2>&1 || { cat "$tmp/configure-no-tls.log"; fail "configure without mbed TLS"; }
cmake --build "$tmp/consumer-no-tls" >"$tmp/build-no-tls.log" 2>&1 ||
    { cat "$tmp/build-no-tls.log"; fail "build without mbed TLS"; }
mkdir "$tmp/wants-mqtt"
printf 'cmake_minimum_required(VERSION 3.25)\nproject(wants_mqtt LANGUAGES CXX)\nfind_package(Defender REQUIRED COMPONENTS mqtt)\n' \
    >"$tmp/wants-mqtt/CMakeLists.txt"
if cmake -S "$tmp/wants-mqtt" -B "$tmp/wants-mqtt/build" -DCMAKE_PREFIX_PATH="$prefix" \
    -DCMAKE_DISABLE_FIND_PACKAGE_MbedTLS=ON >"$tmp/wants-mqtt.log" 2>&1; then
    fail "COMPONENTS mqtt was found without mbed TLS"
fi

step "Defender::mqtt links (mbed TLS found through the package)"
mkdir "$tmp/mqtt-consumer"
cat >"$tmp/mqtt-consumer/CMakeLists.txt" <<'CMAKE'
cmake_minimum_required(VERSION 3.25)
project(mqtt_consumer LANGUAGES CXX)
set(CMAKE_CXX_STANDARD 20)
find_package(Defender REQUIRED COMPONENTS mqtt)
add_executable(mqtt-consumer main.cpp)
target_link_libraries(mqtt-consumer PRIVATE Defender::mqtt)
CMAKE
cat >"$tmp/mqtt-consumer/main.cpp" <<'CPP'
#include "defender/mqtt_transport.hpp"
int main() {
    defender::MqttSettings settings;
    settings.endpoint = "localhost";
    defender::MqttTransport transport(settings);
    auto made = defender::make_mqtt_transport(settings);
    return transport.is_connected() || made->is_connected() ? 1 : 0;
}
CPP
cmake -S "$tmp/mqtt-consumer" -B "$tmp/mqtt-consumer/build" -DCMAKE_PREFIX_PATH="$prefix" \
    >"$tmp/configure-mqtt.log" || { cat "$tmp/configure-mqtt.log"; fail "configure Defender::mqtt"; }
cmake --build "$tmp/mqtt-consumer/build" >"$tmp/build-mqtt.log" 2>&1 ||
    { cat "$tmp/build-mqtt.log"; fail "build against Defender::mqtt"; }
"$tmp/mqtt-consumer/build/mqtt-consumer" || fail "Defender::mqtt consumer"

step "pkg-config"
if command -v pkg-config >/dev/null; then
    export PKG_CONFIG_PATH=$libdir/pkgconfig
    printf '#include <defender/defender.hpp>\nstatic_assert(sizeof(DEFENDER_VERSION) > 5);\nint main() { return defender::Report{}.version == "1.0" ? 0 : 1; }\n' \
        >"$tmp/pc.cpp"
    # shellcheck disable=SC2046 # word splitting of the flags is intended
    c++ -std=c++20 -o "$tmp/pc" "$tmp/pc.cpp" $(pkg-config --cflags --libs --static defender) ||
        fail "pkg-config defender"
    "$tmp/pc" || fail "pkg-config program"
    printf '#include <defender/mqtt_transport.hpp>\nint main() { return defender::offers_aws_alpn({}) ? 1 : 0; }\n' \
        >"$tmp/pc-mqtt.cpp"
    # shellcheck disable=SC2046
    c++ -std=c++20 -o "$tmp/pc-mqtt" "$tmp/pc-mqtt.cpp" \
        $(pkg-config --cflags --libs --static defender-mqtt) || fail "pkg-config defender-mqtt"
    "$tmp/pc-mqtt" || fail "pkg-config defender-mqtt program"
else
    echo "pkg-config not installed: skipped"
fi

step "the installed defender"
"$prefix/bin/defender" collect -n 1 --compact | "$prefix/bin/defender" check - ||
    fail "installed defender collect"
# Run from elsewhere, so only the install-relative lookup can find the module: the agent must
# get as far as checking its files.
set +e
output=$(cd / && env -u DEFENDER_MQTT_MODULE "$prefix/bin/defender" agent --endpoint localhost \
    -r /nonexistent/ca.pem -c /nonexistent/cert.pem -k /nonexistent/key.pem \
    --client-id consumer-test -t consumer-test 2>&1)
status=$?
set -e
echo "$output"
[ "$status" -ne 0 ] || fail "agent with missing files succeeded"
if grep -q "cannot load the MQTT module" <<<"$output"; then
    fail "the installed agent did not find its installed module"
fi
grep -q "/nonexistent/ca.pem" <<<"$output" || fail "the agent did not report the missing file"
echo "PASS"
