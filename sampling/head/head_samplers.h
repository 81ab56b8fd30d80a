// The SDK's built-in head samplers, modelled on the real SDK code (sampling.md §2.4, §3.2, §3.8):
// AlwaysOn, AlwaysOff, TraceIdRatioBased in its Go, Java and Python variants (they decide
// differently on the same trace id), ParentBased with its four delegates, and the Jaeger/OTel
// Go contrib rate-limiting sampler (a credit bucket driven by simulated time).
//
// Like the SDKs, these samplers return the parent's tracestate unchanged: SamplingResult::
// threshold is params.parent_threshold (kNoThreshold for a root). The consistent
// ProbabilitySampler, which writes th, lives in consistent_probability_sampler.h.
// ShouldSample() is noexcept and does not allocate. Not thread-safe (rate limiter state).
#ifndef TRACESIM_SAMPLING_HEAD_SAMPLERS_H_
#define TRACESIM_SAMPLING_HEAD_SAMPLERS_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "sampling/core/sampler.h"
#include "sim/base/status.h"
#include "sim/model/span.h"

namespace tracesim::sampling {

// Which SDK's TraceIdRatioBased algorithm to model. NOTE: printed in configs; do not renumber.
enum class RatioAlgorithm : uint8_t {
  kGo = 0,      // x = bytes 8..15 big-endian >> 1; keep iff x < uint64(ratio * 2^63)
  kJava = 1,    // x = bytes 8..15 as signed long; keep iff |x| < (long)(ratio * 2^63)
                // (ratio 0: Long.MIN_VALUE, ratio 1: Long.MAX_VALUE; |Long.MIN_VALUE| < 0)
  kPython = 2,  // x = low 64 bits; keep iff x < round(ratio * 2^64)
};

// "go", "java", "python".
std::string_view RatioAlgorithmName(RatioAlgorithm a);
// Parses "go" / "java" / "python" (exact, lowercase). Returns false otherwise.
bool ParseRatioAlgorithm(std::string_view s, RatioAlgorithm* out);

// AlwaysOn: RECORD_AND_SAMPLE; Description "AlwaysOnSampler".
std::unique_ptr<Sampler> MakeAlwaysOn();
// AlwaysOff: DROP; Description "AlwaysOffSampler".
std::unique_ptr<Sampler> MakeAlwaysOff();

// The keep rule of one TraceIdRatioBased variant, with its bound precomputed.
class TraceIdRatioRule {
 public:
  // Validates `ratio` the way the SDK's constructor does: Go clamps (ratio <= 0 -> 0; ratio >= 1
  // is AlwaysOn, see MakeTraceIdRatioBased); Java and Python reject ratio outside [0, 1]. NaN is
  // rejected for every algorithm (kInvalidArgument).
  static sim::Result<TraceIdRatioRule> Make(double ratio, RatioAlgorithm algorithm);

  bool Keeps(const sim::TraceId& id) const noexcept;
  double ratio() const { return ratio_; }
  RatioAlgorithm algorithm() const { return algorithm_; }

 private:
  TraceIdRatioRule() = default;
  double ratio_ = 0;
  RatioAlgorithm algorithm_ = RatioAlgorithm::kGo;
  uint64_t bound_ = 0;       // Go: upper bound of x >> 1; Python: upper bound of x
  int64_t java_bound_ = 0;   // Java: idUpperBound
  bool python_all_ = false;  // Python: bound is 2^64 (ratio 1)
};

// TraceIdRatioBased(ratio) as `algorithm`'s SDK builds it. Ignores the parent's sampled flag.
// Descriptions: Go "TraceIDRatioBased{0.25}" (%g; and Go returns AlwaysOn, "AlwaysOnSampler",
// for ratio >= 1), Java "TraceIdRatioBased{0.250000}", Python "TraceIdRatioBased{0.25}".
// Errors as TraceIdRatioRule::Make.
sim::Result<std::unique_ptr<Sampler>> MakeTraceIdRatioBased(double ratio, RatioAlgorithm algorithm);

// ParentBased's optional delegates and options. A null delegate takes the SDK default.
struct ParentBasedOptions {
  std::unique_ptr<Sampler> remote_parent_sampled;      // Default: AlwaysOn.
  std::unique_ptr<Sampler> remote_parent_not_sampled;  // Default: AlwaysOff.
  std::unique_ptr<Sampler> local_parent_sampled;       // Default: AlwaysOn.
  std::unique_ptr<Sampler> local_parent_not_sampled;   // Default: AlwaysOff.
  // Apply the consistent-sampling erasure rule (sampling.md §3.5): when the parent is sampled
  // and carries a th that its randomness (rv, else the trace id's low 56 bits) does not pass,
  // the th is erased from the result. The Go/Java/Python SDK ParentBased samplers do not do
  // this. Default: false.
  bool erase_inconsistent_threshold = false;
};

// ParentBased(root, ...): root for spans without a parent, else the delegate chosen by the
// parent's (is_remote, is_sampled). Description
// "ParentBased{root:R,remoteParentSampled:A,remoteParentNotSampled:B,localParentSampled:C,
// localParentNotSampled:D}" (one line), as Go, Java and Python print it.
// REQUIRES: root != nullptr.
std::unique_ptr<Sampler> MakeParentBased(std::unique_ptr<Sampler> root,
                                         ParentBasedOptions options = {});

struct RateLimitingOptions {
  // Traces per second the bucket refills at; max balance is max(traces_per_second, 1).
  // Must be finite and >= 0. Default: 1.
  double traces_per_second = 1;
  // Simulated creation time of the SDK's sampler; std::nullopt = the first ShouldSample() call.
  // Default: std::nullopt.
  std::optional<int64_t> start_unix_nano;
  sim::Status Validate() const;
};

// Jaeger's rate-limiting sampler (OTel Go contrib samplers/jaegerremote): each decision costs
// one credit; RECORD_AND_SAMPLE when the bucket pays, DROP otherwise. Driven by
// params.time_unix_nano. Description "rateLimitingSampler{}" (as Go contrib prints it).
sim::Result<std::unique_ptr<Sampler>> MakeRateLimiting(const RateLimitingOptions& options);

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_HEAD_SAMPLERS_H_
