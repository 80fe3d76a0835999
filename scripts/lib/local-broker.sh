# SPDX-License-Identifier: Apache-2.0
# Sourced by scripts/demo.sh and bench/agent_footprint.sh: a throw-away CA with server, device
# and emulator certificates, and mosquitto on a free 127.0.0.1 port requiring client
# certificates. The caller sets `work` (a directory) and an array `pids` (processes to stop).

# make_local_pki CA_NAME DEVICE_NAME: ca.pem, server.{pem,key} (localhost), device.{pem,key},
# emulator.{pem,key} in $work.
make_local_pki() {
  local ca_name=$1 device_name=$2
  openssl req -x509 -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 \
    -subj "/CN=$ca_name" -keyout "$work/ca.key" -out "$work/ca.pem" 2>/dev/null
  _issue_cert server localhost "subjectAltName=DNS:localhost,IP:127.0.0.1"
  _issue_cert device "$device_name"
  _issue_cert emulator defender-emulator
  chmod 600 "$work"/device.key "$work"/emulator.key
  # mosquitto drops to its own user when started as root: let it read its files.
  chmod 755 "$work"; chmod 644 "$work"/ca.pem "$work"/server.pem "$work"/server.key
}

_issue_cert() {  # name subject [extensions]
  openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj "/CN=$2" \
    -keyout "$work/$1.key" -out "$work/$1.csr" 2>/dev/null
  openssl x509 -req -in "$work/$1.csr" -CA "$work/ca.pem" -CAkey "$work/ca.key" -CAcreateserial \
    -days 2 -out "$work/$1.pem" ${3:+-extfile <(printf '%s' "$3")} 2>/dev/null
}

_free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# start_local_broker: starts mosquitto with the certificates of make_local_pki, sets `port`,
# and waits (at most 5 s) until it accepts connections. BROKER_EXTRA_CONF: more lines for the
# main listener's configuration. With WSS_LISTENER=1 it also listens for
# MQTT over WebSocket with TLS (no client certificate: AWS IoT checks SigV4 there, which
# mosquitto ignores) and sets `wss_port`.
start_local_broker() {
  port=$(_free_port)
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
${BROKER_EXTRA_CONF:-}
CONF
  if [[ ${WSS_LISTENER:-0} == 1 ]]; then
    wss_port=$(_free_port)
    cat >> "$work/mosquitto.conf" <<CONF
allow_anonymous true
listener $wss_port 127.0.0.1
protocol websockets
certfile $work/server.pem
keyfile $work/server.key
tls_version tlsv1.2
CONF
  fi
  mosquitto -c "$work/mosquitto.conf" 2>"$work/mosquitto.log" &
  pids+=($!)
  local _
  for _ in $(seq 50); do
    (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "error: mosquitto did not start: $(cat "$work/mosquitto.log")" >&2
  return 1
}
