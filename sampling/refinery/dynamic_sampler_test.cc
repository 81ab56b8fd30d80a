#include "sampling/refinery/dynamic_sampler.h"

#include <gtest/gtest.h>

#include "sim/base/rng.h"

namespace tracesim::sampling {
namespace {

sim::Time Sec(double s) { return sim::Time::Zero() + sim::Duration::FromSecondsF(s); }

// Worked by hand from the formula (doc/sampling-jaeger.md): counts a=1000, b=10, c=1, goal 10:
// goal_ratio = (1011 / 10) / (3 + 1 + 0) = 25.275; a: goal 75.825 -> ceil(1000 / 75.825) = 14;
// b: goal 25.275 + slack -> 10 fits -> 1; c -> 1.
TEST(DynamicSamplerTest, RatesFromTheFormula) {
  std::map<std::string, double, std::less<>> counts = {{"a", 1000}, {"b", 10}, {"c", 1}};
  auto rates = DynamicSampleRates((1011.0 / 10) / 4, counts);
  EXPECT_EQ(rates.at("a"), 14u);
  EXPECT_EQ(rates.at("b"), 1u);
  EXPECT_EQ(rates.at("c"), 1u);
  // Every count 1: log sum 0, goal ratio infinite -> Go's NaN path gives 1 everywhere.
  std::map<std::string, double, std::less<>> ones = {{"x", 1}, {"y", 1}};
  auto r1 = DynamicSampleRates(2.0 / 0.0, ones);
  EXPECT_EQ(r1.at("x"), 1u);
  EXPECT_EQ(r1.at("y"), 1u);
}

TEST(DynamicSamplerTest, GoalRateUntilFirstWindowThenRareKeysKeptAtOne) {
  DynamicSamplerOptions o;
  o.sample_rate = 20;
  DynamicSampler d(o);
  EXPECT_EQ(d.SampleRateFor("hot", Sec(0)), 20u);  // no data yet: the goal rate
  for (int i = 1; i < 3000; ++i) d.SampleRateFor("hot", Sec(i * 0.01));
  for (int i = 0; i < 3; ++i) d.SampleRateFor("rare" + std::to_string(i), Sec(5));
  // Window [0, 30) closes at 30 s.
  const uint32_t hot = d.SampleRateFor("hot", Sec(30));
  EXPECT_EQ(d.SampleRateFor("rare0", Sec(30)), 1u);
  EXPECT_EQ(d.SampleRateFor("never-seen", Sec(30)), 1u);
  // Goal count = 3003 / 20 = 150.15. Keys of count 1 weigh log10(1) = 0, so "hot" gets the
  // whole goal: ceil(3000 / 150.15) = 20; the rare keys are kept on top (rate 1).
  EXPECT_EQ(hot, 20u);
  const double kept = 3000.0 / hot + 3;
  EXPECT_NEAR(kept, 3003.0 / 20, 3003.0 / 20 * 0.15);
  // A silent window clears every rate to 1.
  EXPECT_EQ(d.SampleRateFor("hot", Sec(95)), 1u);
}

// Many keys, Zipf-like frequencies: the average sample rate over events lands near the goal,
// frequent keys are downsampled hardest and the rarest keep rate 1.
TEST(DynamicSamplerTest, FrequentKeysApproachGoal) {
  DynamicSamplerOptions o;
  o.sample_rate = 10;
  o.clear_frequency = sim::Duration::Seconds(10);
  DynamicSampler d(o);
  sim::Rng rng(11);
  std::map<std::string, int> events;
  double kept_expectation = 0;
  int total = 0;
  for (int w = 0; w < 6; ++w) {
    for (int k = 1; k <= 20; ++k) {
      const int n = 2000 / (k * k);
      for (int i = 0; i < n; ++i) {
        const double t = w * 10 + rng.Uniform() * 9.9;
        const uint32_t rate = d.SampleRateFor("key" + std::to_string(k), Sec(t));
        if (w >= 2) {
          kept_expectation += 1.0 / rate;
          ++total;
        }
      }
    }
  }
  const double effective = total / kept_expectation;
  EXPECT_GT(effective, 7.0) << effective;
  EXPECT_LT(effective, 13.0) << effective;
  EXPECT_GT(d.saved_rates().at("key1"), d.saved_rates().at("key5"));
  EXPECT_EQ(d.saved_rates().at("key20"), 1u);
}

TEST(DynamicSamplerTest, MaxKeysLimitsCountedKeys) {
  DynamicSamplerOptions o;
  o.max_keys = 2;
  DynamicSampler d(o);
  for (int i = 0; i < 100; ++i) {
    d.SampleRateFor("a", Sec(1));
    d.SampleRateFor("b", Sec(1));
    d.SampleRateFor("c", Sec(1));
  }
  d.AdvanceTo(Sec(30));
  EXPECT_EQ(d.saved_rates().size(), 2u);
  EXPECT_EQ(d.saved_rates().count("c"), 0u);
}

// Refinery's DynamicSampler and EMADynamicSampler configs default MaxKeys to 500, passed to
// dynsampler-go, whose GetSampleRateMulti counts a new key only while fewer than MaxKeys are in
// the current window (peers/sdk "dynamic-max-keys-500" checks the same against the real code).
TEST(DynamicSamplerTest, MaxKeysDefaultsTo500AsRefinery) {
  EXPECT_EQ(DynamicSamplerOptions().max_keys, 500u);
  EXPECT_EQ(EmaDynamicSamplerOptions().max_keys, 500u);
  DynamicSampler d(DynamicSamplerOptions{});
  for (int k = 0; k < 600; ++k) d.SampleRateFor("key" + std::to_string(1000 + k), Sec(1), 5);
  d.AdvanceTo(Sec(30));
  EXPECT_EQ(d.saved_rates().size(), 500u);
  EXPECT_EQ(d.saved_rates().count("key1499"), 1u);
  EXPECT_EQ(d.saved_rates().count("key1500"), 0u);  // the 501st key was not counted
}

TEST(DynamicSamplerTest, KeepIsDeterministicAndProportional) {
  sim::Rng rng(3);
  int kept = 0;
  for (int i = 0; i < 100000; ++i) {
    const sim::TraceId id{rng.Next(), rng.Next()};
    const bool k = DynamicKeep(id, 10);
    EXPECT_EQ(k, DynamicSampler::Keep(id, 10));
    kept += k;
    EXPECT_TRUE(DynamicKeep(id, 1));
  }
  EXPECT_NEAR(kept / 100000.0, 0.1, 0.005);
  // Nested: whatever rate 20 keeps, rate 10 keeps too.
  for (int i = 0; i < 10000; ++i) {
    const sim::TraceId id{rng.Next(), rng.Next()};
    if (DynamicKeep(id, 20)) EXPECT_TRUE(DynamicKeep(id, 10));
  }
}

TEST(EmaDynamicSamplerTest, AdaptsAfterTrafficShift) {
  EmaDynamicSamplerOptions o;
  o.burst_multiple = -1;  // no bursts: the shift is absorbed by the moving average alone
  EmaDynamicSampler e(o);
  auto interval = [&](int k, int a_count, int b_count) {
    for (int i = 0; i < a_count; ++i) e.SampleRateFor("A", Sec(k * 15 + 14.0 * i / a_count));
    for (int i = 0; i < b_count; ++i) e.SampleRateFor("B", Sec(k * 15 + 14.0 * i / b_count));
  };
  for (int k = 0; k < 6; ++k) interval(k, 1000, 5);
  e.AdvanceTo(Sec(6 * 15));
  const uint32_t a_before = e.saved_rates().at("A");
  EXPECT_GT(a_before, 10u);
  EXPECT_EQ(e.saved_rates().at("B"), 1u);
  // The shift: B becomes the frequent key. One interval later B is already downsampled, but
  // less than at steady state (the average lags); a few intervals later the roles swap.
  interval(6, 5, 1000);
  e.AdvanceTo(Sec(7 * 15));
  const uint32_t b_first = e.saved_rates().at("B");
  EXPECT_GT(b_first, 1u);
  for (int k = 7; k < 14; ++k) interval(k, 5, 1000);
  e.AdvanceTo(Sec(14 * 15));
  EXPECT_GT(e.saved_rates().at("B"), 10u);
  EXPECT_GE(e.saved_rates().at("B"), b_first);
  EXPECT_EQ(e.saved_rates().at("A"), 1u);
  EXPECT_NEAR(e.moving_average().at("B"), 1000, 10);
  EXPECT_EQ(e.bursts(), 0u);
}

TEST(EmaDynamicSamplerTest, UnseenKeysAgeOutAndSilenceDoesNotDecay) {
  EmaDynamicSamplerOptions o;
  EmaDynamicSampler e(o);
  e.SampleRateFor("once", Sec(1));
  e.SampleRateFor("steady", Sec(1));
  e.AdvanceTo(Sec(15));
  EXPECT_DOUBLE_EQ(e.moving_average().at("once"), 0.5);
  // A silent interval changes nothing.
  e.AdvanceTo(Sec(30));
  EXPECT_DOUBLE_EQ(e.moving_average().at("once"), 0.5);
  e.SampleRateFor("steady", Sec(31));
  e.AdvanceTo(Sec(45));
  EXPECT_EQ(e.moving_average().count("once"), 0u);  // 0.25 < age-out 0.5
  EXPECT_DOUBLE_EQ(e.moving_average().at("steady"), 0.75);
}

TEST(EmaDynamicSamplerTest, BurstTriggersImmediateUpdate) {
  EmaDynamicSamplerOptions o;
  EmaDynamicSampler e(o);
  // Steady 100 per interval for 4 intervals (burst detection starts after 3).
  for (int k = 0; k < 4; ++k) {
    for (int i = 0; i < 100; ++i) e.SampleRateFor("k", Sec(k * 15 + i * 0.1));
  }
  e.AdvanceTo(Sec(60));
  EXPECT_EQ(e.intervals(), 4u);
  EXPECT_EQ(e.bursts(), 0u);
  // Threshold = 2 x sum(ema) ~ 190: a 10x surge bursts within the next interval.
  for (int i = 0; i < 1000; ++i) e.SampleRateFor("k", Sec(60 + i * 0.01));
  EXPECT_GE(e.bursts(), 1u);
  EXPECT_GT(e.moving_average().at("k"), 150);  // updated before the 75 s tick
}

TEST(DynamicSamplerTest, OptionsValidate) {
  DynamicSamplerOptions d;
  EXPECT_TRUE(d.Validate().ok());
  d.sample_rate = 0;
  EXPECT_FALSE(d.Validate().ok());
  d = DynamicSamplerOptions{};
  d.clear_frequency = sim::Duration();
  EXPECT_NE(d.Validate().message().find("clear_frequency"), std::string::npos);
  EmaDynamicSamplerOptions e;
  EXPECT_TRUE(e.Validate().ok());
  e.weight = 1.0;
  EXPECT_NE(e.Validate().message().find("weight"), std::string::npos);
  e = EmaDynamicSamplerOptions{};
  e.goal_sample_rate = 0;
  EXPECT_FALSE(e.Validate().ok());
}

// A trace of spans with the given attributes (string, int, double or bool values); the span
// marked root has no parent.
struct KeyCase {
  sim::Model m;
  std::vector<sim::Span> spans;
  std::vector<sim::SpanEvent> events;
  sim::TraceView View() {
    sim::TraceView v;
    v.model = &m;
    v.spans = spans;
    v.events = events;
    return v;
  }
  sim::Span& Add(bool root = false) {
    sim::Span s;
    s.span_id = spans.size() + 2;
    s.parent_span_id = root ? 0 : 1;
    s.service = 0;
    spans.push_back(s);
    return spans.back();
  }
  void Str(sim::Span& s, const char* k, const char* v) {
    s.AddAttr(m.strings.Intern(k), sim::AttrValue::String(m.strings.Intern(v)));
  }
  void Int(sim::Span& s, const char* k, int64_t v) {
    s.AddAttr(m.strings.Intern(k), sim::AttrValue::Int(v));
  }
};

const char* const kDot = "\xE2\x80\xA2";  // "•"

std::string Dots(std::string s) {  // "•" written as "*" in the expectations below
  std::string out;
  for (char c : s) out += c == '*' ? std::string(kDot) : std::string(1, c);
  return out;
}

// Refinery v3.2.2 sample/trace_key_test.go TestKeyGeneration, case by case (the real code's
// own expectations): fields sorted, each value followed by "•", each field by ",", root fields as
// "value,", the trace length last.
TEST(DynamicKeyBuilderTest, RefineryTraceKeyTestVectors) {
  const std::vector<std::string> four = {"http.status_code", "request.path", "app.team.id",
                                         "important_field"};
  {  // all fields in single span
    KeyCase c;
    sim::Span& s = c.Add();
    c.Int(s, "http.status_code", 200);
    c.Str(s, "request.path", "/{slug}/home");
    s.AddAttr(c.m.strings.Intern("app.team.id"), sim::AttrValue::Double(2));
    s.AddAttr(c.m.strings.Intern("important_field"), sim::AttrValue::Bool(true));
    EXPECT_EQ(DynamicKeyBuilder(four, true).Build(c.View()), Dots("2*,200*,true*,/{slug}/home*,1"));
  }
  {  // fields spread across spans
    KeyCase c;
    c.Int(c.Add(), "http.status_code", 200);
    c.Str(c.Add(), "request.path", "/{slug}/home");
    c.Add().AddAttr(c.m.strings.Intern("app.team.id"), sim::AttrValue::Double(2));
    c.Add().AddAttr(c.m.strings.Intern("important_field"), sim::AttrValue::Bool(true));
    EXPECT_EQ(DynamicKeyBuilder(four, true).Build(c.View()), Dots("2*,200*,true*,/{slug}/home*,4"));
  }
  {  // multiple identical field values across spans
    KeyCase c;
    for (int code : {200, 200, 404, 404}) c.Int(c.Add(), "http.status_code", code);
    EXPECT_EQ(DynamicKeyBuilder({"http.status_code"}, true).Build(c.View()), Dots("200*404*,4"));
  }
  {  // root prefixed fields
    KeyCase c;
    c.Int(c.Add(), "http.status_code", 404);
    sim::Span& s = c.Add();
    c.Int(s, "http.status_code", 200);
    c.Str(s, "service_name", "another");
    c.Str(c.Add(/*root=*/true), "service_name", "test");
    EXPECT_EQ(
        DynamicKeyBuilder({"http.status_code", "root.service_name", "root.another_field"}, true)
            .Build(c.View()),
        Dots("200*404*,test,3"));
  }
  {  // no value for key fields found
    KeyCase c;
    c.Int(c.Add(), "app.team.id", 2);
    c.Add(/*root=*/true).AddAttr(c.m.strings.Intern("important_field"), sim::AttrValue::Bool(true));
    EXPECT_EQ(DynamicKeyBuilder({"http.status_code", "request.path"}, true).Build(c.View()), "2");
  }
}

// TestKeyLimits: 160 spans with distinct values: 100 values are counted (99 written, the 100th
// only counted), then the scan stops; fieldB is never reached.
TEST(DynamicKeyBuilderTest, RefineryStopsAtOneHundredDistinctValues) {
  KeyCase c;
  for (int i = 0; i < 160; ++i) {
    sim::Span& s = c.Add();
    c.Str(s, "fieldA", ("value" + std::to_string(i)).c_str());
    c.Int(s, "fieldB", i);
  }
  const std::string key = DynamicKeyBuilder({"fieldA", "fieldB"}, true).Build(c.View());
  size_t dots = 0;
  for (size_t p = key.find(kDot); p != std::string::npos; p = key.find(kDot, p + 1)) ++dots;
  EXPECT_EQ(dots, 99u);  // + the trace length: Refinery's n == maxKeyLength
  EXPECT_EQ(key.substr(key.size() - 4), ",160");
  EXPECT_EQ(key.find("value99" + std::string(kDot)), std::string::npos);  // sorted: "value98"
}

// husky's span fields and the span events of a trace: status_code is the OTLP integer, events
// add their names under "name" and count in the trace length (Refinery's DescendantCount).
TEST(DynamicKeyBuilderTest, HuskyFieldsAndSpanEvents) {
  KeyCase c;
  sim::Service api;
  api.name = c.m.strings.Intern("api");
  c.m.services = {api};
  sim::Span& root = c.Add(/*root=*/true);
  root.name = c.m.strings.Intern("POST /checkout");
  root.kind = sim::SpanKind::kServer;
  root.status = sim::StatusCode::kError;
  sim::SpanEvent ev;
  ev.name = c.m.strings.Intern("exception");
  c.events.push_back(ev);
  root.first_event = 0;
  root.event_count = 1;
  sim::Span& child = c.Add();
  child.name = c.m.strings.Intern("charge");
  child.kind = sim::SpanKind::kClient;
  EXPECT_EQ(
      DynamicKeyBuilder({"service.name", "status_code", "name", "root.span.kind", "error"}, true)
          .Build(c.View()),
      Dots("true*,POST /checkout*charge*exception*,api*,0*2*,server,3"));
  EXPECT_EQ(RefineryEventCount(2, 1, 0), 3u);
}

}  // namespace
}  // namespace tracesim::sampling
