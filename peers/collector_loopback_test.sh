#!/usr/bin/env bash
# CTest: tracesim load -> the real OpenTelemetry Collector (peers/otelcol) on loopback.
#   peers/collector_loopback_test.sh OTELCOL TRACESIM
# Starts the Collector (otlp receiver gRPC + HTTP -> batch -> nop exporter, its own telemetry as
# Prometheus on a free port), sends spans with `tracesim load` over gRPC and then HTTP/protobuf,
# and asserts that the Collector's otelcol_receiver_accepted_spans (per transport and in sum)
# equals tracesim's `spans.accepted` from --summary-json. Exit 77 (CTest SKIP) only when the
# Collector binary is absent; `./dev test` builds it first, so CI never skips.
# Bounded: every wait has a timeout, and the Collector is killed on every exit path.
set -euo pipefail
# shellcheck source=../peers/otelcol/test_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/peers/otelcol/test_lib.sh"
otelcol_test_init "$1" "$2"
fail() {
  echo "FAIL: $*"
  echo "--- Collector log (tail) ---"; tail -n 40 "$work/otelcol.log" 2>/dev/null || true
  exit 1
}

scrape() { curl -fsS --max-time 5 "http://127.0.0.1:$metrics_port/metrics"; }

# accepted TRANSPORT|"" -> sum of otelcol_receiver_accepted_spans[_total] samples (one transport or all)
accepted() { # a failed scrape counts as 0 (the caller's comparison then fails with a message)
  { scrape || true; } | awk -v t="$1" '
    /^otelcol_receiver_accepted_spans(_total)?\{/ {
      if (t == "" || index($0, "transport=\"" t "\"") > 0) { s += $NF; seen = 1 }
    }
    END { if (seen) printf "%d\n", s; else print 0 }'
}

start_collector() {
  read -r grpc_port http_port metrics_port <<<"$(free_ports 3)"
  cat >"$work/config.yaml" <<YAML
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:$grpc_port
      http:
        endpoint: 127.0.0.1:$http_port
processors:
  batch:
exporters:
  nop:
service:
  telemetry:
    logs:
      level: warn
    metrics:
      level: normal
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: $metrics_port
  pipelines:
    traces:
      receivers: [otlp]
      processors: [batch]
      exporters: [nop]
YAML
  "$otelcol" --config "file:$work/config.yaml" >"$work/otelcol.log" 2>&1 &
  col_pid=$!
  # Ready when the metrics endpoint answers and both receiver ports accept connections.
  for _ in $(seq 150); do
    kill -0 "$col_pid" 2>/dev/null || return 1
    if scrape >/dev/null 2>&1 && (exec 3<>"/dev/tcp/127.0.0.1/$grpc_port") 2>/dev/null &&
      (exec 3<>"/dev/tcp/127.0.0.1/$http_port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}

# A port taken between picking and binding makes the Collector exit: try three times.
started=""
for attempt in 1 2 3; do
  if start_collector; then started=1; break; fi
  cleanup_pid="$col_pid"; col_pid=""
  kill -KILL "$cleanup_pid" 2>/dev/null || true; wait "$cleanup_pid" 2>/dev/null || true
  echo "Collector did not start (attempt $attempt)"; tail -n 5 "$work/otelcol.log" || true
done
[ -n "$started" ] || fail "the Collector did not become ready in 15 s, three times"
echo "Collector pid $col_pid: otlp grpc 127.0.0.1:$grpc_port http 127.0.0.1:$http_port metrics :$metrics_port"

load() { # PROTOCOL NAME ENDPOINT: runs tracesim load, leaves $work/NAME.json
  local rc=0
  timeout 60 "$tracesim" load --endpoint "$3" --protocol "$1" --rate 2000spans --duration 2s \
    --no-progress --summary-json "$work/$2.json" >"$work/load-$2.log" 2>&1 || rc=$?
  [ "$rc" = 0 ] || { cat "$work/load-$2.log"; fail "tracesim load over $1 failed (exit $rc)"; }
}
accepted_by_tracesim() { # NAME -> spans.accepted of $work/NAME.json
  python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["spans"]["accepted"])' "$work/$1.json"
}

t0=$(date +%s.%N)
load grpc grpc "127.0.0.1:$grpc_port"
load http/protobuf http "http://127.0.0.1:$http_port/v1/traces"
a_grpc="$(accepted_by_tracesim grpc)"
a_http="$(accepted_by_tracesim http)"
want=$((a_grpc + a_http))
echo "tracesim accepted: grpc $a_grpc, http/protobuf $a_http, total $want"
[ "$a_grpc" -gt 0 ] && [ "$a_http" -gt 0 ] || fail "tracesim reports nothing accepted"

# The receiver counts spans when it answers the request, so the counter is final by now; the
# Prometheus reader may still be a collection behind: poll for at most 10 s.
got=""
for _ in $(seq 100); do
  got="$(accepted "")"
  [ "$got" = "$want" ] && break
  sleep 0.1
done
g_grpc="$(accepted grpc)"
g_http="$(accepted http)"
name="$({ scrape || true; } | grep -oE '^otelcol_receiver_accepted_spans(_total)?' | head -n 1 || true)"
echo "Collector $name: grpc $g_grpc, http $g_http, total $got"
[ "$got" = "$want" ] || fail "Collector accepted $got spans, tracesim says $want"
[ "$g_grpc" = "$a_grpc" ] || fail "gRPC: Collector $g_grpc, tracesim $a_grpc"
[ "$g_http" = "$a_http" ] || fail "HTTP: Collector $g_http, tracesim $a_http"
refused="$({ scrape || true; } | awk '/^otelcol_receiver_refused_spans(_total)?\{/ {s += $NF} END {printf "%d\n", s}')"
[ "$refused" = "0" ] || fail "Collector refused $refused spans"
echo "PASS: Collector and tracesim agree on $want spans ($(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}') s of load)"
