#include "sampling/jaeger/jaeger_remote.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>

namespace tracesim::sampling {

sim::Status JaegerRemoteOptions::Validate() const {
  if (!(initial_sampling_rate >= 0 && initial_sampling_rate <= 1)) {
    return sim::Status::InvalidArgument("initial_sampling_rate: must be in [0, 1], got " +
                                        std::to_string(initial_sampling_rate));
  }
  if (max_operations < 1) {
    return sim::Status::InvalidArgument("max_operations: must be >= 1, got " +
                                        std::to_string(max_operations));
  }
  if (polling_interval <= sim::Duration()) {
    return sim::Status::InvalidArgument("polling_interval: must be > 0");
  }
  return sim::Status::Ok();
}

std::string_view JaegerSamplerTypeName(JaegerSamplerType t) {
  switch (t) {
    case JaegerSamplerType::kProbabilistic:
      return "probabilistic";
    case JaegerSamplerType::kLowerBound:
      return "lowerbound";
    case JaegerSamplerType::kRateLimiting:
      return "ratelimiting";
    case JaegerSamplerType::kConst:
      return "const";
    case JaegerSamplerType::kUnrecognized:
      break;
  }
  return "unrecognized";
}

// ---------------------------------------------------------------------------------------------

// guaranteedThroughputProbabilisticSampler.
struct JaegerRemoteSampler::Guaranteed {
  Guaranteed(double lower, double rate, int64_t now)
      : limiter(lower, std::max(lower, 1.0), now),
        lower_bound(lower),
        sampling_rate(std::clamp(rate, 0.0, 1.0)) {}
  void Update(double lower, double rate, int64_t now) {
    sampling_rate = std::clamp(rate, 0.0, 1.0);
    if (lower != lower_bound) {
      limiter.Update(lower, std::max(lower, 1.0), now);
      lower_bound = lower;
    }
  }
  CreditRateLimiter limiter;
  double lower_bound;
  double sampling_rate;
};

JaegerRemoteSampler::JaegerRemoteSampler(const JaegerRemoteOptions& options)
    : options_(options), probability_(std::clamp(options.initial_sampling_rate, 0.0, 1.0)) {}

JaegerRemoteSampler::~JaegerRemoteSampler() = default;

sim::Status JaegerRemoteSampler::Update(const ServedStrategy& s, int64_t now) {
  if (s.operation_sampling) {
    const JaegerPerOperationStrategies& ops = *s.operation_sampling;
    const double lower = ops.default_lower_bound_traces_per_second;
    if (mode_ == Mode::kPerOp) {
      // Keep the samplers (and their limiter balances) of operations still listed; drop others.
      decltype(ops_) next;
      for (const auto& op : ops.per_operation) {
        auto it = ops_.find(op.operation);
        if (it != ops_.end()) {
          it->second->Update(lower, op.sampling_rate, now);
          next.emplace(op.operation, std::move(it->second));
          ops_.erase(it);
        } else {
          next.emplace(op.operation, std::make_unique<Guaranteed>(lower, op.sampling_rate, now));
        }
      }
      ops_ = std::move(next);
    } else {
      ops_.clear();
      for (const auto& op : ops.per_operation) {
        ops_[op.operation] = std::make_unique<Guaranteed>(lower, op.sampling_rate, now);
      }
    }
    lower_bound_ = lower;
    default_probability_ = std::clamp(ops.default_sampling_probability, 0.0, 1.0);
    rl_.reset();
    mode_ = Mode::kPerOp;
    return sim::Status::Ok();
  }
  if (s.probabilistic_rate) {
    const double rate = *s.probabilistic_rate;
    if (mode_ == Mode::kProbabilistic) {
      if (!(rate >= 0 && rate <= 1)) {
        return sim::Status::InvalidArgument("sampling rate must be between 0.0 and 1.0, received " +
                                            std::to_string(rate));
      }
      probability_ = rate;
      return sim::Status::Ok();
    }
    probability_ = std::clamp(rate, 0.0, 1.0);
    ops_.clear();
    rl_.reset();
    mode_ = Mode::kProbabilistic;
    return sim::Status::Ok();
  }
  if (s.max_traces_per_second) {
    const double rate = *s.max_traces_per_second;
    if (mode_ == Mode::kRateLimiting && rl_) {
      if (rate != rl_rate_) rl_->Update(rate, std::max(rate, 1.0), now);
    } else {
      rl_ = std::make_unique<CreditRateLimiter>(rate, std::max(rate, 1.0), now);
    }
    rl_rate_ = rate;
    ops_.clear();
    mode_ = Mode::kRateLimiting;
    return sim::Status::Ok();
  }
  return sim::Status::InvalidArgument(
      "unsupported sampling strategy: the response has none of "
      "operationSampling, probabilisticSampling, "
      "rateLimitingSampling");
}

JaegerDecision JaegerRemoteSampler::DecideGuaranteed(Guaranteed& g, const sim::TraceId& id,
                                                     int64_t now) noexcept {
  if (GoTraceIdRatioKeep(id, g.sampling_rate)) {
    g.limiter.CheckCredit(1.0, now);  // the lower bound is a floor on the total, not additive
    return {true, JaegerSamplerType::kProbabilistic, g.sampling_rate};
  }
  if (g.limiter.CheckCredit(1.0, now)) return {true, JaegerSamplerType::kLowerBound, g.lower_bound};
  return {false, JaegerSamplerType::kProbabilistic, g.sampling_rate};
}

JaegerDecision JaegerRemoteSampler::Decide(std::string_view operation, const sim::TraceId& id,
                                           int64_t now) noexcept {
  switch (mode_) {
    case Mode::kInitial:
    case Mode::kProbabilistic:
      return {GoTraceIdRatioKeep(id, probability_), JaegerSamplerType::kProbabilistic,
              probability_};
    case Mode::kRateLimiting:
      return {rl_->CheckCredit(1.0, now), JaegerSamplerType::kRateLimiting, rl_rate_};
    case Mode::kPerOp:
      break;
  }
  auto it = ops_.find(operation);
  if (it != ops_.end()) return DecideGuaranteed(*it->second, id, now);
  if (ops_.size() >= static_cast<size_t>(options_.max_operations)) {
    return {GoTraceIdRatioKeep(id, default_probability_), JaegerSamplerType::kProbabilistic,
            default_probability_};
  }
  auto g = std::make_unique<Guaranteed>(lower_bound_, default_probability_, now);
  Guaranteed& ref = *g;
  ops_.emplace(std::string(operation), std::move(g));
  return DecideGuaranteed(ref, id, now);
}

SamplingResult JaegerRemoteSampler::ShouldSample(const SamplingParams& params) noexcept {
  std::string_view name;
  if (params.model != nullptr) name = params.model->strings.Get(params.name);
  JaegerDecision d = Decide(name, params.trace_id, params.time_unix_nano);
  last_ = d;
  SamplingResult r;
  r.decision = d.sampled ? Decision::kRecordAndSample : Decision::kDrop;
  r.threshold = params.parent_threshold;  // OTel Go passes the parent's tracestate through
  return r;
}

std::string JaegerRemoteSampler::Description() const { return "JaegerRemoteSampler{}"; }

size_t JaegerRemoteSampler::tracked_operations() const { return ops_.size(); }

double JaegerRemoteSampler::ProbabilityFor(std::string_view operation) const {
  switch (mode_) {
    case Mode::kInitial:
    case Mode::kProbabilistic:
      return probability_;
    case Mode::kRateLimiting:
      return 0;
    case Mode::kPerOp:
      break;
  }
  auto it = ops_.find(operation);
  return it != ops_.end() ? it->second->sampling_rate : default_probability_;
}

std::unique_ptr<JaegerRemoteSampler> MakeJaegerRemoteSampler(const JaegerRemoteOptions& options) {
  return std::make_unique<JaegerRemoteSampler>(options);
}

sim::Result<JaegerRemoteOptions> ParseJaegerRemoteSamplerArg(std::string_view arg,
                                                             std::string* endpoint) {
  JaegerRemoteOptions o;
  size_t pos = 0;
  while (pos <= arg.size()) {
    size_t comma = arg.find(',', pos);
    if (comma == std::string_view::npos) comma = arg.size();
    std::string_view item = arg.substr(pos, comma - pos);
    pos = comma + 1;
    while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
    while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
    if (item.empty()) {
      if (comma == arg.size()) break;
      continue;
    }
    size_t eq = item.find('=');
    if (eq == std::string_view::npos) {
      return sim::Status::InvalidArgument("OTEL_TRACES_SAMPLER_ARG: \"" + std::string(item) +
                                          "\": expected key=value");
    }
    std::string key(item.substr(0, eq));
    std::string value(item.substr(eq + 1));
    char* end = nullptr;
    if (key == "endpoint") {
      if (endpoint != nullptr) *endpoint = value;
    } else if (key == "pollingIntervalMs") {
      long long ms = std::strtoll(value.c_str(), &end, 10);
      if (value.empty() || *end != '\0' || ms <= 0) {
        return sim::Status::InvalidArgument("OTEL_TRACES_SAMPLER_ARG: pollingIntervalMs: \"" +
                                            value + "\" is not a positive integer");
      }
      o.polling_interval = sim::Duration::Millis(ms);
    } else if (key == "initialSamplingRate") {
      double r = std::strtod(value.c_str(), &end);
      if (value.empty() || *end != '\0' || !(r >= 0 && r <= 1)) {
        return sim::Status::InvalidArgument("OTEL_TRACES_SAMPLER_ARG: initialSamplingRate: \"" +
                                            value + "\" is not a probability in [0, 1]");
      }
      o.initial_sampling_rate = r;
    } else {
      return sim::Status::InvalidArgument(
          "OTEL_TRACES_SAMPLER_ARG: unknown key \"" + key +
          "\" (valid: endpoint, pollingIntervalMs, initialSamplingRate)");
    }
    if (comma == arg.size()) break;
  }
  return o;
}

}  // namespace tracesim::sampling
