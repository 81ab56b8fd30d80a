// The sampling lab's feedback-driven components: Jaeger remote sampling with a strategy provider
// (a strategies file, or Jaeger's adaptive loop) and Refinery-style dynamic sampler stages.
//
// JaegerProviderConfig and DynamicStageConfig are parsed from a scenario's `samplers:`
// (strategy_config.h; doc/sampling-lab.md "Jaeger remote and adaptive", "Dynamic samplers").
// LabAdaptive is owned by the SamplingLab when a strategy uses either: it builds the
// parentbased_jaeger_remote SDK sampler of every instrumented service, polls the provider on
// simulated time, feeds the adaptive aggregator the sampled root spans, and holds the dynamic
// stages' per-trace counts until the trace completes. Not thread-safe: simulation thread only.
#ifndef TRACESIM_SAMPLING_LAB_ADAPTIVE_H_
#define TRACESIM_SAMPLING_LAB_ADAPTIVE_H_

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "sampling/core/sampler.h"
#include "sampling/jaeger/jaeger_adaptive.h"
#include "sampling/jaeger/jaeger_remote.h"
#include "sampling/jaeger/jaeger_strategies.h"
#include "sampling/refinery/dynamic_sampler.h"
#include "sim/base/status.h"
#include "sim/base/time.h"
#include "sim/model/model.h"
#include "sim/model/span.h"

namespace tracesim::sampling {

// The tracing SDK each service of a strategy runs (a strategy's `sdk:`, doc/sampling-lab.md
// "SDKs"): it decides how OTEL_TRACES_SAMPLER(_ARG) are read (otel_env.h), which Jaeger remote
// sampler runs (jaeger_remote.h) and which sampler tags the Jaeger aggregator can read from the
// service's root spans.
struct SdkAssignment {
  TracingSdk default_sdk = TracingSdk::kGo;  // Default: go (1.46.0, contrib jaegerremote v0.37.2).
  std::map<std::string, TracingSdk, std::less<>> services;  // per-service overrides
  TracingSdk For(std::string_view service) const {
    auto it = services.find(service);
    return it != services.end() ? it->second : default_sdk;
  }
  // Errors name an override whose service `model` does not have (with a did-you-mean).
  sim::Status ValidateFor(const sim::Model& model) const;
};

// Where the SDKs of a strategy get their Jaeger strategies from.
struct JaegerProviderConfig {
  // NOTE: printed through the pipeline label; do not renumber.
  enum class Mode : uint8_t {
    kNone = 0,      // the strategy does not use a Jaeger provider
    kFile = 1,      // remote_sampling.file: a strategies file (or none: the defaults)
    kAdaptive = 2,  // remote_sampling.adaptive: Jaeger's adaptive loop
  };
  Mode mode = Mode::kNone;
  // The file the configuration came from, for the pipeline label ("strategies.json",
  // "jaeger.yaml"); empty for an inline adaptive block.
  std::string source;
  JaegerStrategiesFile strategies;  // kFile: the parsed strategies file (absent: defaults)
  JaegerFileOptions file;           // kFile: default_sampling_probability (path already read)
  JaegerAdaptiveOptions adaptive;   // kAdaptive
  // kAdaptive: the Jaeger deployment (role and sampling store, jaeger_adaptive.h). Default: what
  // a single Jaeger v1.75.0 node with the memory store does (the leader: it never serves what
  // it calculates).
  JaegerAdaptiveDeployment deployment;
  // The store's kind, for labels and checks: "memory", "badger" or "cassandra" (the stores
  // v1.75.0 can hold adaptive sampling in; memory and badger grant every node the leader lock,
  // so a follower needs cassandra). Default: "memory".
  std::string store = "memory";
  // How often every SDK polls the provider. Default: 60s (the OTel Go and Java remote
  // samplers). Must be > 0.
  sim::Duration polling_interval = sim::Duration::Seconds(60);
  // Every SDK already runs when the run starts and has the provider's start-up strategy; each
  // then polls every polling_interval from its own start, so the SDKs' polls are spread over
  // the interval (a phase per service from a hash of its name). true: all SDKs poll at the
  // run's first span and together after that (tracesim before issue 11). Default: false.
  bool lockstep_polls = false;
  // Where Finish-time strategies are written (strategies-file format, readable back with
  // `jaeger: {strategies: FILE}`); empty: not written. Default: "".
  std::string write_strategies;

  sim::Status Validate() const;
};

// One Refinery-style dynamic sampler stage (dynamic_sampler.h).
struct DynamicStageConfig {
  // NOTE: config values `dynamic` / `ema_dynamic`; do not renumber.
  enum class Kind : uint8_t { kDynamic = 0, kEmaDynamic = 1 };
  Kind kind = Kind::kDynamic;
  DynamicSamplerOptions dynamic;  // kDynamic
  EmaDynamicSamplerOptions ema;   // kEmaDynamic
  // Refinery FieldList: the key's fields (DynamicKeyBuilder). Must not be empty unless
  // use_trace_length is set.
  std::vector<std::string> field_list;
  // Refinery UseTraceLength: append the span count to the key. Default: false.
  bool use_trace_length = false;

  sim::Status Validate() const;
};

// What is known before a run about a Jaeger provider deployed with these SDKs (for lint and
// `tracesim validate`; the run's notes say the same with counts, LabAdaptive::Notes): an
// adaptive provider whose SDKs write no sampler tags Jaeger v1.75.0 reads (it never adapts), a
// leader (it never serves what it calculates), a memory store that never calculates. One
// sentence each; empty for a file provider or none.
std::vector<std::string> JaegerDeploymentWarnings(const JaegerProviderConfig& config,
                                                  const SdkAssignment& sdks);

// "SDK parentbased_jaeger_remote(file strategies.json, poll 60s)",
// "SDK parentbased_jaeger_remote(adaptive 1/s per op, poll 60s)".
std::string JaegerPipelineLabel(const JaegerProviderConfig& config);
// "dynamic(goal 1/10, key service.name,status_code)".
std::string DynamicStageLabel(const DynamicStageConfig& config);

class LabAdaptive {
 public:
  explicit LabAdaptive(const sim::Model& model);
  ~LabAdaptive();
  LabAdaptive(const LabAdaptive&) = delete;
  LabAdaptive& operator=(const LabAdaptive&) = delete;

  // Strategy k's SDKs run parentbased_jaeger_remote fed by `config`'s provider, each the remote
  // sampler of its SDK in `sdks` (a Python service has none and runs parentbased_always_on):
  // fills `head` (one sampler per service, nullptr for non-instrumented ones) with samplers
  // this object polls. REQUIRES: k < 64; `head` outlives this object.
  sim::Status AddJaeger(size_t k, const JaegerProviderConfig& config, const SdkAssignment& sdks,
                        std::vector<std::unique_ptr<Sampler>>* head);
  // Strategy k's last Collector stage is a dynamic sampler.
  sim::Status AddDynamic(size_t k, const DynamicStageConfig& config);

  // Runs the polls due at `start_unix_nano` (call before the span's head decision).
  void BeforeSpanStart(int64_t start_unix_nano);
  // A root span was decided (`bits`: the strategies that sampled it): remembers each Jaeger
  // strategy's decision type and parameter.
  void AfterRootStart(const sim::Span& span, uint64_t bits);
  // A span ended and was exported: sampled root spans reach the adaptive aggregator.
  void OnSpanEnd(const sim::Span& span);
  // A span (with `events_and_links` span events and links) reached strategy k's dynamic stage.
  void OnDynamicSpan(size_t k, const sim::TraceId& trace_id, uint64_t bytes,
                     uint32_t events_and_links = 0);

  struct Kept {
    size_t strategy;
    uint32_t spans;
    uint64_t bytes;
  };
  // The trace completed: decides every dynamic stage (kept() lists what they stored) and
  // moves the Jaeger root decisions to the scoring side (keyed by the truth's sequence).
  void OnTrace(const sim::TraceView& trace);
  const std::vector<Kept>& kept() const { return kept_; }

  // The probability strategy k's SDK applied to the trace's root (1 when unknown: not a
  // Jaeger strategy, or a rate-limited / lower-bound decision).
  double HeadProbability(size_t k, uint64_t sequence) const;
  // The trace was scored; forget it.
  void ForgetTrace(uint64_t sequence);

  // Runs the adaptive loops up to the end of the run.
  void Finish(int64_t end_unix_nano);
  // What the run summary says about strategy k's Jaeger provider and dynamic stage: why adaptive
  // sampling did not adapt (no root span Jaeger could read, the leader serving its start-up
  // probabilities), which services run no Jaeger remote sampler, traces whose dynamic-sampler
  // key was not counted (beyond max_keys). Empty when there is nothing to say.
  std::vector<std::string> Notes(size_t k) const;
  // Writes every `write_strategies` file. Errors name the strategy and the file.
  sim::Status WriteOutputs(const std::vector<std::string>& strategy_names) const;

  // Introspection for tests: strategy k's provider and SDKs (nullptr when none).
  const JaegerAdaptiveSampling* adaptive(size_t k) const;
  const JaegerRemoteSampler* sdk(size_t k, uint32_t service) const;
  // Polls of strategy k's SDKs, summed over services.
  int polls(size_t k) const;

 private:
  struct Jaeger;
  struct Dynamic;
  struct RootDecision {
    JaegerSamplerType type = JaegerSamplerType::kUnrecognized;    // as the SDK decided
    JaegerSamplerType tagged = JaegerSamplerType::kUnrecognized;  // as Jaeger reads the tags
    double param = 0;
  };
  void Poll(Jaeger& j, size_t service, int64_t t);

  const sim::Model& model_;
  std::vector<std::unique_ptr<Jaeger>> jaeger_;    // by strategy; null when not Jaeger
  std::vector<std::unique_ptr<Dynamic>> dynamic_;  // by strategy; null when no dynamic stage
  bool has_jaeger_ = false, has_dynamic_ = false;
  int64_t now_ = 0;  // latest span time seen (span times may be skewed per service)
  std::vector<Kept> kept_;
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_LAB_ADAPTIVE_H_
