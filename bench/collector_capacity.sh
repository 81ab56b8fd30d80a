#!/usr/bin/env bash
# bench/collector_capacity.sh [START [STEPS [STEP_DURATION]]]: the capacity figure of doc/load.md
# ("Capacity search"): `tracesim load --find-max` into the real Collector (build/peers/otelcol,
# ./dev collector) on loopback, pipeline otlp (gRPC) -> batch -> nop, memory_limiter off, the
# Collector's telemetry at level normal, watched with --target-metrics and --target-pid; the
# default criteria plus collector_rss_mb<800. Scenario: load_bench.sh's fanout (19 spans/trace,
# no saturating service, uniform arrivals). Defaults: start 20000spans, 7 steps of 10s.
# Prints the evidence table; the JSON goes to $OUT (default build/collector_capacity.json).
set -euo pipefail
cd "$(dirname "$0")/.."
start="${1:-20000}" steps="${2:-7}" step="${3:-10s}"
otelcol=build/peers/otelcol tracesim=build/cli/tracesim
out="${OUT:-build/collector_capacity.json}"
[ -x "$otelcol" ] || { echo "no $otelcol: run ./dev collector" >&2; exit 1; }
work="$(mktemp -d)"
col_pid=""
trap '[ -z "$col_pid" ] || kill "$col_pid" 2>/dev/null; wait 2>/dev/null; rm -rf "$work"' EXIT
# The fanout scenario of load_bench.sh (its TOPOLOGY and SCENARIO strings).
python3 - "$work" <<'PY'
import re, sys
src = open("bench/load_bench.sh").read()
for var, name in (("TOPOLOGY", "fanout.yaml"), ("SCENARIO", "fanout-scenario.yaml")):
    text = re.search(var + r' = """(.*?)"""', src, re.S).group(1)
    open(f"{sys.argv[1]}/{name}", "w").write(text)
PY
read -r grpc_port metrics_port <<<"$(python3 -c '
import socket; s=[socket.socket() for _ in range(2)]
[x.bind(("127.0.0.1", 0)) for x in s]; print(*[x.getsockname()[1] for x in s])')"
cat >"$work/config.yaml" <<YAML
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:$grpc_port
processors:
  batch:
exporters:
  nop:
service:
  telemetry:
    logs: {level: warn}
    metrics:
      level: normal
      readers:
        - pull: {exporter: {prometheus: {host: 127.0.0.1, port: $metrics_port}}}
  pipelines:
    traces: {receivers: [otlp], processors: [batch], exporters: [nop]}
YAML
"$otelcol" --config "file:$work/config.yaml" >"$work/otelcol.log" 2>&1 &
col_pid=$!
for _ in $(seq 100); do curl -fsS "http://127.0.0.1:$metrics_port/metrics" >/dev/null 2>&1 && break; sleep 0.1; done
echo "Collector $("$otelcol" --version 2>/dev/null | head -n1), pid $col_pid; $(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
rc=0
"$tracesim" load "$work/fanout-scenario.yaml" --endpoint "127.0.0.1:$grpc_port" --find-max \
  --rate "${start}spans" --max-steps "$steps" --step-duration "$step" --no-progress \
  --target-metrics "127.0.0.1:$metrics_port" --target-pid "$col_pid" \
  --threshold 'accepted_ratio>=0.999' --threshold 'achieved_ratio>=0.95' \
  --threshold 'export_p99_ms<500' --threshold 'collector_refused_ratio<0.001' \
  --threshold 'collector_rss_mb<800' --summary-json "$out" || rc=$?
echo "JSON: $out (exit $rc)"
