// RunLoad: one `tracesim load` without the command line. It applies the options to the scenario,
// measures its mean spans per trace (the warm-up that turns spans/s into traces/s), builds the
// load plan, reads the OTEL_EXPORTER_OTLP_* environment once (exporter::OptionsFromEnv) and lets
// the options override it, creates the transport, the encoders and the optional /metrics server,
// runs the loadgen::LoadEngine and evaluates the thresholds. The CLI turns argv into LoadOptions,
// calls RunLoad and renders LoadOutcome.
//
// Error messages name the flag (or the environment variable) that sets the offending field.
// Codes: kInvalidArgument for bad options or inputs, anything else for a failure to start or
// while running (an unreadable TLS file, a port in use).
//
// Thread-safety: one call at a time per LoadOptions::stop counter; callbacks run on the calling
// thread.
#ifndef TRACESIM_APP_LOAD_LOAD_H_
#define TRACESIM_APP_LOAD_LOAD_H_

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "app/partial.h"
#include "exporter/transport/transport.h"
#include "loadgen/load_engine.h"
#include "loadgen/load_plan.h"
#include "loadgen/target/target_monitor.h"
#include "loadgen/target/threshold.h"
#include "scenarios/scenario.h"
#include "sim/base/status.h"
#include "sim/base/time.h"
#include "workloads/workload_spec.h"

namespace tracesim::app {

// What overrides the environment's exporter settings (flags). Unset fields keep the
// environment's value, else the default.
struct TransportOverrides {
  // Default: OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL (grpc, http/protobuf, http/json, zipkin), else
  // grpc.
  std::optional<exporter::WireProtocol> protocol;
  // Default: OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, else the protocol's local default.
  std::string endpoint;
  bool gzip = false;  // true forces gzip. Default: false (the environment decides).
  bool tls = false;   // true forces TLS. Default: false (the environment or https:// decides).
  std::string ca_file, client_cert_file, client_key_file;  // Default: the environment's.
  std::map<std::string, std::string> headers;  // added over the environment's. Default: none.
  // Per-request deadline, >= 1ms. Default: OTEL_EXPORTER_OTLP_[TRACES_]TIMEOUT, else 10s.
  std::optional<std::chrono::milliseconds> timeout;
  // Channels / HTTP connections, in [1, 64]. Default: 1.
  std::optional<uint32_t> connections;
};

struct LoadOptions {
  // Random seed. Default: the scenario's.
  std::optional<uint64_t> seed;
  // Arrival process. Default: the scenario's.
  std::optional<workloads::ArrivalProcess> arrivals;
  // Arrival window, > 0. Default: the scenario's; 24h when only max_traces is set.
  std::optional<sim::Duration> duration;
  // Stop after this many traces, > 0. Default: none (no limit).
  std::optional<uint64_t> max_traces;
  // --rate / --ramp / --steps as written (loadgen/load_plan.h). Default: the scenario's rate.
  loadgen::RateFlags rates;
  // Batching, queue, in-flight, retry and grace knobs (ranges below). seed, duration, max_traces,
  // mean_spans_per_trace and rate_in_spans are set by RunLoad. Default: EngineOptions' defaults.
  loadgen::EngineOptions engine;
  TransportOverrides transport;
  // Serve the generator's /metrics on HOST:PORT (":PORT" is loopback). Default: "" (none).
  std::string metrics_addr;
  // Keep serving /metrics this long after the run ends, so that a Prometheus scraping every
  // 15 s sees a short run's last values; the stop counter ends it early. In [0, 1h], needs
  // metrics_addr when > 0. Default: 0.
  std::chrono::milliseconds metrics_linger{0};
  // The collector under load: Prometheus URLs to scrape and a pid to read /proc of
  // (--target-metrics, --target-pid; loadgen/target/target_monitor.h). Default: none.
  loadgen::TargetOptions target;
  // Pass/fail rules evaluated on the report; a collector_* metric needs `target`. Default: none.
  std::vector<loadgen::Threshold> thresholds;
  // Where the OTEL_* environment is read (once). Default: null, ::getenv.
  std::function<const char*(const char*)> getenv;
  // This generator's share of a load split over N generators (--shard I/N, --shards mpi):
  // loadgen::EngineOptions::shard_index/count (doc/scale.md "Load from many generators").
  // Default: 0/1, the whole load.
  ShardIndex shard;
  // Unix time (ms) at which generation starts (--start-at; the MPI ranks' agreed instant): the
  // run waits for it. No more than 1 s in the past when the run starts and no more than 24 h
  // ahead. 0: at once. Default: 0.
  int64_t start_at_unix_ms = 0;
  // Stop counter (not owned; SIGINT handlers bump it): >= 1 stops and flushes, >= 2 skips the
  // grace period. Default: null (never stopped early).
  const std::atomic<int>* stop = nullptr;

  // The ranges a user sets by flag, named by flag: duration > 0, max_traces > 0, senders in
  // [1, 256],
  // batch_spans, max_in_flight and retry attempts in [1, 1e6], batch_bytes >= 1024, batch_delay
  // and retry_initial >= 1ms, queue_spans >= batch_spans, retry_max >= retry_initial, timeout
  // >= 1ms, connections in [1, 64]. (EngineOptions and TransportOptions keep their own
  // Validate() for every other caller.)
  sim::Status Validate() const;
};

// Known once the run is about to start (for a header line).
struct LoadStart {
  std::string scenario, source;  // Scenario::name and ::source
  std::string protocol;          // "grpc", "http/protobuf", "http/json", "zipkin"
  std::string endpoint;
  bool tls = false;
  // Why TLS is on or off: "--tls", "https:// endpoint", "OTEL_EXPORTER_OTLP_ENDPOINT has no
  // scheme (the OTLP spec: TLS for gRPC unless OTEL_EXPORTER_OTLP_INSECURE=true)", ...
  std::string tls_reason;
  uint64_t seed = 0;
  double mean_spans_per_trace = 0;  // measured by the warm-up (0 when no trace finished)
  int64_t start_unix_ms = 0;        // the wall clock when the engine starts (or --start-at)
  ShardIndex shard;                 // LoadOptions::shard
};

struct LoadOutcome {
  LoadStart start;
  loadgen::LoadReport report;
  // One per LoadOptions::thresholds, in order.
  std::vector<loadgen::ThresholdOutcome> thresholds;
  bool thresholds_passed() const;
};

// Called on the calling thread: `on_start` once before the engine runs, `on_second` after each
// wall-clock second, `on_linger` when the linger begins. Any may be empty.
struct LoadCallbacks {
  std::function<void(const LoadStart&)> on_start;
  std::function<void(const loadgen::SecondStats&)> on_second;
  // Once the run is over and the --linger wait begins (/metrics holds the final values).
  std::function<void()> on_linger;
};

// Runs `scenario` as paced load with `options` (Validate()d first). See the file comment.
sim::Result<LoadOutcome> RunLoad(const scenarios::Scenario& scenario, const LoadOptions& options,
                                 const LoadCallbacks& callbacks = {});

// "grpc", "http/protobuf", "http/json" or "zipkin".
const char* ProtocolName(exporter::WireProtocol protocol);

}  // namespace tracesim::app

#endif  // TRACESIM_APP_LOAD_LOAD_H_
