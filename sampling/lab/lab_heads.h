// LabHeads: every strategy's SDK head samplers, one per service, decided as each span starts.
//
// A span's decisions are one bit per strategy (the lab's observer word): strategies without an
// SDK sampler at the span's service always sample; a sampler that follows its parent
// (ParentBased with a sampled parent, as propagated) copies the parent's bit; the others ask
// the sampler with the trace's root threshold from the TracePool (W3C consistent probability
// sampling). Not thread-safe: simulation thread only.
#ifndef TRACESIM_SAMPLING_LAB_LAB_HEADS_H_
#define TRACESIM_SAMPLING_LAB_LAB_HEADS_H_

#include <cstdint>
#include <memory>
#include <vector>

#include "sampling/core/sampler.h"
#include "sampling/lab/lab.h"
#include "sampling/lab/tables/trace_pool.h"
#include "sim/model/model.h"

namespace tracesim::sampling {

class LabHeads {
 public:
  // For `strategies` strategies over `model` (which must outlive this).
  LabHeads(const sim::Model& model, size_t strategies);

  // Builds strategy k's SDK samplers from `cfg.head`. REQUIRES: cfg.has_head.
  sim::Status Build(size_t k, const StrategyConfig& cfg);
  // Strategy k's samplers per service (empty: no SDK sampler anywhere), for a Jaeger provider
  // to fill before the run.
  std::vector<std::unique_ptr<Sampler>>* samplers(size_t k) { return &head_[k]; }
  // The known probability of strategy k's head decision at service `svc`: its ratio (a Jaeger
  // remote SDK without a provider: its initial rate), 1 without a sampler.
  double Probability(size_t k, uint32_t svc) const {
    return svc < prob_[k].size() ? prob_[k][svc] : 1.0;
  }

  // The decision bits of `span` (`parent`: the local or remote parent, nullptr for a root) of
  // the trace in pool slot `slot`. A root leaves its threshold there.
  uint64_t Bits(const sim::Span& span, const sim::Span* parent, TracePool& pool, uint32_t slot);

 private:
  // Per service: strategies without an SDK sampler there (bit always set) and strategies whose
  // sampler there follows the parent (a child's bit is its parent's). Built once on first use,
  // after any Jaeger provider filled its samplers.
  void BuildMasks();
  Sampler* At(size_t k, uint32_t svc) const {
    return head_[k].empty() || svc >= head_[k].size() ? nullptr : head_[k][svc].get();
  }

  const sim::Model& model_;
  std::vector<std::vector<std::unique_ptr<Sampler>>> head_;  // per strategy, per service
  std::vector<std::vector<double>> prob_;                    // per strategy, per service
  uint64_t all_bits_;                                        // one bit per strategy
  bool masks_built_ = false;
  std::vector<uint64_t> no_head_mask_, follow_mask_;  // per service
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_LAB_LAB_HEADS_H_
