// Refinery-style dynamic samplers: a trace-level keep/drop decision taken when a trace
// completes, with a sample rate per key computed from how often each key was seen.
//
// DynamicSampler follows Refinery's DynamicSampler (dynsampler-go AvgSampleRate): counts per key
// over a clear_frequency window; at the end of each window the rates for the next window are
// computed so that rare keys keep rate 1 and frequent keys are downsampled on a log10 curve to
// reach the goal average rate. EmaDynamicSampler follows EMADynamicSampler (EMASampleRate): the
// same rate formula over an exponential moving average of per-key counts, updated every
// adjustment_interval, keys ageing out below age_out_value, and optional burst detection.
// Exact formulas: doc/sampling-jaeger.md. Windows are on simulated time. Not thread-safe.
#ifndef TRACESIM_SAMPLING_DYNAMIC_SAMPLER_H_
#define TRACESIM_SAMPLING_DYNAMIC_SAMPLER_H_

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "sim/base/status.h"
#include "sim/base/time.h"
#include "sim/model/span.h"

namespace tracesim::sampling {

// The rate of every key from counts per key and a goal ratio (dynsampler-go
// calculateSampleRates): keys in lexicographic order; each key's goal =
// max(1, log10(max(1, count)) * goal_ratio) plus an equal share of the slack left by earlier
// keys; rate 1 if count <= goal (the unused goal becomes slack), else ceil(count / goal) (the
// slack grows by goal - count / rate). Go float semantics are kept: a non-finite goal_ratio
// (every count <= 1) yields rate 1 for every key. The callers' goal ratios:
//   DynamicSampler:    (sum(count) / goal_rate) / sum(log10(count))
//   EmaDynamicSampler: (sum(max(1, ema)) / goal_rate) / sum(log10(max(1, ema)))
std::map<std::string, uint32_t, std::less<>> DynamicSampleRates(
    double goal_ratio, const std::map<std::string, double, std::less<>>& counts);

// Deterministic keep decision for a trace at `rate`: keeps about 1 in `rate` traces, the same
// way for the same trace id. Uses 32 bits of an FNV-1a 64 / SplitMix64 hash of the 16 id bytes
// (independent of the W3C randomness that head samplers use, as Refinery's SHA-1 of the id is):
// keep iff h32 <= floor(2^32-1 / rate). rate <= 1 keeps everything.
bool DynamicKeep(const sim::TraceId& trace_id, uint32_t rate) noexcept;

struct DynamicSamplerOptions {
  // The goal average sample rate (1 in N). Default: 10 (dynsampler-go). Must be >= 1.
  uint32_t sample_rate = 10;
  // Counting window. Default: 30s. Must be > 0.
  sim::Duration clear_frequency = sim::Duration::Seconds(30);
  // Distinct keys counted per window; 0 = unlimited. Default: 500 (Refinery's MaxKeys default;
  // keys first seen after 500 are not counted, and get rate 1 unless counted in the last window).
  uint32_t max_keys = 500;

  sim::Status Validate() const;
};

class DynamicSampler {
 public:
  // REQUIRES: options.Validate().ok(). Windows end at start + k * clear_frequency.
  explicit DynamicSampler(const DynamicSamplerOptions& options,
                          sim::Time start = sim::Time::Zero());

  // Counts `count` events for `key` (Refinery passes the trace's span count) at `now` and
  // returns the key's rate for the current window: the goal rate before the first window
  // with traffic ended, 1 for a key not seen in the last window.
  uint32_t SampleRateFor(std::string_view key, sim::Time now, uint32_t count = 1);
  static bool Keep(const sim::TraceId& trace_id, uint32_t rate) noexcept {
    return DynamicKeep(trace_id, rate);
  }
  // Closes every window that ended at or before `now`.
  void AdvanceTo(sim::Time now);

  const std::map<std::string, uint32_t, std::less<>>& saved_rates() const { return saved_; }
  const DynamicSamplerOptions& options() const { return options_; }
  // Calls whose key was not counted: new in a window that already held max_keys keys.
  uint64_t uncounted() const { return uncounted_; }

 private:
  void UpdateMaps();

  DynamicSamplerOptions options_;
  uint64_t uncounted_ = 0;
  sim::Time next_clear_;
  std::map<std::string, double, std::less<>> current_;
  std::map<std::string, uint32_t, std::less<>> saved_;
  bool have_data_ = false;
};

struct EmaDynamicSamplerOptions {
  // Goal average sample rate. Default: 10. Must be >= 1.
  uint32_t goal_sample_rate = 10;
  // How often the moving average is updated. Default: 15s. Must be > 0.
  sim::Duration adjustment_interval = sim::Duration::Seconds(15);
  // EMA weight of the newest interval (alpha). Default: 0.5. Must be in (0, 1).
  double weight = 0.5;
  // Keys whose average falls below this are forgotten. Default: 0 = the weight.
  double age_out_value = 0;
  // Burst threshold = multiple * sum(max(1, ema)); a window whose count reaches it updates at
  // once and restarts the interval. Negative disables. Default: 2.
  double burst_multiple = 2;
  // Intervals before burst detection starts. Default: 3.
  uint32_t burst_detection_delay = 3;
  // Distinct keys counted per interval; 0 = unlimited. Default: 500 (Refinery's MaxKeys).
  uint32_t max_keys = 500;

  sim::Status Validate() const;
};

class EmaDynamicSampler {
 public:
  // REQUIRES: options.Validate().ok(). Intervals end at start + k * adjustment_interval (a
  // burst restarts the schedule from the burst).
  explicit EmaDynamicSampler(const EmaDynamicSamplerOptions& options,
                             sim::Time start = sim::Time::Zero());

  uint32_t SampleRateFor(std::string_view key, sim::Time now, uint32_t count = 1);
  static bool Keep(const sim::TraceId& trace_id, uint32_t rate) noexcept {
    return DynamicKeep(trace_id, rate);
  }
  void AdvanceTo(sim::Time now);

  const std::map<std::string, double, std::less<>>& moving_average() const { return ema_; }
  const std::map<std::string, uint32_t, std::less<>>& saved_rates() const { return saved_; }
  uint32_t bursts() const { return bursts_; }
  uint32_t intervals() const { return interval_count_; }
  // Calls whose key was not counted: new in an interval that already held max_keys keys.
  uint64_t uncounted() const { return uncounted_; }

 private:
  void UpdateMaps();

  EmaDynamicSamplerOptions options_;
  uint64_t uncounted_ = 0;
  sim::Time next_update_;
  std::map<std::string, double, std::less<>> current_;
  std::map<std::string, double, std::less<>> ema_;
  std::map<std::string, uint32_t, std::less<>> saved_;
  double burst_threshold_ = 0;
  double burst_sum_ = 0;
  uint32_t interval_count_ = 0;
  uint32_t bursts_ = 0;
  bool have_data_ = false;
};

// Builds keys from a finished trace as Refinery v3.2.2 does (sample/trace_key.go) from the events
// husky v0.43.1 makes of OTLP (otlp/traces.go): every span, and every span event and link as an
// event of its own. Fields as husky names them: a span has "name", "span.kind" and "type"
// ("server", ..., "unspecified"), "status_code" (0, 1, 2), "error" (true, ERROR spans only),
// its resource's attributes (service.name, ...) and its attributes; a span event has "name"
// (the event's), "parent_name", "meta.annotation_type" ("span_event"), the resource's and its
// own attributes and the span's "error"; a link "parent_name", "meta.annotation_type"
// ("link"), the resource's attributes and "error".
// The field list is sorted; "root." fields read the root span only. Key: for each other field
// with values, its distinct values sorted, each followed by "•", then ","; then each root field
// the root has, as "value,"; use_trace_length appends the event count (spans + events + links).
// At most 100 distinct values are looked at (Refinery's maxKeyLength: the 100th is counted, not
// written, and the scan stops).
class DynamicKeyBuilder {
 public:
  DynamicKeyBuilder(std::vector<std::string> fields, bool use_trace_length = false);
  std::string Build(const sim::TraceView& trace) const;

 private:
  std::vector<std::string> fields_;       // sorted, without the root. ones
  std::vector<std::string> root_fields_;  // sorted, "root." removed
  bool use_trace_length_;
};

// The count Refinery passes to the dynamic sampler for a trace: its events (spans, span events
// and links; types.Trace.DescendantCount).
inline uint32_t RefineryEventCount(uint32_t spans, uint32_t events, uint32_t links) {
  return spans + events + links;
}

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_DYNAMIC_SAMPLER_H_
