#include "sampling/head/head_samplers.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <utility>

#include "sampling/core/credit_rate_limiter.h"
#include "sampling/core/head_format.h"
#include "sampling/core/trace_id_ratio.h"

namespace tracesim::sampling {
namespace {

class AlwaysOnSampler final : public Sampler {
 public:
  SamplingResult ShouldSample(const SamplingParams& params) noexcept override {
    return {Decision::kRecordAndSample, params.parent_threshold};
  }
  std::string Description() const override { return "AlwaysOnSampler"; }
};

class AlwaysOffSampler final : public Sampler {
 public:
  SamplingResult ShouldSample(const SamplingParams& params) noexcept override {
    return {Decision::kDrop, params.parent_threshold};
  }
  std::string Description() const override { return "AlwaysOffSampler"; }
};

class TraceIdRatioSampler final : public Sampler {
 public:
  explicit TraceIdRatioSampler(TraceIdRatioRule rule) : rule_(rule) {}
  SamplingResult ShouldSample(const SamplingParams& params) noexcept override {
    Decision d = rule_.Keeps(params.trace_id) ? Decision::kRecordAndSample : Decision::kDrop;
    return {d, params.parent_threshold};
  }
  std::string Description() const override {
    switch (rule_.algorithm()) {
      case RatioAlgorithm::kGo:
        return "TraceIDRatioBased{" + FormatGoG(rule_.ratio()) + "}";
      case RatioAlgorithm::kJava:
        return "TraceIdRatioBased{" + FormatJavaFixed6(rule_.ratio()) + "}";
      case RatioAlgorithm::kPython:
        return "TraceIdRatioBased{" + FormatPythonRepr(rule_.ratio()) + "}";
    }
    return "TraceIdRatioBased{}";
  }

 private:
  TraceIdRatioRule rule_;
};

class ParentBasedSampler final : public Sampler {
 public:
  ParentBasedSampler(std::unique_ptr<Sampler> root, ParentBasedOptions o)
      : follows_parent_(!o.remote_parent_sampled && !o.remote_parent_not_sampled &&
                        !o.local_parent_sampled && !o.local_parent_not_sampled),
        root_(std::move(root)),
        remote_sampled_(o.remote_parent_sampled ? std::move(o.remote_parent_sampled)
                                                : MakeAlwaysOn()),
        remote_not_sampled_(o.remote_parent_not_sampled ? std::move(o.remote_parent_not_sampled)
                                                        : MakeAlwaysOff()),
        local_sampled_(o.local_parent_sampled ? std::move(o.local_parent_sampled) : MakeAlwaysOn()),
        local_not_sampled_(o.local_parent_not_sampled ? std::move(o.local_parent_not_sampled)
                                                      : MakeAlwaysOff()),
        erase_inconsistent_(o.erase_inconsistent_threshold) {}

  bool FollowsParent() const noexcept override { return follows_parent_; }

  SamplingResult ShouldSample(const SamplingParams& p) noexcept override {
    Sampler* s = root_.get();
    if (p.has_parent) {
      if (p.parent_remote) {
        s = p.parent_sampled ? remote_sampled_.get() : remote_not_sampled_.get();
      } else {
        s = p.parent_sampled ? local_sampled_.get() : local_not_sampled_.get();
      }
    }
    SamplingResult r = s->ShouldSample(p);
    if (erase_inconsistent_ && p.has_parent && p.parent_sampled &&
        p.parent_threshold != kNoThreshold && r.threshold == p.parent_threshold) {
      uint64_t rnd = p.has_explicit_randomness ? (p.explicit_randomness & (kMaxThreshold - 1))
                                               : p.trace_id.Randomness56();
      if (rnd < p.parent_threshold) r.threshold = kNoThreshold;
    }
    return r;
  }

  std::string Description() const override {
    return "ParentBased{root:" + root_->Description() +
           ",remoteParentSampled:" + remote_sampled_->Description() +
           ",remoteParentNotSampled:" + remote_not_sampled_->Description() +
           ",localParentSampled:" + local_sampled_->Description() +
           ",localParentNotSampled:" + local_not_sampled_->Description() + "}";
  }

 private:
  bool follows_parent_;  // every delegate is the default AlwaysOn / AlwaysOff (read before the
                         // options are moved from)
  std::unique_ptr<Sampler> root_, remote_sampled_, remote_not_sampled_, local_sampled_,
      local_not_sampled_;
  bool erase_inconsistent_;
};

class RateLimitingSampler final : public Sampler {
 public:
  explicit RateLimitingSampler(const RateLimitingOptions& o)
      : limiter_(o.traces_per_second, std::max(o.traces_per_second, 1.0), o.start_unix_nano) {}
  SamplingResult ShouldSample(const SamplingParams& p) noexcept override {
    Decision d =
        limiter_.CheckCredit(1.0, p.time_unix_nano) ? Decision::kRecordAndSample : Decision::kDrop;
    return {d, p.parent_threshold};
  }
  std::string Description() const override { return "rateLimitingSampler{}"; }

 private:
  CreditRateLimiter limiter_;
};

}  // namespace

std::string_view RatioAlgorithmName(RatioAlgorithm a) {
  switch (a) {
    case RatioAlgorithm::kGo:
      return "go";
    case RatioAlgorithm::kJava:
      return "java";
    case RatioAlgorithm::kPython:
      return "python";
  }
  return "go";
}

bool ParseRatioAlgorithm(std::string_view s, RatioAlgorithm* out) {
  if (s == "go") {
    *out = RatioAlgorithm::kGo;
  } else if (s == "java") {
    *out = RatioAlgorithm::kJava;
  } else if (s == "python") {
    *out = RatioAlgorithm::kPython;
  } else {
    return false;
  }
  return true;
}

std::unique_ptr<Sampler> MakeAlwaysOn() { return std::make_unique<AlwaysOnSampler>(); }
std::unique_ptr<Sampler> MakeAlwaysOff() { return std::make_unique<AlwaysOffSampler>(); }

sim::Result<TraceIdRatioRule> TraceIdRatioRule::Make(double ratio, RatioAlgorithm algorithm) {
  if (std::isnan(ratio)) {
    return sim::Status::InvalidArgument("ratio must be a number in [0, 1], got NaN");
  }
  TraceIdRatioRule r;
  r.algorithm_ = algorithm;
  constexpr double k2p63 = 0x1p63;
  switch (algorithm) {
    case RatioAlgorithm::kGo:
      // sdk/trace/sampling.go: fraction <= 0 -> 0; >= 1 is AlwaysSample (the caller's business).
      if (ratio <= 0) ratio = 0;
      if (ratio > 1) ratio = 1;
      r.ratio_ = ratio;
      r.bound_ = GoTraceIdRatioBound(ratio);
      break;
    case RatioAlgorithm::kJava:
      if (ratio < 0.0 || ratio > 1.0) {
        return sim::Status::InvalidArgument("ratio must be in range [0.0, 1.0], got " +
                                            FormatJavaFixed6(ratio));
      }
      r.ratio_ = ratio;
      if (ratio == 0.0) {
        r.java_bound_ = std::numeric_limits<int64_t>::min();
      } else if (ratio == 1.0) {
        r.java_bound_ = std::numeric_limits<int64_t>::max();
      } else {
        // (long)(ratio * Long.MAX_VALUE): Long.MAX_VALUE widens to 2^63; the product is < 2^63.
        double product = ratio * static_cast<double>(std::numeric_limits<int64_t>::max());
        r.java_bound_ =
            product >= k2p63 ? std::numeric_limits<int64_t>::max() : static_cast<int64_t>(product);
      }
      break;
    case RatioAlgorithm::kPython:
      if (ratio < 0.0 || ratio > 1.0) {
        return sim::Status::InvalidArgument("Probability must be in range [0.0, 1.0], got " +
                                            FormatPythonRepr(ratio));
      }
      r.ratio_ = ratio;
      if (ratio == 1.0) {
        r.python_all_ = true;
      } else {
        // round(rate * 2^64): the product is exact (power-of-two scaling); Python rounds half to
        // even, as nearbyint does in the default rounding mode.
        r.bound_ = static_cast<uint64_t>(std::nearbyint(ratio * 0x1p64));
      }
      break;
  }
  return r;
}

bool TraceIdRatioRule::Keeps(const sim::TraceId& id) const noexcept {
  switch (algorithm_) {
    case RatioAlgorithm::kGo:
      return GoTraceIdRatioKeepBound(id, bound_);
    case RatioAlgorithm::kJava: {
      int64_t x = static_cast<int64_t>(id.lo);
      // Math.abs(Long.MIN_VALUE) == Long.MIN_VALUE: two's-complement wrap, done unsigned.
      int64_t abs = x < 0 ? static_cast<int64_t>(uint64_t{0} - static_cast<uint64_t>(x)) : x;
      return abs < java_bound_;
    }
    case RatioAlgorithm::kPython:
      return python_all_ || id.lo < bound_;
  }
  return false;
}

sim::Result<std::unique_ptr<Sampler>> MakeTraceIdRatioBased(double ratio,
                                                            RatioAlgorithm algorithm) {
  sim::Result<TraceIdRatioRule> rule = TraceIdRatioRule::Make(ratio, algorithm);
  if (!rule.ok()) return rule.status();
  if (algorithm == RatioAlgorithm::kGo && ratio >= 1) return MakeAlwaysOn();
  return std::unique_ptr<Sampler>(std::make_unique<TraceIdRatioSampler>(*rule));
}

std::unique_ptr<Sampler> MakeParentBased(std::unique_ptr<Sampler> root,
                                         ParentBasedOptions options) {
  if (!root) root = MakeAlwaysOn();  // REQUIRES root; a sane fallback in release builds
  return std::make_unique<ParentBasedSampler>(std::move(root), std::move(options));
}

sim::Status RateLimitingOptions::Validate() const {
  if (!std::isfinite(traces_per_second) || traces_per_second < 0) {
    return sim::Status::InvalidArgument("traces_per_second must be a finite number >= 0, got " +
                                        FormatGoG(traces_per_second));
  }
  return sim::Status::Ok();
}

sim::Result<std::unique_ptr<Sampler>> MakeRateLimiting(const RateLimitingOptions& options) {
  TRACESIM_RETURN_IF_ERROR(options.Validate());
  return std::unique_ptr<Sampler>(std::make_unique<RateLimitingSampler>(options));
}

}  // namespace tracesim::sampling
