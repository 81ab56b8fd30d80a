#!/usr/bin/env bash
# Runs the benchmarks from the repository root (after a build):
#   1. the future-event set (hold model) at 1 k, 100 k, 1 M pending events
#   2. end-to-end simulation spans/s per core for the bundled scenarios
#   3. peak memory of a 10-minute vs a 60-minute simulated run (must not grow with length)
#   4. OTLP encoders (direct vs libprotobuf) and `tracesim load` into `tracesim receive` over
#      loopback, gRPC and HTTP, side by side (bench/load_bench.sh; ~5 minutes)
#   5. tracesim load, telemetrygen and the OpenTelemetry JS SDK side by side into the real
#      Collector and into `tracesim receive` (bench/generators.py; ~3 minutes; needs the Collector)
#   6. the shards of a 64-shard day at 1 % of its rate: user CPU per shard and the slowest
#      (bench/day_shards.sh; ~1 minute)
set -euo pipefail
cd "$(dirname "$0")/.."
B=build
min_time="${BENCH_MIN_TIME:-1}"

echo "== event queue (items_per_second = hold operations/s, one core)"
"$B/bench/event_queue_bench" --benchmark_min_time="$min_time"

echo
echo "== end-to-end simulation (items_per_second = spans/s, one core)"
"$B/bench/simulation_bench" --benchmark_min_time="$min_time"

echo
echo "== peak memory vs run length (checkout at its default 80 traces/s, RED metrics on)"
for d in 10m 60m; do
  "$B/cli/tracesim" run checkout --duration "$d" --format json --no-progress |
    python3 -c "import json,sys; j=json.load(sys.stdin); h=j['host']; print(f\"  $d: {j['spans']:>10,} spans  peak {h['peak_rss_mib']:.1f} MiB  {h['spans_per_wall_s']/1e6:.2f} M spans/s  peak open traces {j['peak_open_traces']}\")"
done

echo
BUILD_DIR="$B" bench/load_bench.sh

echo
if [ -x "$B/peers/otelcol" ]; then
  BUILD_DIR="$B" bench/generators.py
else
  echo "== generators side by side: skipped (no $B/peers/otelcol: ./dev collector)"
fi

echo
bench/day_shards.sh "$B/cli/tracesim"
