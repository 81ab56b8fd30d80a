// Policies on properties of the trace's spans: always_sample, latency, status_code, span_count,
// trace_state, trace_flags (the Collector's always_sample.go, latency.go, status_code.go,
// span_count_sampler.go, trace_state_filter.go and trace_flags).
#include <algorithm>
#include <limits>
#include <string>
#include <string_view>

#include "sampling/collector/tail_sampling/policies/tail_policy_families.h"

namespace tracesim::sampling::tail_policies {
namespace {

class AlwaysSamplePolicy final : public TailPolicy {
 public:
  using TailPolicy::TailPolicy;

 private:
  TailDecision Decide(const TailTraceData&, int64_t) override { return TailDecision::kSampled; }
  bool ReadsSpans() const override { return false; }
};

// latency (v0.161.0 latency.go): over the running window [min start, max end] of the spans in
// buffered order, duration.Milliseconds() (whole milliseconds, truncated) > threshold_ms, or
// threshold_ms < ms <= upper_threshold_ms with an upper bound.
class LatencyPolicy final : public TailPolicy {
 public:
  using TailPolicy::TailPolicy;

 private:
  TailDecision Decide(const TailTraceData& t, int64_t) override {
    const int64_t lo = config().latency.threshold_ms;
    const int64_t hi = config().latency.upper_threshold_ms;
    if (hi == 0) {  // the running window only grows: some prefix exceeds lo iff the whole does
      if (t.summary.spans == 0) return TailDecision::kNotSampled;
      const int64_t ms = (t.summary.max_end - t.summary.min_start) / 1'000'000;
      return ms > lo ? TailDecision::kSampled : TailDecision::kNotSampled;
    }
    int64_t min_start = std::numeric_limits<int64_t>::max();
    int64_t max_end = std::numeric_limits<int64_t>::min();
    for (const sim::Span& s : t.spans) {  // running window, in buffered order
      min_start = std::min(min_start, s.start_unix_nano);
      max_end = std::max(max_end, s.end_unix_nano);
      const int64_t ms = (max_end - min_start) / 1'000'000;  // Go truncates toward zero
      if (lo < ms && ms <= hi) return TailDecision::kSampled;
    }
    return TailDecision::kNotSampled;
  }
  // With an upper threshold, the window of a prefix of the spans may match when the whole does
  // not: that takes the spans in buffered order.
  bool ReadsSpans() const override { return config().latency.upper_threshold_ms != 0; }
};

class StatusCodePolicy final : public TailPolicy {
 public:
  StatusCodePolicy(const TailPolicyConfig& config, const TailPolicyOptions& options)
      : TailPolicy(config, options) {
    for (const std::string& s : config.status_code.status_codes) {
      if (s == "UNSET") match_ |= 1u << 0;
      if (s == "OK") match_ |= 1u << 1;
      if (s == "ERROR") match_ |= 1u << 2;
    }
  }

 private:
  // Sampled iff a buffered span has one of the codes.
  TailDecision Decide(const TailTraceData& t, int64_t) override {
    return (t.summary.status_mask & match_) != 0 ? TailDecision::kSampled
                                                 : TailDecision::kNotSampled;
  }
  bool ReadsSpans() const override { return false; }
  uint8_t match_ = 0;  // bit c: status code c (UNSET 0, OK 1, ERROR 2) matches
};

class SpanCountPolicy final : public TailPolicy {
 public:
  using TailPolicy::TailPolicy;

 private:
  TailDecision Decide(const TailTraceData& t, int64_t) override {
    const int64_t n = static_cast<int64_t>(t.span_count);
    const auto& c = config().span_count;
    return n >= c.min_spans && (c.max_spans == 0 || n <= c.max_spans) ? TailDecision::kSampled
                                                                      : TailDecision::kNotSampled;
  }
  bool ReadsSpans() const override { return false; }
};

// go.opentelemetry.io/otel/trace ParseTraceState (v1.46.0), which trace_state_filter.go calls:
// strict W3C. A key is `lcalpha *255(lcalpha/digit/_-*/)`, or `tenant@system` with a 1+240 char
// tenant starting with lcalpha/digit and a 1+13 char system; a value is 1..256 chars of
// 0x20..0x7E without ',' and '=', not ending in a space. Only the key's leading and the value's
// trailing spaces/tabs are trimmed; empty members ("a=1,,b=2") are skipped, a blank one is an
// error; more than 32 members or a repeated key is an error.
bool KeyRemain(std::string_view k) {
  for (char c : k) {
    if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '*' ||
        c == '/') {
      continue;
    }
    return false;
  }
  return true;
}

bool KeyPart(std::string_view k, size_t n) {
  return !k.empty() && k.size() - 1 <= n && k[0] >= 'a' && k[0] <= 'z' && KeyRemain(k.substr(1));
}

bool TraceStateKey(std::string_view k) {
  const size_t at = k.find('@');
  if (at == std::string_view::npos) return KeyPart(k, 255);
  const std::string_view tenant = k.substr(0, at), system = k.substr(at + 1);
  const bool tenant_ok =
      !tenant.empty() && tenant.size() - 1 <= 240 &&
      ((tenant[0] >= 'a' && tenant[0] <= 'z') || (tenant[0] >= '0' && tenant[0] <= '9')) &&
      KeyRemain(tenant.substr(1));
  return tenant_ok && KeyPart(system, 13);
}

bool TraceStateValueChars(std::string_view v) {
  if (v.empty() || v.size() > 256) return false;
  for (size_t i = 0; i < v.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(v[i]);
    const unsigned char lo = i + 1 == v.size() ? 0x21 : 0x20;
    if (c < lo || c > 0x7e || c == ',' || c == '=') return false;
  }
  return true;
}

// The value of list member `key`: false when absent or when the tracestate does not parse.
bool TraceStateValue(std::string_view ts, std::string_view key, std::string_view* out) {
  bool found = false;
  std::string_view keys[32];
  size_t members = 0;
  while (!ts.empty()) {
    const size_t comma = ts.find(',');
    const std::string_view member = ts.substr(0, comma);
    ts = comma == std::string_view::npos ? std::string_view() : ts.substr(comma + 1);
    if (member.empty()) continue;
    const size_t eq = member.find('=');
    if (eq == std::string_view::npos) return false;
    std::string_view k = member.substr(0, eq), v = member.substr(eq + 1);
    while (!k.empty() && (k.front() == ' ' || k.front() == '\t')) k.remove_prefix(1);
    while (!v.empty() && (v.back() == ' ' || v.back() == '\t')) v.remove_suffix(1);
    if (!TraceStateKey(k) || !TraceStateValueChars(v)) return false;
    if (members == 32) return false;  // a 33rd member
    for (size_t i = 0; i < members; ++i)
      if (keys[i] == k) return false;  // duplicate
    keys[members++] = k;
    if (!found && k == key) {
      *out = v;
      found = true;
    }
  }
  return found;
}

class TraceStatePolicy final : public TailPolicy {
 public:
  using TailPolicy::TailPolicy;

 private:
  TailDecision Decide(const TailTraceData& t, int64_t) override {
    const sim::Model& m = *t.model;
    for (const sim::Span& s : t.spans) {
      if (s.trace_state == sim::kEmptyStr) continue;
      std::string_view v;
      if (!TraceStateValue(m.strings.Get(s.trace_state), config().trace_state.key, &v)) continue;
      for (const std::string& want : config().trace_state.values)
        if (want == v) return TailDecision::kSampled;
    }
    return TailDecision::kNotSampled;
  }
};

class TraceFlagsPolicy final : public TailPolicy {
 public:
  using TailPolicy::TailPolicy;

 private:
  TailDecision Decide(const TailTraceData& t, int64_t) override {
    for (const sim::Span& s : t.spans)
      if (s.flags & sim::kFlagSampled) return TailDecision::kSampled;
    return TailDecision::kNotSampled;
  }
};

}  // namespace

PolicyResult MakeTracePolicy(const TailPolicyConfig& config, const TailPolicyOptions& options) {
  switch (config.type) {
    case TailPolicyType::kAlwaysSample:
      return std::unique_ptr<TailPolicy>(new AlwaysSamplePolicy(config, options));
    case TailPolicyType::kLatency:
      return std::unique_ptr<TailPolicy>(new LatencyPolicy(config, options));
    case TailPolicyType::kStatusCode:
      return std::unique_ptr<TailPolicy>(new StatusCodePolicy(config, options));
    case TailPolicyType::kSpanCount:
      return std::unique_ptr<TailPolicy>(new SpanCountPolicy(config, options));
    case TailPolicyType::kTraceState:
      return std::unique_ptr<TailPolicy>(new TraceStatePolicy(config, options));
    case TailPolicyType::kTraceFlags:
      return std::unique_ptr<TailPolicy>(new TraceFlagsPolicy(config, options));
    default:
      return sim::Status::Internal("not a trace-property policy");
  }
}

}  // namespace tracesim::sampling::tail_policies
