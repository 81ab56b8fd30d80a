// The sinks RunScenario adds beside the metrics: a compression sample, exemplar traces and the
// per-second series. Each is a sim::SpanSink (OnTrace only). Not thread-safe: simulation thread.
#ifndef TRACESIM_APP_SINKS_H_
#define TRACESIM_APP_SINKS_H_

#include <cstddef>
#include <cstdint>
#include <vector>

#include "app/run.h"
#include "sim/kernel/sink.h"
#include "sim/model/model.h"
#include "sim/model/span.h"

namespace tracesim::app {

// Keeps copies of the spans of the first `max_traces` traces, to measure how well a run's spans
// compress.
class CompressionSample final : public sim::SpanSink {
 public:
  explicit CompressionSample(size_t max_traces) : max_(max_traces) {}
  void OnTrace(const sim::TraceView& trace) noexcept override;
  // Compressed / raw size of the captured spans as OTLP protobuf in 512-span requests, deflated
  // at zlib's default level plus gzip's 18 header/trailer bytes (what gzip does); 0 when nothing
  // was captured or zlib failed. REQUIRES: `model` is the run's.
  double CompressionRatio(const sim::Model& model) const;

 private:
  size_t max_;
  size_t traces_ = 0;
  std::vector<sim::Span> spans_;
  std::vector<sim::SpanEvent> events_;
  std::vector<sim::SpanLink> links_;
};

// Keeps copies of the first `max_traces` traces, and of the first `max_errors` traces whose
// truth has an error, with their truth.
class TraceKeeper final : public sim::SpanSink {
 public:
  TraceKeeper(size_t max_traces, size_t max_errors) : max_(max_traces), max_errors_(max_errors) {}
  void OnTrace(const sim::TraceView& trace) noexcept override;
  std::vector<KeptTrace> TakeTraces() { return std::move(traces_); }
  std::vector<KeptTrace> TakeErrorTraces() { return std::move(errors_); }

 private:
  size_t max_, max_errors_;
  std::vector<KeptTrace> traces_, errors_;
};

// Per simulated second counts of finished traces (SecondCounts), by their truth.
class SecondSeries final : public sim::SpanSink {
 public:
  void OnTrace(const sim::TraceView& trace) noexcept override;
  std::vector<SecondCounts> Take() { return std::move(seconds_); }

 private:
  std::vector<SecondCounts> seconds_;
};

}  // namespace tracesim::app

#endif  // TRACESIM_APP_SINKS_H_
