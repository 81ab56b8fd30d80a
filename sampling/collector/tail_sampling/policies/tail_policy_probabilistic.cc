// The probabilistic policy (the Collector's probabilistic.go): FNV-1a of salt + trace id against
// a threshold.
#include <cstdint>
#include <limits>
#include <string>

#include "sampling/collector/tail_sampling/policies/tail_policy_families.h"

namespace tracesim::sampling {

uint64_t TailProbabilisticHash(std::string_view salt, const sim::TraceId& id) noexcept {
  uint64_t h = 14695981039346656037ull;
  for (char c : salt) {
    h ^= static_cast<uint8_t>(c);
    h *= 1099511628211ull;
  }
  uint8_t b[16];
  id.ToBytes(b);
  for (uint8_t c : b) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

uint64_t TailProbabilisticThreshold(double sampling_percentage) noexcept {
  double ratio = sampling_percentage / 100.0;
  if (!(ratio > 0)) return 0;  // also NaN
  // big.Float: a 64-bit-mantissa product rounded to nearest even, then truncated to uint64.
  long double product = static_cast<long double>(ratio) *
                        static_cast<long double>(std::numeric_limits<uint64_t>::max());
  if (product >= 18446744073709551615.0L) return std::numeric_limits<uint64_t>::max();
  return static_cast<uint64_t>(product);
}

namespace tail_policies {
namespace {

constexpr char kDefaultSalt[] = "default-hash-seed";

class ProbabilisticPolicy final : public TailPolicy {
 public:
  ProbabilisticPolicy(const TailPolicyConfig& config, const TailPolicyOptions& options)
      : TailPolicy(config, options),
        salt_(config.probabilistic.hash_salt.empty() ? kDefaultSalt
                                                     : config.probabilistic.hash_salt),
        threshold_(TailProbabilisticThreshold(config.probabilistic.sampling_percentage)) {}

 private:
  TailDecision Decide(const TailTraceData& t, int64_t) override {
    return TailProbabilisticHash(salt_, t.trace_id) <= threshold_ ? TailDecision::kSampled
                                                                  : TailDecision::kNotSampled;
  }
  bool ReadsSpans() const override { return false; }
  std::string salt_;
  uint64_t threshold_;
};

}  // namespace

PolicyResult MakeProbabilisticPolicy(const TailPolicyConfig& config,
                                     const TailPolicyOptions& options) {
  return std::unique_ptr<TailPolicy>(new ProbabilisticPolicy(config, options));
}

}  // namespace tail_policies
}  // namespace tracesim::sampling
