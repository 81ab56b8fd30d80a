// SpanSink: the only way spans leave the kernel.
//
// The Simulation calls OnTrace() once per finished trace, on the simulation thread, in
// deterministic order. The view and everything it points to are valid only during the call:
// a sink that keeps data copies it. Sinks never throw; a sink that fails (a full disk) records
// the failure and reports it from Close().
#ifndef TRACESIM_SIM_SINK_H_
#define TRACESIM_SIM_SINK_H_

#include <cstdint>
#include <span>
#include <vector>

#include "sim/span.h"
#include "sim/status.h"

namespace tracesim::sim {

class SpanSink {
 public:
  SpanSink() = default;
  SpanSink(const SpanSink&) = delete;
  SpanSink& operator=(const SpanSink&) = delete;
  virtual ~SpanSink() = default;

  virtual void OnTrace(const TraceView& trace) noexcept = 0;
  // Flushes buffered output; returns the first error the sink met, if any.
  virtual Status Close() { return Status::Ok(); }
};

// SpanListener: sees every span the moment it ends, in simulated-time order (spans that end at
// the same instant in event order), before its trace is complete. For components whose
// behaviour depends on when spans arrive, such as a tail-sampling collector model, where whole
// traces (SpanSink) arrive too late. The arguments are valid only during the call; a span's
// attributes, status, events and links are final when it ends.
class SpanListener {
 public:
  virtual ~SpanListener() = default;
  virtual void OnSpanEnd(const Model& model, const Span& span, std::span<const SpanEvent> events,
                         std::span<const SpanLink> links) noexcept = 0;
};

// HeadSamplingHook: decides, as each span starts, which of up to 64 sampling strategies record it
// (bit k set = strategy k samples the span), the way an SDK's sampler decides at span start.
// `parent` is the span's parent when it is in the same trace (a SERVER span's is the caller's
// CLIENT span, a CONSUMER's the PRODUCER span, a local child's its parent), else nullptr (a root,
// or a fragment whose context was lost); its head_bits are the propagated sampled flags. Called
// on the simulation thread in simulated-time order; arguments valid only during the call.
class HeadSamplingHook {
 public:
  virtual ~HeadSamplingHook() = default;
  virtual uint64_t OnSpanStart(const Model& model, const Span& span,
                               const Span* parent) noexcept = 0;
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
