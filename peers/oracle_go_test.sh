#!/usr/bin/env bash
# CTest: the oracle harness's Go tests (peers/otelcol/oracle) on the real processors.
#   peers/oracle_go_test.sh
# Exit 77 (CTest SKIP) only when no `go` is on PATH. Runs under `nice -n 19` (a cold compile of
# the processors takes minutes on two cores).
set -euo pipefail
if ! command -v go >/dev/null 2>&1; then
  echo "SKIP: no 'go' on PATH: the oracle harness needs Go"
  exit 77
fi
cd "$(dirname "$0")/otelcol"
GOFLAGS="-mod=readonly -buildvcs=false" exec nice -n 19 go test -count=1 -v ./oracle/
