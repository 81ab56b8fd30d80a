// Options of the OTLP receiver (`tracesim receive`): listen addresses, limits, the OTLP/JSON
// lines output file, and the fault modes that let a client's retry logic be tested.
//
// Plain aggregates with in-class defaults; each has one Validate() that names the bad field.
// Thread-compatible.
#ifndef TRACESIM_RECEIVER_RECEIVER_OPTIONS_H_
#define TRACESIM_RECEIVER_RECEIVER_OPTIONS_H_

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "sim/base/status.h"

namespace tracesim::receiver {

// Faults injected into answers. Each request draws one uniform number from a generator seeded
// with `seed` and the request's arrival index: the first `drop` of [0,1) drops it, the next
// `unavailable` answers UNAVAILABLE, the next `throttle` answers RESOURCE_EXHAUSTED, the next
// `reject` answers INVALID_ARGUMENT; the rest are processed normally (and then `partial` rejects
// that fraction of their spans). `slow` is drawn independently. Same seed and same arrival order
// give the same answers.
struct FaultOptions {
  // Requests answered gRPC INVALID_ARGUMENT / HTTP 400 (non-retryable). Default: 0.
  double reject = 0;
  // Requests answered gRPC UNAVAILABLE / HTTP 503 (retryable), with the retry_after hint.
  // Default: 0.
  double unavailable = 0;
  // Requests answered gRPC RESOURCE_EXHAUSTED + RetryInfo / HTTP 429 + Retry-After (throttling).
  // Default: 0.
  double throttle = 0;
  // Requests dropped: HTTP closes the connection without answering; gRPC cancels the call (the
  // client sees CANCELLED). Default: 0.
  double drop = 0;
  // Fraction of the spans of each accepted request rejected with a partial success. Default: 0.
  double partial = 0;
  // Fraction of requests answered only after `delay`. Default: 0.
  double slow = 0;
  // Added latency of slow requests. Default: 100ms. At most 60s.
  std::chrono::milliseconds delay{100};
  // Retry hint of unavailable/throttle answers (RetryInfo.retry_delay; Retry-After rounded up to
  // whole seconds). 0 sends no hint. Default: 1s. At most 1h.
  std::chrono::milliseconds retry_after{1000};
  // Seed of the fault generator. Default: 1.
  uint64_t seed = 1;

  // Fractions in [0,1]; drop+unavailable+throttle+reject <= 1; delay and retry_after in range.
  sim::Status Validate() const;
  // True when any fault can happen.
  bool Any() const {
    return reject > 0 || unavailable > 0 || throttle > 0 || drop > 0 || partial > 0 || slow > 0;
  }
};

// Applies one `--fault` spec "key=value" to *faults. Keys: reject, unavailable, throttle, drop,
// partial, slow (fractions, "0.1" or "10%"), delay, retry-after (durations: "250ms", "2s"),
// seed (unsigned integer). Errors name the key and the value.
sim::Status ApplyFaultSpec(std::string_view spec, FaultOptions* faults);

// A parsed "host:port" ("127.0.0.1:4317", "localhost:0", "[::1]:4318", ":4318" = 127.0.0.1).
struct HostPort {
  std::string host;
  uint16_t port = 0;
};
// Port 0 asks the OS for an ephemeral port. Errors name the text.
sim::Result<HostPort> ParseHostPort(std::string_view text);

struct ReceiverOptions {
  // OTLP/gRPC listen address; empty disables gRPC. Default: 127.0.0.1:4317.
  std::string grpc_address = "127.0.0.1:4317";
  // OTLP/HTTP listen address; empty disables HTTP. Default: 127.0.0.1:4318.
  std::string http_address = "127.0.0.1:4318";
  // Prometheus scrape address (GET /metrics); empty disables it. Default: none.
  std::string metrics_address;
  // Also serve the OpenTelemetry Collector's own series at metrics_address (otelcol_receiver_*,
  // otelcol_process_*, receiver_stats.h), so Collector dashboards and `tracesim load
  // --target-metrics` work against this receiver. Needs metrics_address. Default: false.
  bool collector_metrics = false;
  // Largest accepted request, after decompression, in bytes. Larger ones get gRPC
  // RESOURCE_EXHAUSTED / HTTP 413. Default: 4 MiB (the Collector's default). At least 1 KiB.
  uint64_t max_request_bytes = 4u << 20;
  // Threads serving the HTTP and metrics sockets; each OTLP/HTTP connection is served by one of
  // them (in turn). Default: 2. In [1, 64].
  uint32_t http_threads = 2;
  // Open OTLP/HTTP connections; one more is answered 503 (Retry-After: 1) and closed.
  // Default: 1024. In [1, 65536].
  uint32_t http_max_connections = 1024;
  // Time for a request's line and headers to arrive, from its first byte (or the accept).
  // Default: 10s. In [100ms, 10min].
  std::chrono::milliseconds http_header_timeout{10'000};
  // Idle time allowed between keep-alive requests, and for a body to arrive or an answer to be
  // read. Default: 30s. In [100ms, 1h].
  std::chrono::milliseconds http_idle_timeout{30'000};
  // Concurrent gRPC streams per connection (HTTP/2 SETTINGS_MAX_CONCURRENT_STREAMS).
  // Default: 100. In [1, 10000].
  uint32_t grpc_max_concurrent_streams = 100;
  // Memory gRPC may use for connections and calls (a resource quota); past it gRPC reclaims
  // memory by closing connections. Raised to 4 x max_request_bytes when that is larger.
  // Default: 256 MiB. At least 16 MiB.
  uint64_t grpc_memory_limit_bytes = 256u << 20;
  // When set, every accepted request is appended to this file as one OTLP/JSON line (an
  // ExportTraceServiceRequest as received, before partial-success rejection); "-" is stdout.
  // Default: none.
  std::string out_path;
  FaultOptions faults;

  // At least one of gRPC/HTTP enabled, addresses parse, limits in range, faults valid.
  sim::Status Validate() const;
};

}  // namespace tracesim::receiver

#endif  // TRACESIM_RECEIVER_RECEIVER_OPTIONS_H_
