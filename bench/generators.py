#!/usr/bin/env python3
"""Trace generators side by side (issue 12): tracesim load, telemetrygen and the OpenTelemetry JS
SDK, each as fast as it goes for SECONDS, into the real Collector (otlp -> batch -> nop, built by
`./dev collector`) and into `tracesim receive`, over gRPC and HTTP/protobuf, one at a time, a fresh
target per run.

  bench/generators.py [SECONDS]          (default 10; BUILD_DIR, default build)

Per run: spans delivered (what the target accepted: the Collector's
otelcol_receiver_accepted_spans, or the receiver's summary), the generator's wall time (start to
exit, its flush included), spans delivered per second of it, the generator's CPU seconds (wait4:
user + system, all its threads) and spans delivered per generator CPU-second, and the target's CPU
seconds (the Collector's /proc/PID/stat, the receiver's wait4). The generators:
  - tracesim load: the fanout scenario of bench/load_bench.sh (19 spans per trace, simulated),
    `--rate 5000000spans`: unpaced, the simulation is the limit; stopped by SIGINT after SECONDS
    (it then flushes its queue); spans its bounded queue could not take are dropped (counted by
    tracesim as queue_full) and not delivered.
  - telemetrygen (build/peers/telemetrygen, peers/telemetrygen/go.mod: the Collector's release
    v0.161.0): `traces --rate 0 --workers 1 --child-spans 18` (19 spans per trace, unthrottled).
  - the OpenTelemetry JS SDK (bench/js_generator.mjs, the interop tests' pinned packages): a
    BasicTracerProvider with a BatchSpanProcessor, traces of 19 spans as fast as the SDK takes them.
A generator that is not there (no telemetrygen build, no node or npm packages) is skipped, said so.
"""
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
B = os.path.join(ROOT, os.environ.get("BUILD_DIR", "build"))
SECONDS = float(sys.argv[1]) if len(sys.argv) > 1 else 10.0
TRACESIM = os.path.join(B, "cli", "tracesim")
OTELCOL = os.path.join(B, "peers", "otelcol")
TELEMETRYGEN = os.path.join(B, "peers", "telemetrygen")
INTEROP = os.path.join(B, "tests", "interop", "js")
TICKS = os.sysconf("SC_CLK_TCK")

tmp = tempfile.mkdtemp(prefix="tracesim_generators_")
src = open(os.path.join(ROOT, "bench", "load_bench.sh")).read()
for var, name in (("TOPOLOGY", "fanout.yaml"), ("SCENARIO", "fanout-scenario.yaml")):
    with open(os.path.join(tmp, name), "w") as f:
        f.write(re.search(var + r' = """(.*?)"""', src, re.S).group(1))


def free_ports(n):
    socks = [socket.socket() for _ in range(n)]
    for s in socks:
        s.bind(("127.0.0.1", 0))
    ports = [s.getsockname()[1] for s in socks]
    for s in socks:
        s.close()
    return ports


def proc_cpu(pid):
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS


class Collector:
    def __init__(self):
        self.grpc, self.http, self.metrics = free_ports(3)
        cfg = os.path.join(tmp, "otelcol.yaml")
        with open(cfg, "w") as f:
            f.write(f"""receivers:
  otlp:
    protocols:
      grpc: {{endpoint: 127.0.0.1:{self.grpc}}}
      http: {{endpoint: 127.0.0.1:{self.http}}}
processors:
  batch:
exporters:
  nop:
service:
  telemetry:
    logs: {{level: warn}}
    metrics:
      level: normal
      readers:
        - pull: {{exporter: {{prometheus: {{host: 127.0.0.1, port: {self.metrics}}}}}}}
  pipelines:
    traces: {{receivers: [otlp], processors: [batch], exporters: [nop]}}
""")
        self.proc = subprocess.Popen([OTELCOL, "--config", f"file:{cfg}"],
                                     stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for _ in range(200):
            if self.accepted() is not None:
                break
            time.sleep(0.05)
        self.cpu0, self.base = proc_cpu(self.proc.pid), self.accepted() or 0

    def accepted(self):
        try:
            text = urllib.request.urlopen(f"http://127.0.0.1:{self.metrics}/metrics",
                                          timeout=2).read().decode()
        except OSError:
            return None
        return sum(float(m.group(1)) for m in re.finditer(
            r"^otelcol_receiver_accepted_spans(?:_total)?\{[^}]*\} (\S+)$", text, re.M))

    def endpoint(self, protocol):
        return (f"127.0.0.1:{self.grpc}" if protocol == "grpc"
                else f"127.0.0.1:{self.http}")

    def finish(self):
        # The batch processor may still hold the last spans: the receiver side has counted them.
        time.sleep(0.5)
        delivered = (self.accepted() or 0) - self.base
        cpu = proc_cpu(self.proc.pid) - self.cpu0
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait()
        return delivered, cpu


class Receiver:
    def __init__(self):
        self.summary = os.path.join(tmp, "rx.json")
        self.proc = subprocess.Popen(
            [TRACESIM, "receive", "--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0",
             "--no-progress", "--summary-json", self.summary],
            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        self.addr = {}
        while len(self.addr) < 2:
            line = self.proc.stdout.readline()
            if not line:
                raise SystemExit("tracesim receive exited early")
            m = re.match(r"otlp-(grpc|http) (\S+)", line)
            if m:
                self.addr[m.group(1)] = m.group(2)

    def endpoint(self, protocol):
        if protocol == "grpc":
            return self.addr["grpc"]
        return re.sub(r"^http://|/v1/traces$", "", self.addr["http"])

    def finish(self):
        self.proc.send_signal(signal.SIGINT)
        _, _, ru = os.wait4(self.proc.pid, 0)
        with open(self.summary) as f:
            return json.load(f)["spans"]["accepted"], ru.ru_utime + ru.ru_stime


def generator_args(name, protocol, endpoint):
    """The command line of generator `name` sending to `endpoint` (HOST:PORT), or None."""
    if name == "tracesim load":
        url = endpoint if protocol == "grpc" else f"http://{endpoint}/v1/traces"
        return [TRACESIM, "load", os.path.join(tmp, "fanout-scenario.yaml"), "--endpoint", url,
                "--protocol", protocol, "--rate", "5000000spans", "--duration", "1h",
                "--no-progress", "--allow-export-failures"]
    if name == "telemetrygen":
        if not os.access(TELEMETRYGEN, os.X_OK):
            return None
        args = [TELEMETRYGEN, "traces", "--otlp-insecure", "--otlp-endpoint", endpoint,
                "--rate", "0", "--workers", "1", "--child-spans", "18",
                "--duration", f"{SECONDS}s"]
        return args + (["--otlp-http"] if protocol != "grpc" else [])
    if name == "OpenTelemetry JS SDK":
        if shutil.which("node") is None or not os.path.isdir(os.path.join(INTEROP, "node_modules")):
            return None
        url = f"http://{endpoint}" + ("" if protocol == "grpc" else "/v1/traces")
        return ["node", os.path.join(ROOT, "bench", "js_generator.mjs"), protocol, url,
                str(SECONDS)]
    raise ValueError(name)


def run(target_kind, name, protocol):
    target = Collector() if target_kind == "Collector" else Receiver()
    args = generator_args(name, protocol, target.endpoint(protocol))
    if args is None:
        target.finish()
        return None
    t0 = time.monotonic()
    gen = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                           env=dict(os.environ, TRACESIM_INTEROP_DIR=INTEROP))
    if name == "tracesim load":
        # Unpaced, the simulation lags the wall clock: stop generating after SECONDS (SIGINT),
        # then it flushes what it queued, as the other generators do at the end of their time.
        time.sleep(SECONDS)
        gen.send_signal(signal.SIGINT)
    _, status, ru = os.wait4(gen.pid, 0)
    wall = time.monotonic() - t0
    delivered, target_cpu = target.finish()
    cpu = ru.ru_utime + ru.ru_stime
    return {"target": target_kind, "generator": name, "protocol": protocol,
            "exit": os.waitstatus_to_exitcode(status), "delivered": int(delivered),
            "wall_s": wall, "per_s": delivered / wall, "cpu_s": cpu,
            "per_cpu_s": delivered / cpu if cpu > 0 else 0, "target_cpu_s": target_cpu}


def main():
    if not os.access(OTELCOL, os.X_OK):
        raise SystemExit(f"no {OTELCOL}: run ./dev collector")
    print(f"== generators side by side, {SECONDS:g} s each, {os.cpu_count()} CPUs, "
          f"load average {os.getloadavg()[0]:.2f}")
    print("| target | generator | protocol | delivered spans | generator wall s | delivered spans/s "
          "| generator CPU s | spans per generator CPU-s | target CPU s |")
    print("|---|---|---|---|---|---|---|---|---|")
    rows = []
    for target in ("Collector", "tracesim receive"):
        for protocol in ("grpc", "http/protobuf"):
            for name in ("tracesim load", "telemetrygen", "OpenTelemetry JS SDK"):
                r = run(target, name, protocol)
                if r is None:
                    print(f"| {target} | {name} | {protocol} | skipped (not built / no node) |"
                          " | | | | |")
                    continue
                rows.append(r)
                print(f"| {target} | {name} | {protocol} | {r['delivered']:,} | {r['wall_s']:.1f} "
                      f"| {r['per_s'] / 1e3:,.0f} k | {r['cpu_s']:.2f} | "
                      f"{r['per_cpu_s'] / 1e3:,.0f} k | {r['target_cpu_s']:.2f} |", flush=True)
    out = os.path.join(B, "generators.json")
    with open(out, "w") as f:
        json.dump(rows, f, indent=2)
    print(f"JSON: {out}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
