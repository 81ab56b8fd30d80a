// Tail-sampling policy evaluators: the Collector tail_sampling policies (spec sampling.md §1.3,
// §1.4) evaluated over one trace's buffered spans.
//
// TailPolicy::Create compiles a TailPolicyConfig (interning nothing: attribute keys absent from
// the Model's string table simply never match). Evaluate() is noexcept and allocation-free
// except the string_attribute regex memo. Stateful policies (rate_limiting, bytes_limiting,
// composite) are driven by the processor clock `now_unix_nano` (decision time), never by span
// timestamps. Not thread-safe; one instance per processor.
#ifndef TRACESIM_SAMPLING_TAIL_POLICY_H_
#define TRACESIM_SAMPLING_TAIL_POLICY_H_

#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sampling/collector/tail_sampling/config/tail_config.h"
#include "sampling/collector/tail_sampling/config/tail_ottl.h"
#include "sim/base/status.h"
#include "sim/model/model.h"
#include "sim/model/span.h"
#include "sim/model/span_records.h"

namespace tracesim::sampling {

// The Collector's internal decision enum. NOTE: bit positions in TailDecisionMask; do not
// renumber.
enum class TailDecision : uint8_t {
  kUnspecified = 0,
  kPending = 1,
  kSampled = 2,
  kNotSampled = 3,
  kDropped = 4,
  kError = 5,
  kInvertSampled = 6,
  kInvertNotSampled = 7,
};
std::string_view TailDecisionName(TailDecision d);

// A set of decisions seen while evaluating a trace: bit (1 << decision).
using TailDecisionMask = uint8_t;
inline constexpr TailDecisionMask Bit(TailDecision d) {
  return static_cast<TailDecisionMask>(1u << static_cast<unsigned>(d));
}
// The final decision from the set of policy decisions (spec §1.3): Dropped wins, then
// InvertNotSampled vetoes, then Sampled, then InvertSampled unless a plain NotSampled was seen;
// otherwise NotSampled.
TailDecision CombineDecisions(TailDecisionMask seen) noexcept;

// One trace as policies see it: sim::SpanRecords (sim/model/span_records.h).
using sim::SpanRecords;

// What the status_code and latency policies read of a trace's buffered spans, kept up to date
// as spans are buffered (Add), so that deciding a trace does not walk its spans, which by the
// decision wait have left the cache.
struct TailTraceSummary {
  uint32_t spans = 0;             // Add()ed
  uint8_t status_mask = 0;        // bit c: a span with status code c (c < 8)
  int64_t min_start = INT64_MAX;  // the earliest start_unix_nano
  int64_t max_end = INT64_MIN;    // the latest end_unix_nano
  void Add(const sim::Span& s) noexcept {
    ++spans;
    const auto code = static_cast<unsigned>(s.status);
    if (code < 8) status_mask |= static_cast<uint8_t>(1u << code);
    if (s.start_unix_nano < min_start) min_start = s.start_unix_nano;
    if (s.end_unix_nano > max_end) max_end = s.end_unix_nano;
  }
};

struct TailTraceData {
  const sim::Model* model = nullptr;
  sim::TraceId trace_id;
  SpanRecords spans;                       // buffered, in arrival order
  TailTraceSummary summary;                // of `spans` (REQUIRED: Add()ed every one of them)
  std::span<const sim::SpanEvent> events;  // Span::first_event/event_count index here
  std::span<const sim::SpanLink> links;    // Span::first_link/link_count index here
  uint64_t span_count = 0;                 // spans received so far
  uint64_t size_bytes = 0;                 // OTLP TracesSize of the buffered spans
};

struct TailPolicyOptions {
  // invert_match yields plain Sampled/NotSampled, as v0.161.0 does unconditionally (its
  // string/numeric/boolean filters return invertHasResourceOrSpanWithCondition's Sampled or
  // NotSampled; the processor.tailsamplingprocessor.disableinvertdecisions gate is gone, though
  // the README still names it). false: the deprecated InvertSampled/InvertNotSampled of older
  // releases (InvertNotSampled overrides every Sampled). Default: true (found by the oracle, issue
  // 10: cases/regex_re2 kept 0 traces in tracesim, 5,830 of 12,061 in the Collector).
  bool disable_invert_decisions = true;
};

// One configured policy. Each policy family is a subclass in a file of its own (the layout of
// the Collector's internal/sampling): tail_policy_trace.cc (always_sample, latency, status_code,
// span_count, trace_state, trace_flags), tail_policy_attribute.cc (numeric_, string_,
// boolean_attribute), tail_policy_probabilistic.cc, tail_policy_limits.cc (rate_limiting,
// bytes_limiting), tail_policy_ottl.cc (ottl_condition), tail_policy_composite.cc (and, drop, not,
// composite). Create() picks the family; the processor calls Evaluate() once per policy per
// decided trace (not per span).
class TailPolicy {
 public:
  static sim::Result<std::unique_ptr<TailPolicy>> Create(const TailPolicyConfig& config,
                                                         const sim::Model& model,
                                                         const TailPolicyOptions& options);
  // Keeps `config` without its sub_policies (the composite family builds those). For the
  // families; the class is abstract.
  TailPolicy(const TailPolicyConfig& config, const TailPolicyOptions& options);
  virtual ~TailPolicy();
  TailPolicy(const TailPolicy&) = delete;
  TailPolicy& operator=(const TailPolicy&) = delete;

  // Evaluates the trace at processor time `now_unix_nano`; kError when the family fails
  // (std::regex or allocation failure).
  TailDecision Evaluate(const TailTraceData& trace, int64_t now_unix_nano) noexcept {
    try {
      return Decide(trace, now_unix_nano);
    } catch (...) {
      return TailDecision::kError;
    }
  }

  const std::string& name() const { return config_.name; }
  TailPolicyType type() const { return config_.type; }
  // Whether Decide reads the trace's spans, events or links; false: only its trace_id, summary,
  // span_count and size_bytes, so a processor whose policies read no spans need not keep them.
  // Default: true.
  virtual bool ReadsSpans() const { return true; }
  // composite: the allocation (spans/s) of each sub-policy, in composite_sub_policy order; empty
  // for other types.
  virtual const std::vector<int64_t>& allocations() const;

 protected:
  // The family's decision; may throw (Evaluate() turns that into kError).
  virtual TailDecision Decide(const TailTraceData& trace, int64_t now_unix_nano) = 0;
  const TailPolicyConfig& config() const { return config_; }
  const TailPolicyOptions& options() const { return options_; }

 private:
  TailPolicyConfig config_;
  TailPolicyOptions options_;
};

// FNV-1a 64 over salt bytes then the 16 trace-id bytes, as the probabilistic policy hashes.
uint64_t TailProbabilisticHash(std::string_view salt, const sim::TraceId& id) noexcept;
// floor(pct/100 x (2^64-1)) rounded as Go big.Float does; >= 100 % gives 2^64-1.
uint64_t TailProbabilisticThreshold(double sampling_percentage) noexcept;

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_TAIL_POLICY_H_
