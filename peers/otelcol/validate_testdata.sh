#!/usr/bin/env bash
# Runs `otelcol validate` on every upstream tail_sampling / probabilistic_sampler config in the
# shared testdata and prints one JSON object per line: {"file","verdict","message"}.
#   peers/otelcol/validate_testdata.sh OTELCOL TESTDATA_DIR > verdicts.jsonl
# The testdata comes in three shapes; each is turned into a whole Collector config first:
#   - a whole config (has `service:`): used as is, with `receivers: nop:` added when missing
#     (upstream's tests add the nop receiver factory themselves);
#   - a `processors:` block: a traces pipeline nop -> those processors -> nop is appended;
#   - a bare `tail_sampling:` block: nested under `processors:` first, then as above.
# verdict is "valid" when validate exits 0, else "invalid" with validate's last error line (its
# log timestamp removed). Some errors surface only when the processor is built (tail_sampling
# builds its policies in Start), so a valid config is also started (nop receiver, no telemetry
# port) until it logs "Everything is ready" or exits: start is "started" or "failed" (with the
# error), or "" for a config that did not validate.
set -euo pipefail
otelcol="$1"
testdata="$2"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

last_error() { # validate/run output -> its last non-empty line, without the log timestamp
  grep -v '^\s*$' | tail -n 1 | sed -E 's#^[0-9]{4}/[0-9]{2}/[0-9]{2} [0-9:]{8} ##'
}

# try_start CONFIG -> "started" or the error that stopped the Collector (30 s bound).
try_start() {
  local log="$tmp/run.log" pid i
  "$otelcol" --config "file:$1" --config "yaml:service::telemetry::metrics::level: none" \
    >"$log" 2>&1 &
  pid=$!
  for i in $(seq 300); do
    if grep -q "Everything is ready" "$log"; then
      kill -TERM "$pid" 2>/dev/null || true
      wait "$pid" 2>/dev/null || true
      echo started
      return
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
  wait "$pid" 2>/dev/null || true
  grep -i "error" "$log" | last_error || echo "did not start in 30 s"
}

json_str() { # JSON-escapes stdin (backslash, quote, control characters dropped)
  sed -e 's/\\/\\\\/g' -e 's/"/\\"/g' | tr -d '\000-\037'
}

wrap() { # FILE -> whole config on stdout
  local f="$1"
  if grep -q '^service:' "$f"; then
    grep -q '^receivers:' "$f" || printf 'receivers:\n  nop:\n'
    cat "$f"
    return
  fi
  local body="$tmp/body.yaml"
  if grep -q '^processors:' "$f"; then
    cat "$f" >"$body"
  else
    { echo "processors:"; sed 's/^/  /' "$f"; } >"$body"
  fi
  cat "$body"
  local ids
  ids="$(grep -E '^  [A-Za-z_][A-Za-z0-9_/.-]*:' "$body" | sed -E 's/^  ([^:]+):.*/\1/' | paste -sd, -)"
  printf '\nreceivers:\n  nop:\nexporters:\n  nop:\nservice:\n  pipelines:\n    traces:\n'
  printf '      receivers: [nop]\n      processors: [%s]\n      exporters: [nop]\n' "$ids"
}

for f in "$testdata"/otelcol-tailsampling/*.yaml "$testdata"/otelcol-probabilisticsampler/*.yaml \
  "$testdata"/otel-io-blog/*.yaml; do
  [ -f "$f" ] || continue
  rel="${f#"$testdata"/}"
  wrap "$f" >"$tmp/config.yaml"
  if out="$(timeout 60 "$otelcol" validate --config "file:$tmp/config.yaml" 2>&1)"; then
    start="$(try_start "$tmp/config.yaml" | json_str)"
    printf '{"file":"%s","verdict":"valid","message":"","start":"%s"}\n' "$rel" "$start"
  else
    msg="$(printf '%s\n' "$out" | last_error | json_str)"
    printf '{"file":"%s","verdict":"invalid","message":"%s","start":""}\n' "$rel" "$msg"
  fi
done
