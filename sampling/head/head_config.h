// HeadSamplerConfig: which head (SDK) sampler each simulated service runs, from a scenario's
// YAML block or from OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG values (otel_env.h), and
// BuildHeadSampler(), which turns it into the Sampler tree. Schema: doc/sampling-head.md.
//
//   head_sampling:
//     sampler: parentbased_traceidratio   # Default: parentbased_always_on
//     ratio: 0.25
//     algorithm: go                       # go | java | python. Default: go
//     services:
//       payment: {sampler: always_on}     # unset keys inherit from the block above
//
// `jaeger_remote` builds the Jaeger remote sampler (sampling/jaeger, a library below head).
// Parsing and building are thread-compatible.
#ifndef TRACESIM_SAMPLING_HEAD_CONFIG_H_
#define TRACESIM_SAMPLING_HEAD_CONFIG_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.h"
#include "config/reader.h"
#include "sampling/core/consistent_tracestate.h"
#include "sampling/core/sampler.h"
#include "sampling/head/head_samplers.h"
#include "sampling/jaeger/jaeger_remote.h"
#include "sim/base/status.h"
#include "sim/model/model.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace tracesim::sampling {

// NOTE: the names (HeadSamplerKindName) are the config/env values; do not renumber.
enum class HeadSamplerKind : uint8_t {
  kAlwaysOn = 0,                  // always_on
  kAlwaysOff = 1,                 // always_off
  kTraceIdRatio = 2,              // traceidratio
  kParentBasedAlwaysOn = 3,       // parentbased_always_on (the SDK default)
  kParentBasedAlwaysOff = 4,      // parentbased_always_off
  kParentBasedTraceIdRatio = 5,   // parentbased_traceidratio
  kJaegerRemote = 6,              // jaeger_remote
  kParentBasedJaegerRemote = 7,   // parentbased_jaeger_remote
  kProbability = 8,               // probability (consistent, OTEP 235; YAML only)
  kParentBasedProbability = 9,    // parentbased_probability (YAML only)
  kRateLimiting = 10,             // rate_limiting (Jaeger's limiter; YAML only)
  kParentBasedRateLimiting = 11,  // parentbased_rate_limiting (YAML only)
};

std::string_view HeadSamplerKindName(HeadSamplerKind k);
// Parses a kind name (exact, lowercase). Returns false otherwise.
bool ParseHeadSamplerKind(std::string_view s, HeadSamplerKind* out);
// Whether the kind takes `ratio` / `precision` / `traces_per_second` / the jaeger fields.
bool KindUsesRatio(HeadSamplerKind k);
bool KindUsesRateLimit(HeadSamplerKind k);
bool KindIsJaegerRemote(HeadSamplerKind k);
bool KindIsConsistent(HeadSamplerKind k);

// jaeger_remote / parentbased_jaeger_remote settings (OTEL_TRACES_SAMPLER_ARG keys endpoint,
// pollingIntervalMs, initialSamplingRate). Defaults are the Java SDK's.
struct JaegerRemoteConfig {
  std::string endpoint = "http://localhost:14250";  // Default: http://localhost:14250.
  int64_t polling_interval_ms = 60000;              // > 0. Default: 60000 (1 min).
  double initial_sampling_rate = 0.001;             // in [0, 1]. Default: 0.001.
  sim::Status Validate() const;
};

// One sampler choice.
struct HeadSamplerSpec {
  HeadSamplerKind kind = HeadSamplerKind::kParentBasedAlwaysOn;  // Default: parentbased_always_on.
  // Probability for the ratio and probability kinds, in [0, 1] (probability kinds: 0 or
  // >= 2^-56). Default: 1.
  double ratio = 1.0;
  // Which SDK's TraceIdRatioBased is modelled. Default: go.
  RatioAlgorithm algorithm = RatioAlgorithm::kGo;
  // Threshold precision (hex digits, [1, 14]) of the probability kinds. Default: 4.
  int precision = kDefaultThresholdPrecision;
  // Rate-limiting kinds: traces per second, finite and >= 0. Default: 1.
  double traces_per_second = 1.0;
  JaegerRemoteConfig jaeger;
  sim::Status Validate() const;
};

struct HeadSamplerConfig {
  HeadSamplerSpec sampler;                          // every service's sampler by default
  std::map<std::string, HeadSamplerSpec> services;  // per-service overrides, by service name
  // Conditions a real SDK would log and carry on from (invalid OTEL_TRACES_SAMPLER_ARG, ...).
  std::vector<std::string> warnings;
  sim::Status Validate() const;
  // The spec `service` runs: its override, else `sampler`.
  const HeadSamplerSpec& ForService(std::string_view service) const;
};

// Parses a head-sampling YAML block (a mapping; see the file comment and
// doc/sampling-head.md) at `node` (its key path and position), reporting every problem into
// `diag` ("FILE:LINE:COL: PATH.key: problem"). Unknown keys (with a did-you-mean), wrong types,
// out-of-range values and keys the chosen sampler does not use are errors (kInvalidArgument);
// `xray` is kUnsupported. nullopt on an error; a null block is the SDK default.
std::optional<HeadSamplerConfig> ParseHeadSamplerConfig(const config::Node& node,
                                                        config::Diagnostics& diag);
// The same at the edge: `source` names the file and `path` the block's key path in it.
sim::Result<HeadSamplerConfig> ParseHeadSamplerConfig(const YAML::Node& node,
                                                      std::string_view source,
                                                      std::string_view path);

// The sampler `spec` describes, for one SDK instance of `service` (the Jaeger remote sampler's
// service name). Errors: invalid spec (kInvalidArgument).
sim::Result<std::unique_ptr<Sampler>> BuildHeadSampler(const HeadSamplerSpec& spec,
                                                       std::string_view service = "");
// The sampler of `service` under `config` (its override, else the default).
sim::Result<std::unique_ptr<Sampler>> BuildHeadSampler(const HeadSamplerConfig& config,
                                                       std::string_view service);
// One sampler per service of `model` (index = service index; nullptr for non-instrumented
// services: databases, caches, externals, brokers). Errors name an override whose service the
// model does not have (with a did-you-mean).
sim::Result<std::vector<std::unique_ptr<Sampler>>> BuildHeadSamplers(
    const HeadSamplerConfig& config, const sim::Model& model);

// JaegerRemoteOptions from the head config's settings (endpoint is not modelled).
JaegerRemoteOptions JaegerRemoteOptionsFrom(const JaegerRemoteConfig& config,
                                            std::string_view service);
// Validates `config` and builds a JaegerRemoteSampler running its initial TraceIDRatioBased
// sampler; the simulation feeds it strategies with JaegerRemoteSampler::Update().
sim::Result<std::unique_ptr<Sampler>> MakeJaegerRemoteHeadSampler(const JaegerRemoteConfig& config,
                                                                  std::string_view service);

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_HEAD_CONFIG_H_
