#include "sampling/collector/tail_sampling/policies/tail_policy.h"

#include <gtest/gtest.h>

#include <utility>

#include "sampling/collector/tail_sampling/config/tail_config.h"
#include "sampling/collector/tail_sampling/config/tail_ottl.h"
#include "sampling/collector/tail_sampling/tail_test_model.h"
#include "sim/base/rng.h"

namespace tracesim::sampling {
namespace {

using testing::MakeSpan;
using testing::MakeTailModel;
using testing::Tid;

class TailPolicyTest : public ::testing::Test {
 protected:
  TailPolicyTest() : model_(MakeTailModel()) {}

  sim::StrId S(const char* s) { return model_.strings.Find(s); }
  // A string the test model does not hold yet (keys and values of the newer tests).
  sim::StrId I(const char* s) { return model_.strings.Intern(s); }

  // A policy from the YAML of one policy object.
  std::unique_ptr<TailPolicy> Make(const std::string& policy_yaml, TailPolicyOptions opt = {}) {
    auto cfg = LoadTailSamplingConfigString("policies:\n  - " + policy_yaml + "\n", "", "p.yaml");
    EXPECT_TRUE(cfg.ok()) << cfg.status().message();
    if (!cfg.ok()) return nullptr;
    auto p = TailPolicy::Create(cfg->policies[0], model_, opt);
    EXPECT_TRUE(p.ok()) << p.status().message();
    return p.ok() ? std::move(p).value() : nullptr;
  }

  TailDecision Eval(TailPolicy& p, int64_t now = 5'000'000'000) {
    TailTraceData t;
    t.model = &model_;
    t.trace_id = spans_.empty() ? Tid(1) : spans_[0].trace_id;
    t.spans = spans_;
    for (const sim::Span& s : spans_) t.summary.Add(s);
    t.events = events_;
    t.span_count = spans_.size();
    t.size_bytes = size_bytes_;
    return p.Evaluate(t, now);
  }

  sim::Model model_;
  std::vector<sim::Span> spans_;
  std::vector<sim::SpanEvent> events_;
  uint64_t size_bytes_ = 0;
};

// Policies that decide from the trace summary, its span count or size say they read no spans
// (a processor then keeps none); the others, and composites holding one of them, say they do.
TEST_F(TailPolicyTest, ReadsSpansOnlyWhereTheDecisionNeedsThem) {
  const std::pair<const char*, bool> cases[] = {
      {"{name: a, type: always_sample}", false},
      {"{name: a, type: status_code, status_code: {status_codes: [ERROR]}}", false},
      {"{name: a, type: latency, latency: {threshold_ms: 10}}", false},
      {"{name: a, type: latency, latency: {threshold_ms: 10, upper_threshold_ms: 20}}", true},
      {"{name: a, type: span_count, span_count: {min_spans: 2}}", false},
      {"{name: a, type: probabilistic, probabilistic: {sampling_percentage: 5}}", false},
      {"{name: a, type: rate_limiting, rate_limiting: {spans_per_second: 5}}", false},
      {"{name: a, type: bytes_limiting, bytes_limiting: {bytes_per_second: 500}}", false},
      {"{name: a, type: trace_flags}", true},
      {"{name: a, type: string_attribute, string_attribute: {key: k, values: [v]}}", true},
      {"{name: a, type: and, and: {and_sub_policy: [{name: b, type: always_sample}, "
       "{name: c, type: span_count, span_count: {min_spans: 2}}]}}",
       false},
      {"{name: a, type: and, and: {and_sub_policy: [{name: b, type: always_sample}, "
       "{name: c, type: boolean_attribute, boolean_attribute: {key: k, value: true}}]}}",
       true},
  };
  for (const auto& [yaml, reads] : cases) {
    auto p = Make(yaml);
    ASSERT_NE(p, nullptr) << yaml;
    EXPECT_EQ(p->ReadsSpans(), reads) << yaml;
  }
}

TEST_F(TailPolicyTest, AlwaysSampleAndTraceFlags) {
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  EXPECT_EQ(Eval(*Make("{name: a, type: always_sample}")), TailDecision::kSampled);
  auto f = Make("{name: f, type: trace_flags}");
  EXPECT_EQ(Eval(*f), TailDecision::kNotSampled);
  spans_.push_back(MakeSpan(1, 2, 1, 0, 10));
  spans_[1].flags |= sim::kFlagSampled;
  EXPECT_EQ(Eval(*f), TailDecision::kSampled);
}

// Upstream (v0.161.0 latency.go): duration.Milliseconds() > threshold_ms, or threshold_ms < ms
// <= upper_threshold_ms: whole milliseconds, truncated, strict lower bound in both forms.
// Confirmed by the oracle (peers/lab_oracle/cases/stateless_policies.yaml, latency-band).
TEST_F(TailPolicyTest, LatencyUsesRunningWindow) {
  const int64_t ms = 1'000'000;
  auto lo = Make("{name: l, type: latency, latency: {threshold_ms: 100}}");
  spans_ = {MakeSpan(1, 1, 0, 0, 99 * ms)};
  EXPECT_EQ(Eval(*lo), TailDecision::kNotSampled);
  spans_ = {MakeSpan(1, 1, 0, 0, 100 * ms)};
  EXPECT_EQ(Eval(*lo), TailDecision::kNotSampled);  // 100 is not > 100
  spans_ = {MakeSpan(1, 1, 0, 0, 101 * ms - 1)};
  EXPECT_EQ(Eval(*lo), TailDecision::kNotSampled);  // 100.999999 ms truncates to 100
  spans_ = {MakeSpan(1, 1, 0, 0, 101 * ms)};
  EXPECT_EQ(Eval(*lo), TailDecision::kSampled);
  // Two short spans far apart span the threshold together.
  spans_ = {MakeSpan(1, 2, 1, 0, 10 * ms), MakeSpan(1, 3, 1, 150 * ms, 10 * ms)};
  EXPECT_EQ(Eval(*lo), TailDecision::kSampled);

  auto band =
      Make("{name: b, type: latency, latency: {threshold_ms: 100, upper_threshold_ms: 200}}");
  spans_ = {MakeSpan(1, 1, 0, 0, 100 * ms)};
  EXPECT_EQ(Eval(*band), TailDecision::kNotSampled);  // strict lower bound with an upper bound
  spans_ = {MakeSpan(1, 1, 0, 0, 300 * ms)};
  EXPECT_EQ(Eval(*band), TailDecision::kNotSampled);
  spans_ = {MakeSpan(1, 1, 0, 0, 200 * ms + 999'999)};
  EXPECT_EQ(Eval(*band), TailDecision::kSampled);  // 200.999999 ms is 200: inside the band
  // Quirk: a partial window inside the band samples a trace whose full duration exceeds it.
  spans_ = {MakeSpan(1, 2, 1, 0, 150 * ms), MakeSpan(1, 1, 0, 0, 300 * ms)};
  EXPECT_EQ(Eval(*band), TailDecision::kSampled);
  spans_ = {MakeSpan(1, 1, 0, 0, 300 * ms), MakeSpan(1, 2, 1, 0, 150 * ms)};
  EXPECT_EQ(Eval(*band), TailDecision::kNotSampled);
}

TEST_F(TailPolicyTest, NumericAttribute) {
  auto p = Make(
      "{name: n, type: numeric_attribute, numeric_attribute: {key: key1, min_value: 50, "
      "max_value: 100}}");
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  EXPECT_EQ(Eval(*p), TailDecision::kNotSampled);
  spans_[0].AddAttr(S("key1"), sim::AttrValue::Int(100));
  EXPECT_EQ(Eval(*p), TailDecision::kSampled);  // inclusive
  spans_[0].SetAttr(S("key1"), sim::AttrValue::Int(101));
  EXPECT_EQ(Eval(*p), TailDecision::kNotSampled);
  spans_[0].SetAttr(S("key1"), sim::AttrValue::Double(75.0));  // doubles read as 0
  EXPECT_EQ(Eval(*p), TailDecision::kNotSampled);
  // Only a max: a non-int value reads as 0 and is in range.
  auto max_only =
      Make("{name: m, type: numeric_attribute, numeric_attribute: {key: key1, max_value: 10}}");
  EXPECT_EQ(Eval(*max_only), TailDecision::kSampled);
  // Resource attributes are checked too (checkout resource has retries=3).
  auto res = Make(
      "{name: r, type: numeric_attribute, numeric_attribute: {key: retries, "
      "min_value: 1, max_value: 5}}");
  spans_ = {MakeSpan(1, 1, 0, 0, 10, /*service=*/1)};
  EXPECT_EQ(Eval(*res), TailDecision::kSampled);
  spans_ = {MakeSpan(1, 1, 0, 0, 10, /*service=*/0)};
  EXPECT_EQ(Eval(*res), TailDecision::kNotSampled);
  auto inv = Make(
      "{name: i, type: numeric_attribute, numeric_attribute: {key: retries, "
      "min_value: 1, max_value: 5, invert_match: true}}");
  EXPECT_EQ(Eval(*inv), TailDecision::kSampled);  // key missing => sampled
  spans_ = {MakeSpan(1, 1, 0, 0, 10, 1)};
  EXPECT_EQ(Eval(*inv), TailDecision::kNotSampled);
  TailPolicyOptions gate;
  gate.disable_invert_decisions = true;
  auto inv_gated = Make(
      "{name: i, type: numeric_attribute, numeric_attribute: {key: retries, "
      "min_value: 1, max_value: 5, invert_match: true}}",
      gate);
  EXPECT_EQ(Eval(*inv_gated), TailDecision::kNotSampled);
}

TEST_F(TailPolicyTest, StringAttributeExactRegexAndInvert) {
  auto exact = Make(
      "{name: s, type: string_attribute, string_attribute: {key: key2, values: "
      "[value1, value2]}}");
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  EXPECT_EQ(Eval(*exact), TailDecision::kNotSampled);
  spans_[0].AddAttr(S("key2"), sim::AttrValue::String(S("value2")));
  EXPECT_EQ(Eval(*exact), TailDecision::kSampled);
  spans_[0].SetAttr(S("key2"), sim::AttrValue::Int(1));
  EXPECT_EQ(Eval(*exact), TailDecision::kNotSampled);  // only strings match

  // Unanchored regex: "/health" matches "/api/health"? use the drop example's escaped form.
  auto re = Make(
      "{name: r, type: string_attribute, string_attribute: {key: url.path, values: "
      "[\\/health], enabled_regex_matching: true, cache_max_size: 2}}");
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  spans_[0].AddAttr(S("url.path"), sim::AttrValue::String(S("/health")));
  EXPECT_EQ(Eval(*re), TailDecision::kSampled);
  spans_[0].SetAttr(S("url.path"), sim::AttrValue::String(S("/api/users")));
  EXPECT_EQ(Eval(*re), TailDecision::kNotSampled);
  auto contains = Make(
      "{name: c, type: string_attribute, string_attribute: {key: url.path, "
      "values: [users], enabled_regex_matching: true}}");
  EXPECT_EQ(Eval(*contains), TailDecision::kSampled);  // substring: not anchored
  // Prefixed ints are strings on the wire.
  spans_[0].SetAttr(S("url.path"), sim::AttrValue::PrefixedInt(S("user-"), 42));
  auto prefixed = Make(
      "{name: p, type: string_attribute, string_attribute: {key: url.path, "
      "values: [user-42]}}");
  EXPECT_EQ(Eval(*prefixed), TailDecision::kSampled);

  // Resource attributes and invert.
  auto svc = Make(
      "{name: v, type: string_attribute, string_attribute: {key: service.name, "
      "values: [checkout], invert_match: true}}");
  spans_ = {MakeSpan(1, 1, 0, 0, 10, 0)};
  EXPECT_EQ(Eval(*svc), TailDecision::kSampled);
  spans_.push_back(MakeSpan(1, 2, 1, 0, 10, 1));
  EXPECT_EQ(Eval(*svc), TailDecision::kNotSampled);
  // Before v0.161.0 (disable_invert_decisions off): the deprecated inverted decisions.
  TailPolicyOptions old;
  old.disable_invert_decisions = false;
  auto svc_old = Make(
      "{name: v, type: string_attribute, string_attribute: {key: service.name, "
      "values: [checkout], invert_match: true}}",
      old);
  EXPECT_EQ(Eval(*svc_old), TailDecision::kInvertNotSampled);
  spans_ = {MakeSpan(1, 1, 0, 0, 10, 0)};
  EXPECT_EQ(Eval(*svc_old), TailDecision::kInvertSampled);
}

TEST_F(TailPolicyTest, BooleanAttribute) {
  auto t = Make("{name: b, type: boolean_attribute, boolean_attribute: {key: key4, value: true}}");
  auto f = Make("{name: b, type: boolean_attribute, boolean_attribute: {key: key4, value: false}}");
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  EXPECT_EQ(Eval(*t), TailDecision::kNotSampled);
  EXPECT_EQ(Eval(*f), TailDecision::kNotSampled);  // key absent
  spans_[0].AddAttr(S("key4"), sim::AttrValue::Bool(true));
  EXPECT_EQ(Eval(*t), TailDecision::kSampled);
  EXPECT_EQ(Eval(*f), TailDecision::kNotSampled);
  spans_[0].SetAttr(S("key4"), sim::AttrValue::String(S("value1")));
  EXPECT_EQ(Eval(*f), TailDecision::kSampled);  // a non-bool reads as false
  auto inv = Make(
      "{name: b, type: boolean_attribute, boolean_attribute: {key: key4, value: "
      "false, invert_match: true}}");
  EXPECT_EQ(Eval(*inv), TailDecision::kNotSampled);
}

TEST_F(TailPolicyTest, ProbabilisticHashAndThreshold) {
  // FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over salt then id bytes.
  uint64_t h = 0xcbf29ce484222325ull;
  for (char c : std::string("default-hash-seed")) {
    h ^= static_cast<uint8_t>(c);
    h *= 0x100000001b3ull;
  }
  for (int i = 0; i < 16; ++i) h *= 0x100000001b3ull;  // 16 zero bytes: xor 0 then multiply
  EXPECT_EQ(TailProbabilisticHash("default-hash-seed", sim::TraceId{0, 0}), h);
  EXPECT_EQ(TailProbabilisticThreshold(100), UINT64_MAX);
  EXPECT_EQ(TailProbabilisticThreshold(1000), UINT64_MAX);
  EXPECT_EQ(TailProbabilisticThreshold(0), 0u);
  EXPECT_EQ(TailProbabilisticThreshold(50), 0x7FFFFFFFFFFFFFFFull);
  // Over many trace ids the sampled fraction is close to the percentage.
  auto p = Make("{name: p, type: probabilistic, probabilistic: {sampling_percentage: 25}}");
  auto q = Make("{name: q, type: probabilistic, probabilistic: {sampling_percentage: 10}}");
  auto other = Make(
      "{name: o, type: probabilistic, probabilistic: {hash_salt: other, "
      "sampling_percentage: 10}}");
  int kept = 0, nested_violations = 0, both_other = 0, kept_q = 0;
  sim::Rng rng(301);
  for (int i = 0; i < 20000; ++i) {
    spans_ = {MakeSpan(1, 1, 0, 0, 10)};
    spans_[0].trace_id = sim::TraceId{rng.Next(), rng.Next()};
    bool a = Eval(*p) == TailDecision::kSampled;
    bool b = Eval(*q) == TailDecision::kSampled;
    bool c = Eval(*other) == TailDecision::kSampled;
    kept += a;
    kept_q += b;
    if (b && !a) ++nested_violations;  // same salt: 10% is a subset of 25%
    both_other += b && c;
  }
  EXPECT_NEAR(kept / 20000.0, 0.25, 0.015);
  EXPECT_NEAR(kept_q / 20000.0, 0.10, 0.01);
  EXPECT_EQ(nested_violations, 0);
  EXPECT_NEAR(both_other / 20000.0, 0.01, 0.004);  // different salts: independent
}

TEST_F(TailPolicyTest, StatusCodeSpanCountTraceState) {
  auto st = Make("{name: s, type: status_code, status_code: {status_codes: [ERROR]}}");
  spans_ = {MakeSpan(1, 1, 0, 0, 10), MakeSpan(1, 2, 1, 0, 10)};
  EXPECT_EQ(Eval(*st), TailDecision::kNotSampled);
  spans_[1].status = sim::StatusCode::kError;
  EXPECT_EQ(Eval(*st), TailDecision::kSampled);
  auto unset = Make("{name: u, type: status_code, status_code: {status_codes: [UNSET]}}");
  EXPECT_EQ(Eval(*unset), TailDecision::kSampled);

  auto sc = Make("{name: c, type: span_count, span_count: {min_spans: 2, max_spans: 3}}");
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  EXPECT_EQ(Eval(*sc), TailDecision::kNotSampled);
  spans_.push_back(MakeSpan(1, 2, 1, 0, 10));
  EXPECT_EQ(Eval(*sc), TailDecision::kSampled);
  spans_.push_back(MakeSpan(1, 3, 1, 0, 10));
  spans_.push_back(MakeSpan(1, 4, 1, 0, 10));
  EXPECT_EQ(Eval(*sc), TailDecision::kNotSampled);

  auto ts = Make("{name: t, type: trace_state, trace_state: {key: key3, values: [value1]}}");
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  spans_[0].trace_state = S("key3=nope");
  EXPECT_EQ(Eval(*ts), TailDecision::kNotSampled);
  spans_[0].trace_state = S("key3=value1,other=x");
  EXPECT_EQ(Eval(*ts), TailDecision::kSampled);
  spans_[0].trace_state = S("bad tracestate");
  EXPECT_EQ(Eval(*ts), TailDecision::kNotSampled);
}

// Upstream (trace_state_filter.go -> go.opentelemetry.io/otel/trace ParseTraceState, v1.46.0):
// a tracestate that is not strict W3C matches nothing, whatever member the policy looks for.
// tracesim's former reader accepted the ones marked "was kept".
TEST_F(TailPolicyTest, TraceStateIsParsedStrictly) {
  auto ts = Make("{name: t, type: trace_state, trace_state: {key: key3, values: [value1]}}");
  std::string members32;
  for (int i = 0; i < 31; ++i) members32 += "k" + std::to_string(i) + "=v,";
  const struct {
    std::string tracestate;
    bool sampled;
  } cases[] = {
      {"key3=value1", true},
      {" key3=value1", true},                         // the key's leading OWS is trimmed
      {"key3=value1\t", true},                        // the value's trailing OWS too
      {"key3=value1,,other=x", true},                 // an empty member is skipped
      {"t0@vendor=1,key3=value1", true},              // tenant@system key
      {members32 + "key3=value1", true},              // 32 members
      {"key3 =value1", false},                        // was kept: a space inside the key
      {"key3=value1, ,other=x", false},               // was kept: a blank member is no member
      {"key3=value1,key3=value2", false},             // was kept: duplicate key
      {"key3=value1,Other=x", false},                 // was kept: upper-case key
      {"key3=value1,x=a=b", false},                   // was kept: '=' in a value
      {"key3=value1,x@systemlongerthan14=1", false},  // was kept: system over 14 chars
      {members32 + "k31=v,key3=value1", false},       // was kept: 33 members
  };
  for (const auto& c : cases) {
    spans_ = {MakeSpan(1, 1, 0, 0, 10)};
    spans_[0].trace_state = I(c.tracestate.c_str());
    EXPECT_EQ(Eval(*ts), c.sampled ? TailDecision::kSampled : TailDecision::kNotSampled)
        << "'" << c.tracestate << "'";
  }
}

// Upstream (v0.161.0 rate_limiting.go): rate.NewLimiter(spans_per_second, 2 x spans_per_second)
// and AllowN(now, span_count): a token bucket that starts full, refills continuously and never
// passes a trace larger than the burst. Not a counter reset every wall-clock second. Confirmed by
// the oracle (peers/lab_oracle/agreement.sh, readme_example_processors / tail_sampling_config).
TEST_F(TailPolicyTest, RateLimitingTokenBucketWithBurstTwiceTheRate) {
  auto p = Make("{name: r, type: rate_limiting, rate_limiting: {spans_per_second: 5}}");
  spans_ = {MakeSpan(1, 1, 0, 0, 10), MakeSpan(1, 2, 1, 0, 10)};  // 2 spans per trace
  const int64_t t0 = 100'000'000'000;
  EXPECT_EQ(Eval(*p, t0), TailDecision::kSampled);           // 10 -> 8
  EXPECT_EQ(Eval(*p, t0 + 100), TailDecision::kSampled);     // 8 -> 6
  EXPECT_EQ(Eval(*p, t0 + 200), TailDecision::kSampled);     // 6 -> 4: the burst passes
  EXPECT_EQ(Eval(*p, t0 + 300), TailDecision::kSampled);     // 4 -> 2
  EXPECT_EQ(Eval(*p, t0 + 400), TailDecision::kSampled);     // 2 -> 0
  EXPECT_EQ(Eval(*p, t0 + 500), TailDecision::kNotSampled);  // empty
  // 0.3 s refill 1.5 tokens: not enough; 0.4 s: 2 tokens (the failed call stored nothing).
  EXPECT_EQ(Eval(*p, t0 + 300'000'400), TailDecision::kNotSampled);
  EXPECT_EQ(Eval(*p, t0 + 400'000'400), TailDecision::kSampled);
  EXPECT_EQ(Eval(*p, t0 + 10'000'000'000), TailDecision::kSampled);  // refilled, capped at 10
  spans_.assign(11, MakeSpan(1, 1, 0, 0, 10));
  EXPECT_EQ(Eval(*p, t0 + 20'000'000'000), TailDecision::kNotSampled);  // above the burst: never
  spans_.assign(10, MakeSpan(1, 1, 0, 0, 10));
  EXPECT_EQ(Eval(*p, t0 + 20'000'000'000), TailDecision::kSampled);  // the whole burst
  // burst_capacity sets the bucket (rate_limiting's key since v0.13x; tracesim rejected it).
  auto b = Make(
      "{name: r, type: rate_limiting, rate_limiting: {spans_per_second: 5, burst_capacity: 3}}");
  spans_.assign(3, MakeSpan(1, 1, 0, 0, 10));
  EXPECT_EQ(Eval(*b, t0), TailDecision::kSampled);
  EXPECT_EQ(Eval(*b, t0 + 100), TailDecision::kNotSampled);
  spans_.assign(4, MakeSpan(1, 1, 0, 0, 10));
  EXPECT_EQ(Eval(*b, t0 + 10'000'000'000), TailDecision::kNotSampled);  // above the burst
}

TEST_F(TailPolicyTest, BytesLimitingTokenBucket) {
  auto p = Make(
      "{name: b, type: bytes_limiting, bytes_limiting: {bytes_per_second: 1000, "
      "burst_capacity: 1500}}");
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  const int64_t t0 = 100'000'000'000;
  size_bytes_ = 1000;
  EXPECT_EQ(Eval(*p, t0), TailDecision::kSampled);                   // starts full: 1500 -> 500
  EXPECT_EQ(Eval(*p, t0), TailDecision::kNotSampled);                // 500 < 1000
  EXPECT_EQ(Eval(*p, t0 + 400'000'000), TailDecision::kNotSampled);  // 900
  EXPECT_EQ(Eval(*p, t0 + 500'000'000), TailDecision::kSampled);     // 1000 -> 0
  EXPECT_EQ(Eval(*p, t0 + 10'000'000'000), TailDecision::kSampled);  // capped at 1500
  size_bytes_ = 1501;
  EXPECT_EQ(Eval(*p, t0 + 20'000'000'000), TailDecision::kNotSampled);  // above burst: never
  auto def = Make("{name: d, type: bytes_limiting, bytes_limiting: {bytes_per_second: 100}}");
  size_bytes_ = 200;
  EXPECT_EQ(Eval(*def, t0), TailDecision::kSampled);  // default burst = 2 x rate
  size_bytes_ = 1;
  EXPECT_EQ(Eval(*def, t0), TailDecision::kNotSampled);
}

TEST_F(TailPolicyTest, AndDropNot) {
  auto a = Make(R"y({name: a, type: and, and: {and_sub_policy: [
      {name: x, type: string_attribute, string_attribute: {key: service.name, values: [checkout], invert_match: true}},
      {name: y, type: status_code, status_code: {status_codes: [ERROR]}}]}})y");
  spans_ = {MakeSpan(1, 1, 0, 0, 10, 0)};
  spans_[0].status = sim::StatusCode::kError;
  EXPECT_EQ(Eval(*a), TailDecision::kSampled);  // InvertSampled counts as a match
  spans_.push_back(MakeSpan(1, 2, 1, 0, 10, 1));
  EXPECT_EQ(Eval(*a), TailDecision::kNotSampled);  // InvertNotSampled => no

  auto d = Make(R"y({name: d, type: drop, drop: {drop_sub_policy: [
      {name: x, type: string_attribute, string_attribute: {key: service.name, values: [checkout]}}]}})y");
  spans_ = {MakeSpan(1, 1, 0, 0, 10, 0)};
  EXPECT_EQ(Eval(*d), TailDecision::kNotSampled);  // no opinion
  spans_ = {MakeSpan(1, 1, 0, 0, 10, 1)};
  EXPECT_EQ(Eval(*d), TailDecision::kDropped);

  auto n = Make(
      "{name: n, type: not, not: {not_sub_policy: {name: x, type: status_code, "
      "status_code: {status_codes: [ERROR]}}}}");
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  EXPECT_EQ(Eval(*n), TailDecision::kSampled);
  spans_[0].status = sim::StatusCode::kError;
  EXPECT_EQ(Eval(*n), TailDecision::kNotSampled);
  auto ni = Make(
      "{name: n, type: not, not: {not_sub_policy: {name: x, type: string_attribute, "
      "string_attribute: {key: key2, values: [v], invert_match: true}}}}");
  EXPECT_EQ(Eval(*ni), TailDecision::kNotSampled);  // the sub-policy's plain Sampled, negated
}

TEST_F(TailPolicyTest, CompositeAllocationQuirks) {
  auto c = Make(R"y({name: c, type: composite, composite: {
      max_total_spans_per_second: 10,
      policy_order: [first, second, third],
      composite_sub_policy: [
        {name: first, type: status_code, status_code: {status_codes: [ERROR]}},
        {name: second, type: always_sample},
        {name: third, type: always_sample}],
      rate_allocation: [{policy: first, percent: 50}, {policy: second, percent: 0}]}})y");
  // first: 50% of 10 = 5; second: listed with 0 => equal share 10/3 = 3; third: unlisted => 0.
  EXPECT_EQ(c->allocations(), (std::vector<int64_t>{5, 3, 0}));
  const int64_t t0 = 100'000'000'000;
  spans_ = {MakeSpan(1, 1, 0, 0, 10), MakeSpan(1, 2, 1, 0, 10)};  // 2 spans, no error
  EXPECT_EQ(Eval(*c, t0), TailDecision::kSampled);                // second: 2 <= 3
  EXPECT_EQ(Eval(*c, t0 + 1), TailDecision::kNotSampled);         // second: 4 > 3; no fall-through
  spans_[0].status = sim::StatusCode::kError;
  EXPECT_EQ(Eval(*c, t0 + 2), TailDecision::kSampled);     // first: 2 <= 5
  EXPECT_EQ(Eval(*c, t0 + 3), TailDecision::kSampled);     // first: 4 <= 5
  EXPECT_EQ(Eval(*c, t0 + 4), TailDecision::kNotSampled);  // first: 6 > 5; budget not shared
  EXPECT_EQ(Eval(*c, t0 + 1'000'000'000), TailDecision::kSampled);  // next second resets
}

TEST_F(TailPolicyTest, OttlSubset) {
  auto p = Make(R"y({name: o, type: ottl_condition, ottl_condition: {span: [
      "attributes[\"key2\"] == \"value1\" and kind == SPAN_KIND_SERVER",
      "status.code == STATUS_CODE_ERROR",
      "attributes[\"key1\"] >= 500 and not (name == \"GET /\")",
      "IsMatch(resource.attributes[\"service.name\"], \"^check\")"],
    spanevent: ["name == \"exception\""]}})y");
  spans_ = {MakeSpan(1, 1, 0, 0, 10, 0)};
  spans_[0].name = S("GET /");
  EXPECT_EQ(Eval(*p), TailDecision::kNotSampled);
  spans_[0].AddAttr(S("key2"), sim::AttrValue::String(S("value1")));
  EXPECT_EQ(Eval(*p), TailDecision::kSampled);
  spans_[0].kind = sim::SpanKind::kClient;
  EXPECT_EQ(Eval(*p), TailDecision::kNotSampled);
  spans_[0].status = sim::StatusCode::kError;
  EXPECT_EQ(Eval(*p), TailDecision::kSampled);
  spans_[0].status = sim::StatusCode::kUnset;
  spans_[0].AddAttr(S("key1"), sim::AttrValue::Int(700));
  EXPECT_EQ(Eval(*p), TailDecision::kNotSampled);  // name is "GET /"
  spans_[0].name = S("POST /checkout");
  EXPECT_EQ(Eval(*p), TailDecision::kSampled);
  spans_ = {MakeSpan(1, 1, 0, 0, 10, 1)};  // checkout resource
  EXPECT_EQ(Eval(*p), TailDecision::kSampled);
  spans_ = {MakeSpan(1, 1, 0, 0, 10, 0)};
  sim::SpanEvent ev;
  ev.name = S("exception");
  events_ = {ev};
  spans_[0].first_event = 0;
  spans_[0].event_count = 1;
  EXPECT_EQ(Eval(*p), TailDecision::kSampled);

  // The upstream test conditions: `!=` against a missing attribute is true (nil != "v").
  auto up = Make(R"y({name: u, type: ottl_condition, ottl_condition: {error_mode: ignore, span: [
      "attributes[\"test_attr_key_2\"] != \"test_attr_val_1\""]}})y");
  events_.clear();
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  EXPECT_EQ(Eval(*up), TailDecision::kSampled);

  // Outside the subset: a clear kUnsupported naming the condition.
  auto cfg = LoadTailSamplingConfigString(
      "policies: [{name: o, type: ottl_condition, ottl_condition: {span: "
      "['Len(attributes[\"k\"]) > 3']}}]\n",
      "", "o.yaml");
  ASSERT_TRUE(cfg.ok());
  auto bad = TailPolicy::Create(cfg->policies[0], model_, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), sim::Status::Code::kUnsupported);
  EXPECT_NE(bad.status().message().find("Len(attributes[\"k\"]) > 3"), std::string::npos);
  EXPECT_NE(bad.status().message().find("function \"Len\""), std::string::npos);
}

TEST(CombineDecisionsTest, TruthTableOverEveryCombination) {
  struct Row {
    int s, ns, d, is, ins;
    TailDecision want;
  };
  // Columns: Sampled, NotSampled, Dropped, InvertSampled, InvertNotSampled seen.
  const Row rows[] = {
      {0, 0, 0, 0, 0, TailDecision::kNotSampled}, {1, 0, 0, 0, 0, TailDecision::kSampled},
      {0, 1, 0, 0, 0, TailDecision::kNotSampled}, {1, 1, 0, 0, 0, TailDecision::kSampled},
      {0, 0, 1, 0, 0, TailDecision::kDropped},    {1, 0, 1, 0, 0, TailDecision::kDropped},
      {0, 1, 1, 0, 0, TailDecision::kDropped},    {1, 1, 1, 0, 0, TailDecision::kDropped},
      {0, 0, 0, 1, 0, TailDecision::kSampled},    {1, 0, 0, 1, 0, TailDecision::kSampled},
      {0, 1, 0, 1, 0, TailDecision::kNotSampled}, {1, 1, 0, 1, 0, TailDecision::kSampled},
      {0, 0, 1, 1, 0, TailDecision::kDropped},    {1, 0, 1, 1, 0, TailDecision::kDropped},
      {0, 1, 1, 1, 0, TailDecision::kDropped},    {1, 1, 1, 1, 0, TailDecision::kDropped},
      {0, 0, 0, 0, 1, TailDecision::kNotSampled}, {1, 0, 0, 0, 1, TailDecision::kNotSampled},
      {0, 1, 0, 0, 1, TailDecision::kNotSampled}, {1, 1, 0, 0, 1, TailDecision::kNotSampled},
      {0, 0, 1, 0, 1, TailDecision::kDropped},    {1, 0, 1, 0, 1, TailDecision::kDropped},
      {0, 1, 1, 0, 1, TailDecision::kDropped},    {1, 1, 1, 0, 1, TailDecision::kDropped},
      {0, 0, 0, 1, 1, TailDecision::kNotSampled}, {1, 0, 0, 1, 1, TailDecision::kNotSampled},
      {0, 1, 0, 1, 1, TailDecision::kNotSampled}, {1, 1, 0, 1, 1, TailDecision::kNotSampled},
      {0, 0, 1, 1, 1, TailDecision::kDropped},    {1, 0, 1, 1, 1, TailDecision::kDropped},
      {0, 1, 1, 1, 1, TailDecision::kDropped},    {1, 1, 1, 1, 1, TailDecision::kDropped},
  };
  ASSERT_EQ(std::size(rows), 32u);
  for (const Row& r : rows) {
    TailDecisionMask m = 0;
    if (r.s) m |= Bit(TailDecision::kSampled);
    if (r.ns) m |= Bit(TailDecision::kNotSampled);
    if (r.d) m |= Bit(TailDecision::kDropped);
    if (r.is) m |= Bit(TailDecision::kInvertSampled);
    if (r.ins) m |= Bit(TailDecision::kInvertNotSampled);
    EXPECT_EQ(CombineDecisions(m), r.want)
        << "S=" << r.s << " NS=" << r.ns << " D=" << r.d << " IS=" << r.is << " INS=" << r.ins;
  }
}

// Found by fuzz/ottl_fuzz (corpus: fuzz/corpus/ottl/regex_long_number): libstdc++'s std::regex
// compiler overflowed a signed long on a back reference or count of 19+ digits (UBSan; issue
// 16). IsMatch now compiles with RE2 as Go's regexp does (issue 10): the corpus pattern is valid
// Go (`\333` is an octal escape, the rest literal digits), a back reference is no syntax at all,
// and a repeat count over 1000 is an error.
TEST(OttlRegexTest, LongNumbersFollowGoRules) {
  auto r = OttlCondition::Parse(R"(IsMatch(name, "a\\33333333333333333333"))",
                                OttlCondition::Context::kSpan);
  EXPECT_TRUE(r.ok()) << r.status().message();
  auto backref = OttlCondition::Parse(R"(IsMatch(name, "(a)\\1"))", OttlCondition::Context::kSpan);
  ASSERT_FALSE(backref.ok());
  EXPECT_NE(backref.status().message().find("Go RE2 syntax"), std::string::npos)
      << backref.status().message();
  EXPECT_FALSE(OttlCondition::Parse(R"(IsMatch(name, "a{1234567890123456789}"))",
                                    OttlCondition::Context::kSpan)
                   .ok());
  EXPECT_TRUE(
      OttlCondition::Parse(R"(IsMatch(name, "a123456789"))", OttlCondition::Context::kSpan).ok());
}

// Upstream (ottlfuncs/func_is_match.go, v0.161.0): IsMatch's target is a StringLikeGetter, so an
// int, double or bool attribute matches against its JSON string form (42, 0.5, 1e+21, true);
// a missing attribute (nil) matches nothing. tracesim matched only strings before issue 10.
TEST_F(TailPolicyTest, OttlIsMatchOnNonStringValues) {
  auto p = Make(R"y({name: o, type: ottl_condition, ottl_condition: {span: [
      "IsMatch(attributes[\"http.status_code\"], \"^5[0-9][0-9]$\")",
      "IsMatch(attributes[\"ratio\"], \"^0[.]25$\")",
      "IsMatch(attributes[\"big\"], \"^1e[+]21$\")",
      "IsMatch(attributes[\"tiny\"], \"^1e-07$|^1e-7$\")",
      "IsMatch(attributes[\"cached\"], \"^true$\")",
      "IsMatch(status.code, \"^2$\")"]}})y");
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  EXPECT_EQ(Eval(*p), TailDecision::kNotSampled);  // nil attributes: no match
  spans_[0].AddAttr(I("http.status_code"), sim::AttrValue::Int(404));
  EXPECT_EQ(Eval(*p), TailDecision::kNotSampled);
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  spans_[0].AddAttr(I("http.status_code"), sim::AttrValue::Int(503));
  EXPECT_EQ(Eval(*p), TailDecision::kSampled);
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  spans_[0].AddAttr(I("ratio"), sim::AttrValue::Double(0.25));
  EXPECT_EQ(Eval(*p), TailDecision::kSampled);
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  spans_[0].AddAttr(I("big"), sim::AttrValue::Double(1e21));  // json: 'e' format from 1e21
  EXPECT_EQ(Eval(*p), TailDecision::kSampled);
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  spans_[0].AddAttr(I("big"), sim::AttrValue::Double(1e20));  // "100000000000000000000"
  EXPECT_EQ(Eval(*p), TailDecision::kNotSampled);
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  spans_[0].AddAttr(I("cached"), sim::AttrValue::Bool(true));
  EXPECT_EQ(Eval(*p), TailDecision::kSampled);
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  spans_[0].status = sim::StatusCode::kError;  // STATUS_CODE_ERROR is the int64 2
  EXPECT_EQ(Eval(*p), TailDecision::kSampled);
}

// The one the JSON form decides: encoding/json writes 1e-7 as "1e-07" then strips the 0.
TEST_F(TailPolicyTest, OttlIsMatchDoubleUsesJsonExponentForm) {
  auto p = Make(R"y({name: o, type: ottl_condition, ottl_condition: {span: [
      "IsMatch(attributes[\"tiny\"], \"^1e-7$\")"]}})y");
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  spans_[0].AddAttr(I("tiny"), sim::AttrValue::Double(1e-7));
  EXPECT_EQ(Eval(*p), TailDecision::kSampled);
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  spans_[0].AddAttr(I("tiny"), sim::AttrValue::Double(0.000001));  // 1e-6: 'f' format
  EXPECT_EQ(Eval(*p), TailDecision::kNotSampled);
}

// string_attribute with enabled_regex_matching compiles with Go's regexp (RE2): `(?i)` and
// `\pL` are valid and match, where std::regex (ECMAScript) rejected the first.
TEST_F(TailPolicyTest, StringAttributeRegexIsRe2) {
  I("http.route");  // the policy resolves its key when it is built
  auto p = Make(R"y({name: s, type: string_attribute, string_attribute: {key: http.route,
      values: ["(?i)^/API/", "^\\pL+$"], enabled_regex_matching: true}})y");
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  spans_[0].AddAttr(I("http.route"), sim::AttrValue::String(I("/api/cart")));
  EXPECT_EQ(Eval(*p), TailDecision::kSampled);
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  spans_[0].AddAttr(I("http.route"), sim::AttrValue::String(I("Zürich")));
  EXPECT_EQ(Eval(*p), TailDecision::kSampled);
  spans_ = {MakeSpan(1, 1, 0, 0, 10)};
  spans_[0].AddAttr(I("http.route"), sim::AttrValue::String(I("/v1/api/")));
  EXPECT_EQ(Eval(*p), TailDecision::kNotSampled);
}

// Issue 16 item 11: the parser and Evaluate() recurse, so a condition's nesting is bounded.
TEST(OttlLimitsTest, DeepParenthesesAndLongChainsAreErrorsNamingTheLimit) {
  const std::string deep = std::string(3000, '(') + "name == \"a\"" + std::string(3000, ')');
  auto d = OttlCondition::Parse(deep, OttlCondition::Context::kSpan);
  ASSERT_FALSE(d.ok());
  EXPECT_NE(d.status().message().find("deeper than 100 levels"), std::string::npos)
      << d.status().message();
  std::string nots;
  for (int i = 0; i < 500; ++i) nots += "not ";
  auto n = OttlCondition::Parse(nots + "name == \"a\"", OttlCondition::Context::kSpan);
  ASSERT_FALSE(n.ok());
  std::string chain = "name == \"a\"";
  for (int i = 0; i < 3000; ++i) chain += " and name == \"a\"";
  auto c = OttlCondition::Parse(chain, OttlCondition::Context::kSpan);
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("the limit is 1000"), std::string::npos)
      << c.status().message();
  // Within the limits: parsed and evaluated.
  std::string ok = std::string(100, '(') + "name == \"a\"" + std::string(100, ')');
  for (int i = 0; i < 500; ++i) ok += " or name == \"a\"";
  EXPECT_TRUE(OttlCondition::Parse(ok, OttlCondition::Context::kSpan).ok());
}

}  // namespace
}  // namespace tracesim::sampling
