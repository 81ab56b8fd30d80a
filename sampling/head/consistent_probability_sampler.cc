#include "sampling/head/consistent_probability_sampler.h"

#include <cmath>

#include "sampling/core/head_format.h"

namespace tracesim::sampling {

sim::Status ProbabilitySamplerOptions::Validate() const {
  if (!(ratio == 0.0 || (ratio >= kMinSamplingProbability && ratio <= 1.0))) {
    return sim::Status::InvalidArgument("ratio must be 0 or in [2^-56, 1], got " +
                                        FormatGoG(ratio));
  }
  if (precision < 1 || precision > kThresholdHexDigits) {
    return sim::Status::InvalidArgument("precision must be in [1, 14], got " +
                                        std::to_string(precision));
  }
  return sim::Status::Ok();
}

ProbabilitySampler::ProbabilitySampler(const ProbabilitySamplerOptions& options)
    : ratio_(options.ratio), threshold_(kMaxThreshold) {
  if (options.ratio > 0) {
    sim::Result<uint64_t> t = ProbabilityToThreshold(options.ratio, options.precision);
    if (t.ok()) threshold_ = *t;
  }
}

SamplingResult ProbabilitySampler::ShouldSample(const SamplingParams& params) noexcept {
  uint64_t r;
  if (params.has_explicit_randomness) {
    r = params.explicit_randomness & kRandomnessMask;
  } else {
    if (!params.random_flag) ++presumed_randomness_;
    r = params.trace_id.Randomness56();
  }
  if (threshold_ < kMaxThreshold && r >= threshold_) {
    return {Decision::kRecordAndSample, threshold_};
  }
  return {Decision::kDrop, kNoThreshold};
}

std::string ProbabilitySampler::Description() const {
  return "ProbabilitySampler{" + FormatJavaFixed6(ratio_) + "}";
}

sim::Result<std::unique_ptr<Sampler>> MakeProbabilitySampler(
    const ProbabilitySamplerOptions& options) {
  TRACESIM_RETURN_IF_ERROR(options.Validate());
  return std::unique_ptr<Sampler>(std::make_unique<ProbabilitySampler>(options));
}

}  // namespace tracesim::sampling
