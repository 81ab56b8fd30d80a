#!/bin/bash
# CTest (issue 16 item 16): test binaries that read ../shared pass without it, each such test
# skipped with a message naming the folder. BINARY=FILTER runs only the tests FILTER names.
#   tests/skip_without_shared_test.sh TEST_BINARY[=GTEST_FILTER]...
set -uo pipefail
absent="$(mktemp -d)/no-shared"
for arg in "$@"; do
  bin="${arg%%=*}"
  filter="*"
  [ "$bin" != "$arg" ] && filter="${arg#*=}"
  out="$(TRACESIM_SHARED_DIR="$absent" "$bin" --gtest_filter="$filter" 2>&1)"
  rc=$?
  if [ "$rc" -ne 0 ]; then
    echo "FAIL: $(basename "$bin") exits $rc without ../shared:"
    echo "$out" | grep -E "Failure|FAILED" | head -20
    exit 1
  fi
  # A here-string, not `echo | grep -q`: grep -q exits at its first match, echo then dies of
  # SIGPIPE on a long output, and pipefail would read that as "not found".
  if ! grep -q "needs $absent/testdata (../shared beside the source tree" <<<"$out"; then
    echo "FAIL: $(basename "$bin") skipped nothing by name:"
    echo "$out" | tail -5
    exit 1
  fi
  echo "ok: $(basename "$bin") ($(echo "$out" | grep -c '\[  SKIPPED \]') lines of skips)"
done
rmdir "$(dirname "$absent")"
