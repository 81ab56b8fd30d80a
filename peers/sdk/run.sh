#!/usr/bin/env bash
# CTest: one real OpenTelemetry SDK's samplers against tracesim's (peers/sdk/README.md).
#   peers/sdk/run.sh SDK_ORACLE WORKDIR ids            write the shared trace ids and ratios
#   peers/sdk/run.sh SDK_ORACLE WORKDIR go|java|python build (cached under WORKDIR), decide,
#                                                       compare every decision with tracesim
#   peers/sdk/run.sh JAEGER_ORACLE WORKDIR jaeger       Jaeger v1.75.0 adaptive sampling on the
#                                                       feeds tracesim writes, every scenario
#   peers/sdk/run.sh DYN_ORACLE WORKDIR dynsampler      dynsampler-go on tracesim's feeds
# Exit 77 (CTest SKIP) only when the language's toolchain is absent (go; java + javac + mvn;
# python3 with venv). Builds and runs under `nice -n 19`; dependencies are pinned in
# go/go.sum, java/pom.xml and python/requirements.txt and cached in WORKDIR.
set -euo pipefail
oracle="$1" lang="$3"
mkdir -p "$2"
work="$(cd "$2" && pwd)"
src="$(cd "$(dirname "$0")" && pwd)"

skip() { echo "SKIP: $*"; exit 77; }
# stale OUT IN...: true when OUT is missing or older than any IN.
stale() {
  local out="$1" f
  shift
  [ -e "$out" ] || return 0
  for f in "$@"; do [ "$out" -nt "$f" ] || return 0; done
  return 1
}

case "$lang" in
  ids)
    exec "$oracle" ids "$work"
    ;;
  go)
    command -v go >/dev/null 2>&1 || skip "no 'go' on PATH: the Go SDK oracle needs Go"
    bin="$work/sdkoracle-go"
    if stale "$bin" "$src/go/go.mod" "$src/go/go.sum" "$src/go/main.go"; then
      echo "building the Go SDK oracle (go.opentelemetry.io/otel/sdk, pinned in go/go.mod)"
      GOFLAGS="-mod=readonly -buildvcs=false" nice -n 19 go -C "$src/go" build -trimpath -o "$bin" .
    fi
    nice -n 19 "$bin" "$work"
    exec "$oracle" compare go "$work" "$work/go.decisions"
    ;;
  java)
    for t in java javac mvn; do
      command -v "$t" >/dev/null 2>&1 || skip "no '$t' on PATH: the Java SDK oracle needs a JDK and Maven"
    done
    lib="$work/java-lib" classes="$work/java-classes"
    if stale "$lib/.stamp" "$src/java/pom.xml"; then
      echo "resolving the Java SDK (java/pom.xml) into $work/m2"
      rm -rf "$lib"
      (cd "$src/java" && nice -n 19 mvn -B -q -Dmaven.repo.local="$work/m2" \
        dependency:copy-dependencies -DoutputDirectory="$lib")
      touch "$lib/.stamp"
    fi
    remote="$src/java/src/io/opentelemetry/sdk/extension/trace/jaeger/sampler/RemoteOracle.java"
    remote_class="$classes/io/opentelemetry/sdk/extension/trace/jaeger/sampler/RemoteOracle.class"
    if stale "$classes/tracesim/SdkOracle.class" "$src/java/src/tracesim/SdkOracle.java" "$lib/.stamp" ||
       stale "$remote_class" "$remote" "$lib/.stamp"; then
      mkdir -p "$classes"
      nice -n 19 javac -d "$classes" -cp "$lib/*" "$src/java/src/tracesim/SdkOracle.java" "$remote"
    fi
    nice -n 19 java -cp "$classes:$lib/*" tracesim.SdkOracle "$work"
    # The Java Jaeger remote sampler (jaeger-remote-sampler 1.60.1) after one update per case.
    "$oracle" remote-cases "$work"
    nice -n 19 java -cp "$classes:$lib/*" \
      io.opentelemetry.sdk.extension.trace.jaeger.sampler.RemoteOracle "$work"
    rc=0
    "$oracle" compare-remote "$work" "$work/java-remote.decisions" || rc=$?
    "$oracle" compare java "$work" "$work/java.decisions" || rc=$?
    "$oracle" compare java-consistent "$work" "$work/java-consistent.decisions" \
      "$work/java-consistent.tracestates" || rc=$?
    exit "$rc"
    ;;
  python)
    command -v python3 >/dev/null 2>&1 || skip "no 'python3' on PATH: the Python SDK oracle needs it"
    python3 -c 'import venv, ensurepip' 2>/dev/null || skip "python3 has no venv/ensurepip module"
    venv="$work/venv"
    if stale "$venv/.stamp" "$src/python/requirements.txt"; then
      echo "installing the Python SDK (python/requirements.txt) into $venv"
      rm -rf "$venv"
      python3 -m venv "$venv"
      nice -n 19 "$venv/bin/pip" install -q --disable-pip-version-check -r "$src/python/requirements.txt"
      touch "$venv/.stamp"
    fi
    nice -n 19 "$venv/bin/python" "$src/python/sdk_oracle.py" "$work"
    exec "$oracle" compare python "$work" "$work/python.decisions"
    ;;
  jaeger)
    command -v go >/dev/null 2>&1 || skip "no 'go' on PATH: the Jaeger adaptive oracle needs Go"
    # The adaptive code is under the jaeger module's internal/: only the module itself may import
    # it, so the oracle test is built inside a copy of the pinned, checksum-verified module.
    bin="$work/jaeger-adaptive-oracle.test"
    if stale "$bin" "$src/jaeger/go.mod" "$src/jaeger/go.sum" "$src/jaeger/adaptive_oracle_test.go"; then
      echo "building the Jaeger adaptive oracle (github.com/jaegertracing/jaeger, pinned in jaeger/go.mod)"
      moddir="$(cd "$src/jaeger" && GOFLAGS=-mod=readonly go mod download -json github.com/jaegertracing/jaeger |
        sed -n 's/^[[:space:]]*"Dir": "\(.*\)",$/\1/p')"
      [ -d "$moddir" ] || { echo "go mod download gave no module directory" >&2; exit 1; }
      rm -rf "$work/jaeger-src" "$bin"
      cp -r "$moddir" "$work/jaeger-src"
      chmod -R u+w "$work/jaeger-src"
      mkdir -p "$work/jaeger-src/cmd/tracesim-adaptive-oracle"
      cp "$src/jaeger/adaptive_oracle_test.go" "$work/jaeger-src/cmd/tracesim-adaptive-oracle/"
      (cd "$work/jaeger-src" && GOFLAGS="-mod=readonly -buildvcs=false" GOTOOLCHAIN=local \
        nice -n 19 go test -c -o "$bin" ./cmd/tracesim-adaptive-oracle/)
    fi
    rc=0
    for name in $("$oracle" scenarios); do
      "$oracle" feed "$name" "$work"
      nice -n 19 "$bin" -test.run TestReplay -feed "$work/$name.feed" -out "$work/$name.jaeger" >/dev/null
      "$oracle" compare "$name" "$work" || rc=$?
    done
    exit "$rc"
    ;;
  dynsampler)
    command -v go >/dev/null 2>&1 || skip "no 'go' on PATH: the dynsampler oracle needs Go"
    bin="$work/dynsampler-oracle.test"
    if stale "$bin" "$src/dynsampler/go.mod" "$src/dynsampler/go.sum" \
      "$src/dynsampler/dynsampler_oracle_test.go"; then
      echo "building the dynsampler oracle (github.com/honeycombio/dynsampler-go, pinned in dynsampler/go.mod)"
      rm -f "$bin"
      GOFLAGS="-mod=readonly -buildvcs=false" nice -n 19 go -C "$src/dynsampler" test -c -o "$bin" .
    fi
    rc=0
    for name in $("$oracle" scenarios); do
      "$oracle" feed "$name" "$work"
      nice -n 19 "$bin" -test.run TestReplay -feed "$work/$name.dynfeed" -out "$work/$name.dyngo" >/dev/null
      "$oracle" compare "$name" "$work" || rc=$?
    done
    exit "$rc"
    ;;
  *)
    echo "usage: run.sh SDK_ORACLE WORKDIR ids|go|java|python | run.sh JAEGER_ORACLE WORKDIR jaeger" >&2
    exit 2
    ;;
esac
