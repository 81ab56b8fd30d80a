// JaegerRemoteSampler: the SDK side of Jaeger remote sampling, modelled on the OpenTelemetry Go
// contrib `samplers/jaegerremote` (spec §3.8).
//
// The sampler holds one of three delegates, chosen from the last strategy it was fed with
// Update() (the simulated poll; the caller decides when polls happen):
//  * per-operation: for each listed operation a guaranteed-throughput sampler = probabilistic
//    (Go TraceIDRatioBased) OR a lower-bound rate limiter (defaultLowerBoundTracesPerSecond);
//    the limiter also spends a credit when the probabilistic part says yes. Unlisted operations
//    get a new guaranteed-throughput sampler at defaultSamplingProbability, up to max_operations;
//    beyond that the plain default probabilistic sampler;
//  * probabilistic (Go TraceIDRatioBased(rate), rate clamped to [0, 1]);
//  * rate limiting (credit bucket: creditsPerSecond = maxTracesPerSecond, maxBalance =
//    max(maxTracesPerSecond, 1), starts full, 1 credit per decision).
// Until the first Update() the initial sampler is TraceIDRatioBased(initial_sampling_rate).
// Decisions use the span name as the operation; ParentBased wrapping is the caller's job.
// Rate limiters run on simulated time (params.time_unix_nano). Not thread-safe.
#ifndef TRACESIM_SAMPLING_JAEGER_REMOTE_H_
#define TRACESIM_SAMPLING_JAEGER_REMOTE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>

#include "sampling/core/credit_rate_limiter.h"
#include "sampling/core/sampler.h"
#include "sampling/core/trace_id_ratio.h"
#include "sampling/jaeger/jaeger_strategies.h"
#include "sim/base/status.h"
#include "sim/base/time.h"

namespace tracesim::sampling {

struct JaegerRemoteOptions {
  // The service this SDK asks strategies for. Default: "".
  std::string service_name;
  // Probability of the initial TraceIDRatioBased sampler, used until the first Update().
  // Default: 0.001 (OTel Go). Must be in [0, 1].
  double initial_sampling_rate = 0.001;
  // Operations tracked by the per-operation sampler. Default: 256 (OTel Go contrib
  // samplers/jaegerremote defaultSamplingMaxOperations, the remote sampler tracesim's SDKs
  // model; the spec's 2000 is the old Jaeger clients'). Must be >= 1.
  int max_operations = 256;
  // How often the SDK polls (for the caller that schedules Update()). Default: 60s. > 0.
  sim::Duration polling_interval = sim::Duration::Seconds(60);

  sim::Status Validate() const;
};

// Which delegate took a decision; the Jaeger span tag `sampler.type` it implies.
// NOTE: printed in reports; do not renumber.
enum class JaegerSamplerType : uint8_t {
  kUnrecognized = 0,
  kProbabilistic = 1,  // "probabilistic"
  kLowerBound = 2,     // "lowerbound": the guaranteed-throughput limiter said yes
  kRateLimiting = 3,   // "ratelimiting"
  kConst = 4,          // "const"
};
std::string_view JaegerSamplerTypeName(JaegerSamplerType t);

struct JaegerDecision {
  bool sampled = false;
  JaegerSamplerType type = JaegerSamplerType::kUnrecognized;
  double param = 0;  // probability, or traces/s of the limiter that decided
};

class JaegerRemoteSampler final : public Sampler {
 public:
  // REQUIRES: options.Validate().ok().
  explicit JaegerRemoteSampler(const JaegerRemoteOptions& options);
  ~JaegerRemoteSampler() override;

  // Applies a served strategy as the SDK's updaters do (per-operation first, then
  // probabilistic, then rate limiting). Errors (the current sampler is kept): no strategy in the
  // response; a probabilistic rate outside [0, 1] when the current delegate is probabilistic
  // (a new probabilistic delegate clamps instead, as OTel Go does).
  sim::Status Update(const ServedStrategy& strategy, int64_t now_unix_nano);

  // The decision for a root span of `operation`. No allocation except the first time an
  // operation is seen by the per-operation sampler.
  JaegerDecision Decide(std::string_view operation, const sim::TraceId& trace_id,
                        int64_t now_unix_nano) noexcept;

  // Sampler: operation = the span name (params.name through params.model's strings).
  SamplingResult ShouldSample(const SamplingParams& params) noexcept override;
  // "JaegerRemoteSampler{}", as OTel Go prints it.
  std::string Description() const override;

  // Introspection for tests and reports.
  enum class Mode : uint8_t { kInitial = 0, kProbabilistic = 1, kRateLimiting = 2, kPerOp = 3 };
  Mode mode() const { return mode_; }
  size_t tracked_operations() const;
  // The probability an operation currently gets (per-op mode: its sampler or the default).
  double ProbabilityFor(std::string_view operation) const;
  // The decision of the last ShouldSample() call (what the SDK tags the span with as
  // sampler.type / sampler.param; the adaptive aggregator reads it from root spans).
  const JaegerDecision& last_decision() const { return last_; }
  const JaegerRemoteOptions& options() const { return options_; }

 private:
  struct Guaranteed;
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>()(s);
    }
  };
  JaegerDecision DecideGuaranteed(Guaranteed& g, const sim::TraceId& id, int64_t now) noexcept;

  JaegerRemoteOptions options_;
  Mode mode_ = Mode::kInitial;
  double probability_ = 0;                 // kInitial, kProbabilistic
  std::unique_ptr<CreditRateLimiter> rl_;  // kRateLimiting
  double rl_rate_ = 0;
  // kPerOp
  std::unordered_map<std::string, std::unique_ptr<Guaranteed>, StringHash, std::equal_to<>> ops_;
  double default_probability_ = 0;
  double lower_bound_ = 0;
  JaegerDecision last_;  // of the last ShouldSample()
};

// Factory for the head-sampler config's `jaeger_remote` / `parentbased_jaeger_remote`: a
// sampler that starts from the initial rate, to be fed strategies by the simulation.
std::unique_ptr<JaegerRemoteSampler> MakeJaegerRemoteSampler(const JaegerRemoteOptions& options);

// Parses OTEL_TRACES_SAMPLER_ARG for jaeger_remote: comma-separated `endpoint=...`,
// `pollingIntervalMs=...`, `initialSamplingRate=...`. Invalid entries are errors naming the
// entry (the SDK logs and ignores them; a simulator should say so).
sim::Result<JaegerRemoteOptions> ParseJaegerRemoteSamplerArg(std::string_view arg,
                                                             std::string* endpoint);

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_JAEGER_REMOTE_H_
