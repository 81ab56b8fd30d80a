#!/usr/bin/env bash
# The shards of a 64-shard day (scenarios/bench/day.yaml), one at a time, at a fraction of the
# day's rate so that each takes seconds: user CPU s per shard and the slowest, which is the wall
# time of the sharded day on 64 cores at that rate (bench/README.md "The day's shards").
#   bench/day_shards.sh [BINARY...]        default: build/cli/tracesim
# Environment: DAY_RATE (mean requests/s, default 1000: 1 % of the day), DAY_SHARDS (default
# "0 16 32 40 44 48 63"), DAY_WARMUP (default 30s). Several binaries run side by side, shard by
# shard, so that a slow phase of the machine hits both.
set -euo pipefail
cd "$(dirname "$0")/.."
rate="${DAY_RATE:-1000}"
shards="${DAY_SHARDS:-0 16 32 40 44 48 63}"
warmup="${DAY_WARMUP:-30s}"
[ $# -gt 0 ] || set -- build/cli/tracesim
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

echo "== the day's shards: --duration 24h --rate $rate --shard I/64 --warmup $warmup (user CPU s)"
printf '%-40s' "shard"
for s in $shards; do printf '%8s' "$s"; done
printf '%10s\n' "slowest"
declare -A cpu
for s in $shards; do
  for bin in "$@"; do
    /usr/bin/time -f '%U' -o "$tmp/time" "$bin" run scenarios/bench/day.yaml --duration 24h \
      --rate "$rate" --shard "$s/64" --warmup "$warmup" --partial-out "$tmp/partial" \
      --no-progress >/dev/null
    cpu["$bin,$s"]="$(tail -1 "$tmp/time")"
  done
done
for bin in "$@"; do
  printf '%-40s' "$bin"
  slowest=0
  for s in $shards; do
    v="${cpu[$bin,$s]}"
    printf '%8s' "$v"
    slowest="$(python3 -c "print(max($slowest, $v))")"
  done
  printf '%10s\n' "$slowest"
done
