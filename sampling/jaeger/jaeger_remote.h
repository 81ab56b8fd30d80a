// JaegerRemoteSampler: the SDK side of Jaeger remote sampling, as three SDKs implement it
// (TracingSdk; spec §3.8): OpenTelemetry Go contrib `samplers/jaegerremote` v0.37.2 (the
// default), jaeger-client-go v2.30.0 (the same delegates; its ratio rule, 2000 operations, a
// 0-rate limiter starts full) and OpenTelemetry Java `jaeger-remote-sampler` 1.60.1 (below).
//
// Go contrib and jaeger-client-go:
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
// Java (JaegerRemoteSampler.updateSampler): a non-empty per-operation list -> PerOperationSampler
// (Java traceIdRatioBased per listed operation, unlisted ones the default probability; no lower
// bound, no operation limit); else probabilisticSampling -> traceIdRatioBased(rate) (a rate
// outside [0, 1] throws: error, sampler kept); else rateLimitingSampling -> a new
// RateLimitingSampler (Java RateLimiter, full at creation, no balance kept across updates); else
// "unrecognized sampler type" (error, sampler kept): Jaeger's adaptive response before any
// operation has a probability has only an empty operationSampling and a strategyType of 0, which
// protobuf does not write, so Java keeps its current sampler.
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

// The tracing SDK a service runs (a scenario strategy's `sdk:`), the versions modelled.
// NOTE: config values; do not renumber.
enum class TracingSdk : uint8_t {
  kGo = 0,            // "go": go.opentelemetry.io/otel/sdk 1.46.0, contrib jaegerremote v0.37.2
  kJava = 1,          // "java": opentelemetry-sdk-trace 1.60.1, jaeger-remote-sampler 1.60.1
  kPython = 2,        // "python": opentelemetry-sdk 1.45.2 (has no Jaeger remote sampler)
  kJaegerClient = 3,  // "jaeger-client": jaeger-client-go v2.30.0
};
// "go", "java", "python", "jaeger-client".
std::string_view TracingSdkName(TracingSdk sdk);
// The modelled version: "1.46.0", "1.60.1", "1.45.2", "2.30.0".
std::string_view TracingSdkVersion(TracingSdk sdk);
// "go 1.46.0 (jaegerremote v0.37.2)" and so on, for notes and docs.
std::string TracingSdkLabel(TracingSdk sdk);
// Parses "go", "java", "python", "jaeger-client", optionally "@VERSION" (which must be the
// modelled one). Errors list the valid values.
sim::Result<TracingSdk> ParseTracingSdk(std::string_view text);

// The sampler tags the SDK writes on a root span that the Jaeger aggregator (v1.75.0
// HandleRootSpan: tags `sampler.type` and `sampler.param`, nothing else) can read, for a
// decision `d`: jaeger-client-go writes them for every decision; Java's remote sampler only
// for rate limiting; Go contrib writes `jaeger.sampler.type`/`jaeger.sampler.param`
// (v0.33.0+), which Jaeger does not read; Python none. kUnrecognized: Jaeger ignores the root.
JaegerSamplerType SamplerTypeJaegerReads(TracingSdk sdk, JaegerSamplerType decided);

struct JaegerRemoteOptions {
  // The service this SDK asks strategies for. Default: "".
  std::string service_name;
  // Probability of the initial TraceIDRatioBased sampler, used until the first Update().
  // Default: 0.001 (OTel Go). Must be in [0, 1].
  double initial_sampling_rate = 0.001;
  // Operations tracked by the per-operation sampler (Go contrib, jaeger-client). 0: the SDK's
  // default, 256 (OTel Go contrib defaultSamplingMaxOperations) or 2000 (jaeger-client-go, the
  // spec's); Java has no limit. Default: 0. Must be >= 0.
  int max_operations = 0;
  // Whose remote sampler. kPython is not valid (the Python SDK has none). Default: kGo.
  TracingSdk sdk = TracingSdk::kGo;
  // How often the SDK polls (for the caller that schedules Update()). Default: 60s. > 0.
  sim::Duration polling_interval = sim::Duration::Seconds(60);

  sim::Status Validate() const;
};

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
  // max_operations as applied (the SDK's default when 0; Java: unlimited, INT32_MAX).
  int max_operations() const { return max_operations_; }
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
  struct JavaLimiter;
  struct StringHash {
    using is_transparent = void;
    size_t operator()(std::string_view s) const noexcept {
      return std::hash<std::string_view>()(s);
    }
  };
  JaegerDecision DecideGuaranteed(Guaranteed& g, const sim::TraceId& id, int64_t now) noexcept;
  bool RatioKeep(const sim::TraceId& id, double rate) const noexcept;
  sim::Status UpdateJava(const ServedStrategy& strategy, int64_t now);

  JaegerRemoteOptions options_;
  int max_operations_;
  Mode mode_ = Mode::kInitial;
  double probability_ = 0;                 // kInitial, kProbabilistic
  std::unique_ptr<CreditRateLimiter> rl_;  // kRateLimiting
  double rl_rate_ = 0;
  std::unique_ptr<JavaLimiter> java_rl_;  // kRateLimiting, Java
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
