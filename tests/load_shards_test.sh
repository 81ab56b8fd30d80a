#!/bin/sh
# `tracesim load` from many generators (issue 15, doc/scale.md "Load from many generators"), with
# the real binaries on loopback:
#  1. the whole load (--traces 300) into one `tracesim receive --out`;
#  2. the same load as 3 shards (--shard I/3 --start-at, side by side) into another receiver,
#     merged by `tracesim merge --load`: the receiver got the whole load's trace ids, each trace
#     once, and the merged summary's accepted spans equal what that receiver accepted;
#  3. when mpirun and an MPI build are there: `mpirun -np 2 tracesim load --shards mpi` into a
#     third receiver, rank 0's merged summary against that receiver, the trace ids again.
# Usage: load_shards_test.sh BUILD_DIR
set -eu
bin="$1/cli/tracesim"
dir=$(mktemp -d)
pids=""
trap 'for p in $pids; do kill "$p" 2>/dev/null || true; done; rm -rf "$dir"' EXIT

# Starts a receiver on a free loopback port writing OTLP/JSON lines to $dir/$1.jsonl; sets $port.
receiver() {
  "$bin" receive --grpc 127.0.0.1:0 --http 127.0.0.1:0 --duration 240s --no-progress \
    --out "$dir/$1.jsonl" --summary-json "$dir/$1.summary.json" >"$dir/$1.err" 2>&1 &
  pids="$pids $!"
  eval "$1_pid=$!"
  for _ in $(seq 1 100); do
    port=$(sed -n 's/^otlp-grpc 127.0.0.1:\([0-9]*\).*/\1/p' "$dir/$1.err" | head -n 1)
    [ -n "$port" ] && return 0
    sleep 0.1
  done
  echo "load_shards_test: the receiver did not start" >&2
  cat "$dir/$1.err" >&2
  exit 1
}
# Stops receiver $1 (SIGINT: it writes its summary) and waits for it.
stop() {
  eval "p=\$$1_pid"
  kill -INT "$p"
  wait "$p" || true
}
load="load checkout --rate 300 --traces 300 --seed 11 --no-progress --batch-delay 50ms"

receiver whole
"$bin" $load --endpoint "127.0.0.1:$port" --summary-json "$dir/whole.json" >/dev/null
stop whole

receiver sharded
at=$(python3 -c 'import datetime as d; print((d.datetime.now(d.timezone.utc) + d.timedelta(seconds=3)).strftime("%Y-%m-%dT%H:%M:%SZ"))')
for i in 0 1 2; do
  "$bin" $load --endpoint "127.0.0.1:$port" --shard "$i/3" --start-at "$at" \
    --partial-out "$dir/part$i.bin" >"$dir/shard$i.out" 2>&1 &
  eval "shard${i}_pid=$!"
done
wait "$shard0_pid" "$shard1_pid" "$shard2_pid"
"$bin" merge --load "$dir/part2.bin" "$dir/part0.bin" "$dir/part1.bin" \
  --summary-json "$dir/merged.json" >/dev/null
stop sharded

mpi=""
if command -v mpirun >/dev/null 2>&1 &&
    ! "$bin" run checkout --duration 1s --shards mpi --format json 2>&1 >/dev/null |
      grep -q "built without MPI"; then
  receiver mpi
  timeout 300 mpirun --oversubscribe --allow-run-as-root -np 2 --mca btl self,tcp \
    --mca btl_tcp_if_include lo --mca oob_tcp_if_include lo \
    "$bin" $load --endpoint "127.0.0.1:$port" --shards mpi --summary-json "$dir/mpi.json" \
    >/dev/null
  stop mpi
  mpi=1
else
  echo "load_shards_test: the MPI part skipped (no mpirun, or tracesim built without MPI)"
fi

python3 - "$dir" "$mpi" <<'PY'
import json, sys
d, mpi = sys.argv[1], sys.argv[2] == "1"

def trace_ids(name):
    """Trace id -> span count, from a receiver's OTLP/JSON lines."""
    ids = {}
    for line in open(f"{d}/{name}.jsonl"):
        for rs in json.loads(line).get("resourceSpans", []):
            for ss in rs.get("scopeSpans", []):
                for s in ss.get("spans", []):
                    ids[s["traceId"]] = ids.get(s["traceId"], 0) + 1
    return ids

def check(name, summary):
    got = trace_ids(name)
    rx = json.load(open(f"{d}/{name}.summary.json"))["spans"]["accepted"]
    s = json.load(open(f"{d}/{summary}.json"))
    if s["spans"]["accepted"] != rx:
        sys.exit(f"load_shards_test: {summary}: accepted {s['spans']['accepted']}, receiver {rx}")
    if not s["spans"]["identity_holds"]:
        sys.exit(f"load_shards_test: {summary}: the accounting identity fails")
    if set(got) != set(whole):
        sys.exit(f"load_shards_test: {name}: {len(set(got) ^ set(whole))} trace ids differ "
                 f"from the whole load's ({len(got)} vs {len(whole)})")
    if s["traces"] != 300 or s["run"]["shard"]["count"] < 2 or len(s["shards"]) < 2:
        sys.exit(f"load_shards_test: {summary}: not a merged 300-trace load")
    print(f"load_shards_test: {summary}: {len(got)} traces, {rx} spans accepted = the receiver's;"
          f" shards {[x['spans']['accepted'] for x in s['shards']]}")

whole = trace_ids("whole")
if len(whole) < 300:
    sys.exit(f"load_shards_test: the whole load reached the receiver as {len(whole)} traces")
check("sharded", "merged")
if mpi:
    check("mpi", "mpi")
PY
