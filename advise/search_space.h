// SearchSpace: the advisor's candidates: a coarse grid per family sized from the traffic, and
// the pattern-search refinement around the best configurations found (advisor.h describes the
// search). Pure functions of their inputs; deterministic order.
#ifndef TRACESIM_ADVISE_SEARCH_SPACE_H_
#define TRACESIM_ADVISE_SEARCH_SPACE_H_

#include <cstdint>
#include <vector>

#include "advise/candidate.h"
#include "metrics/histogram.h"

namespace tracesim::advise {

// What the candidates are sized from (the evidence run).
struct Traffic {
  metrics::Histogram trace_duration;  // whole-trace duration, ns
  double mean_new_traces_per_s = 0;
  uint64_t peak_new_traces_per_s = 0;
  // How long after its end a span reaches the Collector: the SDKs' BatchSpanProcessor delay of
  // the candidates (they export as `export: batch` with its defaults), ns. Default: 0.
  int64_t export_delay_ns = 0;

  // The latency threshold at percentile `pct` of the whole-trace duration, rounded up to two
  // significant digits, in ms (>= 1).
  int64_t LatencyMsAt(double pct) const;
  // The shortest decision_wait the search uses: the p99 whole-trace duration plus the export
  // delay in whole seconds, plus one (a trace still gets its late spans), and the default, from
  // the p99.9.
  int64_t MinWaitS() const;
  int64_t DefaultWaitS() const;
  // Fills the candidate's derived fields: latency_ms, num_traces (peak new traces/s x (wait + 1
  // s tick) x 2, two significant digits up) and expected_new_traces_per_sec.
  void Size(Candidate* c) const;
};

// The coarse grid of `families`, sized from `traffic`.
std::vector<Candidate> CoarseGrid(const std::vector<Family>& families, const Traffic& traffic);

// New candidates around each of `incumbents`: each parameter of its family moved halfway towards
// the nearest value evaluated (among `evaluated` of the same family) on each side, or one step
// past the edge of what was evaluated. Candidates equal (Key()) to one in `evaluated` or already
// produced are left out.
std::vector<Candidate> Refine(const std::vector<Candidate>& incumbents,
                              const std::vector<Candidate>& evaluated, const Traffic& traffic);

}  // namespace tracesim::advise

#endif  // TRACESIM_ADVISE_SEARCH_SPACE_H_
