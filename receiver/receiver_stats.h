// ReceiverStats: what the receiver has seen, kept as Prometheus series in a MetricsRegistry (the
// registry is the single store: the summary and the /metrics scrape read the same counters).
//
// Series (doc/receive.md): tracesim_receiver_requests_total{protocol,code},
// tracesim_receiver_spans_total{result="accepted|invalid|partial|refused"},
// tracesim_receiver_bytes_total{protocol,stage="wire|decoded"}, tracesim_receiver_traces_seen
// (gauge, refreshed by RefreshGauges()).
//
// With EnableCollectorSeries() it also keeps the OpenTelemetry Collector's own series, named and
// labelled as Collector v0.161.0 exposes them (its internal telemetry on :8888), so dashboards and
// `tracesim load --target-metrics` built for a Collector work against `tracesim receive`:
// otelcol_receiver_accepted_spans, otelcol_receiver_refused_spans (every span not accepted:
// refused, invalid and partial), otelcol_receiver_failed_spans (0: no pipeline behind it), each
// {receiver="otlp",transport="grpc|http"}, and otelcol_process_cpu_seconds,
// otelcol_process_memory_rss, otelcol_process_uptime (refreshed by RefreshGauges()).
//
// Distinct traces are estimated with a HyperLogLog sketch of 2^14 one-byte registers (16 KiB,
// standard error ~0.8 %, linear counting below 2.5 * 2^14, so small counts are close to exact).
// Thread-safe: all updates are lock-free atomics.
#ifndef TRACESIM_RECEIVER_RECEIVER_STATS_H_
#define TRACESIM_RECEIVER_RECEIVER_STATS_H_

#include <array>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "metrics/prometheus.h"

namespace tracesim::receiver {

// NOTE: used as label values; do not renumber.
enum class Protocol : uint8_t { kGrpc = 0, kHttp = 1 };

// The answer code of a request: a gRPC status code (0..16), an HTTP status, or kDropped.
inline constexpr int kDropped = -1;

// A copy of the counters at one moment.
struct StatsSnapshot {
  uint64_t requests = 0;
  uint64_t spans_received = 0;  // all spans in decoded requests (sum of the four below)
  uint64_t spans_accepted = 0;
  uint64_t spans_invalid = 0;  // bad ids (partial success or INVALID_ARGUMENT)
  uint64_t spans_partial = 0;  // rejected by the partial fault
  uint64_t spans_refused = 0;  // in requests answered with an error by a fault or a limit
  uint64_t bytes_wire = 0;     // request bodies as received (compressed when gzip)
  uint64_t bytes_decoded = 0;  // after decompression
  uint64_t traces_seen = 0;    // HyperLogLog estimate
  // "grpc:OK", "grpc:UNAVAILABLE", "http:200", "http:dropped", ... -> count (non-zero only).
  std::map<std::string, uint64_t> requests_by_code;
};

class ReceiverStats {
 public:
  ReceiverStats();
  ReceiverStats(const ReceiverStats&) = delete;
  ReceiverStats& operator=(const ReceiverStats&) = delete;

  // One answered (or dropped) request.
  void AddRequest(Protocol protocol, int code) noexcept;
  void AddBytes(Protocol protocol, uint64_t wire, uint64_t decoded) noexcept;
  // Every span of a decoded request lands in exactly one bucket.
  void AddSpans(Protocol protocol, uint64_t accepted, uint64_t invalid, uint64_t partial,
                uint64_t refused) noexcept;
  // Registers the Collector's series (file comment). Call once, before the first request.
  void EnableCollectorSeries();
  // Adds a 16-byte trace id to the distinct-trace sketch.
  void AddTraceId(std::string_view trace_id) noexcept;

  // The distinct-trace estimate.
  uint64_t TracesSeen() const noexcept;
  // Sets the gauges computed from sketches (call before rendering a scrape).
  void RefreshGauges() noexcept;
  StatsSnapshot Snapshot() const;

  metrics::MetricsRegistry& registry() { return registry_; }

  // "OK", "UNAVAILABLE", ... for gRPC codes 0..16; "200", ... for HTTP; "dropped".
  static std::string CodeLabel(Protocol protocol, int code);

 private:
  static constexpr int kHllBits = 14;
  static constexpr size_t kHllRegisters = size_t{1} << kHllBits;
  // Slots per protocol: gRPC codes 0..16 and HTTP statuses 100..599 map into [0, 600), dropped
  // is the last slot.
  static constexpr size_t kCodeSlots = 601;

  metrics::Counter* RequestCounter(Protocol protocol, int code) noexcept;

  metrics::MetricsRegistry registry_;
  std::array<std::unique_ptr<std::atomic<metrics::Counter*>[]>, 2> by_code_;
  metrics::Counter* spans_accepted_ = nullptr;
  metrics::Counter* spans_invalid_ = nullptr;
  metrics::Counter* spans_partial_ = nullptr;
  metrics::Counter* spans_refused_ = nullptr;
  std::array<metrics::Counter*, 2> bytes_wire_{};
  std::array<metrics::Counter*, 2> bytes_decoded_{};
  metrics::Gauge* traces_seen_ = nullptr;
  std::unique_ptr<std::atomic<uint8_t>[]> hll_;
  // EnableCollectorSeries(): per protocol, and the process series (null until enabled).
  std::array<metrics::Counter*, 2> otel_accepted_{}, otel_refused_{};
  metrics::Counter* otel_cpu_seconds_ = nullptr;
  metrics::Counter* otel_uptime_ = nullptr;
  metrics::Gauge* otel_rss_ = nullptr;
  std::chrono::steady_clock::time_point enabled_at_;
  std::mutex process_mu_;  // RefreshGauges() may run on two scrapes at once
};

}  // namespace tracesim::receiver

#endif  // TRACESIM_RECEIVER_RECEIVER_STATS_H_
