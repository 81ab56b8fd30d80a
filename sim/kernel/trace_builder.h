// TraceBuilder: the traces in flight and everything written into them. It owns the trace pool
// (a trace is recycled with its vectors' capacity as soon as its last reference is dropped), the
// trace-id and span-id streams, the attribute generators, and the span-start / span-end /
// trace-complete observer lists. It builds spans (ids, timestamps after clock skew, attributes,
// events, links, protocol outcome), applies span loss when a span ends, keeps the ground truth
// (TraceTruth: faults touched, root cause, fragments), and when a trace's reference count drops
// to zero it computes the truth's totals and shape hash, tags the root (--tag-ground-truth) and
// hands the TraceView to the trace-complete observers.
//
// Contract with the rest of the kernel: every in-flight record that belongs to a trace (request,
// call, frame, message) holds one reference (Ref/Unref); span indices are positions in the
// trace's span vector and stay valid until the trace completes; Span references are invalidated
// by StartSpan (the vector may grow). Single-threaded; reads the kernel's clock (Kernel::now).
#ifndef TRACESIM_SIM_TRACE_BUILDER_H_
#define TRACESIM_SIM_TRACE_BUILDER_H_

#include <cstdint>
#include <initializer_list>
#include <vector>

#include "sim/base/huge_pages.h"
#include "sim/base/rng.h"
#include "sim/kernel/observer.h"
#include "sim/kernel/shape_hash.h"
#include "sim/model/attributes.h"
#include "sim/model/faults.h"
#include "sim/model/model.h"
#include "sim/model/span.h"

namespace tracesim::sim {

struct Kernel;

struct TraceState {
  TraceId id;
  uint32_t open = 0;  // live requests, calls, frames and messages of this trace
  uint32_t flags = 0;
  bool observed = true;  // shown to the observers (SimulationOptions::observe_from/until)
  StrId trace_state = kEmptyStr;
  std::vector<Span> spans;
  std::vector<SpanEvent> events;
  std::vector<SpanLink> links;
  std::vector<AttrValue> trace_values;  // per trace-scoped generator slot
  std::vector<Attr> baggage;
  TraceTruth truth;
  // The trace's own random streams (doc/scale.md, "Randomness"), keyed by the run's seed and
  // the trace's arrival index, so what a trace draws does not depend on the traces around it
  // (nor on how a run is sharded): `draws` for the kernel's draws for this trace (work
  // durations, probabilities, counts, errors, events, network latency, random balancing,
  // retry jitter), `ids` for its trace and span ids and generated attribute values, and
  // `faults` for fault probabilities and fault latencies (seeded on first use:
  // TraceBuilder::fault_rng).
  Rng draws;
  Rng ids;
  Rng faults;
  uint64_t stream_seed = 0, stream_index = 0;
  bool faults_seeded = false;
};

// An exception recorded on a span (kEmptyStr: none).
struct ExceptionInfo {
  StrId type = kEmptyStr, message = kEmptyStr, stacktrace = kEmptyStr;
};

// The observers of span and trace callbacks (registered by Simulation::AddObserver).
struct SpanObservers {
  struct Entry {
    SimulationObserver* observer;
    bool all_traces;  // SimulationObserver::kAllTraces
  };
  SimulationObserver* span_start = nullptr;  // at most one: it owns Span::observer_bits
  bool span_start_all = false;
  std::vector<Entry> span_end;
  std::vector<Entry> trace_complete;
};

class TraceBuilder {
 public:
  TraceBuilder(Kernel& k, const Model& model, uint64_t seed);

  SpanObservers& observers() { return observers_; }
  TraceState& operator[](uint32_t t) { return pool_[t]; }
  size_t live() const { return pool_.live(); }

  void Ref(uint32_t t) { ++pool_[t].open; }
  // Drops a reference; the last one completes the trace (see the header comment).
  void Unref(uint32_t t) {
    if (--pool_[t].open == 0) Finish(t);
  }

  // A new trace for the arrival with index `arrival` (its position in the run's arrival
  // stream) of entry operation `op`: its streams keyed by the arrival, fresh ids, trace-scoped
  // values, the operation's baggage, and the traffic faults active now in its truth. Holds no
  // reference.
  uint32_t StartTrace(uint32_t op, uint64_t arrival);
  // A new trace for work whose context an upstream service dropped: the fragment carries the
  // request's application data (trace-scoped values) but no baggage and no parent. Its truth
  // starts with `origin_faults` (the faults that had touched `parent` when the context was lost)
  // plus `fault`; `parent` is marked fragmented and touched by `fault`. Its streams are keyed
  // by a draw from the parent's.
  uint32_t StartFragment(uint32_t parent, uint32_t op, uint32_t fault, uint64_t origin_faults);

  // Trace t's stream for the kernel's draws, and its fault stream (seeded here on first use).
  Rng& draws(uint32_t t) { return pool_[t].draws; }
  Rng& fault_rng(uint32_t t) {
    TraceState& ts = pool_[t];
    if (!ts.faults_seeded) {
      ts.faults = Rng::DeriveHashed(ts.stream_seed, kFaultsPurpose, ts.stream_index);
      ts.faults_seeded = true;
    }
    return ts.faults;
  }

  void Touch(uint32_t t, uint32_t fault) { pool_[t].truth.fault_mask |= uint64_t{1} << fault; }
  void TouchMask(uint32_t t, uint64_t mask) { pool_[t].truth.fault_mask |= mask; }
  uint64_t* fault_mask(uint32_t t) { return &pool_[t].truth.fault_mask; }
  // Records where a failure originated, if it is the trace's first.
  void MarkOrigin(uint32_t t, uint32_t service, uint32_t op) {
    TraceTruth& tr = pool_[t].truth;
    if (tr.root_cause_service == kNone) {
      tr.root_cause_service = service;
      tr.root_cause_operation = op;
    }
  }

  // Starts a span in trace t and shows it to the span-start observer. `parent_index` is the
  // parent's index when it is in the same trace (local or remote), `parent_id` its span id (0
  // for a root). Returns the span's index.
  uint32_t StartSpan(uint32_t t, SpanKind kind, uint32_t service, uint32_t instance, uint32_t op,
                     StrId name, uint32_t parent_index, uint64_t parent_id, bool remote_parent,
                     const std::vector<Attr>& attrs, const std::vector<DynamicAttr>& dyn);
  // Ends a span now, applies span loss, and shows it to the span-end observers.
  void EndSpan(uint32_t t, uint32_t span);
  uint64_t SpanIdOf(uint32_t t, uint32_t span) {
    return span == kNone ? 0 : pool_[t].spans[span].span_id;
  }

  // Adds an event to a span; attributes with no value or an empty string are left out.
  void AddEvent(uint32_t t, uint32_t span, StrId name, std::initializer_list<Attr> attrs);
  void AddException(uint32_t t, uint32_t span, StrId type, StrId message,
                    StrId stacktrace = kEmptyStr);
  // The operation's events at span start (or end), each drawn with its probability from `rng`.
  void AddOperationEvents(uint32_t t, uint32_t span, const Operation& op, bool at_end, Rng& rng) {
    if (!op.events.empty()) AddOperationEventsSlow(t, span, op, at_end, rng);
  }
  // Sets the protocol status attributes and the span status of a finished exchange. `server`
  // selects the server-side rule (HTTP: only 5xx is an error; gRPC: only the server-error
  // codes) over the client rule. status 0 on HTTP / cls set means no response came: then
  // error.type names the failure (timeout, connection_refused).
  void SetOutcome(uint32_t t, uint32_t span, const Operation& op, bool failed, int status,
                  FailureClass cls, bool server);

 private:
  void AddOperationEventsSlow(uint32_t t, uint32_t span, const Operation& op, bool at_end,
                              Rng& rng);
  static constexpr uint64_t kDrawsPurpose = Fnv1a64("trace-draws");
  static constexpr uint64_t kIdsPurpose = Fnv1a64("trace-ids");
  static constexpr uint64_t kFaultsPurpose = Fnv1a64("trace-faults");
  uint32_t NewTrace(uint32_t entry_op, uint64_t stream_seed, uint64_t stream_index);
  void Finish(uint32_t t);
  void TagTruth(TraceState& ts, uint32_t root);
  // Span::exported_size of `s` (a span of `ts`) from the run's size model, when it has one.
  void Size(const TraceState& ts, Span& s);
  AttrValue Generate(uint32_t t, uint32_t g);
  uint64_t NewSpanId(uint32_t t);
  int64_t Stamp(uint32_t t, uint32_t s, uint32_t inst);
  uint32_t InstanceOf(const Span& s) const {
    return s.resource < m_.resources.size() ? m_.resources[s.resource].instance : 0;
  }
  void PushEvent(uint32_t t, uint32_t span, SpanEvent ev);

  // Traces are pooled with their vectors' capacity kept, so steady state allocates nothing.
  class Pool {
   public:
    uint32_t Alloc() {
      if (!free_.empty()) {
        uint32_t i = free_.back();
        free_.pop_back();
        TraceState& t = items_[i];
        t.open = 0;
        t.trace_state = kEmptyStr;
        return i;
      }
      items_.emplace_back();
      return static_cast<uint32_t>(items_.size() - 1);
    }
    void Free(uint32_t i) { free_.push_back(i); }
    TraceState& operator[](uint32_t i) { return items_[i]; }
    size_t live() const { return items_.size() - free_.size(); }

   private:
    std::vector<TraceState, HugePageAllocator<TraceState>> items_;  // large: huge pages
    std::vector<uint32_t> free_;
  };

  Kernel& k_;
  const Model& m_;
  SpanObservers observers_;
  uint64_t seed_;  // the run's: with an arrival index, the key of a trace's streams
  std::vector<uint32_t> gen_slot_;    // generator -> trace value slot (kNone for per-span)
  std::vector<uint32_t> trace_gens_;  // slot -> generator
  ShapeHasher shapes_;
  std::vector<Span> exported_;  // scratch: a trace's spans minus the lost ones
  Pool pool_;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_TRACE_BUILDER_H_
