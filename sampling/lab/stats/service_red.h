// ServiceRedTally: RED per service (requests/s, error rate, mean duration of its SERVER and
// CONSUMER spans: what RED metrics count per service) from every scored trace (the truth) and, per
// strategy, estimated from the traces it kept, each weighted by its adjusted count (1/p of the
// strategy's known probability stages; 1 for tail and dynamic stages, whose estimates are then
// biased). Issue 13.
//
// Intervals are batch means of the sampling error: the run's arrival window is cut into kBatches
// equal batches by the trace's start, and each batch's estimate is paired with the batch's truth,
// so an incident's change of the traffic over time does not widen the interval; only the
// sampling does. The rate's error is the mean of the batches' errors (est_b - true_b); a ratio's
// (error rate, mean duration: N / R, truth p) is exactly the sum over batches of h_b = (N_b -
// p R_b) / R - (TN_b - p TR_b) / TR, whose spread gives the half-width t(9) sd(h) sqrt(10). The
// 95 % interval is put around the whole run's estimate; a biased strategy's excludes the truth. A
// kept trace counts whole (a fragmented decision is rare and listed apart as completeness).
// Everything adds up exactly across shards of one run (Merge, Save/Load: sums per batch). Memory:
// rows x services x kBatches x 4 doubles. Not thread-safe.
#ifndef TRACESIM_SAMPLING_LAB_STATS_SERVICE_RED_H_
#define TRACESIM_SAMPLING_LAB_STATS_SERVICE_RED_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "sampling/lab/stats/intervals.h"
#include "sim/base/state_io.h"

namespace tracesim::sampling {

// One SERVER or CONSUMER span of a trace, as RED counts it.
struct ServiceSample {
  uint32_t service = 0;
  int64_t latency_ns = 0;
  bool error = false;
};

// One service's RED, true and estimated from a strategy's sample.
struct ServiceRed {
  std::string service;
  uint64_t requests = 0;               // every scored trace's requests to the service
  double kept_requests = 0;            // of them, in traces the strategy kept (unweighted)
  double true_rate = 0, est_rate = 0;  // requests/s
  Interval rate_ci;
  double true_error_rate = 0, est_error_rate = 0;  // errors / requests
  Interval error_rate_ci;
  double true_mean_ms = 0, est_mean_ms = 0;
  Interval mean_ms_ci;
};

class ServiceRedTally {
 public:
  static constexpr size_t kBatches = 10;

  // `strategies` estimate rows (plus the truth), `services` of the model, trace starts in
  // [0, window_ns) of simulated time (later ones count in the last batch; window_ns <= 0: one
  // batch, no intervals).
  ServiceRedTally(size_t strategies, size_t services, int64_t window_ns);

  // The batch of a trace starting at `start_ns` of simulated time.
  size_t BatchOf(int64_t start_ns) const noexcept;
  // A scored trace's requests: the truth.
  void AddTruth(std::span<const ServiceSample> samples, size_t batch) noexcept;
  // Strategy k kept that trace; `weight` is its adjusted count.
  void AddKept(size_t k, std::span<const ServiceSample> samples, double weight,
               size_t batch) noexcept;

  // Adds another shard's tally of the same run.
  void Merge(const ServiceRedTally& other);
  // Partial results: the truth row, or strategy k's row.
  void SaveTruth(sim::StateWriter& out) const { SaveRow(0, out); }
  bool LoadTruth(sim::StateReader& in) { return LoadRow(0, in); }
  void SaveStrategy(size_t k, sim::StateWriter& out) const { SaveRow(k + 1, out); }
  bool LoadStrategy(size_t k, sim::StateReader& in) { return LoadRow(k + 1, in); }

  // Strategy k's estimate per service with requests in the truth, in service order, over a run
  // of `duration_s` seconds of arrivals; `names[s]` names service s.
  std::vector<ServiceRed> Estimates(size_t k, const std::vector<std::string>& names,
                                    double duration_s) const;

 private:
  struct Cell {
    double requests = 0, errors = 0, latency_ns = 0, kept = 0;
  };
  Cell& At(size_t row, size_t service, size_t batch) noexcept {
    return cells_[(row * services_ + service) * kBatches + batch];
  }
  const Cell& At(size_t row, size_t service, size_t batch) const noexcept {
    return cells_[(row * services_ + service) * kBatches + batch];
  }
  void Add(size_t row, std::span<const ServiceSample> samples, double weight,
           size_t batch) noexcept;
  void SaveRow(size_t row, sim::StateWriter& out) const;
  bool LoadRow(size_t row, sim::StateReader& in);

  size_t rows_, services_;
  int64_t window_ns_;
  std::vector<Cell> cells_;  // [row][service][batch]; row 0 is the truth
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_LAB_STATS_SERVICE_RED_H_
