#!/usr/bin/env bash
# The sampling lab's cost as a ratio to the simulation alone (issue 10's budget: at most 2x),
# robust to a machine whose speed drifts: each round runs BM_SamplingBaseline,
# BM_SamplingSixStrategiesAtSpanEnd and BM_SamplingSixStrategies side by side in a fresh process,
# the binaries given alternate round by round, and the ratio is taken per round.
#   bench/lab_ratio.sh [ROUNDS] [simulation_bench BINARY...]   # default: 9, build/bench/...
# Prints per binary and benchmark: median and minimum ms per 60 s run, and the median and range
# of the per-round ratio to BM_SamplingBaseline.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds="${1:-9}"
shift || true
[ $# -gt 0 ] || set -- build/bench/simulation_bench
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for _ in $(seq "$rounds"); do
  for b in "$@"; do
    "$b" --benchmark_filter='BM_Sampling' --benchmark_min_time=0.7 --benchmark_format=csv \
      2>/dev/null | grep '^"BM' | cut -d, -f1,4 | sed "s|^|$b,|" >>"$out"
  done
done
python3 - "$out" <<'PY'
import collections, statistics, sys
by = collections.defaultdict(lambda: collections.defaultdict(list))
rounds = collections.defaultdict(list)
for line in open(sys.argv[1]):
    b, name, ms = line.strip().split(',')
    name = name.strip('"')
    if name == 'BM_SamplingBaseline':
        rounds[b].append({})
    rounds[b][-1][name] = float(ms)
for b, rs in rounds.items():
    print(b)
    for name in ('BM_SamplingBaseline', 'BM_SamplingSixStrategiesAtSpanEnd',
                 'BM_SamplingSixStrategies'):
        ms = [r[name] for r in rs if name in r]
        ratio = [r[name] / r['BM_SamplingBaseline'] for r in rs if name in r]
        print(f"  {name:34s} ms median {statistics.median(ms):6.2f} min {min(ms):6.2f}"
              f"  x simulation median {statistics.median(ratio):.3f}"
              f" ({min(ratio):.3f}-{max(ratio):.3f}) rounds {len(ms)}")
PY
