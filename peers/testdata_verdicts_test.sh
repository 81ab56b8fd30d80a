#!/usr/bin/env bash
# CTest: the built Collector still gives the committed verdicts on upstream's testdata configs.
#   peers/testdata_verdicts_test.sh OTELCOL TESTDATA_DIR EXPECTED_JSONL
# Exit 77 (CTest SKIP) only when the Collector binary is absent (./dev test builds it first).
set -euo pipefail
otelcol="$1"
testdata="$2"
expected="$3"
if [ ! -x "$otelcol" ]; then
  echo "SKIP: no Collector binary at $otelcol (build it with ./dev collector; needs Go)"
  exit 77
fi
if [ ! -d "$testdata" ]; then
  echo "SKIP: no $testdata (../shared beside the source tree: third-party test data)"
  exit 77
fi
got="$(mktemp)"
trap 'rm -f "$got"' EXIT
"$(dirname "$0")/otelcol/validate_testdata.sh" "$otelcol" "$testdata" >"$got"
if ! diff -u "$expected" "$got"; then
  echo "FAIL: the Collector's verdicts differ from $expected (regenerate it on a version bump)"
  exit 1
fi
echo "PASS: $(wc -l <"$got") upstream configs, verdicts as committed"
