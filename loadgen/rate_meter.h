// RateMeter: measures the load generator's achieved rate against its target over the run's
// steady window (doc/load.md "Rates").
//
// A span is released when the wall clock reaches its end time, which comes after its trace's
// arrival by up to the trace's duration. So the release rate builds up over the first moments of
// a run (traces have arrived, their spans have not ended) and runs on past the arrival window
// (the tail). The meter counts releases by wall-clock bucket and records, from every finished
// trace, how long after the trace's arrival (its earliest span start) each span ends. Compute()
// then measures over [warm-up, end): warm-up is the 99th percentile of that delay (root spans
// and all spans), so by then the release rate has reached the arrival rate; the target over the
// same window is the workload's expected arrivals shifted back by the mean delay. It also counts
// the spans *scheduled* in the window (end time inside it), what the simulation asked for: achieved
// vs scheduled is the pacer's own error, scheduled vs target the workload's randomness (Poisson
// arrivals, spans per trace).
//
// Not thread-safe; the generator thread only.
#ifndef TRACESIM_LOADGEN_RATE_METER_H_
#define TRACESIM_LOADGEN_RATE_METER_H_

#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "metrics/histogram.h"
#include "sim/model/span.h"

namespace tracesim::loadgen {

class RateMeter {
 public:
  // `window_ns`: length of the arrival window (> 0); releases after it are not bucketed.
  // `start_unix_nanos`: the wall clock (unix ns) of simulated time 0.
  RateMeter(int64_t window_ns, int64_t start_unix_nanos);

  // One finished trace, as the simulation completes it (any order).
  void RecordTrace(std::span<const sim::Span> spans);
  // `spans` spans (of which `roots` root spans) released at `wall_ns` after the start.
  void RecordRelease(int64_t wall_ns, uint64_t spans, uint64_t roots);

  struct Result {
    double from_s = 0, to_s = 0;  // the steady window, seconds after the start
    double warmup_s = 0;          // p99 arrival-to-end delay (before capping at half the window)
    double mean_delay_s = 0;      // mean arrival-to-end delay of spans
    double target_traces_per_s = 0;
    double achieved_spans_per_s = 0, achieved_traces_per_s = 0;
    double scheduled_spans_per_s = 0;  // spans whose end time is in the window, per second
    uint64_t spans = 0, traces = 0;    // released inside the steady window
  };
  // Rates over [warm-up, end_ns), end_ns <= window_ns: the warm-up is capped at end_ns / 2 (a
  // run shorter than twice its traces' duration still reads its build-up). `expected_arrivals(t)`
  // is the workload's expected arrivals in [0, t) seconds (0 for t <= 0). Bucket-aligned.
  Result Compute(int64_t end_ns, const std::function<double(double)>& expected_arrivals) const;

  // Largest arrival time seen (ns after the start), -1 before any trace.
  int64_t last_arrival_ns() const { return last_arrival_ns_; }
  int64_t bucket_ns() const { return bucket_ns_; }

 private:
  // The bucket of `ns` after the start, made to exist (coarsening when needed); -1 outside
  // [0, window).
  int64_t Reach(int64_t ns);

  int64_t start_unix_nanos_;
  int64_t window_ns_;
  int64_t bucket_ns_;                    // 1 ms, doubled whenever kMaxBuckets would be passed
  std::vector<uint64_t> spans_, roots_;  // released per bucket of [0, window), grown as needed
  std::vector<uint64_t> scheduled_;      // spans by end-time bucket
  metrics::Histogram span_delay_, root_delay_;
  int64_t last_arrival_ns_ = -1;
};

}  // namespace tracesim::loadgen

#endif  // TRACESIM_LOADGEN_RATE_METER_H_
