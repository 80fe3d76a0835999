#!/usr/bin/env bash
# The local end-to-end demo, no AWS account needed: a throw-away CA and certificates, mosquitto
# on 127.0.0.1 requiring client certificates, `defender emulate` standing in for Device
# Defender, and `defender agent` publishing until three reports are accepted.
set -euo pipefail
cd "$(dirname "$0")/.."
defender=${DEFENDER:-build/defender}
reports=${REPORTS:-3}

work=$(mktemp -d /tmp/defender-demo.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "== making a throw-away CA and certificates in $work"
make_cert() {  # name subject [extensions]
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$2" \
    -keyout "$work/$1.key" -out "$work/$1.csr" 2>/dev/null
  openssl x509 -req -in "$work/$1.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
    -days 2 -out "$work/$1.pem" ${3:+-extfile <(printf '%s' "$3")} 2>/dev/null
}
openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
  -subj "/CN=defender demo CA" -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
make_cert server localhost "subjectAltName=DNS:localhost,IP:127.0.0.1"
make_cert device demo-thing
make_cert emulator defender-emulator
chmod 600 "$work"/device.key "$work"/emulator.key
# mosquitto drops to its own user when started as root: let it read its files.
chmod 755 "$work"; chmod 644 "$work"/ca.pem "$work"/server.pem "$work"/server.key

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
cat > "$work/mosquitto.conf" <<CONF
listener $port 127.0.0.1
cafile $work/ca.pem
certfile $work/server.pem
keyfile $work/server.key
require_certificate true
use_identity_as_username true
tls_version tlsv1.2
persistence false
log_dest stderr
CONF

echo "== starting mosquitto on 127.0.0.1:$port (TLS, client certificates required)"
mosquitto -c "$work/mosquitto.conf" 2>"$work/mosquitto.log" &
pids+=($!)
for _ in $(seq 50); do
  (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && break
  sleep 0.1
done

tls=(-e localhost -p "$port" -r "$work/ca.pem")
echo "== starting defender emulate"
"$defender" emulate "${tls[@]}" -c "$work/emulator.pem" -k "$work/emulator.key" --min-interval 1 \
  >"$work/emulator.out" 2>"$work/emulator.log" &
pids+=($!)
sleep 1

echo "== running defender agent until $reports reports are answered"
"$defender" agent "${tls[@]}" -c "$work/device.pem" -k "$work/device.key" -t demo-thing \
  --interval 2 --allow-short-interval --custom-metrics --state-dir "$work/state" \
  --exit-after "$reports"

echo "== what the emulator saw"
cat "$work/emulator.out"
accepted=$(grep -c '^ACCEPTED' "$work/emulator.out" || true)
if [ "$accepted" -lt "$reports" ]; then
  echo "error: only $accepted of $reports reports were accepted" >&2
  cat "$work/emulator.log" "$work/mosquitto.log" >&2
  exit 1
fi
echo "== $accepted reports accepted"
