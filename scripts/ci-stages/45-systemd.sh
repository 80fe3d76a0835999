#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Runs the Debian package under a real systemd, as an operator would: boots Debian 12 in a
# container (mmdebstrap + systemd-nspawn; the container shares this machine's network), installs
# an "older" defender package there with apt-get (dependencies from the Debian mirror this
# machine uses), sets the device up with `defender init` against mosquitto (TLS client
# certificates) and `defender emulate` on this machine's loopback, then checks the service:
# STATUS= against `defender status`, reload of a changed and of a broken agent.conf, the
# sandbox (what a command= custom metric can write), journal priorities, restart after kill -9,
# upgrade to the package of this build, a clean stop, `systemd-analyze security`, remove and
# purge; and lintian on both packages. docs/install.md describes each check.
# Needs root. Reads BUILD_DIR (default build), already built (scripts/build.sh).
# The root file system is cached in $DEFENDER_CI_CACHE (default /var/cache/defender-ci).
set -euo pipefail
cd "$(dirname "$0")/../.."
build_dir=${BUILD_DIR:-build}
cache_dir=${DEFENDER_CI_CACHE:-/var/cache/defender-ci}
suite=bookworm
unit="defender-agent.service"
thing=ci-gateway
old_version=0.0.9
started_at=$SECONDS

step() { echo "== [$((SECONDS - started_at)) s] $*"; }
fail() {
  echo "FAIL: 45-systemd: $*" >&2
  exit 1
}
if [ "$(id -u)" -ne 0 ]; then
  echo "45-systemd: not root, skipped (boots a container and installs packages)"
  exit 0
fi

tools=(mmdebstrap systemd-container lintian mosquitto openssl python3 util-linux dpkg-dev)
missing=()
for package in "${tools[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep "install ok installed" >/dev/null ||
    missing+=("$package")
done
if ((${#missing[@]})); then
  step "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || echo "apt-get update reported errors; trying the install anyway"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    fail "cannot install ${missing[*]}"
fi
defender=$(realpath "$build_dir/defender")
[ -x "$defender" ] || fail "$build_dir/defender is not built (scripts/build.sh)"

mkdir -p /var/tmp
work=$(mktemp -d /var/tmp/defender-systemd.XXXXXX)
root=$work/root
pids=()
nspawn_pid=""
ct_pid=""
root_mounted=no

# --- the container -------------------------------------------------------------------------

# Runs a command inside the container (all its namespaces, root, a clean environment).
in_ct() {
  nsenter -t "$ct_pid" -a env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    LANG=C.UTF-8 SYSTEMD_PAGER=cat SYSTEMD_COLORS=0 DEBIAN_FRONTEND=noninteractive "$@" </dev/null
}

stop_container() {
  [ -n "$nspawn_pid" ] || return 0
  # SIGTERM makes systemd-nspawn ask the container's systemd to power off.
  kill -TERM "$nspawn_pid" 2>/dev/null || true
  local _
  for _ in $(seq 60); do
    kill -0 "$nspawn_pid" 2>/dev/null || break
    sleep 0.5
  done
  kill -KILL "$nspawn_pid" 2>/dev/null || true
  wait "$nspawn_pid" 2>/dev/null || true
  nspawn_pid=""
}

any_alive() {
  local pid
  for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && return 0; done
  return 1
}

cleanup() {
  local status=$?
  set +e
  if [ "$status" -ne 0 ] && [ -s "$work/nspawn.log" ]; then
    echo "--- systemd-nspawn (last 10 lines)" >&2
    tail -n 10 "$work/nspawn.log" >&2
  fi
  if [ "$status" -ne 0 ] && [ -n "$ct_pid" ] && kill -0 "$ct_pid" 2>/dev/null; then
    echo "--- journalctl -u $unit (last 40 lines)" >&2
    in_ct journalctl -u "$unit" -n 40 --no-pager >&2
  fi
  if [ "$status" -ne 0 ] && [ -e "$work/emulator.out" ]; then
    echo "--- defender emulate and mosquitto (last 10 lines)" >&2
    tail -n 10 "$work/emulator.out" "$work/emulator.log" "$work/mosquitto.log" >&2
  fi
  stop_container
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null; done
  for _ in $(seq 20); do
    any_alive || break
    sleep 0.5
  done
  for pid in "${pids[@]}"; do kill -KILL "$pid" 2>/dev/null; done
  wait 2>/dev/null
  if [ "$root_mounted" = yes ]; then umount "$root" || umount -l "$root"; fi
  rm -rf --one-file-system "$work"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# wait_for SECONDS MESSAGE COMMAND...: runs COMMAND every 0.5 s until it succeeds; fails with
# MESSAGE after SECONDS.
wait_for() {
  local deadline=$((SECONDS + $1)) message=$2
  shift 2
  until "$@"; do
    [ "$SECONDS" -lt "$deadline" ] || fail "$message"
    sleep 0.5
  done
}

# The Debian entries of this machine's apt sources (one-line format): the container uses the
# same mirror.
debian_sources() {
  python3 - "$suite" <<'PY'
import glob, re, sys
debian = re.compile(r"/debian(-security)?/?$")
lines = []
for path in ["/etc/apt/sources.list"] + sorted(glob.glob("/etc/apt/sources.list.d/*.list")):
    try:
        text = open(path).read()
    except OSError:
        continue
    for line in text.splitlines():
        words = line.split("#")[0].split()
        if words and words[0] == "deb" and any(debian.search(w) for w in words if "://" in w):
            lines.append(" ".join(words))
for path in sorted(glob.glob("/etc/apt/sources.list.d/*.sources")):
    for stanza in re.split(r"\n\s*\n", open(path).read()):
        fields = {}
        for line in stanza.splitlines():
            if line.startswith("#") or ":" not in line:
                continue
            key, value = line.split(":", 1)
            fields[key.strip().lower()] = value.strip()
        uris = fields.get("uris", "").split()
        if not uris or fields.get("enabled", "yes") == "no" or "deb" not in fields.get("types", ""):
            continue
        if not all(debian.search(uri) for uri in uris):
            continue
        options = f"[signed-by={fields['signed-by']}] " if fields.get("signed-by", "").startswith("/") else ""
        for uri in uris:
            for suite in fields.get("suites", "").split():
                lines.append(f"deb {options}{uri} {suite} {fields.get('components', 'main')}")
if not lines:
    lines.append(f"deb http://deb.debian.org/debian {sys.argv[1]} main")
print("\n".join(lines))
PY
}

# A root file system tarball with systemd, cached by its recipe (rebuilt after 14 days).
rootfs_tarball() {
  local include=systemd,systemd-sysv,dbus key tarball
  debian_sources >"$work/sources.list"
  key=$( (cat "$work/sources.list" && echo "$suite minbase $include") | sha256sum | cut -c1-16)
  tarball=$cache_dir/$suite-systemd-$key.tar
  mkdir -p "$cache_dir"
  if [ ! -s "$tarball" ] || [ -n "$(find "$tarball" -mtime +14)" ]; then
    step "mmdebstrap $suite (cached in $tarball)" >&2
    mmdebstrap --quiet --variant=minbase --include="$include" --format=tar "$suite" \
      "$cache_dir/.partial-$$.tar" "$work/sources.list" >"$work/mmdebstrap.log" 2>&1 ||
      { cat "$work/mmdebstrap.log" >&2; rm -f "$cache_dir/.partial-$$.tar"; fail "mmdebstrap"; }
    mv "$cache_dir/.partial-$$.tar" "$tarball"
  fi
  echo "$tarball"
}

container_init() {
  ct_pid=$(pgrep -P "$nspawn_pid" -x systemd | head -n 1 || true)
  [ -n "$ct_pid" ]
}

boot_container() {
  local tarball state
  tarball=$(rootfs_tarball)
  # In memory: unpacking and deleting 400 MB on disk took up to 35 s here; a tmpfs, under 1 s.
  mkdir "$root"
  mount -t tmpfs -o size=2g,mode=0755 defender-ci-root "$root"
  root_mounted=yes
  tar -C "$root" -xf "$tarball"
  # What an installed Debian has and mmdebstrap leaves out: "localhost" resolves.
  printf '127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n' >"$root/etc/hosts"
  echo defender-ci >"$root/etc/hostname"
  systemd-nspawn -D "$root" --boot --console=passive --register=no --keep-unit \
    --machine=defender-ci >"$work/nspawn.log" 2>&1 &
  nspawn_pid=$!
  wait_for 30 "the container's systemd did not start" container_init
  state=$(timeout 90 nsenter -t "$ct_pid" -a systemctl is-system-running --wait 2>/dev/null || true)
  case $state in
    running) ;;
    degraded) echo "note: the container booted degraded: $(in_ct systemctl --failed --no-legend --plain | tr '\n' ' ')" ;;
    *) fail "the container's systemd did not finish booting: '$state'" ;;
  esac
}

# --- helpers for the checks ----------------------------------------------------------------

unit_prop() { in_ct systemctl show -p "$1" --value "$unit"; }
# A journal position: later reads start after it.
journal_mark() { in_ct journalctl -q -n 1 -o export | sed -n 's/^__CURSOR=//p'; }
# The agent's own journal lines (not systemd's about the unit) after a mark, of priority $2 or
# more urgent (default: all). By -u and SYSLOG_IDENTIFIER: journald 252 can leave _SYSTEMD_UNIT
# off the first line of a fresh start, and prints nothing for -p with --after-cursor.
agent_log() {
  in_ct journalctl -q -o json -u "$unit" --after-cursor="$1" | python3 -c '
import json, sys
for entry in map(json.loads, sys.stdin):
    if entry.get("SYSLOG_IDENTIFIER") == "defender" and int(entry.get("PRIORITY", 6)) <= int(sys.argv[1]):
        print(entry["MESSAGE"])' "${2:-7}"
}
# (Readers here read to the end, never grep -q or head: with pipefail, a writer cut off by
# SIGPIPE would fail the check.)
agent_logged() { agent_log "$1" | grep -- "$2" >/dev/null; }
# Report ids the emulator accepted for our thing, in order.
accepted_ids() { sed -n "s/^ACCEPTED thing=$thing .*report_id=\([0-9]*\).*/\1/p" "$work/emulator.out"; }
last_accepted() { accepted_ids | tail -n 1; }
accepted_count() { accepted_ids | wc -l; }
accepted_above() { [ "$(accepted_count)" -ge "$1" ]; }
# A report the agent logged as accepted after a mark, which the emulator accepted too, with
# an id above $2 (default 0); sets `report_id`.
service_report_accepted() {
  local id
  id=$(agent_log "$1" | sed -n 's/^report \([0-9]*\) accepted.*/\1/p' | tail -n 1)
  [ -n "$id" ] && [ "$id" -gt "${2:-0}" ] && accepted_ids | grep -x "$id" >/dev/null || return 1
  report_id=$id
}
status_json() { in_ct defender status --json | python3 -c "import json,sys; d=json.load(sys.stdin); print($1)"; }
is_active() { [ "$(in_ct systemctl is-active "$unit" || true)" = "$1" ]; }
restarted() { [ "$(unit_prop NRestarts)" -ge 1 ] && [ "$(unit_prop MainPID)" != "$1" ] && is_active active; }

# --- packages ------------------------------------------------------------------------------

step "packages (cpack), and an older one"
mkdir -p "$work/new" "$work/old"
(cd "$build_dir" && cpack -G DEB -B "$work/new" >"$work/cpack.log" 2>&1) ||
  { cat "$work/cpack.log"; fail "cpack"; }
deb=$(ls "$work"/new/defender_*.deb)
dev_deb=$(ls "$work"/new/defender-dev_*.deb)
version=$(dpkg-deb -f "$deb" Version)
# The "older" package: the same files at version $old_version, with a sample agent.conf that
# differs (as a new release's would), so that the upgrade meets dpkg's conffile question. It
# tests the packaging mechanics (maintainer scripts, conffiles, state), not older binaries.
dpkg-deb -R "$deb" "$work/old/tree"
sed -i "s/^Version: .*/Version: $old_version-1/" "$work/old/tree/DEBIAN/control"
echo "# (sample of defender $old_version)" >>"$work/old/tree/etc/defender/agent.conf"
(cd "$work/old/tree" && cut -c35- DEBIAN/md5sums | xargs -d '\n' md5sum >"$work/old/md5sums" &&
  mv "$work/old/md5sums" DEBIAN/md5sums)
old_deb=$work/old/defender_${old_version}-1_$(dpkg-deb -f "$deb" Architecture).deb
dpkg-deb --root-owner-group -b "$work/old/tree" "$old_deb" >/dev/null
echo "$(basename "$old_deb"), $(basename "$deb"), $(basename "$dev_deb")"

step "lintian"
lintian --no-tag-display-limit --fail-on error "$deb" "$dev_deb" >"$work/lintian.txt" 2>&1 ||
  { cat "$work/lintian.txt"; fail "lintian reports errors (E:) on the packages"; }
grep -q '^E:' "$work/lintian.txt" && { cat "$work/lintian.txt"; fail "lintian reports errors"; }
echo "$(grep -c '^W:' "$work/lintian.txt" || true) warning(s):"
sed -n 's/^W: \([^ ]*\) \(.*\)/  \1 \2/p' "$work/lintian.txt"

step "PKI, mosquitto and defender emulate on 127.0.0.1"
# shellcheck source=scripts/lib/local-broker.sh
source scripts/lib/local-broker.sh
make_local_pki "defender systemd CI CA" "$thing"
start_local_broker
"$defender" emulate -e localhost -p "$port" -r "$work/ca.pem" -c "$work/emulator.pem" \
  -k "$work/emulator.key" --min-interval 0 --store "$work/reports" \
  >"$work/emulator.out" 2>"$work/emulator.log" &
pids+=($!)
wait_for 10 "defender emulate did not connect to mosquitto" \
  grep -qs "waiting for reports" "$work/emulator.log"
echo "mosquitto on 127.0.0.1:$port"

step "boot Debian $suite with systemd in a container"
boot_container
mkdir -p "$root/srv/ci/pki"
cp "$old_deb" "$deb" "$root/srv/ci/"
cp "$work/ca.pem" "$work/device.pem" "$work/device.key" "$root/srv/ci/pki/"
echo "container systemd: pid $ct_pid, $(in_ct systemctl --version | sed -n 1p)"

step "apt-get install ./$(basename "$old_deb") inside"
in_ct apt-get update -qq >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get update in the container"; }
in_ct sh -c "cd /srv/ci && apt-get install -y -qq --no-install-recommends ./$(basename "$old_deb")" \
  >"$work/apt.log" 2>&1 || { cat "$work/apt.log"; fail "apt-get install of the package in the container"; }
in_ct systemctl cat "$unit" >/dev/null || fail "systemd does not know $unit after the install"
is_active inactive || fail "the package started the service before it was set up"
[ "$(in_ct systemctl is-enabled "$unit" || true)" = disabled ] || fail "the package enabled the service"

step "defender init -e 127.0.0.1 -p $port -t $thing ... (a fresh system)"
mark=$(journal_mark)
in_ct defender init -e 127.0.0.1 -p "$port" -t "$thing" -c /srv/ci/pki/device.pem \
  -k /srv/ci/pki/device.key -r /srv/ci/pki/ca.pem >"$work/init.log" 2>&1 ||
  { cat "$work/init.log"; fail "defender init failed"; }
grep -q "check passed" "$work/init.log" || { cat "$work/init.log"; fail "defender init did not check"; }
is_active active || fail "defender init did not start $unit: $(in_ct systemctl is-active "$unit")"
[ "$(in_ct systemctl is-enabled "$unit")" = enabled ] || fail "defender init did not enable $unit"
for file in agent.conf certs/AmazonRootCA1.pem certs/device.pem.crt certs/private.pem.key; do
  [ -s "$root/etc/defender/$file" ] || fail "defender init did not install /etc/defender/$file"
done
[ "$(stat -c %a "$root/etc/defender/certs/private.pem.key")" = 600 ] || fail "the installed key is not 0600"
wait_for 30 "the service's first report was not accepted" service_report_accepted "$mark"
echo "report $report_id from the service accepted"
starts=$(agent_log "$mark" | grep -c "^publishing " || true)
[ "$starts" -eq 1 ] || fail "defender init started the agent $starts times, not once"
main_pid=$(unit_prop MainPID)
uid=$(in_ct sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$main_pid/status")
if [ "$uid" -lt 61184 ] || [ "$uid" -gt 65519 ]; then
  fail "the agent runs as uid $uid, not a DynamicUser= uid (61184-65519)"
fi
echo "the agent (pid $main_pid) runs as dynamic uid $uid"

step "systemctl status and defender status agree"
status_text=$(unit_prop StatusText)
pattern="^connected to 127\.0\.0\.1:$port since ([0-9: -]+ UTC); last report ([0-9]+) accepted at "
[[ $status_text =~ $pattern ]] || fail "STATUS= is '$status_text', not 'connected to 127.0.0.1:$port since …; last report … accepted at …'"
since=${BASH_REMATCH[1]} status_id=${BASH_REMATCH[2]}
in_ct systemctl status "$unit" --no-pager --full >"$work/systemctl-status.txt" || true
grep -qF "Status: \"$status_text\"" "$work/systemctl-status.txt" ||
  { cat "$work/systemctl-status.txt"; fail "systemctl status does not show STATUS=$status_text"; }
grep -F "Status:" "$work/systemctl-status.txt"
# systemd 252 under systemd-nspawn: ProtectProc= gives the service a /proc without the
# container's boot id (systemd issue 28059), so `defender status` in the container takes the
# agent's record for one from an earlier boot. Then it is run where the agent runs (its mount
# namespace), and what the plain command says is shown.
status_cmd=(defender status)
if [ "$(in_ct cat "/proc/$main_pid/root/proc/sys/kernel/random/boot_id")" != \
  "$(in_ct cat /proc/sys/kernel/random/boot_id)" ]; then
  echo "note: the service sees another boot id than the container (systemd 252 + nspawn); plain defender status says:"
  in_ct defender status | sed -n '1s/^/  /p'
  status_cmd=(nsenter -t "$main_pid" -m defender status)
fi
in_ct "${status_cmd[@]}" >"$work/defender-status.txt" || fail "${status_cmd[*]} failed inside the container"
echo "${status_cmd[*]}:"
cat "$work/defender-status.txt"
head -n 1 "$work/defender-status.txt" | grep -qF "running (pid $main_pid), connected to 127.0.0.1:$port since $since" ||
  fail "defender status's first line disagrees with STATUS= (pid $main_pid, since $since)"
sed -n 2p "$work/defender-status.txt" | grep -q "^last report $status_id accepted" ||
  fail "defender status's last report disagrees with STATUS= (report $status_id accepted)"
[ "$(status_json 'd["status"]["last_report"]["report_id"]')" = "$status_id" ] ||
  fail "defender status --json disagrees with STATUS= on the last report"

step "systemctl reload: interval 300 s -> 2 s and custom metrics probing the sandbox"
conf=$root/etc/defender/agent.conf
cp "$conf" "$work/agent.conf.init"
# Directories any user may write to outside the service (the control below proves it); the
# sandbox must keep them read-only or out of sight. /var/lib/defender is the state directory.
# /run/lock is so on Debian; the others are made so here.
declare -A open_dirs=([etc]=/etc/ci-open [usr]=/usr/lib/ci-open [var_lib]=/var/lib/ci-open
  [run_lock]=/run/lock [home]=/home/ci-open [root]=/root/ci-open)
in_ct sh -c "mkdir -p ${open_dirs[*]} && chmod 1777 ${open_dirs[*]} && chmod 755 /root"
probe() { # name directory: a metric that is 1 when a file could be created there
  printf '"name=%s,type=number,command=sh -c '"'"'touch %s/probe 2>/dev/null && echo 1 || echo 0'"'"'"' "$1" "$2"
}
metrics=("$(probe write_state /var/lib/defender)" "$(probe write_tmp /tmp)" "$(probe write_var_tmp /var/tmp)"
  "$(probe write_dev_shm /dev/shm)")
for name in "${!open_dirs[@]}"; do
  metrics+=("$(probe "write_$name" "${open_dirs[$name]}")")
done
metrics+=('"name=fails_on_purpose,type=number,command=touch /etc/ci-open/direct"')
list=$(IFS=,; echo "${metrics[*]}")
printf 'interval = 2\nallow-short-interval = true\ncustom-metric = [%s]\n' "$list" >>"$conf"
before=$(accepted_count)
mark=$(journal_mark)
in_ct systemctl reload "$unit" || fail "systemctl reload failed"
wait_for 10 "no 'configuration reloaded' in the journal after systemctl reload" agent_logged "$mark" "configuration reloaded"
wait_for 5 "the reload was not logged as a SIGHUP" agent_logged "$mark" "SIGHUP: reading the configuration again"
wait_for 15 "interval 2 s not applied: fewer than 4 reports accepted within 15 s of the reload" \
  accepted_above $((before + 4))
mapfile -t ids < <(accepted_ids | tail -n 3)
for i in 1 2; do
  gap=$((ids[i] - ids[i - 1]))
  if [ "$gap" -lt 1 ] || [ "$gap" -gt 4 ]; then
    fail "reports ${ids[i - 1]} and ${ids[i]} are $gap s apart, not about 2 s"
  fi
done
echo "reports ${ids[*]} (2 s apart) after the reload"
[ "$(unit_prop MainPID)" = "$main_pid" ] || fail "the reload restarted the agent"

step "the sandbox: what command= custom metrics could write"
# Control: an ordinary user outside the service can write to every one of these directories.
for dir in "${open_dirs[@]}"; do
  in_ct setpriv --reuid=65534 --regid=65534 --clear-groups touch "$dir/control" ||
    fail "control: an ordinary user cannot write to $dir, so the probe would prove nothing"
done
latest=$(find "$work/reports" -name "$thing-*.json" | sort | tail -n 1)
python3 - "$latest" >"$work/metrics.txt" <<'PY' || fail "metric values: $(cat "$work/metrics.txt")"
import json, sys
metrics = json.load(open(sys.argv[1])).get("custom_metrics", {})
values = {name: entries[0].get("number") for name, entries in metrics.items()}
for name in sorted(values):
    print(f"{name}={values[name]}")
expected = {"write_state": 1, "write_tmp": 1, "write_var_tmp": 1, "write_dev_shm": 1, "write_etc": 0,
            "write_usr": 0, "write_var_lib": 0, "write_run_lock": 0, "write_home": 0, "write_root": 0}
wrong = [f"{name}={values.get(name)} (expected {value})" for name, value in expected.items()
         if values.get(name) != value]
if "fails_on_purpose" in values:
    wrong.append("fails_on_purpose has a value")
if wrong:
    print("wrong: " + ", ".join(wrong))
    sys.exit(1)
PY
tr '\n' ' ' <"$work/metrics.txt"
echo
[ -e "$root/var/lib/private/defender/probe" ] || fail "the probe did not reach the state directory /var/lib/private/defender"
for dir in "${open_dirs[@]}" /tmp /var/tmp; do
  ! in_ct test -e "$dir/probe" || fail "the sandboxed agent created $dir/probe"
done
echo "the agent wrote to its state directory, its private /tmp and /var/tmp, and /dev/shm (IPC: removed at stop)"

step "journal priorities: -p warning shows warnings and errors only"
wait_for 10 "no warning for the failing custom metric" agent_logged "$mark" 'custom metric "fails_on_purpose" left out'
in_ct journalctl -u "$unit" -p warning -o cat --no-pager >"$work/warnings.txt"
grep -q 'custom metric "fails_on_purpose" left out' "$work/warnings.txt" ||
  fail "journalctl -p warning lacks the custom metric warning"
if grep -E "^(report [0-9]+ accepted|connected|publishing |configuration reloaded|SIGHUP)" "$work/warnings.txt"; then
  fail "journalctl -u $unit -p warning shows info lines (above)"
fi
in_ct journalctl -u "$unit" -p info..info -o cat --no-pager | grep "^configuration reloaded" >/dev/null ||
  fail "'configuration reloaded' is not at priority info (6)"
if in_ct journalctl -u "$unit" -o cat --no-pager | grep -E '^<[0-7]>'; then
  fail "log lines carry a literal <N> prefix: journald did not parse the priority"
fi
sed 's/^/  /' "$work/warnings.txt"

step "a broken agent.conf: the reload keeps the running settings and logs one error"
echo 'intervall = 5' >>"$conf"
mark=$(journal_mark)
before=$(accepted_count)
in_ct systemctl reload "$unit" || fail "systemctl reload (broken file) failed"
wait_for 10 "no 'configuration not reloaded' after reloading a broken file" \
  agent_logged "$mark" "configuration not reloaded"
wait_for 10 "reports stopped after the broken reload" accepted_above $((before + 2))
errors=$(agent_log "$mark" 3)
[ "$(grep -c . <<<"$errors")" -eq 1 ] || fail "expected one error line, got: $errors"
grep -q "agent.conf" <<<"$errors" || fail "the error does not name the file: $errors"
echo "  $errors"
is_active active || fail "the broken reload stopped the agent"
[ "$(unit_prop MainPID)" = "$main_pid" ] || fail "the broken reload restarted the agent"
sed -i '$d' "$conf"

step "kill -9: systemd restarts the agent and report ids continue"
last_id=$(last_accepted)
accepted_before=$(status_json 'd["lifetime"]["accepted"]')
mark=$(journal_mark)
in_ct kill -KILL "$main_pid"
wait_for 40 "systemd did not restart the agent after kill -9 (Restart=on-failure)" restarted "$main_pid"
in_ct journalctl -u "$unit" --after-cursor="$mark" -o cat --no-pager | grep "status=9/KILL" >/dev/null ||
  fail "the journal does not record the SIGKILL"
wait_for 30 "no report accepted after the restart with an id above $last_id" service_report_accepted "$mark" "$last_id"
accepted_after=$(status_json 'd["lifetime"]["accepted"]')
[ "$accepted_after" -gt "$accepted_before" ] || fail "lifetime totals restarted: $accepted_after accepted, $accepted_before before"
echo "restarted (NRestarts=$(unit_prop NRestarts)); report $report_id > $last_id accepted; lifetime accepted $accepted_before -> $accepted_after"
main_pid=$(unit_prop MainPID)

step "upgrade: apt-get install ./$(basename "$deb") over $old_version"
conf_sum=$(md5sum <"$conf")
last_id=$(last_accepted)
accepted_before=$(status_json 'd["lifetime"]["accepted"]')
mark=$(journal_mark)
in_ct sh -c "cd /srv/ci && apt-get install -y -qq --no-install-recommends -o Dpkg::Options::=--force-confold ./$(basename "$deb")" \
  >"$work/upgrade.log" 2>&1 || { cat "$work/upgrade.log"; fail "upgrade"; }
[ "$(in_ct dpkg-query -W -f="\${Version}" defender)" = "$version" ] || fail "defender $version is not installed after the upgrade"
[ "$(md5sum <"$conf")" = "$conf_sum" ] || fail "the upgrade changed the local agent.conf"
[ -e "$conf.dpkg-dist" ] || fail "dpkg did not keep the new sample as agent.conf.dpkg-dist"
wait_for 20 "the service is not active after the upgrade" is_active active
starts=$(agent_log "$mark" | grep -c "^publishing " || true)
[ "$starts" -eq 1 ] || fail "the upgrade started the agent $starts times, not once"
[ "$(unit_prop MainPID)" != "$main_pid" ] || fail "the upgrade did not restart the agent"
wait_for 30 "no report accepted after the upgrade" service_report_accepted "$mark" "$last_id"
[ "$(status_json 'd["lifetime"]["accepted"]')" -gt "$accepted_before" ] || fail "the upgrade lost the state"
echo "restarted once; agent.conf kept (new sample in agent.conf.dpkg-dist); report $report_id > $last_id accepted; state kept"

step "defender-detect.service: a profile, an alarm on the agent's ports, the queries, reload"
detect_unit=defender-detect.service
[ "$(in_ct systemctl is-enabled "$detect_unit" || true)" = disabled ] || fail "the package enabled $detect_unit"
# The detector connects with the emulator's certificate (mosquitto checks certificates only).
cp "$work/emulator.pem" "$root/etc/defender/certs/detect.pem.crt"
install -m 600 "$work/emulator.key" "$root/etc/defender/certs/detect.pem.key"
printf 'endpoint = "127.0.0.1"\nport = %s\n' "$port" >>"$root/etc/defender/detect.conf"
# Any listening TCP port violates (the agent sees at least mosquitto's).
cat >"$root/etc/defender/profiles/no-tcp-ports.json" <<'JSON'
{"securityProfileName": "no-tcp-ports", "behaviors": [{"name": "NoTcpPorts",
 "metric": "aws:listening-tcp-ports",
 "criteria": {"comparisonOperator": "in-port-set", "value": {"ports": [1]}}}]}
JSON
in_ct systemctl start "$detect_unit" || { in_ct journalctl -u "$detect_unit" -n 20 --no-pager; fail "systemctl start $detect_unit"; }
detect_prop() { in_ct systemctl show -P "$1" "$detect_unit"; }
detect_connected() { [ "$(detect_prop StatusText)" = "connected, detecting" ]; }
wait_for 30 "STATUS= of $detect_unit is '$(detect_prop StatusText)', not 'connected, detecting'" detect_connected
detect_active() {
  in_ct defender detect list-active-violations --thing-name "$thing" >"$work/active.json" 2>&1 &&
    grep -q '"NoTcpPorts"' "$work/active.json"
}
wait_for 30 "no active violation of $thing in the store (list-active-violations)" detect_active
violation_id=$(python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["activeViolations"][0]["violationId"])' "$work/active.json")
in_ct journalctl -u "$detect_unit" -o cat --no-pager | grep -q "^in-alarm thing=$thing profile=no-tcp-ports behavior=NoTcpPorts" ||
  fail "the journal does not show the in-alarm event"
detect_uid=$(in_ct sed -n 's/^Uid:[[:space:]]*\([0-9]*\).*/\1/p' "/proc/$(detect_prop MainPID)/status")
[ "$detect_uid" != "$uid" ] || fail "detect runs with the agent's dynamic uid"
in_ct defender detect put-verification-state-on-violation --violation-id "$violation_id" \
  --verification-state BENIGN_POSITIVE >"$work/put.log" 2>&1 || { cat "$work/put.log"; fail "put-verification-state-on-violation as root"; }
in_ct defender detect list-active-violations | grep -q '"verificationState": "BENIGN_POSITIVE"' ||
  fail "the verification state is not listed"
# A broken profile on reload: logged, the old profiles stay in force.
echo '{"securityProfileName": "broken", "behaviors": [{"name": "x"}]}' >"$root/etc/defender/profiles/zz-broken.json"
mark=$(journal_mark)
in_ct systemctl reload "$detect_unit" || fail "systemctl reload $detect_unit"
detect_not_reloaded() {
  in_ct journalctl -u "$detect_unit" --after-cursor="$mark" -o cat --no-pager | grep -q "^profiles not reloaded, the old ones stay in force: --profile /etc/defender/profiles/zz-broken.json"
}
wait_for 20 "a broken profile on reload was not reported" detect_not_reloaded
[ "$(in_ct systemctl is-active "$detect_unit")" = active ] || fail "a broken profile on reload stopped $detect_unit"
rm "$root/etc/defender/profiles/zz-broken.json"
in_ct systemd-analyze security --no-pager "$detect_unit" >"$work/detect-security.txt" 2>&1 || true
detect_exposure=$(sed -n "s/.*Overall exposure level for $detect_unit: \([0-9.]*\) .*/\1/p" "$work/detect-security.txt")
awk -v e="${detect_exposure:-10}" 'BEGIN { exit !(e <= 1.5) }' || { cat "$work/detect-security.txt"; fail "$detect_unit exposure ${detect_exposure:-?}, worse than 1.5"; }
in_ct systemctl stop "$detect_unit" || fail "systemctl stop $detect_unit"
[ "$(detect_prop Result)" = success ] || fail "$detect_unit Result=$(detect_prop Result) after stop"
echo "in-alarm for $thing recorded, listed and verified; broken profile on reload kept the old ones; exposure $detect_exposure; stopped cleanly"

step "systemctl stop: clean, within the stop timeout"
mark=$(journal_mark)
stop_started=$(date +%s%N)
in_ct systemctl stop "$unit" || fail "systemctl stop failed"
stop_ms=$((($(date +%s%N) - stop_started) / 1000000))
timeout_stop=$(unit_prop TimeoutStopUSec)
[ "$stop_ms" -lt 10000 ] || fail "stop took $stop_ms ms (the agent should end within 5 s of SIGTERM)"
[ "$(unit_prop Result)" = success ] || fail "Result=$(unit_prop Result) after stop"
[ "$(unit_prop ExecMainStatus)" = 0 ] || fail "the agent exited with status $(unit_prop ExecMainStatus) on SIGTERM"
in_ct journalctl -u "$unit" --after-cursor="$mark" -o cat --no-pager >"$work/stop.txt"
grep -qE "timed out|Killing process|code=killed" "$work/stop.txt" && { cat "$work/stop.txt"; fail "the stop was not clean"; }
in_ct defender status | sed -n 1p | grep "^not running: stopped at" >/dev/null || fail "defender status does not say stopped"
# RemoveIPC=yes: what the dynamic user left in /dev/shm went with it.
! in_ct test -e /dev/shm/probe || fail "/dev/shm/probe of the stopped service's dynamic user is still there"
echo "stopped in $stop_ms ms (TimeoutStopSec $timeout_stop), exit status 0, Result=success"
sed 's/^/  /' "$work/stop.txt"

step "systemd-analyze security (the real system)"
in_ct systemd-analyze security --no-pager "$unit" >"$work/security.txt" 2>&1 ||
  { cat "$work/security.txt"; fail "systemd-analyze security failed"; }
exposure=$(sed -n "s/.*Overall exposure level for $unit: \([0-9.]*\) .*/\1/p" "$work/security.txt")
[ -n "$exposure" ] || { cat "$work/security.txt"; fail "no exposure level in systemd-analyze security's output"; }
awk -v e="$exposure" 'BEGIN { exit !(e <= 1.5) }' || fail "exposure $exposure, worse than 1.5 OK"
tail -n 1 "$work/security.txt"

step "apt-get remove stops the service; purge deletes the state"
in_ct systemctl start "$unit" || fail "systemctl start failed"
is_active active || fail "the service did not start again"
echo "# local change" >>"$conf"
in_ct apt-get remove -y -qq defender >"$work/remove.log" 2>&1 || { cat "$work/remove.log"; fail "apt-get remove"; }
in_ct pgrep -x defender >/dev/null && fail "the agent still runs after apt-get remove"
[ ! -e "$root/usr/bin/defender" ] || fail "/usr/bin/defender left after remove"
grep -q "# local change" "$conf" || fail "remove did not keep the changed agent.conf"
[ -e "$root/var/lib/private/defender/state.json" ] || fail "remove deleted the state"
in_ct apt-get purge -y -qq defender >"$work/purge.log" 2>&1 || { cat "$work/purge.log"; fail "apt-get purge"; }
for path in /etc/defender/agent.conf /etc/defender/agent.conf.dpkg-dist /var/lib/private/defender \
  /var/lib/defender /usr/lib/systemd/system/$unit /var/lib/private/defender-detect \
  /var/lib/defender-detect /etc/defender/detect.conf; do
  if [ -e "$root$path" ] || [ -L "$root$path" ]; then fail "$path left after purge"; fi
done
# DynamicUser=yes: no account was made, none is left, and no file belongs to a vanished uid.
in_ct getent passwd | grep -i defender && fail "a defender account exists"
leftover=$(in_ct find / -xdev \( -nouser -o -nogroup \) -print -quit)
[ -z "$leftover" ] || fail "files of a vanished user remain, e.g. $leftover"
echo "left in /etc/defender (the operator's, as documented): $(cd "$root/etc/defender" 2>/dev/null && find . -type f | sort | tr '\n' ' ')"

stop_container
echo "45-systemd: passed in $((SECONDS - started_at)) s"
