// SpanSink: an observer that wants finished traces (OnTrace) and may fail: a sink that fails (a
// full disk) records the failure and reports its first error from Close(). Sinks are added to a
// Simulation with AddObserver like every observer (see sim/kernel/observer.h for OnTrace's
// contract).
#ifndef TRACESIM_SIM_SINK_H_
#define TRACESIM_SIM_SINK_H_

#include <cstdint>
#include <span>
#include <vector>

#include "sim/base/status.h"
#include "sim/kernel/observer.h"
#include "sim/model/span.h"

namespace tracesim::sim {

class SpanSink : public SimulationObserver {
 public:
  uint32_t Interests() const override { return kTraceComplete; }
  void OnTrace(const TraceView& trace) noexcept override = 0;
  // Flushes buffered output; returns the first error the sink met, if any.
  virtual Status Close() { return Status::Ok(); }
};

// Counts traces and spans; the benchmark sink.
class CountingSink final : public SpanSink {
 public:
  void OnTrace(const TraceView& trace) noexcept override {
    ++traces_;
    spans_ += trace.spans.size();
  }
  uint64_t traces() const { return traces_; }
  uint64_t spans() const { return spans_; }

 private:
  uint64_t traces_ = 0;
  uint64_t spans_ = 0;
};

// Keeps copies of every trace; for tests.
class InMemorySink final : public SpanSink {
 public:
  struct StoredTrace {
    TraceId trace_id;
    uint64_t sequence = 0;
    std::vector<Span> spans;
    std::vector<SpanEvent> events;
    std::vector<SpanLink> links;
  };
  void OnTrace(const TraceView& trace) noexcept override {
    StoredTrace t;
    t.trace_id = trace.trace_id;
    t.sequence = trace.sequence;
    t.spans.assign(trace.spans.begin(), trace.spans.end());
    t.events.assign(trace.events.begin(), trace.events.end());
    t.links.assign(trace.links.begin(), trace.links.end());
    traces_.push_back(std::move(t));
  }
  const std::vector<StoredTrace>& traces() const { return traces_; }
  size_t span_count() const {
    size_t n = 0;
    for (const auto& t : traces_) n += t.spans.size();
    return n;
  }

 private:
  std::vector<StoredTrace> traces_;
};

// Forwards every trace to several sinks in order.
class TeeSink final : public SpanSink {
 public:
  void Add(SpanSink* sink) { sinks_.push_back(sink); }
  void OnTrace(const TraceView& trace) noexcept override {
    for (SpanSink* s : sinks_) s->OnTrace(trace);
  }
  Status Close() override {
    Status first;
    for (SpanSink* s : sinks_) {
      Status st = s->Close();
      if (first.ok() && !st.ok()) first = st;
    }
    return first;
  }

 private:
  std::vector<SpanSink*> sinks_;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_SINK_H_
