#!/usr/bin/env bash
# The sampling lab against the real Collector processors (doc/collector.md, "Comparing the lab
# with the oracle"): records what the lab's Collector stages saw and decided, replays the same
# arrival stream through the real processors (the Go oracle, peers/otelcol/oracle, on virtual
# time) and prints the agreement table.
#
#   peers/lab_oracle/agreement.sh LAB_ORACLE_BIN SOURCE_DIR SHARED_DIR WORK_DIR [BASELINE]
#
# Cases: every shipped scenario with `samplers:` (each strategy with Collector stages), and every
# upstream tail_sampling / probabilistic_sampler config the Collector accepts
# (peers/otelcol/testdata-verdicts.jsonl) and every config in peers/lab_oracle/cases, each as the
# one strategy of scenarios/checkout-sampling.yaml.
# Runs of ORACLE_DURATION seconds (default 150: the Stripe outage and the start of the slow-db
# incident). The tail_sampling counters (tracesim's TailSamplingStats, the Collector's own
# metrics) are compared too: all of them for stateless cases, the order-independent ones
# (new trace ids, too large, evaluation errors) for stateful ones, too large and evaluation
# errors for evicting ones (a tail stage's num_traces evicted traces: which ones depends on the
# order of a request's traces, Go map order upstream). With ORACLE_SELF_AGREEMENT=1
# (bench/oracle_agreement.sh) each stateful or evicting case is replayed a second time and the
# Collector's agreement with itself is printed: upstream decides a tick's traces, and takes a
# request's traces, in Go map order, random per run, so that is the most per-trace identity any
# model can reach. With BASELINE (the ctest),
# exits 1 when a case agrees less than its baseline row says, when a stateful case leaves its
# binomial interval, when the two sides saw different streams, when a case's counters differ, or
# when a case has no baseline row. Exit 77 (CTest SKIP) only without `go`.
set -euo pipefail
bin="$1"; src="$2"; shared="$3"; work="$4"; baseline="${5:-}"
duration="${ORACLE_DURATION:-150}"
if ! command -v go >/dev/null 2>&1; then
  echo "SKIP: no 'go' on PATH: the oracle needs Go"
  exit 77
fi
if [ ! -d "$shared/testdata" ]; then
  echo "SKIP: no $shared/testdata (../shared beside the source tree: third-party test data)"
  exit 77
fi
mkdir -p "$work"
work="$(cd "$work" && pwd)"
oracle="$work/oracle.test"
# The oracle as a test binary, rebuilt when its sources change (Go's build cache does the rest).
if [ ! -x "$oracle" ] || [ -n "$(find "$src/peers/otelcol" -newer "$oracle" \( -name '*.go' -o -name go.mod -o -name go.sum \) | head -1)" ]; then
  (cd "$src/peers/otelcol" && GOFLAGS="-mod=readonly -buildvcs=false" nice -n 19 \
    go test -c -o "$oracle" ./oracle)
fi
runs="$work/runs"
rm -rf "$runs"
mkdir -p "$runs"
rejected="$runs/rejected.tsv"
: >"$rejected"
for sc in "$src"/scenarios/*.yaml; do
  grep -q '^samplers:' "$sc" || continue
  "$bin" record --scenario "$sc" --duration "$duration" --out "$runs" 2>>"$runs/record.log"
done
base_scenario="$src/scenarios/checkout-sampling.yaml"
grep '"verdict":"valid"' "$src/peers/otelcol/testdata-verdicts.jsonl" |
  sed -E 's/.*"file":"([^"]*)".*/\1/' | while read -r rel; do
  if ! "$bin" record --scenario "$base_scenario" --collector "$shared/testdata/$rel" \
    --duration "$duration" --out "$runs" 2>>"$runs/record.log"; then
    slug="checkout-sampling_$(basename "$rel" .yaml | tr -c 'A-Za-z0-9\n-' '_')"
    printf '%s\t%s\n' "$slug" "$(tail -1 "$runs/record.log" | cut -c1-160)" >>"$rejected"
  fi
done

# Our own cases (peers/lab_oracle/cases): policies and stage stacks the upstream files do not
# exercise on checkout's attributes.
for f in "$src"/peers/lab_oracle/cases/*.yaml; do
  if ! "$bin" record --scenario "$base_scenario" --collector "$f" --duration "$duration" \
    --out "$runs" 2>>"$runs/record.log"; then
    slug="checkout-sampling_$(basename "$f" .yaml | tr -c 'A-Za-z0-9\n-' '_')"
    printf '%s\t%s\n' "$slug" "$(tail -1 "$runs/record.log" | cut -c1-160)" >>"$rejected"
  fi
done

table="$work/agreement.tsv"
printf 'case\tkind\ttraces\tidentical\tidentical_pct\tsampled_tracesim\tsampled_oracle\tspans_out_tracesim\tspans_out_oracle\twithin_binomial\tstreams_differ\tcounters\toracle_self_pct\n' >"$table"
# GOGC=400: the streamed replay keeps a small heap, so the default collects very often; 400 cuts
# its CPU by ~25 % for ~100 MB RSS.
replay() {  # slug procs drain out counters
  GOGC=400 "$oracle" -test.run TestReplayFile -arrivals "$runs/$1.arrivals" -config "$runs/$1.yaml" \
    -processors "$2" -drain "$3" -out "$4" -counters "$5" >"$runs/$1.log" 2>&1 ||
    { cat "$runs/$1.log"; echo "FAIL: the oracle could not replay $1"; exit 1; }
}
while IFS=$'\t' read -r slug procs stateful drain; do
  replay "$slug" "$procs" "$drain" "$runs/$slug.oracle" "$runs/$slug.oracle-counters"
  IFS=$'\t' read -r traces ident pct same st so sot soo within indiff only_t only_o \
    < <("$bin" compare "$runs/$slug.tracesim" "$runs/$slug.oracle")
  kind=stateless; [ "$stateful" = 1 ] && kind=stateful; [ "$stateful" = 2 ] && kind=evicting
  counters=-
  if [ -e "$runs/$slug.tracesim-counters" ]; then
    only=""; [ "$kind" = stateful ] && only=new_trace_id_received,traces_dropped_too_large,policy_evaluation_error
    # Evictions depend on the order of a request's traces (random upstream): so do the new ids
    # of recreated traces and the too-early counts.
    [ "$kind" = evicting ] && only=traces_dropped_too_large,policy_evaluation_error
    counters="$("$bin" compare-counters "$runs/$slug.tracesim-counters" "$runs/$slug.oracle-counters" $only | tr ' ' ';')"
  fi
  self=-
  if [ "$kind" != stateless ] && [ "${ORACLE_SELF_AGREEMENT:-0}" = 1 ]; then
    replay "$slug" "$procs" "$drain" "$runs/$slug.oracle2" "$runs/$slug.oracle2-counters"
    self="$("$bin" compare "$runs/$slug.oracle" "$runs/$slug.oracle2" | cut -f3)"
  fi
  printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$slug" "$kind" "$traces" "$ident" "$pct" \
    "$st" "$so" "$sot" "$soo" "$within" "$((indiff + only_t + only_o))" "$counters" "$self" >>"$table"
  rm -f "$runs/$slug.arrivals"  # ~0.7 kB per span: keep the work dir small
done <"$runs/manifest.tsv"
while IFS=$'\t' read -r slug why; do
  printf '%s\trejected\t0\t0\t-\t-\t-\t-\t-\t-\t-\t-\t-\n' "$slug" >>"$table"
done <"$rejected"

echo "agreement of the lab's Collector stages with the real processors (v0.161.0), ${duration} s runs:"
if command -v column >/dev/null 2>&1; then column -t -s $'\t' "$table"; else cat "$table"; fi
if [ -s "$rejected" ]; then
  echo "configs the Collector accepts and tracesim rejects:"
  sed 's/^/  /' "$rejected"
fi
[ -n "$baseline" ] || exit 0

# baseline: case<TAB>kind<TAB>min_identical_pct<TAB>within_binomial (1: required)
fail=0
tail -n +2 "$table" | while IFS=$'\t' read -r slug kind traces ident pct st so sot soo within differ counters self; do
  row="$(awk -F'\t' -v s="$slug" '$1 == s' "$baseline")"
  if [ -z "$row" ]; then echo "FAIL: $slug has no row in $baseline"; echo x >>"$work/fail"; continue; fi
  IFS=$'\t' read -r _ bkind bmin bwithin <<<"$row"
  if [ "$kind" != "$bkind" ]; then
    echo "FAIL: $slug is $kind, the baseline says $bkind"; echo x >>"$work/fail"; continue
  fi
  [ "$kind" = rejected ] && continue
  if [ "$counters" != same ] && [ "$counters" != - ]; then
    echo "FAIL: $slug: the tail_sampling counters differ (tracesim/Collector): $counters"; echo x >>"$work/fail"
  fi
  if [ "$differ" != 0 ]; then
    echo "FAIL: $slug: tracesim and the oracle saw different streams ($differ traces)"; echo x >>"$work/fail"
  fi
  if awk -v a="$pct" -v b="$bmin" 'BEGIN { exit !(a + 0 < b + 0) }'; then
    echo "FAIL: $slug: $pct % identical, the baseline is $bmin %"; echo x >>"$work/fail"
  fi
  if [ "$bwithin" = 1 ] && [ "$within" != 1 ]; then
    echo "FAIL: $slug: traces kept outside the binomial interval ($st vs $so of $traces)"; echo x >>"$work/fail"
  fi
done
if [ -e "$work/fail" ]; then rm -f "$work/fail"; exit 1; fi
echo "PASS: every case agrees at least as well as $baseline"
