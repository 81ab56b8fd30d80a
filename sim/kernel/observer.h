// SimulationObserver: the one way to watch a Simulation (spans starting and ending, finished
// traces, simulated time passing, the end of the run).
//
// An observer says once, from Interests() when it is added (Simulation::AddObserver), which
// callbacks it wants; the kernel keeps one list per callback, so an observer that wants no span
// callbacks costs nothing per span. Every callback runs on the simulation thread, in
// deterministic order (observers in the order they were added); arguments are valid only during
// the call: an observer that keeps data copies it. Callbacks never throw.
#ifndef TRACESIM_SIM_OBSERVER_H_
#define TRACESIM_SIM_OBSERVER_H_

#include <cstdint>
#include <span>

#include "sim/base/time.h"
#include "sim/model/span.h"

namespace tracesim::sim {

struct SimulationStats;

// The size of a span as exported, in bytes. The kernel asks it once per exported span, when the
// span ends (and again for a root span the ground-truth tags change), and stores the answer in
// Span::exported_size, so that the observers that account bytes (the sampling lab, the volume
// block, lint's evidence) do not each size every span again. Called on the simulation thread.
// The implementation: sampling::SpanSizer (the OTLP protobuf size).
class SpanSizeModel {
 public:
  virtual ~SpanSizeModel() = default;
  virtual uint32_t SpanSize(const Span& span, std::span<const SpanEvent> events,
                            std::span<const SpanLink> links) noexcept = 0;
};

class SimulationObserver {
 public:
  // Bits of Interests().
  enum Interest : uint32_t {
    kSpanStart = 1u << 0,      // OnSpanStart; at most one observer per Simulation
    kSpanEnd = 1u << 1,        // OnSpanEnd
    kTraceComplete = 1u << 2,  // OnTrace
    kTimeAdvance = 1u << 3,    // NextWakeup / OnTimeAdvance
    kRunEnd = 1u << 4,         // OnRunEnd
    // With the span and trace bits: also the traces outside the observation window
    // (SimulationOptions::observe_from/until), marked Span::observed / TraceView::observed
    // false. Without it an observer sees only the window's traces.
    kAllTraces = 1u << 5,
  };

  SimulationObserver() = default;
  SimulationObserver(const SimulationObserver&) = delete;
  SimulationObserver& operator=(const SimulationObserver&) = delete;
  virtual ~SimulationObserver() = default;

  // The callbacks this observer wants (an OR of Interest bits). Read once, by AddObserver.
  virtual uint32_t Interests() const = 0;

  // As each span starts: returns the span's observer word (Span::observer_bits), opaque to the
  // kernel, which stores it on the span and nothing else. `parent` is the span's parent when it
  // is in the same trace (a SERVER span's is the caller's CLIENT span, a CONSUMER's the PRODUCER
  // span, a local child's its parent), else nullptr (a root, or a fragment whose context was
  // lost); its observer_bits are the word returned when the parent started. Only one observer of
  // a Simulation may want this (it owns the word); spans keep ~0 when none does.
  virtual uint64_t OnSpanStart(const Model& /*model*/, const Span& /*span*/,
                               const Span* /*parent*/) noexcept {
    return ~uint64_t{0};
  }

  // Every exported span the moment it ends, in simulated-time order (spans that end at the same
  // instant in event order), before its trace is complete. Its attributes, status, events and
  // links are final. Spans lost by a span-loss fault are not shown.
  virtual void OnSpanEnd(const Model& /*model*/, const Span& /*span*/,
                         std::span<const SpanEvent> /*events*/,
                         std::span<const SpanLink> /*links*/) noexcept {}

  // Once per finished trace, after its last span ended (exported spans only; the truth is in
  // trace.truth).
  virtual void OnTrace(const TraceView& /*trace*/) noexcept {}

  // Time advance: the simulated time at which the observer next wants OnTimeAdvance, or
  // Time::Max() for never. Read at AddObserver and after each OnTimeAdvance call (nowhere else:
  // an observer that changes its wake-up from another callback keeps the one last read).
  virtual Time NextWakeup() const noexcept { return Time::Max(); }
  // Called when the simulated clock is about to pass the declared wake-up time w: before the
  // first event later than w is processed, with now = w; and at the end of the run when w is at
  // or before the end time. Never for a w after the end of the run.
  virtual void OnTimeAdvance(Time /*now*/) noexcept {}

  // Once, when the run has finished (stats final, stats.end_time the last simulated time).
  virtual void OnRunEnd(const SimulationStats& /*stats*/) noexcept {}
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_OBSERVER_H_
