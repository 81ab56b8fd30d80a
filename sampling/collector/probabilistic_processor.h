// A model of the OpenTelemetry Collector contrib `probabilistic_sampler` processor for traces
// (sampling.md §2; processor/probabilisticsamplerprocessor, 2025 line): its configuration with
// the component's own validation, and its per-span decision in the three modes (a function of the
// span alone).
//
// - hash_seed: bucket = FNV-1a-32(LE32(hash_seed) || 16 trace-id bytes) & 0x3FFF, keep iff
//   bucket < uint32(float32(pct) * 163.84f). The kept span gets ot=th:<(16384-scaled)<<42>
//   and an rv derived from the hash; a span already carrying th or rv is an error.
// - proportional: T_o = threshold(p * probability(T_in)), keep iff R >= T_o.
// - equalizing: T_d = threshold(p); a span with T_in > T_d passes on its own th, else keep iff
//   R >= T_d.
// R is the `rv` of the span's tracestate, else the trace id's low 56 bits. Errors (missing
// randomness, an incoming th the randomness does not pass, an unparsable ot entry, th/rv in
// hash_seed mode) keep the span when fail_closed is false and drop it when true. The span
// attribute `sampling.priority` overrides everything afterwards: 0 drops, > 0 keeps.
// Thread-compatible: Decide() is const and does not allocate.
#ifndef TRACESIM_SAMPLING_PROBABILISTIC_PROCESSOR_H_
#define TRACESIM_SAMPLING_PROBABILISTIC_PROCESSOR_H_

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/diagnostics.h"
#include "config/reader.h"
#include "sampling/collector/collector_config.h"
#include "sampling/core/sampler.h"
#include "sim/base/status.h"
#include "sim/model/model.h"
#include "sim/model/span.h"

namespace YAML {
class Node;
}  // namespace YAML

namespace tracesim::sampling {

// NOTE: names are config values; do not renumber.
enum class ProbabilisticMode : uint8_t {
  kUnset = 0,  // `mode` absent: hash_seed when hash_seed != 0 (or, for logs, attribute_source
               // is record), else ProbabilisticSamplerConfig::default_mode
  kHashSeed = 1,
  kProportional = 2,
  kEqualizing = 3,
};

// "", "hash_seed", "proportional", "equalizing".
std::string_view ProbabilisticModeName(ProbabilisticMode m);

// The processor block. Field names are the YAML keys.
struct ProbabilisticSamplerConfig {
  // Percentage kept; > 100 means 100, 0 drops everything; finite, >= 0 and, when not 0, at least
  // 2^-56 * 100. A Go float32 in the component, kept as float here. Default: 0.
  float sampling_percentage = 0;
  uint32_t hash_seed = 0;                              // Default: 0.
  ProbabilisticMode mode = ProbabilisticMode::kUnset;  // Default: unset (see the enum).
  bool fail_closed = true;                             // Default: true.
  int sampling_precision = 4;  // Hex digits of the written th, [1, 14]. Default: 4.
  // Logs only (accepted and validated for traces, unused by Decide()):
  std::string attribute_source = "traceID";  // traceID | record. Default: traceID.
  std::string from_attribute;                // Default: "".
  std::string sampling_priority;             // Default: "".
  // Not a YAML key: the mode an unset `mode` falls back to, i.e. the compiled-in default of the
  // Collector version being modelled. hash_seed in the 2025 code read; some earlier versions
  // used proportional (sampling.md §2.1). Default: hash_seed.
  ProbabilisticMode default_mode = ProbabilisticMode::kHashSeed;

  // The component's Validate(), with its messages ("sampling rate is negative: -15.300000%",
  // "sampling rate is invalid: +Inf%", "sampling rate is too small: 1e-15%", "invalid sampling
  // precision: 0", "sampling precision is too great, should be <= 14: 15", "invalid attribute
  // source: x. Expected: traceID or record"), each prefixed by the key it concerns.
  sim::Status Validate() const;
  // The mode in effect for spans (mode, else the unset rule).
  ProbabilisticMode EffectiveMode() const;
};

struct ProbabilisticParse {
  ProbabilisticSamplerConfig config;
  std::vector<config::Diagnostic> warnings;  // e.g. sampling_percentage not set (drops every span)
};

// Parses one processor block (the mapping under `processors: probabilistic_sampler[/name]`) at
// `block` (its key path and position), strictly as the Collector decodes it: unknown keys (with a
// did-you-mean) and wrong types are errors, numbers as Go's YAML + strconv read them (+Inf, .inf,
// 1e-3, 100_000), then Validate() at the key it concerns. Every problem goes to `diag`, warnings
// too; nullopt on an error. A null block is the default config.
std::optional<ProbabilisticSamplerConfig> ParseProbabilisticSamplerConfig(
    const config::Node& block, config::Diagnostics& diag);
// The same at the edge: `path` is the block's key path in `source`.
sim::Result<ProbabilisticParse> ParseProbabilisticSamplerConfig(const YAML::Node& block,
                                                                std::string_view source,
                                                                std::string_view path);

// Every `probabilistic_sampler` and `probabilistic_sampler/<name>` block under `processors:`
// of a Collector config document, in file order, keyed by component id. A document without
// any is an empty list. Problems (every block's) go to `diag`; invalid blocks are left out.
std::vector<std::pair<std::string, ProbabilisticParse>> ParseCollectorProbabilisticSamplers(
    const CollectorConfig& doc, config::Diagnostics& diag);
// Reads (expanding ${env:VAR}) and parses a Collector config file (kNotFound / kIoError /
// kInvalidArgument); any problem fails the load.
sim::Result<std::vector<std::pair<std::string, ProbabilisticParse>>>
LoadCollectorProbabilisticSamplers(const std::string& path);

// FNV-1a-32 over LE32(seed) followed by `bytes` (the processor's computeHash).
uint32_t ProbabilisticHash(std::span<const uint8_t> bytes, uint32_t seed);
// The 14-bit hash_seed bucket of a trace id.
uint32_t HashSeedBucket(const sim::TraceId& id, uint32_t seed);
// The 56-bit randomness hash_seed mode derives (and writes as rv): (16383 - bucket) << 42 |
// mix of the 18 unused hash bits << 14 | bucket.
uint64_t HashSeedRandomness(const sim::TraceId& id, uint32_t seed);

// Why the randomness or threshold could not be used. NOTE: printed; do not renumber.
enum class ProbabilisticError : uint8_t {
  kNone = 0,
  kMissingRandomness = 1,      // all-zero trace id and no rv
  kInconsistentThreshold = 2,  // incoming th > randomness: should not have been sampled
  kTraceStateInvalid = 3,      // the ot entry did not parse
  kRandomnessInUse = 4,        // hash_seed mode: the span carries rv
  kThresholdInUse = 5,         // hash_seed mode: the span carries th
};
std::string_view ProbabilisticErrorName(ProbabilisticError e);

// The decision on one span.
struct ProbabilisticDecision {
  bool keep = false;
  // The span's `ot` values after the processor (when kept; unchanged inputs when dropped):
  // th (kNoThreshold = none) and rv.
  uint64_t threshold = kNoThreshold;
  bool has_randomness = false;
  uint64_t randomness = 0;
  ProbabilisticError error = ProbabilisticError::kNone;
  // The `policy` attribute of the processor's count_traces_sampled metric: "trace_id_hash",
  // "trace_id_w3c", "sampling_randomness", "sampling_priority", "missing_randomness".
  std::string_view policy;
};

// The incoming consistent-sampling state of a span (its tracestate `ot` entry).
struct ProbabilisticInput {
  uint64_t threshold = kNoThreshold;   // th; kNoThreshold when absent
  std::optional<uint64_t> randomness;  // rv
  bool tracestate_valid = true;        // false: the ot entry failed to parse
};

class ProbabilisticSamplerProcessor {
 public:
  // REQUIRES: config.Validate().ok().
  explicit ProbabilisticSamplerProcessor(const ProbabilisticSamplerConfig& config);

  // Decides one span from its trace id, attributes (sampling.priority) and the given incoming
  // threshold / rv.
  ProbabilisticDecision Decide(const sim::Model& model, const sim::Span& span,
                               uint64_t incoming_threshold,
                               std::optional<uint64_t> incoming_randomness = std::nullopt) const;
  ProbabilisticDecision Decide(const sim::Model& model, const sim::Span& span,
                               const ProbabilisticInput& input) const;
  // Decides from the span's own tracestate (span.trace_state, parsed with the Collector's
  // rules: uppercase hex accepted, any malformed ot entry is kTraceStateInvalid).
  ProbabilisticDecision DecideFromTraceState(const sim::Model& model, const sim::Span& span) const;

  ProbabilisticMode mode() const { return mode_; }
  // The fixed threshold of hash_seed / equalizing mode (kMaxThreshold when nothing passes).
  uint64_t fixed_threshold() const { return fixed_threshold_; }

 private:
  ProbabilisticMode mode_;
  bool never_ = false;  // sampling_percentage 0 (or hash_seed rounding to 0 buckets)
  bool fail_closed_;
  uint32_t hash_seed_;
  double ratio_ = 1;  // proportional
  int precision_;
  uint64_t fixed_threshold_ = kMaxThreshold;
  // hash_seed: a direct-mapped memo of recent trace ids' HashSeedRandomness (the spans of a trace
  // arrive close together). It makes Decide() unsafe to call concurrently on one instance.
  struct HashMemo {
    sim::TraceId id;
    uint64_t randomness = 0;
    bool valid = false;
  };
  mutable std::array<HashMemo, 256> hash_memo_{};
  uint64_t HashRandomness(const sim::TraceId& id) const noexcept;
  // Decide()'s steps (probabilistic_processor.cc).
  struct Carrier;
  void ReadRandomness(const sim::Span& span, Carrier& c) const;
  uint64_t Threshold(const Carrier& c) const;
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_PROBABILISTIC_PROCESSOR_H_
