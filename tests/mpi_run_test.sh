#!/bin/sh
# `mpirun -np 2 tracesim run SCENARIO --shards mpi` on loopback (issue 15, app/mpi_run.h): rank 0
# prints the summary `tracesim run SCENARIO --shards 2` prints (JSON minus host) and its lint
# findings (the ranks' evidence rides in their partials), the other rank nothing. Skips (exit 77) with a message when mpirun is absent or tracesim was built without MPI.
# Usage: mpi_run_test.sh BUILD_DIR
set -eu
bin="$1/cli/tracesim"
if ! command -v mpirun >/dev/null 2>&1; then
  echo "mpi_run_test skipped: mpirun not found (install openmpi-bin and libopenmpi-dev)"
  exit 77
fi
if "$bin" run checkout --duration 1s --shards mpi --format json 2>&1 >/dev/null |
    grep -q "built without MPI"; then
  echo "mpi_run_test skipped: tracesim was built without MPI (install libopenmpi-dev, rebuild)"
  exit 77
fi
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
# Loopback only: TCP between the ranks over lo, no shared-memory transport to configure.
timeout 300 mpirun --oversubscribe --allow-run-as-root -np 2 --mca btl self,tcp \
  --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo \
  "$bin" run checkout-sampling --duration 30s --shards mpi --format json >"$dir/mpi.json" \
  2>"$dir/mpi.err"
"$bin" run checkout-sampling --duration 30s --shards 2 --no-progress --format json \
  >"$dir/threads.json" 2>"$dir/threads.err"
# The findings (a line naming the scenario's file, then its fix), as --shards 2 prints them.
grep -A1 '^builtin:checkout-sampling.yaml:' "$dir/mpi.err" >"$dir/mpi.findings" || true
if ! grep -q 'head-below-tail' "$dir/mpi.findings" || ! cmp -s "$dir/mpi.findings" "$dir/threads.err"
then
  echo "mpi_run_test: the MPI run's lint findings differ from --shards 2:"
  diff "$dir/mpi.findings" "$dir/threads.err" || true
  exit 1
fi
python3 - "$dir/mpi.json" "$dir/threads.json" <<'PY'
import json, sys
a, b = (json.load(open(p)) for p in sys.argv[1:3])
for d in (a, b):
    d.pop("host", None)
if a != b:
    sys.exit("mpi_run_test: the MPI run's summary differs from --shards 2")
if a["traces"] <= 0:
    sys.exit("mpi_run_test: no traces")
print(f"mpi_run_test: 2 MPI ranks = --shards 2 ({a['traces']} traces, {a['spans']} spans)")
PY
# --threshold is judged at rank 0 on the merged scores: a crossed one fails the run (exit 99).
set +e
timeout 300 mpirun --oversubscribe --allow-run-as-root -np 2 --mca btl self,tcp \
  --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo \
  "$bin" run checkout-sampling --duration 30s --shards mpi --no-lint \
  --threshold 'head-ratio-10%.error_recall>=0.5' >"$dir/crossed.txt" 2>&1
code=$?
set -e
if [ "$code" -eq 0 ] || ! grep -q 'FAILED head-ratio-10%.error_recall>=0.5' "$dir/crossed.txt"; then
  echo "mpi_run_test: a crossed --threshold did not fail the MPI run (exit $code):"
  cat "$dir/crossed.txt"
  exit 1
fi
echo "mpi_run_test: a crossed threshold fails the MPI run (exit $code)"
