// The consistent ProbabilitySampler of the OTel SDK specification (OTEP 235; sampling.md §3.2,
// §3.5): a fixed 56-bit rejection threshold T from the ratio, keep iff the trace's randomness
// R >= T, and the kept span's tracestate carries ot=th:<T>.
//
// Randomness: the explicit `rv` of the parent context when present (params.
// has_explicit_randomness), else the trace id's low 56 bits. When it presumes trace-id
// randomness although the context's W3C Level-2 random flag is unset, the SDK logs a warning
// once; the sampler counts those decisions (presumed_randomness_count()) instead of logging.
// The parent's sampled flag and th are ignored (it is an independent, non-parent-based
// sampler; wrap it in ParentBased for the usual set-up). Not thread-safe (the counter).
#ifndef TRACESIM_SAMPLING_CONSISTENT_PROBABILITY_SAMPLER_H_
#define TRACESIM_SAMPLING_CONSISTENT_PROBABILITY_SAMPLER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "sampling/core/consistent_tracestate.h"
#include "sampling/core/sampler.h"
#include "sim/base/status.h"

namespace tracesim::sampling {

struct ProbabilitySamplerOptions {
  // Sampling probability: 0 (never sample, like ComposableProbability(0)) or in [2^-56, 1].
  // Default: 1.
  double ratio = 1.0;
  // Hex digits of the threshold (raised near 0 as ProbabilityToThreshold does), in [1, 14].
  // Default: 4 (the SDK recommendation).
  int precision = kDefaultThresholdPrecision;
  sim::Status Validate() const;
};

class ProbabilitySampler final : public Sampler {
 public:
  // REQUIRES: options.Validate().ok(); use MakeProbabilitySampler() otherwise.
  explicit ProbabilitySampler(const ProbabilitySamplerOptions& options);

  // RECORD_AND_SAMPLE with threshold = threshold() when R >= threshold(); else DROP with
  // threshold kNoThreshold (a dropped span carries no th).
  SamplingResult ShouldSample(const SamplingParams& params) noexcept override;
  // "ProbabilitySampler{0.250000}" (the ratio as TraceIdRatioBased{%.6f} prints it).
  std::string Description() const override;

  // The rejection threshold; kMaxThreshold for ratio 0.
  uint64_t threshold() const { return threshold_; }
  // Decisions that presumed trace-id randomness while the random flag was unset and no rv
  // was present (the SDK warns the first time).
  uint64_t presumed_randomness_count() const { return presumed_randomness_; }

 private:
  double ratio_;
  uint64_t threshold_;
  uint64_t presumed_randomness_ = 0;
};

// A ProbabilitySampler, or kInvalidArgument naming the bad option.
sim::Result<std::unique_ptr<Sampler>> MakeProbabilitySampler(
    const ProbabilitySamplerOptions& options);

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_CONSISTENT_PROBABILITY_SAMPLER_H_
