#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Builds the Debian packages with CPack from the CI build dir and tests them as a user would:
# apt-get install ./defender_*.deb (dependencies resolved by apt), run the installed defender,
# verify the installed systemd unit offline, rate its hardening, then remove and purge and check
# that nothing is left behind. Needs root (it installs a package on this machine).
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=${BUILD_DIR:-build}
step() { echo "== $*"; }
fail() {
  echo "FAIL: $*" >&2
  exit 1
}
if [ "$(id -u)" -ne 0 ]; then
  echo "40-deb: not root, skipped (installs a package)"
  exit 0
fi
if dpkg-query -W -f='${Status}' defender 2>/dev/null | grep -q "install ok installed"; then
  fail "a defender package is already installed on this machine; remove it first"
fi
work=$(mktemp -d)
cleanup() {
  dpkg --purge defender-dev defender >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT

step "cpack"
cmake --build "$build_dir" -j "$(nproc)" --target defender-cli defender-mqtt-module >/dev/null
(cd "$build_dir" && cpack -G DEB -B "$work" >"$work/cpack.log") || { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/defender_*.deb)
dev_deb=$(ls "$work"/defender-dev_*.deb)
dpkg-deb -I "$deb"
depends=$(dpkg-deb -f "$deb" Depends)
for library in libc6 libstdc++6 libspdlog1.1 libfmt9 libmbedtls14 libmbedx509-1 libmbedcrypto7; do
  grep -q "$library" <<<"$depends" || fail "Depends lacks $library: $depends"
done
# The web console's module (built when civetweb is found, as on Debian 12) brings its library.
grep -q libcivetweb1 <<<"$depends" || fail "Depends lacks libcivetweb1 (the console module): $depends"
for library in libpaho libssl; do
  ! grep -q "$library" <<<"$depends" || fail "Depends has $library, which nothing uses: $depends"
done
dpkg-deb -c "$deb" | awk '{print $6}' >"$work/files"
for file in ./usr/bin/defender ./usr/lib/defender/defender-mqtt.so ./usr/lib/defender/defender-console.so \
  ./usr/lib/systemd/system/defender-agent.service ./etc/defender/agent.conf \
  ./usr/share/man/man1/defender.1.gz ./usr/share/doc/defender/configuration.md; do
  grep -qx "$file" "$work/files" || fail "$file missing from $(basename "$deb")"
done
dpkg-deb --ctrl-tarfile "$deb" | tar -xO ./conffiles | grep -qx /etc/defender/agent.conf ||
  fail "/etc/defender/agent.conf is not a conffile"

step "apt-get install $(basename "$deb") $(basename "$dev_deb")"
export DEBIAN_FRONTEND=noninteractive
started=$SECONDS
apt-get install -y -qq --no-install-recommends "$deb" "$dev_deb" >"$work/apt.log" 2>&1 ||
  { cat "$work/apt.log"; fail "apt-get install"; }
echo "apt-get install: $((SECONDS - started)) s"

step "the installed defender"
[ "$(command -v defender)" = /usr/bin/defender ] || fail "defender is not /usr/bin/defender"
/usr/bin/defender collect -n 1 --compact >"$work/report.json"
/usr/bin/defender check "$work/report.json" || fail "the installed defender's report is invalid"
# The installed sample configuration parses (every line commented out, so: defaults).
/usr/bin/defender agent --config /etc/defender/agent.conf --dry-run --interval 1 \
  --allow-short-interval --exit-after 1 >/dev/null || fail "the installed agent.conf does not parse"
# The agent finds its installed MQTT module (it gets as far as checking the certificate files).
set +e
output=$(env -u DEFENDER_MQTT_MODULE /usr/bin/defender agent --config /etc/defender/agent.conf \
  -e localhost -r /nonexistent/ca.pem -c /nonexistent/c.pem -k /nonexistent/k.pem 2>&1)
status=$?
set -e
[ "$status" -eq 2 ] && grep -q /nonexistent/ca.pem <<<"$output" ||
  fail "installed agent with missing files: exit $status: $output"
# The console module's libraries resolve from the installed packages alone.
! ldd /usr/lib/defender/defender-console.so | grep -q "not found" ||
  fail "defender-console.so: $(ldd /usr/lib/defender/defender-console.so | grep 'not found')"
man -w defender >/dev/null 2>&1 || [ -e /usr/share/man/man1/defender.1.gz ] || fail "no man page"

step "systemd unit"
systemd-analyze verify /usr/lib/systemd/system/defender-agent.service ||
  fail "systemd-analyze verify"
systemd-analyze security --offline=true --threshold=30 \
  /usr/lib/systemd/system/defender-agent.service >"$work/security.txt" 2>&1 ||
  { cat "$work/security.txt"; fail "systemd-analyze security: exposure above 3.0 (OK)"; }
tail -n 1 "$work/security.txt"

step "the CMake package of defender-dev"
cmake -S examples/custom-agent -B "$work/consumer" -DCMAKE_BUILD_TYPE=Release >/dev/null ||
  fail "find_package(Defender) against the installed defender-dev"
cmake --build "$work/consumer" >/dev/null || fail "examples/custom-agent against defender-dev"
"$work/consumer/custom-agent" | /usr/bin/defender check - || fail "custom agent report"

step "remove, then purge"
echo "# local change" >>/etc/defender/agent.conf
apt-get remove -y -qq defender-dev defender >"$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "remove"; }
[ ! -e /usr/bin/defender ] || fail "/usr/bin/defender left after remove"
grep -q "# local change" /etc/defender/agent.conf || fail "remove did not keep the changed conffile"
dpkg --purge defender >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "purge"; }
for path in /etc/defender /usr/lib/defender /usr/include/defender /usr/share/doc/defender \
  /usr/lib/systemd/system/defender-agent.service /usr/share/man/man1/defender.1.gz \
  /usr/lib/cmake/Defender /var/lib/defender; do
  [ ! -e "$path" ] || fail "$path left after purge"
done
echo "40-deb: package built, installed, run, verified and purged cleanly"
