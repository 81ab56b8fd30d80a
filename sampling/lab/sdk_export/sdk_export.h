// The SDK's BatchSpanProcessor between each service instance and the Collector (issue 10), as
// go.opentelemetry.io/otel/sdk v1.46.0 implements it (sdk/trace/batch_span_processor.go; the
// release the repository's Go SDK peer, peers/sdk/go, and the Collector v0.161.0 build with):
//
// - A span that ends recorded and sampled goes into its instance's queue (a channel of
//   max_queue_size). The processor's worker moves it into the batch at once; the batch is exported
//   when it holds max_export_batch_size spans, or when the timer fires: the timer is started with
//   the SDK (schedule_delay) and reset by every export, so an idle instance exports every
//   schedule_delay, a busy one as soon as a batch is full.
// - An export call holds the worker for export_duration (cut at export_timeout, when the batch is
//   lost). Spans ending meanwhile wait in the queue; a full queue drops the span (enqueueDrop: the
//   SDK counts it and goes on). When the call returns, the worker drains the queue into the batch
//   (exporting each full batch) and then serves a timer that fired meanwhile.
// - Shutdown exports whatever is queued or batched (drainQueue), in batches of at most
//   max_export_batch_size.
// - One export = one ExportTraceServiceRequest with one ResourceSpans (the instance's resource).
//
// The lab's assumptions, not SDK settings: when each instance's SDK started (its timer phase: a
// fraction of schedule_delay drawn from the instance index, fixed, so instances do not export in
// lock-step), and export_duration (default 0: the Collector answers at once, so the worker is
// never busy and the queue never fills). Not thread-safe.
#ifndef TRACESIM_SAMPLING_LAB_SDK_EXPORT_SDK_EXPORT_H_
#define TRACESIM_SAMPLING_LAB_SDK_EXPORT_SDK_EXPORT_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "sampling/collector/tail_sampling/tail_size.h"
#include "sim/base/status.h"
#include "sim/model/model.h"
#include "sim/model/span.h"

namespace tracesim::sampling {

// The BatchSpanProcessor settings (the OTEL_BSP_* variables) and the lab's export duration.
struct BspOptions {
  int64_t schedule_delay_ms = 5000;     // OTEL_BSP_SCHEDULE_DELAY. Default: 5000.
  int64_t export_timeout_ms = 30000;    // OTEL_BSP_EXPORT_TIMEOUT; 0 = none. Default: 30000.
  int64_t max_queue_size = 2048;        // OTEL_BSP_MAX_QUEUE_SIZE. Default: 2048.
  int64_t max_export_batch_size = 512;  // OTEL_BSP_MAX_EXPORT_BATCH_SIZE. Default: 512.
  // How long one export call holds the SDK's worker (network + the Collector's answer): the
  // lab's assumption. Default: 0.
  int64_t export_duration_ms = 0;
  // schedule_delay_ms >= 1 (the Go SDK's timer would fire in a busy loop at 0), queue and batch
  // sizes >= 1 (it panics on a negative channel size, and a zero batch exports every span),
  // export_timeout_ms and export_duration_ms >= 0, each at most a day.
  sim::Status Validate() const;
  // The longest a span waits in this processor without a backlog: schedule_delay plus one export
  // call (export_duration, cut at export_timeout when that is set), in nanoseconds.
  int64_t MaxDelayNanos() const;
};

// The OTEL_BSP_* names, in the order above.
inline constexpr const char* kBspEnvKeys[] = {"OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT",
                                              "OTEL_BSP_MAX_QUEUE_SIZE",
                                              "OTEL_BSP_MAX_EXPORT_BATCH_SIZE"};

// Reads the OTEL_BSP_* variables in `env` (other names ignored) as the Go SDK v1.46.0 does
// (internal/env.IntEnvOr, NewBatchSpanProcessor): unset or empty -> the default; a value
// strconv.Atoi rejects (not an optionally signed decimal integer, or out of int64) -> the default,
// with a warning naming the variable; then a max_export_batch_size above max_queue_size becomes
// min(512, max_queue_size). The result may still fail Validate() (e.g. a negative size).
BspOptions BspOptionsFromEnv(const std::map<std::string, std::string>& env,
                             std::vector<std::string>* warnings);

// Receives each export: strategy `strategy`'s batch of one instance, arriving at the Collector at
// `at_unix_nano`, spans in the order they ended. The spans (and their events and links) are valid
// during the call only.
class SdkExportListener {
 public:
  virtual ~SdkExportListener() = default;
  virtual void OnExport(size_t strategy, int64_t at_unix_nano,
                        std::span<const SizedSpan> spans) noexcept = 0;
};

// What strategy k's SDKs did, summed over instances.
struct SdkExportStats {
  uint64_t spans_enqueued = 0;      // handed to a BatchSpanProcessor (sampled spans)
  uint64_t spans_dropped = 0;       // queue full (the SDK's dropped count)
  uint64_t spans_lost_timeout = 0;  // in exports cut by export_timeout
  uint64_t spans_exported = 0;
  uint64_t exports = 0;  // export calls with at least one span

  // into += sign * from, field by field (window edges: sign -1; merged shards: +1).
  void Add(const SdkExportStats& from, int sign);
};

// One BatchSpanProcessor per (strategy with a BSP, service instance = Span::resource). A span is
// stored once per instance however many strategies export it. No allocation per span once the
// buffers have grown to the largest backlog.
class SdkBatchExport {
 public:
  // `per_strategy[k]`: strategy k's settings (each Validate()d by the caller), nullopt when its
  // spans do not go through a BSP. `listener` outlives this.
  SdkBatchExport(const sim::Model& model,
                 const std::vector<std::optional<BspOptions>>& per_strategy,
                 SdkExportListener* listener);
  ~SdkBatchExport();
  SdkBatchExport(const SdkBatchExport&) = delete;
  SdkBatchExport& operator=(const SdkBatchExport&) = delete;

  // Bit k set: strategy k exports through a BSP.
  uint64_t mask() const { return mask_; }
  // The longest a span can wait in a BSP without a backlog: the largest
  // BspOptions::MaxDelayNanos; 0 without a BSP.
  int64_t max_delay_ns() const { return max_delay_ns_; }

  // The SDKs' start, from which every instance's timer runs (at start - its phase, then every
  // schedule_delay while idle): the run's start, so that a shard of a sharded run, which sees its
  // first span later, fires the timers of idle instances at the instants the whole run does
  // (doc/scale.md). Default: the first span's end. REQUIRES: before the first OnSpanEnd.
  void SetOrigin(int64_t t) noexcept;
  // Fires the timers and export completions due at or before `t`, in time order (exports reach
  // the listener). Call before OnSpanEnd at `t`.
  void AdvanceTo(int64_t t) noexcept;
  // The earliest pending timer or export completion (INT64_MAX when none; may be stale: then
  // AdvanceTo does nothing).
  int64_t next_due() const noexcept;
  // Strategies whose BSPs count (batches, timers, exports, queue drops) but do not hold spans:
  // for a strategy whose Collector stages decide each span on its own (probabilistic_sampler, or
  // none), when and with which others a span arrives changes nothing, so the caller delivers it
  // at once. Only for strategies whose exports cannot time out (export_timeout 0 or above
  // export_duration): then whether a span gets through is known when it is enqueued. Default: 0.
  void SetCountOnly(uint64_t mask) { count_only_ = mask & mask_; }
  // Strategies whose stages read only a span's fixed fields (ids, times, status, resource and
  // scope, Span::observed; not its dynamic attributes, events or links): a span that only they
  // hold is stored without those, and reaches them so. Default: 0.
  void SetFixedFieldsOnly(uint64_t mask) { fixed_only_ = mask & mask_; }
  // `span` (OTLP body `size`) ended at `t`, recorded and sampled by the strategies in `bits`
  // (subset of mask()). May export at once (a full batch). Returns the count-only strategies
  // that took the span (did not drop it): the caller delivers it to them now. REQUIRES: t
  // non-decreasing.
  uint64_t OnSpanEnd(const sim::Span& span, std::span<const sim::SpanEvent> events,
                     std::span<const sim::SpanLink> links, uint32_t size, uint64_t bits,
                     int64_t t) noexcept;
  // SDK shutdown at `t`: fires what is due, then exports every queued or batched span at `t`.
  void Shutdown(int64_t t) noexcept;

  const SdkExportStats& stats(size_t strategy) const { return stats_[strategy]; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  uint64_t mask_ = 0;
  uint64_t count_only_ = 0;
  uint64_t fixed_only_ = 0;
  int64_t max_delay_ns_ = 0;
  std::vector<SdkExportStats> stats_;
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_LAB_SDK_EXPORT_SDK_EXPORT_H_
