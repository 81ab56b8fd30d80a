#!/usr/bin/env bash
# CTest: `tracesim load` into the real OpenTelemetry Collector (peers/otelcol, v0.161.0), with the
# Collector's own Prometheus telemetry held to tracesim's accounting span for span (issue 12).
#   loadgen/collector_pipelines_test.sh OTELCOL TRACESIM
#
# Three Collectors, one after the other, each on free loopback ports:
#   plain    otlp (grpc + http) -> batch -> file. tracesim load over gRPC, HTTP/protobuf and
#            HTTP/JSON, one run each. After each run: the receiver's accepted spans for the
#            transport grew by exactly tracesim's spans.accepted; at the end the batch processor,
#            the file exporter's otelcol_exporter_sent_spans and the spans in the file all equal
#            the sum, and nothing was refused on either side.
#   sampled  otlp -> memory_limiter (512 MiB) -> tail_sampling (always_sample, 1 s decision wait)
#            -> batch -> file, over gRPC and HTTP/JSON: the same equalities through every stage
#            (memory_limiter accepted = incoming = outgoing; every trace decided; sent = accepted).
#   refusing the same pipeline with memory_limiter's limit at 1 MiB (below any Collector's heap,
#            so it refuses: UNAVAILABLE / HTTP 503, which OTLP says to retry), over gRPC and
#            HTTP/protobuf with fast retries: the receiver's otelcol_receiver_refused_spans equals
#            tracesim's requests.failed_attempt_spans (each refused attempt counted), the
#            memory_limiter's refused spans equal the same sum, accepted equals accepted, and
#            tracesim's identity holds with every unaccepted span in retries_exhausted (or
#            rejected): nothing unaccounted.
# The checks are exact counts, never times. Exit 77 (CTest SKIP) only when the Collector binary is
# absent; `./dev test` builds it first, so CI never skips. Every wait is bounded and each
# Collector is stopped on every exit path.
set -euo pipefail
# shellcheck source=../peers/otelcol/test_lib.sh
source "$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/peers/otelcol/test_lib.sh"
otelcol_test_init "$1" "$2"
fail() {
  echo "FAIL: $*"
  echo "--- Collector log (tail) ---"; tail -n 40 "$work/otelcol.log" 2>/dev/null || true
  echo "--- Collector metrics ---"; grep '^otelcol_' "$work/last.prom" 2>/dev/null | grep -v _bucket || true
  exit 1
}

scrape() { curl -fsS --max-time 5 "http://127.0.0.1:$metrics_port/metrics" >"$work/last.prom"; }

# metric NAME [LABEL=VALUE...] -> the sum of NAME's samples (with or without _total) whose labels
# include every LABEL=VALUE, from the last scrape; 0 when none.
metric() {
  python3 - "$work/last.prom" "$@" <<'PY'
import re, sys
path, name, want = sys.argv[1], sys.argv[2], sys.argv[3:]
total = 0.0
for line in open(path):
    m = re.match(r'^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{[^}]*\})?\s+(\S+)', line)
    if not m or m.group(1) not in (name, name + "_total"):
        continue
    labels = dict(re.findall(r'([a-zA-Z_][a-zA-Z0-9_]*)="([^"]*)"', m.group(2) or ""))
    if all(labels.get(k) == v for k, v in (w.split("=", 1) for w in want)):
        total += float(m.group(3))
print(int(total))
PY
}

# start_collector PROCESSORS_FILE LIST: the Collector with those processors (a `processors:`
# block) in the pipeline otlp -> LIST -> file.
start_collector() {
  read -r grpc_port http_port metrics_port <<<"$(free_ports 3)"
  {
    cat "$1"
    cat <<YAML
receivers:
  otlp:
    protocols:
      grpc:
        endpoint: 127.0.0.1:$grpc_port
      http:
        endpoint: 127.0.0.1:$http_port
exporters:
  file:
    path: $work/spans.jsonl
service:
  telemetry:
    logs:
      level: warn
    metrics:
      level: detailed
      readers:
        - pull:
            exporter:
              prometheus:
                host: 127.0.0.1
                port: $metrics_port
  pipelines:
    traces:
      receivers: [otlp]
      processors: [$2]
      exporters: [file]
YAML
  } >"$work/config.yaml"
  rm -f "$work/spans.jsonl"
  "$otelcol" --config "file:$work/config.yaml" >"$work/otelcol.log" 2>&1 &
  col_pid=$!
  for _ in $(seq 150); do
    kill -0 "$col_pid" 2>/dev/null || return 1
    if scrape 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$grpc_port") 2>/dev/null &&
      (exec 3<>"/dev/tcp/127.0.0.1/$http_port") 2>/dev/null; then
      return 0
    fi
    sleep 0.1
  done
  return 1
}
start() { # NAME PROCESSORS_FILE LIST: a port taken between picking and binding: try three times
  for attempt in 1 2 3; do
    if start_collector "$2" "$3"; then
      echo "== $1 ($(($(date +%s) - t0)) s): Collector pid $col_pid, grpc :$grpc_port http :$http_port metrics :$metrics_port"
      return 0
    fi
    stop_collector
    echo "Collector did not start (attempt $attempt)"; tail -n 5 "$work/otelcol.log" || true
  done
  fail "$1: the Collector did not become ready in 15 s, three times"
}

# load NAME PROTOCOL [FLAGS...]: tracesim load into the running Collector; $work/NAME.json.
load() {
  local name="$1" proto="$2" endpoint rc=0
  shift 2
  case "$proto" in
    grpc) endpoint="127.0.0.1:$grpc_port" ;;
    *) endpoint="http://127.0.0.1:$http_port/v1/traces" ;;
  esac
  timeout 90 "$tracesim" load --endpoint "$endpoint" --protocol "$proto" --duration 2s \
    --no-progress --summary-json "$work/$name.json" "$@" \
    >"$work/load-$name.log" 2>&1 || rc=$?
  [ "$rc" = "${want_rc:-0}" ] || { cat "$work/load-$name.log"; fail "tracesim load over $proto exited $rc, expected ${want_rc:-0}"; }
}
# The same, with tracesim's own view of the Collector (--target-metrics, --target-pid) and the
# issue's thresholds on it.
load_watched() { # NAME PROTOCOL [FLAGS...]
  local name="$1" proto="$2"
  shift 2
  load "$name" "$proto" --target-metrics "127.0.0.1:$metrics_port" --target-pid "$col_pid" \
    --threshold 'collector_refused_ratio<0.001' --threshold 'collector_rss_mb<800' "$@"
}
# tracesim's scrape of the Collector (target.spans.accepted/refused) equals its own books.
check_target() { # NAME
  [ "$(field "$1" target.spans.accepted)" = "$(field "$1" spans.accepted)" ] ||
    fail "$1: --target-metrics saw $(field "$1" target.spans.accepted) accepted, tracesim $(field "$1" spans.accepted)"
  [ "$(field "$1" target.spans.refused)" = "$(field "$1" requests.failed_attempt_spans)" ] ||
    fail "$1: --target-metrics saw $(field "$1" target.spans.refused) refused, tracesim failed attempts $(field "$1" requests.failed_attempt_spans)"
  [ "$(field "$1" target.scrape_errors)" = 0 ] || fail "$1: failed scrapes"
  echo "  ok $1: --target-metrics accepted $(field "$1" target.spans.accepted), refused $(field "$1" target.spans.refused), peak rss $(field "$1" target.peak_rss_mb) MiB"
}
# field NAME PATH -> a field of $work/NAME.json (PATH like spans.accepted)
field() {
  python3 -c 'import json,sys
v = json.load(open(sys.argv[1]))
for k in sys.argv[2].split("."): v = v[k]
print(int(v) if not isinstance(v, bool) else str(v).lower())' "$work/$1.json" "$2"
}
# wait_for EXPECTED NAME [LABELS...]: polls (<= 15 s) until the metric equals EXPECTED; prints it.
# The Prometheus reader may be a collection behind, batch and tail_sampling release on timers.
wait_for() {
  local want="$1" got=""
  shift
  for _ in $(seq 150); do
    scrape || true
    got="$(metric "$@")"
    [ "$got" = "$want" ] && break
    sleep 0.1
  done
  echo "$got"
}
expect() { # WHAT EXPECTED NAME [LABELS...]
  local what="$1" want="$2" got
  shift 2
  got="$(wait_for "$want" "$@")"
  [ "$got" = "$want" ] || fail "$what: Collector $* = $got, expected $want"
  echo "  ok $what: $* = $got"
}
file_spans() { # spans in the file exporter's JSON lines
  python3 - "$work/spans.jsonl" <<'PY'
import json, os, sys
n = 0
if os.path.exists(sys.argv[1]):
    for line in open(sys.argv[1]):
        if line.strip():
            for rs in json.loads(line).get("resourceSpans", []):
                for ss in rs.get("scopeSpans", []):
                    n += len(ss.get("spans", []))
print(n)
PY
}
check_identity() { # NAME: tracesim's own books balance
  [ "$(field "$1" spans.identity_holds)" = true ] || fail "$1: tracesim identity broken"
  [ "$(field "$1" spans.in_flight)" = 0 ] || fail "$1: spans still in flight"
}

t0=$(date +%s)

# ---- plain: otlp -> batch -> file, three protocols ----
cat >"$work/plain.yaml" <<'YAML'
processors:
  batch:
YAML
start plain "$work/plain.yaml" batch
total=0
for proto in grpc http/protobuf http/json; do
  name="plain-${proto//\//-}"
  load_watched "$name" "$proto" --rate 2000spans --report-html "$work/$name.html"
  check_identity "$name"
  check_target "$name"
  # report2 (issue 14): the load page shows the Collector's own metrics.
  grep -q '<section id="collector">' "$work/$name.html" &&
    grep -q 'id="collector-rates"' "$work/$name.html" || fail "$name: no collector section in the page"
  a="$(field "$name" spans.accepted)"
  [ "$a" -gt 0 ] || fail "$name: tracesim accepted nothing"
  [ "$(field "$name" requests.failed_attempt_spans)" = 0 ] || fail "$name: failed attempts"
  total=$((total + a))
  expect "$proto accepted (running total)" "$total" otelcol_receiver_accepted_spans receiver=otlp
done
expect "grpc accepted" "$(field plain-grpc spans.accepted)" \
  otelcol_receiver_accepted_spans transport=grpc
expect "http accepted" "$(( $(field plain-http-protobuf spans.accepted) + $(field plain-http-json spans.accepted) ))" \
  otelcol_receiver_accepted_spans transport=http
expect "refused" 0 otelcol_receiver_refused_spans
expect "failed" 0 otelcol_receiver_failed_spans
expect "batch sent" "$total" otelcol_processor_batch_batch_send_size_sum processor=batch
expect "exporter sent" "$total" otelcol_exporter_sent_spans exporter=file
expect "exporter failed" 0 otelcol_exporter_send_failed_spans exporter=file
got=""
for _ in $(seq 50); do got="$(file_spans)"; [ "$got" = "$total" ] && break; sleep 0.1; done
[ "$got" = "$total" ] || fail "the file holds $got spans, tracesim accepted $total"
echo "  ok file holds $got spans"

# ---- capacity search (--find-max) into the same Collector ----
# A stated criterion that breaks between 4,000 and 6,000 spans/s (target_rate<5000: the step's
# expected rate, exact whatever the machine's load) makes the steps known: 2000 and 4000 pass
# (grow), 8000 fails, the bisection tries 6000 (fails) and stops within --precision 0.5. The
# Collector must also accept everything and refuse nothing at each passing step.
scrape || true
before="$(metric otelcol_receiver_accepted_spans)"
load capacity grpc --find-max --rate 2000spans --step-duration 2s --max-steps 4 --precision 0.5 \
  --threshold 'target_rate<5000' --threshold 'accepted_ratio>=0.999' \
  --threshold 'collector_refused_ratio<0.001' --target-metrics "127.0.0.1:$metrics_port" \
  --report-html "$work/capacity.html"
# report2 (issue 14): the capacity search's page has the verdict and every step.
grep -q 'lowest failing rate: 6000.0 spans/s' "$work/capacity.html" &&
  [ "$(grep -o '<td>bisect</td>' "$work/capacity.html" | wc -l)" = 1 ] ||
  fail "capacity search: the --report-html page lacks the verdict or the steps"
python3 - "$work/capacity.json" <<'PY' || fail "capacity search: unexpected steps"
import json, sys
d = json.load(open(sys.argv[1]))
got = [(s["rate"], s["phase"], s["passed"]) for s in d["steps"]]
want = [(2000, "grow", True), (4000, "grow", True), (8000, "grow", False), (6000, "bisect", False)]
assert got == want, got
assert d["max_rate"] == 4000 and d["lowest_failing_rate"] == 6000, d
for s in d["steps"]:  # every step's books, and its own scrape of the Collector, agree
    sp = s["summary"]["spans"]
    assert sp["identity_holds"] and sp["in_flight"] == 0, s
    assert s["summary"]["target"]["spans"]["accepted"] == sp["accepted"], s
print("  ok capacity steps", got, "max", d["max_rate"])
PY
cat "$work/load-capacity.log" | tail -n 7
steps_accepted="$(python3 -c 'import json,sys; print(sum(s["summary"]["spans"]["accepted"] for s in json.load(open(sys.argv[1]))["steps"]))' "$work/capacity.json")"
expect "capacity search accepted" "$((before + steps_accepted))" otelcol_receiver_accepted_spans
# The classic misconfiguration: OTEL_EXPORTER_OTLP_ENDPOINT without a scheme means TLS for gRPC
# (the OTLP spec), against this plaintext Collector. The header and the diagnosis say so.
rc=0
OTEL_EXPORTER_OTLP_ENDPOINT="127.0.0.1:$grpc_port" timeout 60 "$tracesim" load --rate 500spans \
  --duration 30s --no-progress --retry-initial 20ms --retry-max 50ms >"$work/tls.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || { cat "$work/tls.log"; fail "TLS mismatch: exit $rc, expected 1"; }
grep -q "TLS on (OTEL_EXPORTER_OTLP_ENDPOINT has no scheme" "$work/tls.log" &&
  grep -q "nothing was accepted" "$work/tls.log" ||
  { cat "$work/tls.log"; fail "TLS mismatch: the header or the diagnosis does not say why"; }
echo "  ok TLS mismatch diagnosed: $(grep 'last error' "$work/tls.log" | head -c 160)"
stop_collector

# ---- sampled: memory_limiter -> tail_sampling -> batch -> file ----
limiter_processors() { # LIMIT_MIB SPIKE_MIB
  cat <<YAML
processors:
  memory_limiter:
    check_interval: 100ms
    limit_mib: $1
    spike_limit_mib: $2
  tail_sampling:
    decision_wait: 1s
    policies:
      - name: all
        type: always_sample
  batch:
YAML
}
limiter_processors 512 100 >"$work/sampled.yaml"
start sampled "$work/sampled.yaml" "memory_limiter, tail_sampling, batch"
total=0
for proto in grpc http/json; do
  name="sampled-${proto//\//-}"
  load "$name" "$proto" --rate 2000spans
  check_identity "$name"
  total=$((total + $(field "$name" spans.accepted)))
  expect "$proto accepted (running total)" "$total" otelcol_receiver_accepted_spans receiver=otlp
done
expect "memory_limiter accepted" "$total" otelcol_processor_memory_limiter_accepted_spans
expect "memory_limiter in" "$total" otelcol_processor_incoming_items processor=memory_limiter
expect "memory_limiter out" "$total" otelcol_processor_outgoing_items processor=memory_limiter
expect "memory_limiter refused" 0 otelcol_processor_memory_limiter_refused_spans
# Every trace the tail sampler saw was decided (and sampled: always_sample).
scrape || true
new_traces="$(metric otelcol_processor_tail_sampling_new_trace_id_received)"
[ "$new_traces" -gt 0 ] || fail "the tail sampler saw no trace"
expect "tail_sampling decided" "$new_traces" otelcol_processor_tail_sampling_global_count_traces_sampled
expect "tail_sampling sampled" "$new_traces" \
  otelcol_processor_tail_sampling_global_count_traces_sampled decision=sampled
expect "exporter sent" "$total" otelcol_exporter_sent_spans exporter=file
stop_collector

# ---- refusing: memory_limiter below the heap refuses; tracesim retries, then gives up ----
limiter_processors 1 0 >"$work/refusing.yaml"
start refusing "$work/refusing.yaml" "memory_limiter, tail_sampling, batch"
sum_refused=0
sum_accepted=0
for proto in grpc http/protobuf; do
  name="refusing-${proto//\//-}"
  # The refusals cross the collector_refused_ratio threshold: exit 99.
  want_rc=99 load_watched "$name" "$proto" --retry-initial 20ms --retry-max 50ms \
    --retry-attempts 3 --rate 500spans --allow-export-failures
  grep -q "FAILED collector_refused_ratio<0.001" "$work/load-$name.log" ||
    fail "$name: the refused-ratio threshold did not fail"
  check_identity "$name"
  check_target "$name"
  f="$(field "$name" requests.failed_attempt_spans)"
  a="$(field "$name" spans.accepted)"
  g="$(field "$name" spans.generated)"
  ex="$(field "$name" spans.dropped.retries_exhausted)"
  rj="$(field "$name" spans.rejected.total)"
  [ "$f" -gt 0 ] || fail "$name: the memory_limiter refused nothing (heap under 1 MiB?)"
  [ "$(field "$name" requests.retries)" -gt 0 ] || fail "$name: no retries"
  [ "$g" = $((a + ex + rj)) ] || fail "$name: generated $g != accepted $a + retries_exhausted $ex + rejected $rj"
  t="${proto%%/*}"
  expect "$proto refused = tracesim failed_attempt_spans" "$f" \
    otelcol_receiver_refused_spans transport="$t"
  expect "$proto accepted" "$a" otelcol_receiver_accepted_spans transport="$t"
  sum_refused=$((sum_refused + f))
  sum_accepted=$((sum_accepted + a))
  echo "  $proto: generated $g, accepted $a, retries_exhausted $ex, rejected $rj, refused attempts' spans $f"
done
expect "memory_limiter refused" "$sum_refused" otelcol_processor_memory_limiter_refused_spans
expect "memory_limiter accepted" "$sum_accepted" otelcol_processor_memory_limiter_accepted_spans
# A capacity search where nothing is sustained: one step, and exit 99.
want_rc=99 load capacity-none grpc --find-max --rate 500spans --step-duration 1s --max-steps 1 \
  --retry-initial 20ms --retry-max 50ms --retry-attempts 2 --allow-export-failures
grep -q "no step passed" "$work/load-capacity-none.log" || fail "capacity-none: no verdict"
echo "  ok a refusing Collector sustains nothing (exit 99)"
# Without --allow-export-failures a run where nothing is accepted stops after 2 s: exit 1 with
# the diagnosis (endpoint, TLS and why, the Collector's error).
rc=0
timeout 60 "$tracesim" load --endpoint "127.0.0.1:$grpc_port" --rate 500spans --duration 30s \
  --no-progress --retry-initial 20ms --retry-max 50ms --summary-json "$work/refusing-fast.json" \
  >"$work/load-refusing-fast.log" 2>&1 || rc=$?
[ "$rc" = 1 ] || { cat "$work/load-refusing-fast.log"; fail "refusing-fast: exit $rc, expected 1"; }
grep -q "nothing was accepted" "$work/load-refusing-fast.log" &&
  grep -q "TLS off" "$work/load-refusing-fast.log" &&
  grep -q "last error: UNAVAILABLE" "$work/load-refusing-fast.log" ||
  { cat "$work/load-refusing-fast.log"; fail "refusing-fast: no diagnosis"; }
[ "$(field refusing-fast interrupted)" = true ] || fail "refusing-fast: ran on"
echo "  ok nothing accepted: stopped early with a diagnosis (exit 1)"
stop_collector

echo "PASS: the Collector's telemetry equals tracesim's accounting in 3 pipelines ($(($(date +%s) - t0)) s)"
