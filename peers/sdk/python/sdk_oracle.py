"""The real OpenTelemetry Python SDK's TraceIdRatioBased as an oracle (peers/sdk/README.md).

    python sdk_oracle.py DIR

Reads DIR/ids.bin (16-byte big-endian trace ids) and DIR/ratios.txt (one ratio a line) and
writes DIR/python.decisions: one byte per (ratio, id), ratio-major, 1 = RECORD_AND_SAMPLE.
The decision is the SDK's own should_sample() on a root span (no parent context).
"""

import sys
from pathlib import Path

from opentelemetry.sdk.trace.sampling import Decision, TraceIdRatioBased


def main(argv):
    if len(argv) != 2:
        print("usage: sdk_oracle.py DIR", file=sys.stderr)
        return 2
    d = Path(argv[1])
    raw = (d / "ids.bin").read_bytes()
    if len(raw) % 16:
        print(f"ids.bin: size {len(raw)} is not a multiple of 16", file=sys.stderr)
        return 1
    ids = [int.from_bytes(raw[i : i + 16], "big") for i in range(0, len(raw), 16)]
    ratios = [float(line) for line in (d / "ratios.txt").read_text().split()]
    out = bytearray()
    keep = Decision.RECORD_AND_SAMPLE
    for r in ratios:
        should_sample = TraceIdRatioBased(r).should_sample
        out += bytes(1 if should_sample(None, t, "oracle").decision is keep else 0 for t in ids)
    (d / "python.decisions").write_bytes(out)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
