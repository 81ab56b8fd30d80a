// Sampler: the head (SDK) sampling interface, modelled on the OpenTelemetry SDK's.
//
// A Sampler decides, when a span starts, whether it is recorded and sampled. Implementations are
// faithful models of real SDK samplers (AlwaysOn, TraceIdRatioBased in the Go/Java/Python
// variants, ParentBased, the consistent probability sampler, Jaeger remote per-operation, rate
// limiting). ShouldSample() is the hot path: noexcept, no allocation. Samplers with state (rate
// limiters, adaptive probabilities) are driven by simulated time (params.time_unix_nano), never
// by the wall clock. Not thread-safe; one instance per simulated SDK (per service).
#ifndef TRACESIM_SAMPLING_SAMPLER_H_
#define TRACESIM_SAMPLING_SAMPLER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "sim/model/model.h"
#include "sim/model/span.h"

namespace tracesim::sampling {

// NOTE: mirrors the OpenTelemetry SDK; do not renumber.
enum class Decision : uint8_t { kDrop = 0, kRecordOnly = 1, kRecordAndSample = 2 };

// The 56-bit rejection threshold of consistent probability sampling (OTEP 235): a span is kept
// when the trace's 56-bit randomness R satisfies R >= threshold. threshold 0 keeps everything;
// kNoThreshold means "no th value" (not sampled by a consistent sampler, or unknown).
inline constexpr uint64_t kMaxThreshold = uint64_t{1} << 56;
inline constexpr uint64_t kNoThreshold = ~uint64_t{0};

// "DROP", "RECORD_ONLY", "RECORD_AND_SAMPLE", as the SDKs name them.
std::string_view DecisionName(Decision d);

struct SamplingParams {
  const sim::Model* model = nullptr;
  sim::TraceId trace_id;
  // The parent context (absent for a root span or when propagation broke).
  bool has_parent = false;
  bool parent_remote = false;   // the parent is in another process (SERVER/CONSUMER spans)
  bool parent_sampled = false;  // the parent's sampled flag (W3C trace-flags bit 0)
  bool random_flag = true;      // W3C Level-2 random-trace-id flag of the context
  // Consistent-sampling values carried in the parent's tracestate `ot` entry (th and rv);
  // kNoThreshold / absent when the entry has none.
  uint64_t parent_threshold = kNoThreshold;
  bool has_explicit_randomness = false;
  uint64_t explicit_randomness = 0;  // rv, 56 bits
  // The span being started: its kind, name, recording service and operation, and attributes
  // known at start (static and dynamic attributes of `span`; `span` may be nullptr).
  sim::SpanKind kind = sim::SpanKind::kInternal;
  sim::StrId name = sim::kEmptyStr;
  uint32_t service = sim::kNone;
  const sim::Span* span = nullptr;
  int64_t time_unix_nano = 0;  // simulated start time (drives rate limiters)
};

struct SamplingResult {
  Decision decision = Decision::kDrop;
  // The th the span's tracestate `ot` entry carries after this decision (kNoThreshold: remove
  // or leave none). Consistent samplers set it; others pass the parent's through or clear it,
  // as their real implementation does.
  uint64_t threshold = kNoThreshold;
  bool sampled() const { return decision == Decision::kRecordAndSample; }
};

class Sampler {
 public:
  Sampler() = default;
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;
  Sampler(Sampler&&) = delete;
  Sampler& operator=(Sampler&&) = delete;
  virtual ~Sampler() = default;

  virtual SamplingResult ShouldSample(const SamplingParams& params) noexcept = 0;
  // True when the decision for any span with a parent is the parent's sampled flag (ParentBased
  // with the default delegates), so callers may skip ShouldSample() for such spans. The
  // returned threshold is then not needed either: only a root's threshold is propagated.
  virtual bool FollowsParent() const noexcept { return false; }
  // A config echo as the SDKs print it, e.g. "TraceIdRatioBased{0.250000}",
  // "ParentBased{root:AlwaysOnSampler,...}".
  virtual std::string Description() const = 0;
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_SAMPLER_H_
