// Jaeger sampling strategies: the file format of `remote_sampling.file.path`, the strategy the
// remote sampling API serves per service (SamplingStrategyResponse), the file-based provider that
// turns one into the other, and the sampling part of a Jaeger v2 collector YAML config.
//
// The provider reproduces jaegertracing/jaeger internal/sampling/samplingstrategy/file exactly,
// including the merge of the default strategy's per-operation strategies into service
// strategies and the deprecated behaviour behind the `jaeger.sampling.includeDefaultOpStrategies`
// feature gate (off: a ratelimiting service without its own operation strategies inherits none).
// Format and rules: doc/sampling-jaeger.md. Value types; thread-compatible.
#ifndef TRACESIM_SAMPLING_JAEGER_STRATEGIES_H_
#define TRACESIM_SAMPLING_JAEGER_STRATEGIES_H_

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.h"
#include "config/env_expand.h"
#include "config/reader.h"
#include "sim/base/status.h"
#include "sim/base/time.h"

namespace tracesim::sampling {

// jaeger-idl api_v2 SamplingStrategyType. NOTE: proto values; do not renumber.
enum class JaegerStrategyType : uint8_t { kProbabilistic = 0, kRateLimiting = 1 };

// ---------------------------------------------------------------------------------------------
// What the remote sampling API serves (api_v2.SamplingStrategyResponse).

struct JaegerOperationStrategy {
  std::string operation;
  double sampling_rate = 0;  // probabilisticSampling.samplingRate
};

struct JaegerPerOperationStrategies {
  double default_sampling_probability = 0;
  double default_lower_bound_traces_per_second = 0;
  std::vector<JaegerOperationStrategy> per_operation;  // in served order
  double default_upper_bound_traces_per_second = 0;    // in the proto; unused by SDKs
};

struct ServedStrategy {
  JaegerStrategyType type = JaegerStrategyType::kProbabilistic;
  std::optional<double> probabilistic_rate;      // probabilisticSampling present
  std::optional<int32_t> max_traces_per_second;  // rateLimitingSampling present
  std::optional<JaegerPerOperationStrategies> operation_sampling;

  bool operator==(const ServedStrategy&) const;
};
bool operator==(const JaegerOperationStrategy& a, const JaegerOperationStrategy& b);
bool operator==(const JaegerPerOperationStrategies& a, const JaegerPerOperationStrategies& b);

// The response for a service nobody configured: probabilistic with `probability`.
ServedStrategy DefaultServedStrategy(double probability);

// Proto-JSON as Jaeger serves it (camelCase, zero values omitted as gogo jsonpb does with
// EmitDefaults off, integral doubles written as integers). indent < 0: compact.
std::string ServedStrategyToJson(const ServedStrategy& s, int indent = 2);
// Parses a served strategy (the fixtures' and the HTTP endpoint's shape); strategyType may be a
// number or the enum name; unknown keys are ignored. Errors are config::Diagnostics
// ("SOURCE:LINE:COL: key.path: message"); the first one ends the reading.
sim::Result<ServedStrategy> ParseServedStrategyJson(std::string_view text, std::string_view source);
// The same, reporting into `diag` ("FILE:LINE:COL: key.path: message"); nullopt on an error.
std::optional<ServedStrategy> ParseServedStrategyJson(std::string_view text,
                                                      config::Diagnostics& diag);

// ---------------------------------------------------------------------------------------------
// The strategies file (remote_sampling.file.path), as written.

struct JaegerFileOperationStrategy {
  std::string operation;
  std::string type;  // "probabilistic" | "ratelimiting"; anything else -> default (warning)
  double param = 0;
};

struct JaegerFileServiceStrategy {
  std::string service;  // empty in default_strategy
  std::string type;     // may be missing (""): Jaeger warns and serves the default response
  double param = 0;
  std::vector<JaegerFileOperationStrategy> operation_strategies;
};

struct JaegerStrategiesFile {
  // False when the document is JSON `null` (Jaeger then serves the defaults).
  bool present = true;
  std::optional<JaegerFileServiceStrategy> default_strategy;
  std::vector<JaegerFileServiceStrategy> service_strategies;
  // Problems Jaeger tolerates (unknown keys), filled by the Result-returning parsers.
  std::vector<config::Diagnostic> warnings;
  std::string source;  // the file name given to the parser, for the provider's warnings
};

// Parses a strategies document. Like Jaeger's json.Unmarshal it rejects anything that is not an
// object (bad_strategies.json is the string "nonsense") and values of the wrong JSON type; unlike
// it, every problem goes to `diag` with its position and JSON path ("strategies.json:3:50:
// service_strategies[1].param: expected a number, got string"). Unknown keys are ignored, as
// Jaeger does, with a warning (and a did-you-mean). nullopt on an error.
std::optional<JaegerStrategiesFile> ParseStrategiesJson(std::string_view text,
                                                        config::Diagnostics& diag);
std::optional<JaegerStrategiesFile> LoadStrategiesFile(const std::string& path,
                                                       config::Diagnostics& diag);
// The same at the edge (warnings in JaegerStrategiesFile::warnings).
sim::Result<JaegerStrategiesFile> ParseStrategiesJson(std::string_view text,
                                                      std::string_view source);
sim::Result<JaegerStrategiesFile> LoadStrategiesFile(const std::string& path);
// Writes the file format back (keys in Jaeger's documented order); round-trips with the parser.
std::string StrategiesFileToJson(const JaegerStrategiesFile& f, int indent = 2);

// ---------------------------------------------------------------------------------------------
// The file-based provider.

struct JaegerFileOptions {
  // Strategies file; empty: no file, every service gets the default. Default: "".
  std::string path;
  // Served when no default_strategy is given, and for strategies of unknown type.
  // Default: 0.001. Must be in [0, 1].
  double default_sampling_probability = 0.001;
  // How often Jaeger re-reads the file; 0 = never (a simulation reads it once). Default: 0.
  sim::Duration reload_interval;
  // Feature gate jaeger.sampling.includeDefaultOpStrategies (on since v2.2.0 / v1.65.0).
  // false reproduces the deprecated behaviour. Default: true.
  bool include_default_op_strategies = true;

  sim::Status Validate() const;
};

// Serves the strategy for each service from a parsed strategies file. Immutable after
// construction.
class JaegerFileStrategyProvider {
 public:
  // REQUIRES: options.Validate().ok().
  JaegerFileStrategyProvider(const JaegerStrategiesFile& file, const JaegerFileOptions& options);
  // Reads options.path (if any) and builds the provider.
  static sim::Result<JaegerFileStrategyProvider> Create(const JaegerFileOptions& options);

  // The strategy served to `service` (its own, else the default).
  const ServedStrategy& StrategyFor(std::string_view service) const;
  const ServedStrategy& default_strategy() const { return default_; }
  const std::map<std::string, ServedStrategy, std::less<>>& service_strategies() const {
    return services_;
  }
  // Warnings from parsing and from building (ratelimiting operation entries skipped, unknown
  // types replaced by the default).
  const std::vector<config::Diagnostic>& warnings() const { return warnings_; }

 private:
  ServedStrategy ParseService(const JaegerFileServiceStrategy& s, const std::string& where);
  ServedStrategy ParseOne(const std::string& type, double param, const std::string& where);
  // A warning at key path `where` of the strategies file (no position: built from parsed data).
  void Warn(const std::string& where, const std::string& message);

  JaegerFileOptions options_;
  std::string source_;
  ServedStrategy default_;
  std::map<std::string, ServedStrategy, std::less<>> services_;
  std::vector<config::Diagnostic> warnings_;
};

// ---------------------------------------------------------------------------------------------
// Jaeger adaptive sampling options (spec §4.3/§4.4); used by JaegerAdaptiveSampling.

struct JaegerAdaptiveOptions {
  // Storage backend name (kept for the config echo; the simulation stores in memory).
  // Default: "".
  std::string sampling_store;
  // Target sampled root traces per second, per operation. Default: 1. Must be > 0.
  double target_samples_per_second = 1;
  // |qps - target| / target below this keeps the probability. Default: 0.3. Must be >= 0.
  double delta_tolerance = 0.3;
  // Aggregation flush period, bucket width and calculation period. Default: 1m. Must be > 0.
  sim::Duration calculation_interval = sim::Duration::Seconds(60);
  // Throughput buckets kept. Default: 10. Must be >= 1.
  int aggregation_buckets = 10;
  // Newest buckets used for the weighted QPS (weights i^4). Default: 1. Must be >= 1.
  int calculation_buckets = 1;
  // Calculations use throughput up to now - delay. Default: 2m. Must be >= 0.
  sim::Duration calculation_delay = sim::Duration::Seconds(120);
  // Probability of a new operation; also the served defaultSamplingProbability.
  // Default: 0.001. Must be in (0, 1].
  double initial_sampling_probability = 0.001;
  // Lower clamp of computed probabilities. Default: 1e-5. Must be in [0, 1].
  double min_sampling_probability = 1e-5;
  // Served as defaultLowerBoundTracesPerSecond. Default: 1/60. Must be >= 0.
  double min_samples_per_second = 1.0 / 60.0;
  // Leader election is not simulated (the single collector is the leader); parsed and echoed.
  // Default: 5s and 60s.
  sim::Duration leader_lease_refresh_interval = sim::Duration::Seconds(5);
  sim::Duration follower_lease_refresh_interval = sim::Duration::Seconds(60);

  sim::Status Validate() const;
};

// ---------------------------------------------------------------------------------------------
// The `extensions.remote_sampling` block of a Jaeger v2 collector config.

struct JaegerRemoteSamplingConfig {
  enum class Mode : uint8_t { kFile = 0, kAdaptive = 1 };
  Mode mode = Mode::kFile;
  JaegerFileOptions file;          // mode == kFile
  JaegerAdaptiveOptions adaptive;  // mode == kAdaptive
  std::string http_endpoint;       // after env expansion ("localhost:5778"); may be empty
  std::string grpc_endpoint;
  // True when the traces pipeline lists the adaptive_sampling processor (adaptive mode needs it).
  bool adaptive_processor_in_pipeline = false;
  std::vector<config::Diagnostic> warnings;  // filled by the Result-returning parsers
};

// Parses the remote_sampling extension out of a Jaeger v2 YAML config (a Collector config:
// `${env:VAR}` references are expanded as the Collector does, config/env_expand.h); everything
// else in the file is ignored. Every problem goes to `diag` ("FILE:LINE:COL: key.path: message"):
// missing extension, both or neither of file/adaptive, unknown keys inside the extension (the
// collector decodes strictly), bad durations (sim::ParseDuration, or integer nanoseconds) or
// numbers, failing Validate(); findings such as an empty file.path are warnings. nullopt on an
// error.
std::optional<JaegerRemoteSamplingConfig> ParseJaegerV2SamplingYaml(
    std::string_view text, config::Diagnostics& diag,
    const config::EnvLookup& env = config::ProcessEnv());
std::optional<JaegerRemoteSamplingConfig> LoadJaegerV2SamplingYaml(const std::string& path,
                                                                   config::Diagnostics& diag);
// The same at the edge (warnings in JaegerRemoteSamplingConfig::warnings).
sim::Result<JaegerRemoteSamplingConfig> ParseJaegerV2SamplingYaml(std::string_view text,
                                                                  std::string_view source);
sim::Result<JaegerRemoteSamplingConfig> LoadJaegerV2SamplingYaml(const std::string& path);
// Parses an `adaptive` block (the keys of the table in doc/sampling-jaeger.md §3) at `node` into
// `out`, which holds the defaults; keys in `skip_keys` are allowed and left to the caller.
// Problems go to `diag` (including failing Validate(), at the key it names); false on an error.
bool ParseJaegerAdaptiveOptionsYaml(const config::Node& node,
                                    const std::vector<std::string>& skip_keys,
                                    config::Diagnostics& diag, JaegerAdaptiveOptions* out);

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_JAEGER_STRATEGIES_H_
