#!/usr/bin/env bash
# Issue 5's side-by-side benchmark, in one run (method and figures: bench/README.md):
#   1. OTLP protobuf encoding, spans/s per core: the direct encoder vs the libprotobuf path
#      (encoder_bench, CPU time of one thread).
#   2. `tracesim load` into `tracesim receive` over loopback, gRPC and HTTP/protobuf, at a sweep of
#      paced rates and at "max" (a target far above what the machine sustains): achieved/target
#      rate over the steady window (doc/load.md "Rates"), spans accepted by the receiver, and
#      spans/s per core = spans / (CPU seconds of the load process + of the receive process).
# Each load run gets a fresh receiver, so the CPU of each process (wait4 rusage) belongs to one run.
# Before/after: with BENCH_BASE set to another build (a build dir, or a flat folder holding
# `tracesim` and `encoder_bench`), every encoder measurement and every load row runs for the base
# and for BUILD_DIR alternately, BENCH_REPEAT times each, in the same run; each build's median is
# printed with the ratio current/base (the base's binaries drive both its load and its receive).
#
# Usage: bench/load_bench.sh [RATES...]   (spans/s; default 2000 10000 50000 100000 200000)
# Environment: BUILD_DIR (default build), BENCH_DURATION (paced run length, default 10s),
#              BENCH_MIN_TIME (encoder benchmark, default 1), BENCH_PROTOCOLS (default
#              "grpc http/protobuf"), BENCH_MAX_RATE (the "max" row's target, default 5000000;
#              0 = skip), BENCH_SENDERS (default 2), BENCH_BASE (default: none),
#              BENCH_REPEAT (default 1, or 3 with BENCH_BASE), BENCH_RECEIVER (a build dir or flat
#              folder whose `tracesim receive` serves every run, so that a before/after compares
#              the generators alone; default: each build's own), BENCH_LOAD_ARGS (more
#              `tracesim load` flags for every run, e.g. "--batch-spans 64"; default none).
# With BENCH_BASE, each row's ratio line also gives the median and range of the per-round ratios
# of the generator's spans per CPU-second (robust to a machine whose speed drifts between rounds),
# and the generator's voluntary context switches and system CPU, medians of each build.
set -euo pipefail
cd "$(dirname "$0")/.."
export BUILD_DIR="${BUILD_DIR:-build}"
exec python3 - "$@" <<'EOF'
import json, os, re, signal, subprocess, sys, tempfile, time

B = os.environ["BUILD_DIR"]
BASE = os.environ.get("BENCH_BASE", "")
REPEAT = int(os.environ.get("BENCH_REPEAT", "3" if BASE else "1"))
RECEIVER = os.environ.get("BENCH_RECEIVER", "")


def binary(build, name, sub):
    """build/<sub>/<name> in a build dir, else <name> in a flat folder of binaries."""
    p = f"{build}/{sub}/{name}"
    return p if os.path.exists(p) else f"{build}/{name}"


BUILDS = ([("base", BASE)] if BASE else []) + [("current", B)]
DURATION = os.environ.get("BENCH_DURATION", "10s")
MIN_TIME = os.environ.get("BENCH_MIN_TIME", "1")
PROTOCOLS = os.environ.get("BENCH_PROTOCOLS", "grpc http/protobuf").split()
MAX_RATE = int(os.environ.get("BENCH_MAX_RATE", "5000000"))
SENDERS = os.environ.get("BENCH_SENDERS", "2")
LOAD_ARGS = os.environ.get("BENCH_LOAD_ARGS", "").split()
RATES = [int(r) for r in sys.argv[1:]] or [2000, 10000, 50000, 100000, 200000]
TICK = os.sysconf("SC_CLK_TCK")

# A checkout-shaped system with spare capacity: no worker or queue limits, so the simulated
# services never saturate and every rate is the generator's and the receiver's to sustain
# (checkout's payment workers saturate near 600 traces/s, ~11 k spans/s). 19 spans per trace,
# traces last ~15-60 ms; uniform arrivals so the target is exact (no Poisson noise).
TOPOLOGY = """name: fanout
network_latency: {lognormal: {median: 200us, p99: 1ms}}
services:
  - name: frontend
    operations:
      - name: GET /product
        steps:
          - work: 500us
          - parallel:
              - call: catalog.Get
              - call: pricing.Quote
              - call: reviews.List
              - call: recommend.For
          - call: cart.Add
  - name: catalog
    protocol: grpc
    operations:
      - name: Get
        work: {lognormal: {median: 2ms, p99: 10ms}}
        calls: [inventory.Stock]
  - name: pricing
    protocol: grpc
    operations:
      - name: Quote
        work: {lognormal: {median: 3ms, p99: 15ms}}
        calls: [fx.Rate]
  - name: reviews
    protocol: grpc
    operations:
      - {name: List, work: {lognormal: {median: 5ms, p99: 30ms}}}
  - name: recommend
    protocol: grpc
    operations:
      - name: For
        work: {lognormal: {median: 8ms, p99: 40ms}}
        calls: [catalog.Get]
  - name: inventory
    protocol: grpc
    operations:
      - {name: Stock, work: {lognormal: {median: 1ms, p99: 5ms}}}
  - name: fx
    protocol: grpc
    operations:
      - {name: Rate, work: 300us}
  - name: cart
    protocol: grpc
    operations:
      - {name: Add, work: {lognormal: {median: 2ms, p99: 8ms}}}
"""
SCENARIO = """name: fanout
topology: fanout.yaml
duration: 10s
seed: 1
workload:
  process: uniform
  rate: 100
  mix:
    - {operation: "frontend.GET /product"}
"""

tmp = tempfile.mkdtemp(prefix="tracesim_load_bench_")
with open(f"{tmp}/fanout.yaml", "w") as f:
    f.write(TOPOLOGY)
with open(f"{tmp}/fanout-scenario.yaml", "w") as f:
    f.write(SCENARIO)


def encoders(build):
    out = subprocess.run(
        [binary(build, "encoder_bench", "bench"), "--benchmark_filter=OtlpProto",
         f"--benchmark_min_time={MIN_TIME}", "--benchmark_format=json"],
        check=True, capture_output=True, text=True).stdout
    rows = {}
    for b in json.loads(out)["benchmarks"]:
        rows[b["name"]] = b["items_per_second"]
    return rows


def cpu_of(ru):
    return ru.ru_utime + ru.ru_stime


def load_run(build, protocol, rate, duration, stop_after=None):
    """One receiver, one load run, both from `build`. Returns a dict of figures."""
    TRACESIM = binary(build, "tracesim", "cli")
    rx = subprocess.Popen(
        [binary(RECEIVER, "tracesim", "cli") if RECEIVER else TRACESIM, "receive", "--grpc" if protocol == "grpc" else "--http", "127.0.0.1:0",
         "--no-progress", "--summary-json", f"{tmp}/rx.json"],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    endpoint = None
    while endpoint is None:
        line = rx.stdout.readline()
        if not line:
            raise SystemExit("tracesim receive exited early")
        m = re.match(r"otlp-(grpc|http) (\S+)", line)
        if m:
            endpoint = m.group(2)
    args = [TRACESIM, "load", f"{tmp}/fanout-scenario.yaml", "--endpoint", endpoint,
            "--protocol", protocol, "--rate", f"{rate}spans", "--duration", duration,
            "--senders", SENDERS, "--no-progress", "--summary-json", f"{tmp}/load.json"] + LOAD_ARGS
    ld = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    if stop_after is not None:
        time.sleep(stop_after)
        ld.send_signal(signal.SIGINT)  # stop generating, flush (a second SIGINT would not)
    _, status, ld_ru = os.wait4(ld.pid, 0)
    ld.returncode = os.waitstatus_to_exitcode(status)
    # 130: the run we stopped with SIGINT ("max"), as doc/load.md's exit codes say.
    if ld.returncode not in (0, 99) and not (stop_after is not None and ld.returncode == 130):
        raise SystemExit(f"tracesim load failed ({ld.returncode}): {ld.stderr.read()}")
    rx.send_signal(signal.SIGINT)
    _, status, rx_ru = os.wait4(rx.pid, 0)
    with open(f"{tmp}/load.json") as f:
        lj = json.load(f)
    with open(f"{tmp}/rx.json") as f:
        rj = json.load(f)
    r = lj["rates"]
    rx_spans = rj["spans"]["accepted"]
    cpu_load, cpu_rx = cpu_of(ld_ru), cpu_of(rx_ru)
    gen = lj["spans"]["generated"]
    return {
        "protocol": protocol, "rate": rate,
        "target": r["target_spans_per_s"], "achieved": r["achieved_spans_per_s"],
        "scheduled": r["scheduled_spans_per_s"],
        "window": f'{r["measured_from_s"]:.2f}-{r["measured_to_s"]:.2f}',
        "generated": gen, "accepted": lj["spans"]["accepted"], "rx_spans": rx_spans,
        "dropped": lj["spans"]["dropped"]["total"], "p99": lj["export_latency_ms"]["p99"],
        "lag_p99": lj["release_lag_ms"]["p99"],
        "cpu_load": cpu_load, "cpu_rx": cpu_rx,
        "per_core": rx_spans / (cpu_load + cpu_rx) if cpu_load + cpu_rx > 0 else 0,
        "load_per_core": gen / cpu_load if cpu_load > 0 else 0,
        "rx_per_core": rx_spans / cpu_rx if cpu_rx > 0 else 0,
        # The generator's voluntary context switches and system CPU, from the same wait4.
        "load_vcsw": ld_ru.ru_nvcsw, "load_sys": ld_ru.ru_stime,
        # The receiver's minor page faults and peak RSS (MiB), from the same wait4.
        "rx_faults": rx_ru.ru_minflt, "rx_rss_mib": rx_ru.ru_maxrss / 1024,
    }


def median(xs):
    xs = sorted(xs)
    n = len(xs)
    return xs[n // 2] if n % 2 else (xs[n // 2 - 1] + xs[n // 2]) / 2


print(f"== tracesim load/receive bench: build {B}"
      + (f" vs base {BASE}, {REPEAT} alternating runs each, medians" if BASE else "")
      + f", {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
print("\n-- OTLP protobuf encoding, one thread (encoder_bench, 512-span checkout batches)")
enc_runs = {name: [] for name, _ in BUILDS}
for _ in range(REPEAT):
    for name, build in BUILDS:
        enc_runs[name].append(encoders(build))
enc = {}
for name, _ in BUILDS:
    d = median([r.get("BM_OtlpProtoDirect", 0) for r in enc_runs[name]])
    l = median([r.get("BM_OtlpProtoLibprotobuf", 0) for r in enc_runs[name]])
    enc[name] = {"BM_OtlpProtoDirect": d, "BM_OtlpProtoLibprotobuf": l}
    print(f"  {name:<8} direct encoder {d / 1e6:6.2f} M spans/s per core   libprotobuf path "
          f"{l / 1e6:6.2f} M spans/s per core   (direct = {d / l:.1f}x)")
if BASE:
    c, b = enc["current"], enc["base"]
    print(f"  current/base: direct {c['BM_OtlpProtoDirect'] / b['BM_OtlpProtoDirect']:.3f}, "
          f"libprotobuf {c['BM_OtlpProtoLibprotobuf'] / b['BM_OtlpProtoLibprotobuf']:.3f}")

print(f"\n-- tracesim load -> tracesim receive, loopback, fanout scenario (19 spans/trace, uniform"
      f" arrivals), {DURATION} per paced run, --senders {SENDERS}")
hdr = (f"  {'build':<8}{'protocol':<14}{'target/s':>10}{'achieved/s':>12}{'ratio':>8}{'sched.':>8}"
       f"{'window s':>11}{'rx spans':>12}{'=acc':>5}{'drop':>9}{'p99 ms':>8}{'lag p99':>8}"
       f"{'cpu L+R s':>12}{'spans/s/core':>13}{'L/core':>10}{'R/core':>10}{'R faults':>10}"
       f"{'R MiB':>7}")
print(hdr)
rows = []
for proto in PROTOCOLS:
    plan = [(r, DURATION, None) for r in RATES]
    if MAX_RATE > 0:
        plan.append((MAX_RATE, "60s", 8.0))  # far above capacity: SIGINT after 8 s
    for rate, dur, stop in plan:
        runs = {name: [] for name, _ in BUILDS}
        for _ in range(REPEAT):
            for name, build in BUILDS:
                x = load_run(build, proto, rate, dur, stop)
                x["build"] = name
                runs[name].append(x)
                rows.append(x)
        label = "max" if stop is not None else f"{rate:,}"
        med = {}
        for name, _ in BUILDS:
            # The run with the median per-core rate stands for the build (whole row, consistent).
            rs = sorted(runs[name], key=lambda r: r["per_core"])
            x = rs[len(rs) // 2]
            med[name] = x
            print(f"  {name:<8}{proto:<14}{label:>10}{x['achieved']:>12,.0f}"
                  f"{x['achieved'] / x['target']:>8.4f}"
                  f"{x['scheduled'] / x['target']:>8.4f}{x['window']:>11}{x['rx_spans']:>12,}"
                  f"{'yes' if x['rx_spans'] == x['accepted'] else 'NO':>5}{x['dropped']:>9}"
                  f"{x['p99']:>8.1f}{x['lag_p99']:>8.1f}{x['cpu_load']:>7.2f}+{x['cpu_rx']:<5.2f}"
                  f"{x['per_core']:>13,.0f}{x['load_per_core']:>10,.0f}{x['rx_per_core']:>10,.0f}"
                  f"{x['rx_faults']:>10,}{x['rx_rss_mib']:>7.0f}", flush=True)
        if BASE:
            c, b = med["current"], med["base"]
            print(f"  {'ratio':<8}{proto:<14}{label:>10}  current/base spans/s per core: both "
                  f"{c['per_core'] / b['per_core']:.3f}, load {c['load_per_core'] / b['load_per_core']:.3f},"
                  f" receive {c['rx_per_core'] / b['rx_per_core']:.3f}", flush=True)
            per_round = sorted(x["load_per_core"] / y["load_per_core"]
                               for x, y in zip(runs["current"], runs["base"]))
            mid = lambda name, k: median([x[k] for x in runs[name]])
            print(f"  {'':<8}{'':<14}{'':>10}  load per round: median {median(per_round):.3f} "
                  f"({per_round[0]:.3f}-{per_round[-1]:.3f}); load voluntary context switches "
                  f"{mid('base', 'load_vcsw'):,.0f} -> {mid('current', 'load_vcsw'):,.0f}, system "
                  f"CPU s {mid('base', 'load_sys'):.2f} -> {mid('current', 'load_sys'):.2f}",
                  flush=True)
with open(f"{tmp}/results.json", "w") as f:
    json.dump({"encoders": enc, "encoder_runs": enc_runs, "load": rows}, f, indent=1)
print(f"\n  (ratio = achieved/target over the steady window; sched. = what the simulation scheduled"
      f" in it / target;\n   =acc: receiver's count equals the generator's accepted; raw figures:"
      f" {tmp}/results.json;\n   R faults, R MiB: the receiver's minor page faults and peak RSS)")
EOF
