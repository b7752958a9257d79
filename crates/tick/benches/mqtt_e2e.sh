#!/usr/bin/env bash
# MQTT delivery through the binary (docs/PERFORMANCE.md, issue 6): starts mosquitto on a free
# loopback port, then for QoS 0, 1 and 2 runs `tick run` over ALERTS points that each raise a
# CRITICAL alert published with `.mqtt('bench').qos(N)`, and times it from the start of tick
# until a `mosquitto_sub -q N` subscriber has received every message. Prints msg/s, tick's exit
# code and how many messages arrived.
#
# usage: crates/tick/benches/mqtt_e2e.sh [ALERTS]      (default 100000; needs mosquitto and
#        mosquitto-clients)
set -euo pipefail
cd "$(dirname "$0")/../../.."
alerts=${1:-100000}
cargo build --release -q -p tick
dir=$(mktemp -d /tmp/tick-mqtt-bench-XXXXXX)
port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'listener %s 127.0.0.1\nallow_anonymous true\nmax_queued_messages 0\nmax_inflight_messages 0\n' "$port" > "$dir/mosquitto.conf"
mosquitto -c "$dir/mosquitto.conf" > "$dir/mosquitto.log" 2>&1 &
broker=$!
trap 'kill $broker 2>/dev/null; rm -rf "$dir"' EXIT
sleep 0.5
printf '[[mqtt]]\nenabled = true\nname = "local"\nurl = "tcp://127.0.0.1:%s"\n' "$port" > "$dir/kapacitor.conf"
awk -v n="$alerts" 'BEGIN { for (i = 0; i < n; i++) printf "cpu,host=h%d n=%di %d\n", i % 100, i, 1000000000 + i }' > "$dir/points.lp"
for qos in 0 1 2; do
  cat > "$dir/bench.tick" <<TICK
stream
    |from()
        .measurement('cpu')
    |alert()
        .crit(lambda: TRUE)
        .message('{{ index .Tags "host" }} {{ index .Fields "n" }}')
        .details('')
        .mqtt('bench')
            .qos($qos)
TICK
  : > "$dir/received"
  timeout 120 mosquitto_sub -p "$port" -t bench -q "$qos" -C "$alerts" > "$dir/received" &
  sub=$!
  sleep 0.5
  start=$(date +%s.%N)
  set +e
  target/release/tick run "$dir/bench.tick" --config "$dir/kapacitor.conf" --input "$dir/points.lp" \
    --queue-size "$alerts" 2> "$dir/tick.err"
  code=$?
  set -e
  wait "$sub" || true
  end=$(date +%s.%N)
  got=$(wc -l < "$dir/received")
  rate=$(awk -v n="$got" -v a="$start" -v b="$end" 'BEGIN { printf "%.0f", n / (b - a) }')
  printf "QoS %s: %8s msg/s  (%s of %s received, tick exit code %s)\n" "$qos" "$rate" "$got" "$alerts" "$code"
done
