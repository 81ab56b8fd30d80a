# Sourced by the shell tests that run the real Collector on loopback (loadgen/collector_pipelines_test.sh,
# peers/collector_loopback_test.sh). After `otelcol_test_init OTELCOL TRACESIM`:
#   $otelcol, $tracesim   the binaries (exit 77, CTest SKIP, when the Collector is absent; exit 1
#                         when tracesim is)
#   $work                 a temporary directory, removed on every exit path
#   $col_pid              set it to the started Collector's pid; stop_collector (also run on every
#                         exit path) stops it: TERM, up to 5 s, then KILL
#   free_ports N          N free TCP ports on 127.0.0.1 (the kernel picks them; released before use)
otelcol_test_init() {
  otelcol="$1"
  tracesim="$2"
  if [ ! -x "$otelcol" ]; then
    echo "SKIP: no Collector binary at $otelcol (build it with ./dev collector; needs Go)"
    exit 77
  fi
  [ -x "$tracesim" ] || { echo "FAIL: no tracesim binary at $tracesim"; exit 1; }
  work="$(mktemp -d)"
  col_pid=""
  trap 'stop_collector; rm -rf "$work"' EXIT
}

stop_collector() {
  if [ -n "$col_pid" ] && kill -0 "$col_pid" 2>/dev/null; then
    kill -TERM "$col_pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$col_pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$col_pid" 2>/dev/null || true
  fi
  [ -z "$col_pid" ] || wait "$col_pid" 2>/dev/null || true
  col_pid=""
}

free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
socks = []
for _ in range(int(sys.argv[1])):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); socks.append(s)
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}
