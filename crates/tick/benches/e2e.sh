#!/usr/bin/env bash
# End-to-end throughput of `tick run` (docs/PERFORMANCE.md): generates POINTS lines over GROUPS
# hosts (deterministic), then times read-only, where, alert and window pipelines over the same file on
# one core (taskset -c 0), printing points/s, peak RSS and the cost ratio against read-only.
#
# usage: crates/tick/benches/e2e.sh [POINTS] [GROUPS]      (defaults 10000000 10000)
set -euo pipefail
cd "$(dirname "$0")/../../.."
points=${1:-10000000}
groups=${2:-10000}
cargo build --release -q -p tick --example gen_points
cargo build --release -q -p tick
data=$(mktemp /tmp/tick-bench-XXXXXX.lp)
trap 'rm -f "$data"' EXIT
target/release/examples/gen_points "$points" "$groups" > "$data"
size=$(stat -c %s "$data")
echo "input: $points lines, $groups groups, $((size / 1000000)) MB"
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"
base=""
for name in read_only where alert window; do
  /usr/bin/time -o /tmp/tick-bench-time -f "%e %M" $pin \
    target/release/tick run "crates/tick/benches/e2e/$name.tick" --input "$data" > /dev/null 2> /tmp/tick-bench-stderr
  out=$(tail -1 /tmp/tick-bench-time)
  secs=${out% *}; rss=${out#* }
  rate=$(awk -v n="$points" -v s="$secs" 'BEGIN { printf "%.0f", n / s }')
  [ -z "$base" ] && base=$secs
  ratio=$(awk -v a="$secs" -v b="$base" 'BEGIN { printf "%.2f", a / b }')
  printf "%-10s %7.2f s  %10s points/s  peak RSS %6d MB  cost vs read_only %sx\n" "$name" "$secs" "$rate" $((rss / 1024)) "$ratio"
done
