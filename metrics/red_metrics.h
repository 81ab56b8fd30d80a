// RedMetricsSink: Rate/Errors/Duration metrics derived from spans, the way the Collector's
// spanmetrics connector derives them (doc/metrics.md).
//
// Per service: its entry spans (SERVER and CONSUMER kinds). Per operation: every span, keyed by
// (recording service, span name, span kind). Per leaf dependency: CLIENT spans (and PRODUCER
// spans, the only ones a broker ever sees) whose Span::peer is a service of kind kDatabase,
// kCache, kExternal or kMessaging, i.e. the dependency as its callers see it. An error is a span
// with status ERROR; latency is the span duration in nanoseconds. Plus totals: traces (one per
// OnTrace call, fragments included), spans, spans by kind, and error traces (any ERROR span).
// O(1) per span; memory grows only when a new (service, name, kind) key first appears.
// Not thread-safe: the Simulation calls OnTrace on its thread; read results after the run.
#ifndef TRACESIM_METRICS_RED_METRICS_H_
#define TRACESIM_METRICS_RED_METRICS_H_

#include <array>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "metrics/histogram.h"
#include "sim/kernel/sink.h"
#include "sim/model/model.h"

namespace tracesim::metrics {

struct ServiceRed {
  std::string name;
  sim::ServiceKind kind = sim::ServiceKind::kService;
  uint64_t requests = 0;  // entry spans (SERVER, CONSUMER)
  uint64_t errors = 0;    // of which status ERROR
  Histogram latency;      // entry span durations, ns
};

struct OperationRed {
  std::string service;  // recording service
  std::string name;     // span name
  sim::SpanKind kind = sim::SpanKind::kInternal;
  uint64_t requests = 0;
  uint64_t errors = 0;
  Histogram latency;
};

struct DependencyRed {
  std::string name;  // the leaf service
  sim::ServiceKind kind = sim::ServiceKind::kDatabase;
  uint64_t requests = 0;  // CLIENT/PRODUCER spans targeting it
  uint64_t errors = 0;
  Histogram latency;  // as seen by callers, ns
};

struct TraceTotals {
  uint64_t traces = 0;
  uint64_t spans = 0;
  uint64_t error_traces = 0;                // traces with at least one ERROR span
  std::array<uint64_t, 6> spans_by_kind{};  // index = OTLP SpanKind value
};

class RedMetricsSink final : public sim::SpanSink {
 public:
  // The model must outlive the sink.
  explicit RedMetricsSink(const sim::Model& model);

  void OnTrace(const sim::TraceView& trace) noexcept override;

  // Every model service, in model order (leaf services have zero requests).
  std::vector<ServiceRed> Services() const;
  // Operations seen, ordered by service (model order), then the model's own operations of that
  // service in model order (their server-side spans), then other spans by kind and name.
  std::vector<OperationRed> Operations() const;
  // Every leaf service (database, cache, external, messaging), in model order.
  std::vector<DependencyRed> Dependencies() const;
  const TraceTotals& totals() const { return totals_; }

  // Adds every figure of `other` (another shard of the same run: doc/scale.md). Exact: the
  // result equals one sink that saw both sinks' traces. REQUIRES: the same model.
  void Merge(const RedMetricsSink& other);
  // The sink's tallies as bytes (partial results, doc/scale.md), and back into a sink made for
  // the same model: LoadState replaces its tallies; false on a corrupt input. SaveState then
  // LoadState gives a sink that Merges and reports exactly as the saved one.
  void SaveState(sim::StateWriter& out) const;
  bool LoadState(sim::StateReader& in);

 private:
  struct Red {
    uint64_t requests = 0;
    uint64_t errors = 0;
    Histogram latency;
    void Add(const sim::Span& s) noexcept {
      ++requests;
      if (s.status == sim::StatusCode::kError) ++errors;
      latency.Record(s.duration_nanos());
    }
  };
  struct OpKey {
    uint32_t service;
    sim::StrId name;
    sim::SpanKind kind;
    bool operator==(const OpKey&) const = default;
  };
  struct OpKeyHash {
    size_t operator()(const OpKey& k) const noexcept {
      uint64_t h =
          (uint64_t{k.name} << 32) ^ (uint64_t{k.service} << 3) ^ static_cast<uint64_t>(k.kind);
      h ^= h >> 33;
      h *= 0xff51afd7ed558ccdULL;
      h ^= h >> 33;
      return static_cast<size_t>(h);
    }
  };
  struct OpSlot {
    OpKey key;
    uint32_t model_rank;  // position among pre-registered model operations, or kNone
    Red red;
  };

  uint32_t OpSlotFor(const sim::Span& s) { return OpSlotFor(OpKey{s.service, s.name, s.kind}); }
  // Inline: once per span. The first span of a key goes to NewOp.
  uint32_t OpSlotFor(const OpKey& key) {
    const size_t mask = op_index_.size() - 1;
    for (size_t i = OpKeyHash{}(key)&mask;; i = (i + 1) & mask) {
      const OpIndexEntry& e = op_index_[i];
      if (e.slot == sim::kNone) return NewOp(key, i);
      if (e.key == key) return e.slot;
    }
  }
  // Adds the slot of `key`, absent from the index, whose probe ended at the empty entry `free`.
  uint32_t NewOp(const OpKey& key, size_t free);

  const sim::Model& model_;
  std::vector<Red> services_;          // per model service
  std::vector<uint32_t> dep_slot_;     // per model service: index into dependencies_ or kNone
  std::vector<uint32_t> dep_service_;  // per dependency: model service index
  std::vector<Red> dependencies_;
  std::vector<OpSlot> ops_;  // created on a key's first span
  // key -> ops_ index, looked up per span: open addressing over a power-of-two table at most half
  // full (an unordered_map's modulo and chain were ~1 % of a day-scale run's instructions).
  struct OpIndexEntry {
    OpKey key{};
    uint32_t slot = sim::kNone;  // kNone: empty
  };
  std::vector<OpIndexEntry> op_index_ = std::vector<OpIndexEntry>(16);
  std::unordered_map<OpKey, uint32_t, OpKeyHash> model_rank_;  // model operation keys -> rank
  TraceTotals totals_;
};

}  // namespace tracesim::metrics

#endif  // TRACESIM_METRICS_RED_METRICS_H_
