#include "sampling/head/head_samplers.h"

#include <gtest/gtest.h>

#include <cmath>

#include "sampling/core/consistent_tracestate.h"
#include "sampling/head/consistent_probability_sampler.h"
#include "sim/base/rng.h"

namespace tracesim::sampling {
namespace {

sim::TraceId Id(uint64_t hi, uint64_t lo) {
  sim::TraceId id;
  id.hi = hi;
  id.lo = lo;
  return id;
}

SamplingParams Root(const sim::TraceId& id) {
  SamplingParams p;
  p.trace_id = id;
  return p;
}

std::unique_ptr<Sampler> Ratio(double r, RatioAlgorithm a) {
  sim::Result<std::unique_ptr<Sampler>> s = MakeTraceIdRatioBased(r, a);
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? std::move(*s) : MakeAlwaysOff();
}

std::unique_ptr<Sampler> Must(sim::Result<std::unique_ptr<Sampler>> r) {
  EXPECT_TRUE(r.ok()) << r.status().message();
  return r.ok() ? std::move(r).value() : MakeAlwaysOff();
}

std::unique_ptr<Sampler> Probability(double r) {
  sim::Result<std::unique_ptr<Sampler>> s = MakeProbabilitySampler({r, 4});
  EXPECT_TRUE(s.ok()) << s.status().message();
  return s.ok() ? std::move(*s) : MakeAlwaysOff();
}

TEST(HeadSamplersTest, AlwaysOnOffPassParentThresholdThrough) {
  auto on = MakeAlwaysOn();
  auto off = MakeAlwaysOff();
  SamplingParams p = Root(Id(1, 2));
  p.has_parent = true;
  p.parent_threshold = 0x80000000000000u;
  EXPECT_EQ(on->ShouldSample(p).decision, Decision::kRecordAndSample);
  EXPECT_EQ(on->ShouldSample(p).threshold, 0x80000000000000u);
  EXPECT_EQ(off->ShouldSample(p).decision, Decision::kDrop);
  EXPECT_EQ(on->Description(), "AlwaysOnSampler");
  EXPECT_EQ(off->Description(), "AlwaysOffSampler");
  EXPECT_EQ(DecisionName(Decision::kRecordOnly), "RECORD_ONLY");
}

// Fixed trace ids where the three SDK algorithms and the consistent sampler disagree at ratio
// 0.5 (bound 2^62 for Go's x>>1 and Java's |x|, 2^63 for Python's x, T = 2^55 for R >= T).
TEST(HeadSamplersTest, RatioAlgorithmsDifferOnTheSameTraceId) {
  struct Row {
    uint64_t lo;
    bool go, java, python, consistent;
  };
  const Row rows[] = {
      // x = 1: every SDK keeps; R = 1 < 2^55: the consistent sampler drops.
      {0x0000000000000001u, true, true, true, false},
      // x = 2^63 - 1: Go keeps (x>>1 < 2^62), Java drops (|x| >= 2^62), Python keeps (< 2^63),
      // R = 2^56 - 1: consistent keeps.
      {0x7fffffffffffffffu, true, false, true, true},
      // signed x = -(2^62 - 1): Go drops (x>>1 >= 2^62), Java keeps (|x| < 2^62), Python drops.
      {0xc000000000000001u, false, true, false, false},
      // x = Long.MIN_VALUE: Math.abs keeps it negative, so Java keeps; Go and Python drop.
      {0x8000000000000000u, false, true, false, false},
      // x = 2^63 - 2: x>>1 = 2^62 - 1 (Go keeps), x < 2^63 (Python keeps), |x| >= 2^62 (Java
      // drops), R = 2^56 - 2 (consistent keeps).
      {0x7ffffffffffffffeu, true, false, true, true},
      // x = 2^62: Java's strict '<' drops |x| == bound; Go and Python keep; R = 0 drops.
      {0x4000000000000000u, true, false, true, false},
      // x = 2^62 - 1: everyone keeps.
      {0x3fffffffffffffffu, true, true, true, true},
  };
  auto go = Ratio(0.5, RatioAlgorithm::kGo);
  auto java = Ratio(0.5, RatioAlgorithm::kJava);
  auto py = Ratio(0.5, RatioAlgorithm::kPython);
  auto cons = Probability(0.5);
  for (const Row& r : rows) {
    SamplingParams p = Root(Id(0xdeadbeef, r.lo));
    EXPECT_EQ(go->ShouldSample(p).sampled(), r.go) << std::hex << r.lo;
    EXPECT_EQ(java->ShouldSample(p).sampled(), r.java) << std::hex << r.lo;
    EXPECT_EQ(py->ShouldSample(p).sampled(), r.python) << std::hex << r.lo;
    EXPECT_EQ(cons->ShouldSample(p).sampled(), r.consistent) << std::hex << r.lo;
  }
}

TEST(HeadSamplersTest, RatioEdgeCases) {
  // Java at ratio 1 still drops |x| == Long.MAX_VALUE (strict '<'), Python keeps everything.
  auto java1 = Ratio(1.0, RatioAlgorithm::kJava);
  auto py1 = Ratio(1.0, RatioAlgorithm::kPython);
  auto go1 = Ratio(1.0, RatioAlgorithm::kGo);
  for (uint64_t lo : {0x7fffffffffffffffu, 0x8000000000000001u}) {
    EXPECT_FALSE(java1->ShouldSample(Root(Id(0, lo))).sampled());
    EXPECT_TRUE(py1->ShouldSample(Root(Id(0, lo))).sampled());
    EXPECT_TRUE(go1->ShouldSample(Root(Id(0, lo))).sampled());
  }
  EXPECT_TRUE(java1->ShouldSample(Root(Id(0, 0x8000000000000000u))).sampled());
  // Ratio 0 never keeps, not even Long.MIN_VALUE for Java.
  for (RatioAlgorithm a : {RatioAlgorithm::kGo, RatioAlgorithm::kJava, RatioAlgorithm::kPython}) {
    auto zero = Ratio(0.0, a);
    for (uint64_t lo : {0u, 1u}) EXPECT_FALSE(zero->ShouldSample(Root(Id(0, lo))).sampled());
    EXPECT_FALSE(zero->ShouldSample(Root(Id(0, 0x8000000000000000u))).sampled());
  }
  // Python rounds the bound (round(0.1 * 2^64) = 1844674407370955264), Go truncates.
  auto py = Ratio(0.1, RatioAlgorithm::kPython);
  EXPECT_TRUE(py->ShouldSample(Root(Id(0, 1844674407370955263u))).sampled());
  EXPECT_FALSE(py->ShouldSample(Root(Id(0, 1844674407370955264u))).sampled());
}

TEST(HeadSamplersTest, RatioValidationFollowsEachSdk) {
  // Go clamps; Java and Python reject; NaN is rejected everywhere.
  auto go = MakeTraceIdRatioBased(-0.5, RatioAlgorithm::kGo);
  ASSERT_TRUE(go.ok());
  EXPECT_EQ((*go)->Description(), "TraceIDRatioBased{0}");
  auto go_big = MakeTraceIdRatioBased(7, RatioAlgorithm::kGo);
  ASSERT_TRUE(go_big.ok());
  EXPECT_EQ((*go_big)->Description(), "AlwaysOnSampler");
  auto java = MakeTraceIdRatioBased(1.5, RatioAlgorithm::kJava);
  ASSERT_FALSE(java.ok());
  EXPECT_NE(java.status().message().find("ratio must be in range [0.0, 1.0]"), std::string::npos);
  auto py = MakeTraceIdRatioBased(-0.1, RatioAlgorithm::kPython);
  ASSERT_FALSE(py.ok());
  EXPECT_NE(py.status().message().find("Probability must be in range [0.0, 1.0]"),
            std::string::npos);
  for (RatioAlgorithm a : {RatioAlgorithm::kGo, RatioAlgorithm::kJava, RatioAlgorithm::kPython})
    EXPECT_FALSE(MakeTraceIdRatioBased(std::nan(""), a).ok());
}

TEST(HeadSamplersTest, DescriptionsAsTheSdksPrintThem) {
  EXPECT_EQ(Ratio(0.25, RatioAlgorithm::kGo)->Description(), "TraceIDRatioBased{0.25}");
  EXPECT_EQ(Ratio(0.0001, RatioAlgorithm::kGo)->Description(), "TraceIDRatioBased{0.0001}");
  EXPECT_EQ(Ratio(0.00001, RatioAlgorithm::kGo)->Description(), "TraceIDRatioBased{1e-05}");
  EXPECT_EQ(Ratio(1.0, RatioAlgorithm::kGo)->Description(), "AlwaysOnSampler");
  EXPECT_EQ(Ratio(0.0001, RatioAlgorithm::kJava)->Description(), "TraceIdRatioBased{0.000100}");
  EXPECT_EQ(Ratio(1.0, RatioAlgorithm::kJava)->Description(), "TraceIdRatioBased{1.000000}");
  EXPECT_EQ(Ratio(0.25, RatioAlgorithm::kPython)->Description(), "TraceIdRatioBased{0.25}");
  EXPECT_EQ(Ratio(1.0, RatioAlgorithm::kPython)->Description(), "TraceIdRatioBased{1.0}");
  EXPECT_EQ(Ratio(0.00001, RatioAlgorithm::kPython)->Description(), "TraceIdRatioBased{1e-05}");
  EXPECT_EQ(Probability(0.25)->Description(), "ProbabilitySampler{0.250000}");
  EXPECT_EQ(MakeParentBased(MakeAlwaysOn())->Description(),
            "ParentBased{root:AlwaysOnSampler,remoteParentSampled:AlwaysOnSampler,"
            "remoteParentNotSampled:AlwaysOffSampler,localParentSampled:AlwaysOnSampler,"
            "localParentNotSampled:AlwaysOffSampler}");
  RateLimitingOptions rl;
  EXPECT_EQ((*MakeRateLimiting(rl))->Description(), "rateLimitingSampler{}");
}

TEST(HeadSamplersTest, ParentBasedDelegateTruthTable) {
  struct Case {
    bool has_parent, remote, sampled;
    bool with_defaults;  // ParentBased(root=AlwaysOff) with the SDK's default delegates
    bool inverted;       // every delegate the opposite of its default, root AlwaysOn
  };
  const Case cases[] = {
      {false, false, false, false, true},  // root
      {true, true, true, true, false},     // remoteParentSampled
      {true, true, false, false, true},    // remoteParentNotSampled
      {true, false, true, true, false},    // localParentSampled
      {true, false, false, false, true},   // localParentNotSampled
  };
  auto defaults = MakeParentBased(MakeAlwaysOff());
  ParentBasedOptions o;
  o.remote_parent_sampled = MakeAlwaysOff();
  o.remote_parent_not_sampled = MakeAlwaysOn();
  o.local_parent_sampled = MakeAlwaysOff();
  o.local_parent_not_sampled = MakeAlwaysOn();
  auto inverted = MakeParentBased(MakeAlwaysOn(), std::move(o));
  EXPECT_EQ(inverted->Description(),
            "ParentBased{root:AlwaysOnSampler,remoteParentSampled:AlwaysOffSampler,"
            "remoteParentNotSampled:AlwaysOnSampler,localParentSampled:AlwaysOffSampler,"
            "localParentNotSampled:AlwaysOnSampler}");
  for (const Case& c : cases) {
    SamplingParams p = Root(Id(7, 7));
    p.has_parent = c.has_parent;
    p.parent_remote = c.remote;
    p.parent_sampled = c.sampled;
    EXPECT_EQ(defaults->ShouldSample(p).sampled(), c.with_defaults)
        << c.has_parent << c.remote << c.sampled;
    EXPECT_EQ(inverted->ShouldSample(p).sampled(), c.inverted)
        << c.has_parent << c.remote << c.sampled;
  }
}

// FollowsParent() lets the lab skip ShouldSample() for child spans: it must hold exactly when
// every child decision equals the parent's flag, i.e. with the four default delegates.
TEST(HeadSamplersTest, FollowsParentOnlyWithDefaultDelegates) {
  EXPECT_TRUE(MakeParentBased(MakeAlwaysOff())->FollowsParent());
  EXPECT_FALSE(MakeAlwaysOn()->FollowsParent());
  ParentBasedOptions o;
  o.local_parent_not_sampled = MakeAlwaysOn();
  auto custom = MakeParentBased(MakeAlwaysOff(), std::move(o));
  EXPECT_FALSE(custom->FollowsParent());
  auto defaults = MakeParentBased(MakeAlwaysOn());
  for (bool remote : {false, true}) {
    for (bool sampled : {false, true}) {
      SamplingParams p = Root(Id(3, 4));
      p.has_parent = true;
      p.parent_remote = remote;
      p.parent_sampled = sampled;
      EXPECT_EQ(defaults->ShouldSample(p).sampled(), sampled);
    }
  }
}

TEST(HeadSamplersTest, ParentBasedThresholdErasure) {
  // Parent sampled with th:8, but its randomness (low 56 bits = 1) does not pass th:8.
  SamplingParams p = Root(Id(0, 1));
  p.has_parent = true;
  p.parent_sampled = true;
  p.parent_threshold = 0x80000000000000u;
  auto sdk_like = MakeParentBased(MakeAlwaysOn());
  EXPECT_EQ(sdk_like->ShouldSample(p).threshold, 0x80000000000000u);  // passed through
  ParentBasedOptions o;
  o.erase_inconsistent_threshold = true;
  auto checking = MakeParentBased(MakeAlwaysOn(), std::move(o));
  SamplingResult r = checking->ShouldSample(p);
  EXPECT_TRUE(r.sampled());
  EXPECT_EQ(r.threshold, kNoThreshold);
  // A consistent parent keeps its th.
  p.trace_id = Id(0, 0x90000000000000u);
  EXPECT_EQ(checking->ShouldSample(p).threshold, 0x80000000000000u);
  // Explicit rv takes precedence over the trace id.
  p.has_explicit_randomness = true;
  p.explicit_randomness = 5;
  EXPECT_EQ(checking->ShouldSample(p).threshold, kNoThreshold);
}

TEST(HeadSamplersTest, ProbabilitySamplerUsesRvAndWritesTh) {
  auto s = Probability(0.25);  // th:c = 0xc0000000000000
  SamplingParams p = Root(Id(0, 0xc0000000000000u));
  SamplingResult r = s->ShouldSample(p);
  EXPECT_TRUE(r.sampled());
  EXPECT_EQ(ThresholdToTValue(r.threshold), "c");
  p.trace_id = Id(0xffffffffffffffffu, 0xffbfffffffffffffu);  // low 56 bits just below T
  r = s->ShouldSample(p);
  EXPECT_FALSE(r.sampled());
  EXPECT_EQ(r.threshold, kNoThreshold);
  // rv overrides the trace id.
  p.has_explicit_randomness = true;
  p.explicit_randomness = 0xfffffffffffff0u;
  EXPECT_TRUE(s->ShouldSample(p).sampled());
  // Ignores the parent's sampled flag and th.
  p.has_parent = true;
  p.parent_sampled = false;
  p.parent_threshold = 0;
  EXPECT_EQ(s->ShouldSample(p).threshold, 0xc0000000000000u);
}

TEST(HeadSamplersTest, ProbabilitySamplerCountsPresumedRandomness) {
  sim::Result<std::unique_ptr<Sampler>> made = MakeProbabilitySampler({0.5, 4});
  ASSERT_TRUE(made.ok());
  auto* s = static_cast<ProbabilitySampler*>(made->get());
  SamplingParams p = Root(Id(1, 2));
  p.random_flag = true;
  s->ShouldSample(p);
  EXPECT_EQ(s->presumed_randomness_count(), 0u);
  p.random_flag = false;
  s->ShouldSample(p);
  s->ShouldSample(p);
  EXPECT_EQ(s->presumed_randomness_count(), 2u);
  p.has_explicit_randomness = true;  // rv present: nothing presumed
  p.explicit_randomness = 3;
  s->ShouldSample(p);
  EXPECT_EQ(s->presumed_randomness_count(), 2u);
}

TEST(HeadSamplersTest, ProbabilitySamplerOptionsValidation) {
  EXPECT_TRUE(MakeProbabilitySampler({0.0, 4}).ok());  // never samples
  EXPECT_FALSE(MakeProbabilitySampler({0x1p-60, 4}).ok());
  EXPECT_FALSE(MakeProbabilitySampler({1.01, 4}).ok());
  EXPECT_FALSE(MakeProbabilitySampler({0.5, 0}).ok());
  EXPECT_FALSE(MakeProbabilitySampler({0.5, 15}).ok());
  auto never = Probability(0.0);
  EXPECT_FALSE(never->ShouldSample(Root(Id(~0ull, ~0ull))).sampled());
  auto all = Probability(1.0);
  SamplingResult r = all->ShouldSample(Root(Id(0, 0)));
  EXPECT_TRUE(r.sampled());
  EXPECT_EQ(ThresholdToTValue(r.threshold), "0");
}

constexpr int64_t kSecond = 1000000000;

int CountKept(Sampler& s, int64_t start, int64_t step, int calls) {
  int kept = 0;
  for (int i = 0; i < calls; ++i) {
    SamplingParams p = Root(Id(1, static_cast<uint64_t>(i)));
    p.time_unix_nano = start + step * i;
    kept += s.ShouldSample(p).sampled() ? 1 : 0;
  }
  return kept;
}

TEST(HeadSamplersTest, RateLimiterOverSimulatedTime) {
  // 1 trace/s, a request every 250 ms for 10 s: the bucket (max 1) refills by exactly 0.25 per
  // request, so one request per second passes: t = 0, 1, ..., 9.
  RateLimitingOptions o;
  o.traces_per_second = 1;
  auto s = Must(MakeRateLimiting(o));
  EXPECT_EQ(CountKept(*s, 0, kSecond / 4, 40), 10);

  // 10 traces/s: a burst of 100 at one instant passes exactly the full bucket (10), and the
  // next burst one second later another 10.
  o.traces_per_second = 10;
  auto b = Must(MakeRateLimiting(o));
  EXPECT_EQ(CountKept(*b, 5 * kSecond, 0, 100), 10);
  EXPECT_EQ(CountKept(*b, 6 * kSecond, 0, 100), 10);
  // Half a second later: 5 credits.
  EXPECT_EQ(CountKept(*b, 6 * kSecond + kSecond / 2, 0, 100), 5);

  // 0 traces/s: the bucket starts empty (OTel Go contrib jaegerremote #3604), nothing passes.
  o.traces_per_second = 0;
  auto z = Must(MakeRateLimiting(o));
  EXPECT_EQ(CountKept(*z, 0, kSecond, 100), 0);

  EXPECT_FALSE(MakeRateLimiting({-1, std::nullopt}).ok());
  EXPECT_FALSE(MakeRateLimiting({INFINITY, std::nullopt}).ok());
}

TEST(HeadSamplersTest, RateLimiterCreationTimeMatters) {
  // Created at t=0, first request at 10 s passes from the full bucket; the second, 125 ms later,
  // tops up by the 10.125 s since creation (capped at 1) and passes too.
  RateLimitingOptions o;
  o.traces_per_second = 1;
  o.start_unix_nano = 0;
  auto early = Must(MakeRateLimiting(o));
  EXPECT_EQ(CountKept(*early, 10 * kSecond, kSecond / 8, 2), 2);
  // Created at the first request: the second only gets 0.125 credits.
  o.start_unix_nano.reset();
  auto lazy = Must(MakeRateLimiting(o));
  EXPECT_EQ(CountKept(*lazy, 10 * kSecond, kSecond / 8, 2), 1);
}

// Each ratio sampler keeps ratio +- 5 binomial standard deviations of 100k random trace ids.
TEST(HeadSamplersTest, RatioSamplersKeepTheirRatioStatistically) {
  constexpr int kN = 100000;
  sim::Rng rng(20261122);
  std::vector<sim::TraceId> ids(kN);
  for (sim::TraceId& id : ids) id = Id(rng.Next(), rng.Next());
  for (double ratio : {0.001, 0.01, 0.1, 0.25, 0.5, 0.9}) {
    std::vector<std::pair<std::string, std::unique_ptr<Sampler>>> samplers;
    samplers.emplace_back("go", Ratio(ratio, RatioAlgorithm::kGo));
    samplers.emplace_back("java", Ratio(ratio, RatioAlgorithm::kJava));
    samplers.emplace_back("python", Ratio(ratio, RatioAlgorithm::kPython));
    samplers.emplace_back("probability", Probability(ratio));
    double sd = std::sqrt(kN * ratio * (1 - ratio));
    for (auto& [name, s] : samplers) {
      int kept = 0;
      for (const sim::TraceId& id : ids) kept += s->ShouldSample(Root(id)).sampled() ? 1 : 0;
      EXPECT_NEAR(kept, kN * ratio, 5 * sd) << name << " at " << ratio;
    }
  }
}

}  // namespace
}  // namespace tracesim::sampling
