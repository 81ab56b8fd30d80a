// TailSamplingConfig: the Collector `tail_sampling` processor configuration and its parser.
//
// Mirrors the Collector's config structs (spec sampling.md §1.1–1.4): every top-level key, every
// policy type, the per-position nesting rules (a sub-policy's map only has the blocks its
// position allows, so e.g. `composite:` inside an `and` sub-policy is an unknown key), strict
// decoding and the component's validation errors. Problems are config::Diagnostics
// ("FILE:LINE:COL: key.path: message"), every one collected.
// Plain data; thread-compatible.
#ifndef TRACESIM_SAMPLING_TAIL_CONFIG_H_
#define TRACESIM_SAMPLING_TAIL_CONFIG_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "config/diagnostics.h"
#include "config/reader.h"
#include "sampling/collector/collector_config.h"
#include "sim/base/status.h"

namespace tracesim::sampling {

// NOTE: values appear in stats output; do not renumber.
enum class TailPolicyType : uint8_t {
  kAlwaysSample = 0,
  kLatency = 1,
  kNumericAttribute = 2,
  kProbabilistic = 3,
  kStatusCode = 4,
  kStringAttribute = 5,
  kRateLimiting = 6,
  kBytesLimiting = 7,
  kSpanCount = 8,
  kTraceState = 9,
  kBooleanAttribute = 10,
  kOttlCondition = 11,
  kTraceFlags = 12,
  kAnd = 13,
  kDrop = 14,
  kNot = 15,
  kComposite = 16,
};

// "always_sample", "latency", ... as written in configs.
std::string_view TailPolicyTypeName(TailPolicyType t);
// True for types that keep state across traces (rejected by sampling_strategy span-ingest).
bool IsStatefulPolicyType(TailPolicyType t);

struct TailPolicyConfig {
  std::string name;
  TailPolicyType type = TailPolicyType::kAlwaysSample;
  int line = 0;  // 1-based line and column of the policy object, for messages (0: unknown)
  int col = 0;

  struct Latency {
    int64_t threshold_ms = 0;        // Default: 0
    int64_t upper_threshold_ms = 0;  // Default: 0 (no upper bound)
  } latency;
  struct NumericAttribute {
    std::string key;
    int64_t min_value = 0;  // Default: 0 = bound not set
    int64_t max_value = 0;  // Default: 0 = bound not set
    bool invert_match = false;
  } numeric_attribute;
  struct Probabilistic {
    std::string hash_salt;           // Default: "" (evaluator uses "default-hash-seed")
    double sampling_percentage = 0;  // Default: 0 (samples nothing); >= 100 samples all
  } probabilistic;
  struct StatusCodes {
    std::vector<std::string> status_codes;  // OK, ERROR, UNSET; at least one
  } status_code;
  struct StringAttribute {
    std::string key;
    std::vector<std::string> values;
    bool enabled_regex_matching = false;
    int64_t cache_max_size = 0;  // Default: 0 (128 when regex matching is on)
    bool invert_match = false;
  } string_attribute;
  struct RateLimiting {
    int64_t spans_per_second = 0;
    // The token bucket's size in spans; <= 0 = 2 x spans_per_second (upstream validates
    // neither). Default: 0.
    int64_t burst_capacity = 0;
  } rate_limiting;
  struct BytesLimiting {
    int64_t bytes_per_second = 0;  // required, > 0
    int64_t burst_capacity = 0;    // Default: 0 = 2 x bytes_per_second
  } bytes_limiting;
  struct SpanCount {
    int32_t min_spans = 0;
    int32_t max_spans = 0;  // Default: 0 = no maximum
  } span_count;
  struct TraceState {
    std::string key;
    std::vector<std::string> values;  // after dropping len(key)+len(value) >= 256
  } trace_state;
  struct BooleanAttribute {
    std::string key;
    bool value = false;
    bool invert_match = false;
  } boolean_attribute;
  struct Ottl {
    std::string error_mode = "propagate";  // Default: propagate (ignore, silent)
    std::vector<std::string> span;
    std::vector<std::string> spanevent;
  } ottl_condition;
  struct Composite {
    int64_t max_total_spans_per_second = 0;
    std::vector<std::string> policy_order;  // parsed; evaluation follows composite_sub_policy
    std::vector<std::pair<std::string, int64_t>> rate_allocation;  // (policy, percent)
  } composite;

  // and_sub_policy / drop_sub_policy / composite_sub_policy, or the single not_sub_policy.
  std::vector<TailPolicyConfig> sub_policies;
};

struct TailSamplingConfig {
  std::vector<TailPolicyConfig> policies;               // required, non-empty; config order
  int64_t decision_wait_nanos = 30'000'000'000;         // Default: 30s
  uint64_t num_traces = 50000;                          // Default: 50000
  uint64_t expected_new_traces_per_sec = 0;             // Default: 0 (no semantic effect)
  int64_t sampled_cache_size = 0;                       // Default: 0 (disabled)
  int64_t non_sampled_cache_size = 0;                   // Default: 0 (disabled)
  bool sample_on_first_match = false;                   // Default: false
  bool drop_pending_traces_on_shutdown = false;         // Default: false
  bool block_on_overflow = false;                       // Default: false
  uint64_t maximum_trace_size_bytes = 0;                // Default: 0 (off)
  int64_t decision_wait_after_root_received_nanos = 0;  // Default: 0 (unset)
  std::string sampling_strategy = "trace-complete";     // Default: trace-complete (span-ingest)
  int64_t num_shards = 1;                               // Default: 1

  std::string source;                // file or "<string>", for messages
  std::string id = "tail_sampling";  // component id the block came from
  // Non-fatal findings (e.g. composite allocation quirks), filled by the Result-returning
  // parsers; the Diagnostics-based ones report them into their collector instead.
  std::vector<config::Diagnostic> warnings;

  // The component's validation: names, types, per-policy rules ("FILE:LINE:COL: ID.key: ...").
  // The parsers run the same checks at the values' positions.
  sim::Status Validate() const;
};

// Parses a tail_sampling block (the map under `processors: tail_sampling[/name]:`) at `block`
// (its key path and position), reporting every problem into `diag` (composite quirks as
// warnings). nullopt when there was an error. Validation runs once the block decoded, as
// upstream's Validate() runs after unmarshalling.
std::optional<TailSamplingConfig> ParseTailSamplingConfig(const config::Node& block,
                                                          config::Diagnostics& diag);
// The same at the edge: the block is the document root, `source` names it.
sim::Result<TailSamplingConfig> ParseTailSamplingConfig(const YAML::Node& block,
                                                        std::string_view source);

// The tail_sampling block `id` of `doc` ("" = the only one; an error when there are several).
std::optional<TailSamplingConfig> FindTailSamplingConfig(const CollectorConfig& doc,
                                                         std::string_view id,
                                                         config::Diagnostics& diag);

// Loads the tail_sampling block `id` ("" = the only one; an error when there are several) from a
// full Collector config file, a file holding `tail_sampling:` at the top, or a bare block.
sim::Result<TailSamplingConfig> LoadTailSamplingConfigFile(const std::string& path,
                                                           std::string_view id = "");
sim::Result<TailSamplingConfig> LoadTailSamplingConfigString(std::string_view yaml,
                                                             std::string_view id = "",
                                                             std::string source = "<string>");

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_TAIL_CONFIG_H_
