#!/usr/bin/env bash
# fuzz/run.sh SECONDS [HARNESS...]: runs each libFuzzer harness (all by default) for SECONDS from
# its seeds (fuzz/corpus/<harness>, the repo's topologies/scenarios and ../shared/testdata), with
# a 2 GB RSS limit and a 10 s per-input timeout, and prints one line per harness: runs, exec/s,
# corpus size, crashes. New inputs go to build-fuzz/fuzz/corpus/<harness>, crashing inputs to
# build-fuzz/fuzz/artifacts/<harness>/. Exit status 1 when any harness found a crash, timeout or
# OOM (keep the input in fuzz/corpus/<harness>/ with a unit test for it, then fix).
# Needs `cmake --preset fuzz && cmake --build build-fuzz --target fuzzers` first (./dev does it).
set -uo pipefail
cd "$(dirname "$0")/.."
secs="${1:-60}"
[ $# -gt 0 ] && shift
bin=build-fuzz/fuzz
shared=../shared/testdata
all=(otlp_proto otlp_json topology scenario collector_config jaeger_strategies jaeger_v2 ottl
     threshold flags prometheus_text partial_state)
harnesses=("${@:-${all[@]}}")

seeds() {  # seed folders and files of one harness (missing ones are skipped)
  echo "fuzz/corpus/$1"
  case "$1" in
    otlp_json) echo "$shared/otlp-proto-examples" ;;
    topology) echo topologies/*.yaml ;;
    scenario) echo scenarios/*.yaml doc/tutorial/*.yaml ;;
    collector_config) echo "$shared/otelcol-tailsampling" "$shared/otelcol-probabilisticsampler" ;;
    jaeger_strategies) echo "$shared/jaeger-sampling-strategies" ;;
    jaeger_v2) echo "$shared"/jaeger-sampling-strategies/*.yaml ;;
    prometheus_text) echo loadgen/target/testdata/*.prom ;;
  esac
}

failed=0
printf '%-20s %12s %9s %7s %s\n' harness runs exec/s corpus findings
for h in "${harnesses[@]}"; do
  exe="$bin/${h}_fuzz"
  [ -x "$exe" ] || { echo "fuzz/run.sh: $exe is not built" >&2; failed=1; continue; }
  work="$bin/corpus/$h" art="$bin/artifacts/$h"
  mkdir -p "$work" "$art" "$bin/seeds/$h"
  for s in $(seeds "$h"); do  # libFuzzer reads folders: gather seed files in one
    if [ -d "$s" ]; then find "$s" -maxdepth 1 -type f ! -name '*.md' -exec cp -t "$bin/seeds/$h" {} +
    elif [ -f "$s" ]; then cp "$s" "$bin/seeds/$h/"; fi
  done
  log="$bin/$h.log"
  "$exe" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$art/" "$work" "$bin/seeds/$h" >"$log" 2>&1
  rc=$?
  runs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | grep -o '[0-9]*$')
  speed=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | grep -o '[0-9]*$')
  found=$(find "$art" -type f | wc -l)
  printf '%-20s %12s %9s %7s %s\n' "$h" "${runs:-?}" "${speed:-?}" "$(ls "$work" | wc -l)" \
    "$([ $rc -eq 0 ] && echo none || echo "rc=$rc, $found input(s) in $art, log $log")"
  [ $rc -eq 0 ] || failed=1
done
exit $failed
