// TimelineSink: what a run looked like over simulated time, for the HTML report's charts.
// Traces are bucketed by their true start (TraceTruth::start; fragments are left out, they are
// part of the request that started them): traces per second, the user-visible error ratio and
// entry latency p50/p99 per bucket. Also counts each caller -> callee pair for the service map:
// CLIENT and PRODUCER spans (caller -> callee or broker), CONSUMER spans (broker -> consumer),
// with the latency of those spans. Deterministic; memory is one histogram per bucket
// (<= kMaxBuckets) and per edge.
#ifndef TRACESIM_REPORTS_TIMELINE_H_
#define TRACESIM_REPORTS_TIMELINE_H_

#include <cstdint>
#include <map>
#include <utility>
#include <vector>

#include "metrics/histogram.h"
#include "sim/base/time.h"
#include "sim/kernel/sink.h"
#include "sim/model/model.h"

namespace tracesim::reports {

struct TimelinePoint {
  double start_s = 0;  // bucket start, seconds of simulated time
  double traces_per_s = 0;
  double error_ratio = 0;  // root errors / traces
  double p50_ms = 0, p99_ms = 0;
};

struct EdgeCount {
  uint32_t caller = 0, callee = 0;  // service indices
  uint64_t calls = 0, errors = 0;
  double p50_ms = 0, p99_ms = 0;  // the calls' latency as the caller saw it (its span's duration)
};

class TimelineSink final : public sim::SpanSink {
 public:
  static constexpr int kMaxBuckets = 120;
  // Buckets cover [0, window): a whole number of seconds each, at most kMaxBuckets of them.
  explicit TimelineSink(sim::Duration window);
  void OnTrace(const sim::TraceView& trace) noexcept override;

  double bucket_s() const { return bucket_s_; }
  size_t bucket_count() const { return buckets_.size(); }
  std::vector<TimelinePoint> Points() const;
  // Caller -> callee pairs in (caller, callee) order.
  std::vector<EdgeCount> Edges() const;
  // Adds `other`'s traces and edges, a sink of another shard of the same run (the same window):
  // as one sink that saw both shards' traces. REQUIRES: the same window.
  void Merge(const TimelineSink& other);

 private:
  struct Bucket {
    uint64_t traces = 0, root_errors = 0;
    metrics::Histogram latency;
  };
  double bucket_s_;
  int64_t bucket_ns_;
  std::vector<Bucket> buckets_;
  struct Edge {
    EdgeCount count;
    metrics::Histogram latency;
  };
  std::map<std::pair<uint32_t, uint32_t>, Edge> edges_;
  std::vector<uint32_t> broker_of_;  // consumer operation -> its topic's broker (built lazily)
  uint32_t BrokerOf(const sim::Model& model, uint32_t operation);
};

}  // namespace tracesim::reports

#endif  // TRACESIM_REPORTS_TIMELINE_H_
