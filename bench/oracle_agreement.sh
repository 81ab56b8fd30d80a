#!/usr/bin/env bash
# The agreement table of the sampling lab's Collector stages with the real Collector processors
# (doc/collector.md, "Comparing the lab with the oracle"): cases × traces compared × identical %,
# so a regression shows, the tail_sampling counters of both sides, and for stateful cases the
# Collector's agreement with itself (a second replay: Go map order differs per run), the most a
# model can reach. Needs a build (tracesim_lab_oracle) and Go (the oracle).
#   bench/oracle_agreement.sh            # ORACLE_DURATION=SECONDS for other run lengths
set -euo pipefail
cd "$(dirname "$0")/.."
B="${BUILD_DIR:-build}"
ORACLE_SELF_AGREEMENT="${ORACLE_SELF_AGREEMENT:-1}" exec peers/lab_oracle/agreement.sh "$B/peers/lab_oracle/tracesim_lab_oracle" "$PWD" \
  "$PWD/../shared" "$B/peers/lab_oracle/bench" peers/lab_oracle/agreement-baseline.tsv
