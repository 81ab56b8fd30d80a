#!/usr/bin/env python3
"""CPU cost of the same `tracesim` command in two or more builds, robust to a machine whose speed
drifts: each round runs every build once, in turn, and compares the user CPU seconds per round
(from wait4). Outputs are discarded; a run that fails stops the comparison.

  bench/cpu_ab.py ROUNDS 'ARGS' TRACESIM_BINARY...
  e.g. bench/cpu_ab.py 8 'run scenarios/bench/day.yaml --duration 10s --format json --no-lint' \\
         /tmp/base/tracesim build/cli/tracesim

Prints per binary: the median and minimum user CPU s, and the median and range of the per-round
ratio to the first binary.
"""
import os
import shlex
import statistics
import subprocess
import sys


def user_cpu(binary, args):
    proc = subprocess.Popen([binary] + args, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"cpu_ab: {binary} {' '.join(args)} exited with {code}")
    return usage.ru_utime


def main():
    if len(sys.argv) < 4:
        sys.exit("usage: bench/cpu_ab.py ROUNDS 'ARGS' TRACESIM_BINARY...")
    rounds, args, binaries = int(sys.argv[1]), shlex.split(sys.argv[2]), sys.argv[3:]
    os.chdir(os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
    cpu = [[] for _ in binaries]  # by position: the same binary may be given twice
    for _ in range(rounds):
        for i, b in enumerate(binaries):
            cpu[i].append(user_cpu(b, args))
    first = cpu[0]
    for b, v in zip(binaries, cpu):
        ratios = [x / f for x, f in zip(v, first) if f > 0]
        ratio = (f"  x first median {statistics.median(ratios):.3f}"
                 f" ({min(ratios):.3f}-{max(ratios):.3f})" if ratios else "  x first: no CPU time")
        print(f"{b}: user CPU s median {statistics.median(v):.3f} min {min(v):.3f}{ratio}"
              f" rounds {len(v)}")


if __name__ == "__main__":
    main()
