// Per-trace decisions files (doc/collector.md, "Decisions file") and their comparison: tracesim
// writes one for what its lab's Collector stages did, the Go oracle one for what the real
// processors did with the same arrival stream.
//
//   # tracesim oracle decisions v1: trace_id decision spans_in spans_out
//   0123456789abcdef0123456789abcdef sampled 4 4
//
// One line per trace in first-arrival order; `sampled` when any span came out, else `dropped`.
#ifndef TRACESIM_PEERS_LAB_ORACLE_DECISIONS_H_
#define TRACESIM_PEERS_LAB_ORACLE_DECISIONS_H_

#include <cstdint>
#include <iosfwd>
#include <string>
#include <unordered_map>
#include <vector>

#include "sim/base/status.h"
#include "sim/model/span.h"

namespace tracesim::peers {

inline constexpr char kDecisionsHeader[] =
    "# tracesim oracle decisions v1: trace_id decision spans_in spans_out";

struct TraceDecision {
  std::string trace_id;  // 32 lower-case hex digits
  uint32_t spans_in = 0, spans_out = 0;
  bool sampled() const { return spans_out > 0; }
};

// Counts spans in and out per trace, remembering first-arrival order. Not thread-safe.
class DecisionTally {
 public:
  void AddIn(const sim::TraceId& id);
  // A span out of a trace never seen coming in is counted as a new trace (0 in).
  void AddOut(const sim::TraceId& id);
  size_t traces() const { return order_.size(); }
  std::vector<TraceDecision> Decisions() const;
  void Write(std::ostream& out) const;

 private:
  size_t Index(const sim::TraceId& id);
  std::unordered_map<sim::TraceId, size_t, sim::TraceIdHash> index_;
  std::vector<sim::TraceId> order_;
  std::vector<uint32_t> in_, out_;
};

// Reads a decisions file. Errors name the file and line.
sim::Result<std::vector<TraceDecision>> ReadDecisions(const std::string& path);
sim::Result<std::vector<TraceDecision>> ParseDecisions(std::istream& in, const std::string& source);

// How far two decisions files agree, over the traces both list.
struct Agreement {
  uint64_t traces = 0;           // traces in both files
  uint64_t only_tracesim = 0;    // traces only tracesim lists
  uint64_t only_oracle = 0;      // traces only the oracle lists
  uint64_t spans_in_differ = 0;  // traces whose spans_in differ (the streams differ: a bug)
  uint64_t same_decision = 0;    // sampled in both or dropped in both
  uint64_t identical = 0;        // same decision and the same spans out
  uint64_t sampled_tracesim = 0, sampled_oracle = 0;
  uint64_t spans_out_tracesim = 0, spans_out_oracle = 0;
  double identical_pct() const;
  // The traces kept differ by at most the two-sample binomial bound
  //   |p_t - p_o| <= 4 * sqrt(2 * p * (1 - p) / n) + 1 / n,   p = (p_t + p_o) / 2,
  // i.e. about 4 standard deviations of the difference of two independent binomial(n, p)
  // fractions: what stateful policies (rate_limiting, bytes_limiting, composite) are held to,
  // since upstream decides the traces of a tick in random (map) order.
  bool SampledWithinBinomial() const;
};

Agreement Compare(const std::vector<TraceDecision>& tracesim,
                  const std::vector<TraceDecision>& oracle);

}  // namespace tracesim::peers

#endif  // TRACESIM_PEERS_LAB_ORACLE_DECISIONS_H_
