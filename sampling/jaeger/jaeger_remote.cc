#include "sampling/jaeger/jaeger_remote.h"

#include <algorithm>
#include <climits>
#include <cmath>
#include <cstdlib>

namespace tracesim::sampling {

sim::Status JaegerRemoteOptions::Validate() const {
  if (!(initial_sampling_rate >= 0 && initial_sampling_rate <= 1)) {
    return sim::Status::InvalidArgument("initial_sampling_rate: must be in [0, 1], got " +
                                        std::to_string(initial_sampling_rate));
  }
  if (max_operations < 0) {
    return sim::Status::InvalidArgument(
        "max_operations: must be >= 0 (0: the SDK's default), got " +
        std::to_string(max_operations));
  }
  if (sdk == TracingSdk::kPython) {
    return sim::Status::InvalidArgument(
        "sdk: the Python SDK (opentelemetry-sdk 1.45.2) has no Jaeger remote sampler");
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

std::string_view TracingSdkName(TracingSdk sdk) {
  switch (sdk) {
    case TracingSdk::kGo:
      return "go";
    case TracingSdk::kJava:
      return "java";
    case TracingSdk::kPython:
      return "python";
    case TracingSdk::kJaegerClient:
      return "jaeger-client";
  }
  return "go";
}

std::string_view TracingSdkVersion(TracingSdk sdk) {
  switch (sdk) {
    case TracingSdk::kGo:
      return "1.46.0";
    case TracingSdk::kJava:
      return "1.60.1";
    case TracingSdk::kPython:
      return "1.45.2";
    case TracingSdk::kJaegerClient:
      return "2.30.0";
  }
  return "";
}

std::string TracingSdkLabel(TracingSdk sdk) {
  std::string s = std::string(TracingSdkName(sdk)) + " " + std::string(TracingSdkVersion(sdk));
  if (sdk == TracingSdk::kGo) s += " (jaegerremote v0.37.2)";
  return s;
}

sim::Result<TracingSdk> ParseTracingSdk(std::string_view text) {
  std::string_view name = text, version;
  if (size_t at = text.find('@'); at != std::string_view::npos) {
    name = text.substr(0, at);
    version = text.substr(at + 1);
    if (!version.empty() && version.front() == 'v') version.remove_prefix(1);
  }
  for (TracingSdk sdk :
       {TracingSdk::kGo, TracingSdk::kJava, TracingSdk::kPython, TracingSdk::kJaegerClient}) {
    if (name != TracingSdkName(sdk)) continue;
    if (!version.empty() && version != TracingSdkVersion(sdk)) {
      return sim::Status::InvalidArgument("\"" + std::string(text) + "\": tracesim models " +
                                          std::string(name) + " " +
                                          std::string(TracingSdkVersion(sdk)) + " only");
    }
    return sdk;
  }
  return sim::Status::InvalidArgument("\"" + std::string(text) +
                                      "\": not an SDK (valid: go, java, python, jaeger-client, "
                                      "optionally @VERSION)");
}

JaegerSamplerType SamplerTypeJaegerReads(TracingSdk sdk, JaegerSamplerType decided) {
  switch (sdk) {
    case TracingSdk::kJaegerClient:
      return decided;
    case TracingSdk::kJava:  // RateLimitingSampler's attributes only
      return decided == JaegerSamplerType::kRateLimiting ? decided
                                                         : JaegerSamplerType::kUnrecognized;
    case TracingSdk::kGo:      // jaeger.sampler.type: not the key Jaeger reads
    case TracingSdk::kPython:  // no Jaeger sampler
      break;
  }
  return JaegerSamplerType::kUnrecognized;
}

// ---------------------------------------------------------------------------------------------

namespace {

// Java TraceIdRatioBasedSampler (opentelemetry-sdk-trace 1.60.1): bound (long)(ratio *
// Long.MAX_VALUE), Long.MIN_VALUE at 0 and Long.MAX_VALUE at 1; keep iff
// Math.abs(low 64 bits as a signed long) < bound.
bool JavaRatioKeep(const sim::TraceId& id, double ratio) noexcept {
  int64_t bound;
  if (ratio == 0) {
    bound = INT64_MIN;
  } else if (ratio == 1) {
    bound = INT64_MAX;
  } else {
    bound = static_cast<int64_t>(ratio * 9223372036854775807.0);
  }
  const int64_t x = static_cast<int64_t>(id.lo);
  const int64_t abs = x < 0 ? static_cast<int64_t>(uint64_t{0} - static_cast<uint64_t>(x)) : x;
  return abs < bound;
}

// jaeger-client-go ProbabilisticSampler: samplingBoundary = uint64(float64(2^63 - 1) * rate);
// keep iff boundary >= Low & (2^63 - 1) (Low: bytes 8..15).
bool JaegerClientRatioKeep(const sim::TraceId& id, double rate) noexcept {
  constexpr uint64_t kMax = ~(uint64_t{1} << 63);
  const double b = static_cast<double>(kMax) * rate;
  const uint64_t boundary = b >= 0x1p64 ? ~uint64_t{0} : b > 0 ? static_cast<uint64_t>(b) : 0;
  return boundary >= (id.lo & kMax);
}

int DefaultMaxOperations(const JaegerRemoteOptions& o) {
  if (o.max_operations > 0) return o.max_operations;
  switch (o.sdk) {
    case TracingSdk::kJaegerClient:
      return 2000;  // jaeger-client-go defaultMaxOperations
    case TracingSdk::kJava:
      return INT_MAX;
    case TracingSdk::kGo:
    case TracingSdk::kPython:
      break;
  }
  return 256;  // OTel Go contrib defaultSamplingMaxOperations
}

}  // namespace

// Java's RateLimiter (opentelemetry-sdk-common internal.RateLimiter), in nanoseconds as Java
// computes it: maxBalance = (long)(maxBalance / creditsPerNanosecond), full at creation; a spend
// of `cost` passes when min(now - currentBalance, maxBalance) - cost >= 0. A rate of 0 makes both
// the cap and the cost (long)(x / 0.0) = Long.MAX_VALUE: only a call at the creation instant
// passes.
struct JaegerRemoteSampler::JavaLimiter {
  JavaLimiter(double credits_per_second, double max_balance, int64_t now)
      : per_nano(credits_per_second / 1.0e9),
        max(ToLong(max_balance / per_nano)),
        current(static_cast<int64_t>(static_cast<uint64_t>(now) - static_cast<uint64_t>(max))) {}
  // Java's (long) cast of a double: saturating, NaN -> 0.
  static int64_t ToLong(double v) {
    if (std::isnan(v)) return 0;
    if (v >= 0x1p63) return INT64_MAX;
    if (v <= -0x1p63) return INT64_MIN;
    return static_cast<int64_t>(v);
  }
  bool TrySpend(double item_cost, int64_t now) {
    const int64_t cost = ToLong(item_cost / per_nano);
    int64_t available =
        static_cast<int64_t>(static_cast<uint64_t>(now) - static_cast<uint64_t>(current));
    if (available > max) available = max;
    const int64_t after =
        static_cast<int64_t>(static_cast<uint64_t>(available) - static_cast<uint64_t>(cost));
    if (after < 0) return false;
    current = static_cast<int64_t>(static_cast<uint64_t>(now) - static_cast<uint64_t>(after));
    return true;
  }
  double per_nano;
  int64_t max;
  int64_t current;
};

// guaranteedThroughputProbabilisticSampler.
struct JaegerRemoteSampler::Guaranteed {
  Guaranteed(double lower, double rate, int64_t now, bool full_at_zero_rate)
      : limiter(lower, std::max(lower, 1.0), now, full_at_zero_rate),
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
    : options_(options),
      max_operations_(DefaultMaxOperations(options)),
      probability_(std::clamp(options.initial_sampling_rate, 0.0, 1.0)) {}

bool JaegerRemoteSampler::RatioKeep(const sim::TraceId& id, double rate) const noexcept {
  switch (options_.sdk) {
    case TracingSdk::kJava:
      return JavaRatioKeep(id, rate);
    case TracingSdk::kJaegerClient:
      return JaegerClientRatioKeep(id, rate);
    case TracingSdk::kGo:
    case TracingSdk::kPython:
      break;
  }
  return GoTraceIdRatioKeep(id, rate);
}

// JaegerRemoteSampler.updateSampler (Java 1.60.1), see the header.
sim::Status JaegerRemoteSampler::UpdateJava(const ServedStrategy& s, int64_t now) {
  if (s.operation_sampling && !s.operation_sampling->per_operation.empty()) {
    const JaegerPerOperationStrategies& ops = *s.operation_sampling;
    const double def = ops.default_sampling_probability;
    if (!(def >= 0 && def <= 1))
      return sim::Status::InvalidArgument("ratio must be in range [0.0, 1.0]");
    for (const auto& op : ops.per_operation) {
      if (!(op.sampling_rate >= 0 && op.sampling_rate <= 1))
        return sim::Status::InvalidArgument("ratio must be in range [0.0, 1.0]");
    }
    ops_.clear();
    for (const auto& op : ops.per_operation) {
      // LinkedHashMap.put: a repeated operation takes the last rate.
      auto g = std::make_unique<Guaranteed>(0, op.sampling_rate, now, false);
      ops_[op.operation] = std::move(g);
    }
    default_probability_ = def;
    lower_bound_ = 0;
    rl_.reset();
    java_rl_.reset();
    mode_ = Mode::kPerOp;
    return sim::Status::Ok();
  }
  // The protobuf reader sets the type from the sub-message it reads (rate limiting last, as
  // written); without one only a written strategyType counts, and 0 (PROBABILISTIC) is not
  // written.
  if (s.max_traces_per_second ||
      (!s.probabilistic_rate && s.type == JaegerStrategyType::kRateLimiting)) {
    const double rate = static_cast<double>(s.max_traces_per_second.value_or(0));
    java_rl_ = std::make_unique<JavaLimiter>(rate, rate < 1.0 ? 1.0 : rate, now);
    rl_rate_ = rate;
    ops_.clear();
    mode_ = Mode::kRateLimiting;
    return sim::Status::Ok();
  }
  if (s.probabilistic_rate) {
    const double rate = *s.probabilistic_rate;
    if (!(rate >= 0 && rate <= 1))
      return sim::Status::InvalidArgument("ratio must be in range [0.0, 1.0]");
    probability_ = rate;
    ops_.clear();
    java_rl_.reset();
    mode_ = Mode::kProbabilistic;
    return sim::Status::Ok();
  }
  return sim::Status::InvalidArgument("unrecognized sampler type");
}

JaegerRemoteSampler::~JaegerRemoteSampler() = default;

sim::Status JaegerRemoteSampler::Update(const ServedStrategy& s, int64_t now) {
  if (options_.sdk == TracingSdk::kJava) return UpdateJava(s, now);
  const bool full_at_zero = options_.sdk == TracingSdk::kJaegerClient;
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
          next.emplace(op.operation,
                       std::make_unique<Guaranteed>(lower, op.sampling_rate, now, full_at_zero));
        }
      }
      ops_ = std::move(next);
    } else {
      ops_.clear();
      for (const auto& op : ops.per_operation) {
        ops_[op.operation] =
            std::make_unique<Guaranteed>(lower, op.sampling_rate, now, full_at_zero);
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
      rl_ = std::make_unique<CreditRateLimiter>(rate, std::max(rate, 1.0), now, full_at_zero);
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
  if (RatioKeep(id, g.sampling_rate)) {
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
      return {RatioKeep(id, probability_), JaegerSamplerType::kProbabilistic, probability_};
    case Mode::kRateLimiting:
      if (java_rl_)
        return {java_rl_->TrySpend(1.0, now), JaegerSamplerType::kRateLimiting, rl_rate_};
      return {rl_->CheckCredit(1.0, now), JaegerSamplerType::kRateLimiting, rl_rate_};
    case Mode::kPerOp:
      break;
  }
  auto it = ops_.find(operation);
  if (options_.sdk == TracingSdk::kJava) {  // PerOperationSampler: no lower bound, no tracking
    const double p = it != ops_.end() ? it->second->sampling_rate : default_probability_;
    return {JavaRatioKeep(id, p), JaegerSamplerType::kProbabilistic, p};
  }
  if (it != ops_.end()) return DecideGuaranteed(*it->second, id, now);
  if (ops_.size() >= static_cast<size_t>(max_operations_)) {
    return {RatioKeep(id, default_probability_), JaegerSamplerType::kProbabilistic,
            default_probability_};
  }
  auto g = std::make_unique<Guaranteed>(lower_bound_, default_probability_, now,
                                        options_.sdk == TracingSdk::kJaegerClient);
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
