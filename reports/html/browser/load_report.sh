#!/bin/sh
# The `tracesim load` page in a real browser (CTest reports_load_html_in_browser): `tracesim
# receive` on a free loopback port refuses 10 % of requests with UNAVAILABLE (so the page has an
# errors table and failed attempts), `tracesim load checkout` sends to it for 4 s and writes
# --report-html, then check_report.mjs loads the page in headless Chromium.
#
#   load_report.sh TRACESIM NODE DIR SCREENSHOT
# Exit 0 on success, 1 on a failed step or check, 77 (CTest's skip code) without Chromium.
set -eu
tracesim=$1 node=$2 dir=$3 screenshot=$4
if [ ! -x "${TRACESIM_CHROMIUM:-/usr/bin/chromium}" ]; then
  echo "SKIP: no Chromium at ${TRACESIM_CHROMIUM:-/usr/bin/chromium} (Debian package chromium)"
  exit 77
fi
log=$dir/load-receive.log
# Emptied here, not only by the receiver's redirection: that runs in the background job, and the
# loop below could read the previous run's address first (a flaky "Connection refused").
: >"$log"
"$tracesim" receive --grpc 127.0.0.1:0 --duration 120s --fault unavailable=0.1 --fault seed=7 \
  --no-progress >"$log" 2>&1 &
receiver=$!
trap 'kill "$receiver" 2>/dev/null || true; wait "$receiver" 2>/dev/null || true' EXIT
address=
tries=0
while [ -z "$address" ]; do
  address=$(sed -n 's/^otlp-grpc //p' "$log")
  tries=$((tries + 1))
  if [ -z "$address" ] && [ "$tries" -gt 300 ]; then
    echo "FAIL: tracesim receive did not print its address in 30 s:" >&2
    cat "$log" >&2
    exit 1
  fi
  [ -n "$address" ] || sleep 0.1
done
"$tracesim" load checkout --endpoint "$address" --duration 4s --rate 100 --batch-spans 200 --no-progress \
  --retry-initial 50ms --retry-max 200ms --report-html "$dir/load-report.html" >"$dir/load.txt"
grep -q '<section id="errors">' "$dir/load-report.html" || {
  echo "FAIL: no errors table although the receiver refuses 10 % of requests" >&2
  exit 1
}
"$node" "$dir/check_report.mjs" "$dir/load-report.html" "$screenshot"
