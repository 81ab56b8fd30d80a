// Workload: an open-loop ArrivalSource built from a WorkloadSpec and a Model.
//
// Arrival times are the exact inverse of the rate's integral Λ(t): a Poisson workload puts the
// k-th arrival where Λ reaches the sum of k Exp(1) draws (a non-homogeneous Poisson process,
// no thinning), a uniform one where Λ reaches k - 1/2 (spacing 1/rate on constant stretches,
// and round(Λ(duration)) arrivals in all). Each arrival's entry operation is drawn from the
// mix. The run is cut into blocks of kBlockSeconds of simulated time, each with its own streams,
// Rng::Derive(seed, "workload-arrivals", block) and Rng::Derive(seed, "workload-mix", block):
// the same (spec, model, seed, duration) gives the same sequence, the mix never shifts the
// times, and SkipTo() starts a block without drawing the blocks before it (a shard of a long run,
// doc/scale.md). A Poisson block starts its own process at the block's start (memoryless: the
// same process); a uniform one goes on at the next k - 1/2 of the whole run. Arrival n of block b
// has index (b << kBlockIndexBits) | n (sim::Arrival::index, the key of its trace's streams):
// block 0 numbers its arrivals 0, 1, 2, ... Not thread-safe: one owner pulls Next().
#ifndef TRACESIM_WORKLOADS_WORKLOAD_H_
#define TRACESIM_WORKLOADS_WORKLOAD_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "sim/base/rng.h"
#include "sim/base/status.h"
#include "sim/base/time.h"
#include "sim/model/arrivals.h"
#include "sim/model/model.h"
#include "workloads/rate_function.h"
#include "workloads/workload_spec.h"

namespace tracesim::workloads {

// The mix entries `model` cannot serve, with paths "mix[i].operation": an entry must name an
// operation (Model::FindOperationRef) that records its own span, i.e. not one of a database,
// cache, external API or broker. Unknown names get a did-you-mean suggestion.
std::vector<SpecProblem> MixProblems(const WorkloadSpec& spec, const sim::Model& model);

// Resolves the mix against `model`: operation index per entry, in order. The error (NotFound)
// lists every MixProblems() entry: "workload.mix[1].operation: unknown operation 'x.y' (did you
// mean 'x.z'?); ...".
sim::Result<std::vector<uint32_t>> ResolveMix(const WorkloadSpec& spec, const sim::Model& model);

class Workload final : public sim::ArrivalSource {
 public:
  // Arrivals in [0, duration). Fails if spec.Validate() fails or ResolveMix fails.
  // `model` is only read here; the Workload keeps operation indices, not a reference.
  static sim::Result<std::unique_ptr<Workload>> Create(const WorkloadSpec& spec,
                                                       const sim::Model& model, uint64_t seed,
                                                       sim::Duration duration);

  Workload(const Workload&) = delete;
  Workload& operator=(const Workload&) = delete;

  // Simulated seconds per block: a run no longer than this is one block, drawn as before blocks
  // existed (the streams of block 0 are the ones of index 0).
  static constexpr int64_t kBlockSeconds = 600;
  static constexpr int kBlockIndexBits = 40;  // arrivals per block < 2^40

  bool Next(sim::Arrival* out) noexcept override;
  // Starts the block that holds `t`, when it is later than the current one, without drawing the
  // blocks in between: the next arrival is the first of that block (earlier than `t` when `t` is
  // not at the block's start; the caller skips those). Used by a shard's window
  // (app/run_internal.h WindowArrivals).
  void SkipTo(sim::Time t) noexcept override;

  // Requests/s at `t` (surges included).
  double RateAt(sim::Time t) const { return rate_.RateAt(t.seconds()); }
  // Expected arrivals per second over [0, duration).
  double MeanRate(sim::Duration duration) const { return spec_.MeanRate(duration); }
  // Expected number of arrivals over the whole run: Λ(duration).
  double ExpectedArrivals() const { return spec_.ExpectedArrivals(duration_); }

  // The n + 1 edges 0 = t_0 <= ... <= t_n = duration that cut the run into n windows of equal
  // expected arrivals (Λ(t_k) = k/n Λ(duration)): the shards of a sharded run (doc/scale.md).
  // An edge within 1 µs of k/n of the duration (a constant rate) is exactly that.
  std::vector<sim::Time> EqualTrafficEdges(uint32_t n) const;

  const WorkloadSpec& spec() const { return spec_; }
  sim::Duration duration() const { return duration_; }
  // Operation index of each mix entry, in spec order.
  const std::vector<uint32_t>& mix_operations() const { return ops_; }

 private:
  Workload(const WorkloadSpec& spec, std::vector<uint32_t> ops, uint64_t seed,
           sim::Duration duration);
  // Starts block `block` (its streams, its first segment, its first step).
  void StartBlock(int64_t block) noexcept;

  WorkloadSpec spec_;
  RateFunction rate_;
  sim::Duration duration_;
  double end_ = 0;  // duration in seconds
  std::vector<uint32_t> ops_;
  std::vector<double> cumulative_;  // cumulative weights; back() = total
  uint64_t seed_;
  sim::Rng arrivals_rng_;
  sim::Rng mix_rng_;
  int64_t block_ = 0;
  double block_end_ = 0;     // the current block's end in seconds (may exceed end_)
  uint64_t in_block_ = 0;    // arrivals of the current block so far
  double first_step_ = 0.5;  // a uniform process's step to the block's first arrival

  Segment segment_;  // where the cursor is
  double segment_mass_ = 0;
  double used_ = 0;    // mass consumed in segment_ so far (up to the last arrival)
  double offset_ = 0;  // the last arrival's offset from segment_.a
  bool first_ = true;
  bool done_ = false;
  int64_t last_ns_ = 0;
};

}  // namespace tracesim::workloads

#endif  // TRACESIM_WORKLOADS_WORKLOAD_H_
