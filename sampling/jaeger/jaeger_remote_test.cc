#include "sampling/jaeger/jaeger_remote.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "sim/base/rng.h"
#include "sim/base/shared_testdata.h"

namespace tracesim::sampling {
namespace {

constexpr int64_t kSec = 1'000'000'000;

sim::TraceId RandomId(sim::Rng& rng) { return sim::TraceId{rng.Next(), rng.Next()}; }

ServedStrategy PerOp(double def, double lower, std::vector<JaegerOperationStrategy> ops) {
  ServedStrategy s;
  JaegerPerOperationStrategies p;
  p.default_sampling_probability = def;
  p.default_lower_bound_traces_per_second = lower;
  p.per_operation = std::move(ops);
  s.probabilistic_rate = def;
  s.operation_sampling = std::move(p);
  return s;
}

TEST(JaegerRemoteTest, InitialSamplerUsesInitialRate) {
  JaegerRemoteOptions o;
  o.initial_sampling_rate = 0.25;
  JaegerRemoteSampler s(o);
  EXPECT_EQ(s.mode(), JaegerRemoteSampler::Mode::kInitial);
  sim::Rng rng(7);
  int kept = 0;
  for (int i = 0; i < 100000; ++i) kept += s.Decide("op", RandomId(rng), 0).sampled;
  EXPECT_NEAR(kept / 100000.0, 0.25, 0.01);
  EXPECT_EQ(s.Description(), "JaegerRemoteSampler{}");
}

TEST(JaegerRemoteTest, RateLimitingStartsFullAndRefillsOnSimulatedTime) {
  JaegerRemoteSampler s(JaegerRemoteOptions{});
  ServedStrategy rl;
  rl.type = JaegerStrategyType::kRateLimiting;
  rl.max_traces_per_second = 3;
  ASSERT_TRUE(s.Update(rl, 0).ok());
  EXPECT_EQ(s.mode(), JaegerRemoteSampler::Mode::kRateLimiting);
  sim::Rng rng(1);
  int kept = 0;
  // 100 decisions/s for 10 s: 3 initial credits + 3/s refill.
  for (int i = 0; i < 1000; ++i) {
    JaegerDecision d = s.Decide("op", RandomId(rng), i * (kSec / 100));
    kept += d.sampled;
    EXPECT_EQ(d.type, JaegerSamplerType::kRateLimiting);
  }
  EXPECT_GE(kept, 32);
  EXPECT_LE(kept, 33);
}

TEST(JaegerRemoteTest, LowerBoundGuaranteesOneTracePerMinute) {
  JaegerRemoteSampler s(JaegerRemoteOptions{});
  ASSERT_TRUE(s.Update(PerOp(0, 1.0 / 60, {{"GET /a", 0}}), 0).ok());
  sim::Rng rng(2);
  int kept = 0;
  for (int i = 0; i < 6000; ++i) {  // 10 req/s for 600 s
    JaegerDecision d = s.Decide("GET /a", RandomId(rng), i * (kSec / 10));
    if (d.sampled) {
      ++kept;
      EXPECT_EQ(d.type, JaegerSamplerType::kLowerBound);
    }
  }
  EXPECT_GE(kept, 10);
  EXPECT_LE(kept, 11);
}

TEST(JaegerRemoteTest, LowerBoundIsAFloorNotAnAddition) {
  JaegerRemoteSampler s(JaegerRemoteOptions{});
  ASSERT_TRUE(s.Update(PerOp(0, 1.0, {{"op", 0.5}}), 0).ok());
  sim::Rng rng(3);
  int prob = 0, lower = 0;
  const int n = 20000;  // 10 req/s for 2000 s
  for (int i = 0; i < n; ++i) {
    JaegerDecision d = s.Decide("op", RandomId(rng), i * (kSec / 10));
    prob += d.sampled && d.type == JaegerSamplerType::kProbabilistic;
    lower += d.sampled && d.type == JaegerSamplerType::kLowerBound;
  }
  EXPECT_NEAR(prob / static_cast<double>(n), 0.5, 0.02);
  // Probabilistic samples (5/s) also spend the 1/s credits, so the limiter adds well under the
  // 2000 traces an additive 1/s limiter would over 2000 s (it only wins when a full credit
  // meets a probabilistic "no").
  EXPECT_GT(lower, 0);
  EXPECT_LT(lower, 1200);
}

TEST(JaegerRemoteTest, UnlistedOperationsGetDefaultUpToMaxOperations) {
  JaegerRemoteOptions o;
  o.max_operations = 2;
  JaegerRemoteSampler s(o);
  ASSERT_TRUE(s.Update(PerOp(0, 1.0, {}), 0).ok());
  sim::Rng rng(4);
  // New operations get a guaranteed-throughput sampler whose full bucket samples once.
  EXPECT_TRUE(s.Decide("a", RandomId(rng), 0).sampled);
  EXPECT_TRUE(s.Decide("b", RandomId(rng), 0).sampled);
  JaegerDecision c = s.Decide("c", RandomId(rng), 0);  // over max: plain default (0)
  EXPECT_FALSE(c.sampled);
  EXPECT_EQ(s.tracked_operations(), 2u);
  EXPECT_FALSE(s.Decide("a", RandomId(rng), 0).sampled);  // bucket spent
}

// OTel Go contrib samplers/jaegerremote: defaultSamplingMaxOperations = 256; operations beyond
// that get the default probabilistic sampler without a lower bound.
TEST(JaegerRemoteTest, MaxOperationsDefaultsTo256AsGoContrib) {
  JaegerRemoteOptions o;
  EXPECT_EQ(o.max_operations, 0);  // the SDK's default
  JaegerRemoteSampler s(o);
  EXPECT_EQ(s.max_operations(), 256);
  ASSERT_TRUE(s.Update(PerOp(0, 1.0, {}), 0).ok());
  sim::Rng rng(5);
  for (int i = 0; i < 300; ++i) (void)s.Decide("op" + std::to_string(i), RandomId(rng), 0);
  EXPECT_EQ(s.tracked_operations(), 256u);
}

TEST(JaegerRemoteTest, ServedFixtureDrivesPerOperationSampling) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  const std::string dir = tracesim::testing::SharedDir() + "/testdata/jaeger-sampling-strategies/";
  std::ifstream in(dir + "TestServiceNoPerOperationStrategies_ServiceB.json");
  std::stringstream ss;
  ss << in.rdbuf();
  auto strategy = ParseServedStrategyJson(ss.str(), "ServiceB");
  ASSERT_TRUE(strategy.ok());
  JaegerRemoteSampler s(JaegerRemoteOptions{});
  ASSERT_TRUE(s.Update(*strategy, 0).ok());
  // operationSampling wins over rateLimitingSampling, as the SDK's updaters are ordered.
  EXPECT_EQ(s.mode(), JaegerRemoteSampler::Mode::kPerOp);
  EXPECT_DOUBLE_EQ(s.ProbabilityFor("/health"), 0.1);
  EXPECT_DOUBLE_EQ(s.ProbabilityFor("GET /x"), 0.2);
}

TEST(JaegerRemoteTest, ShouldSampleUsesSpanNameAndPassesThreshold) {
  sim::Model m;
  const sim::StrId health = m.strings.Intern("/health");
  const sim::StrId api = m.strings.Intern("GET /api");
  JaegerRemoteSampler s(JaegerRemoteOptions{});
  ASSERT_TRUE(s.Update(PerOp(1.0, 0, {{"/health", 0}}), 0).ok());
  sim::Rng rng(5);
  SamplingParams p;
  p.model = &m;
  p.parent_threshold = 1234;
  int health_kept = 0, api_kept = 0;
  for (int i = 0; i < 1000; ++i) {
    p.trace_id = RandomId(rng);
    p.time_unix_nano = i * kSec;
    p.name = health;
    health_kept += s.ShouldSample(p).sampled();
    p.name = api;
    SamplingResult r = s.ShouldSample(p);
    api_kept += r.sampled();
    EXPECT_EQ(r.threshold, 1234u);
  }
  EXPECT_EQ(api_kept, 1000);
  // Lower bound 0 credits/s: the bucket starts empty (Go contrib #3604).
  EXPECT_EQ(health_kept, 0);
}

TEST(JaegerRemoteTest, UpdateKeepsOperationLimitersAndValidatesRates) {
  JaegerRemoteSampler s(JaegerRemoteOptions{});
  ServedStrategy p;
  p.probabilistic_rate = 1.7;  // a new probabilistic delegate clamps
  ASSERT_TRUE(s.Update(p, 0).ok());
  EXPECT_DOUBLE_EQ(s.ProbabilityFor("x"), 1.0);
  p.probabilistic_rate = -0.5;  // an existing one rejects
  sim::Status st = s.Update(p, 0);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("between 0.0 and 1.0"), std::string::npos);
  EXPECT_DOUBLE_EQ(s.ProbabilityFor("x"), 1.0);
  EXPECT_FALSE(s.Update(ServedStrategy{}, 0).ok());
  // Per-op updates keep listed operations and drop unlisted ones.
  ASSERT_TRUE(s.Update(PerOp(0.1, 0, {{"a", 0.3}, {"b", 0.4}}), 0).ok());
  ASSERT_TRUE(s.Update(PerOp(0.2, 0, {{"a", 0.5}}), kSec).ok());
  EXPECT_EQ(s.tracked_operations(), 1u);
  EXPECT_DOUBLE_EQ(s.ProbabilityFor("a"), 0.5);
  EXPECT_DOUBLE_EQ(s.ProbabilityFor("b"), 0.2);
}

TEST(JaegerRemoteTest, SamplerArg) {
  std::string endpoint;
  auto o = ParseJaegerRemoteSamplerArg(
      "endpoint=http://localhost:14250,pollingIntervalMs=5000,initialSamplingRate=0.25", &endpoint);
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(endpoint, "http://localhost:14250");
  EXPECT_EQ(o->polling_interval, sim::Duration::Millis(5000));
  EXPECT_DOUBLE_EQ(o->initial_sampling_rate, 0.25);
  EXPECT_FALSE(ParseJaegerRemoteSamplerArg("initialSamplingRate=2", nullptr).ok());
  EXPECT_FALSE(ParseJaegerRemoteSamplerArg("pollingIntervalMs=soon", nullptr).ok());
  auto unknown = ParseJaegerRemoteSamplerArg("endpont=x", nullptr);
  ASSERT_FALSE(unknown.ok());
  EXPECT_NE(unknown.status().message().find("endpont"), std::string::npos);
  JaegerRemoteOptions bad;
  bad.max_operations = -1;
  EXPECT_FALSE(bad.Validate().ok());
  JaegerRemoteOptions python;
  python.sdk = TracingSdk::kPython;
  EXPECT_NE(python.Validate().message().find("no Jaeger remote sampler"), std::string::npos);
}

// Go contrib #3604: a lower bound of 0 gives no credit, so an operation at probability 0 is never
// sampled; jaeger-client-go v2.30.0 still samples the first one (its limiter starts full).
TEST(JaegerRemoteTest, ZeroLowerBoundGivesNoCreditExceptInJaegerClient) {
  sim::Rng rng(8);
  JaegerRemoteOptions go;
  JaegerRemoteSampler g(go);
  ASSERT_TRUE(g.Update(PerOp(0, 0, {{"a", 0}}), 0).ok());
  EXPECT_FALSE(g.Decide("a", RandomId(rng), 0).sampled);
  EXPECT_FALSE(g.Decide("new", RandomId(rng), 0).sampled);
  JaegerRemoteOptions jc;
  jc.sdk = TracingSdk::kJaegerClient;
  JaegerRemoteSampler c(jc);
  EXPECT_EQ(c.max_operations(), 2000);
  ASSERT_TRUE(c.Update(PerOp(0, 0, {{"a", 0}}), 0).ok());
  JaegerDecision d = c.Decide("a", RandomId(rng), 0);
  EXPECT_TRUE(d.sampled);
  EXPECT_EQ(d.type, JaegerSamplerType::kLowerBound);
  EXPECT_FALSE(c.Decide("a", RandomId(rng), 10 * kSec).sampled);
}

// Java 1.60.1 updateSampler: an empty per-operation list with no other strategy is "unrecognized
// sampler type" (the current sampler stays: Jaeger's adaptive response before any probability);
// a listed operation gets Java's TraceIdRatioBased and no lower bound; unlisted ones the default.
TEST(JaegerRemoteTest, JavaRemoteSamplerHasNoLowerBoundAndKeepsItsSamplerOnAnEmptyList) {
  JaegerRemoteOptions o;
  o.sdk = TracingSdk::kJava;
  JaegerRemoteSampler s(o);
  ServedStrategy adaptive_start = PerOp(0.001, 1.0 / 60, {});
  adaptive_start.probabilistic_rate.reset();  // as Jaeger's adaptive provider serves it
  EXPECT_EQ(s.Update(adaptive_start, 0).message(), "unrecognized sampler type");
  EXPECT_EQ(s.mode(), JaegerRemoteSampler::Mode::kInitial);
  ASSERT_TRUE(s.Update(PerOp(0.5, 5.0, {{"a", 0}}), 0).ok());
  sim::Rng rng(9);
  int a = 0, other = 0;
  for (int i = 0; i < 10000; ++i) {
    a += s.Decide("a", RandomId(rng), 0).sampled;
    other += s.Decide("b" + std::to_string(i % 500), RandomId(rng), 0).sampled;
  }
  EXPECT_EQ(a, 0);  // no lower bound: probability 0 samples nothing
  EXPECT_NEAR(other / 10000.0, 0.5, 0.02);
  EXPECT_EQ(s.tracked_operations(), 1u);  // unlisted operations are not tracked
  // Java's rule: |low 64 bits as a signed long| < (long)(p * Long.MAX_VALUE).
  ServedStrategy half;
  half.probabilistic_rate = 0.5;
  ASSERT_TRUE(s.Update(half, 0).ok());
  sim::TraceId neg;
  neg.lo = 0xC000000000000001ull;  // -(2^62 - 1) as a signed long: |x| < 2^62
  EXPECT_TRUE(s.Decide("x", neg, 0).sampled);
  sim::TraceId big;
  big.lo = 0x4000000000000001ull;
  EXPECT_FALSE(s.Decide("x", big, 0).sampled);
  ServedStrategy bad;
  bad.probabilistic_rate = 1.5;
  EXPECT_FALSE(s.Update(bad, 0).ok());
}

// Java's RateLimiter: full at creation (a new one at every update), refilled continuously.
TEST(JaegerRemoteTest, JavaRateLimiterIsNewAtEveryUpdate) {
  JaegerRemoteOptions o;
  o.sdk = TracingSdk::kJava;
  JaegerRemoteSampler s(o);
  ServedStrategy rl;
  rl.type = JaegerStrategyType::kRateLimiting;
  rl.max_traces_per_second = 2;
  ASSERT_TRUE(s.Update(rl, 0).ok());
  sim::Rng rng(10);
  EXPECT_TRUE(s.Decide("a", RandomId(rng), 0).sampled);
  EXPECT_TRUE(s.Decide("a", RandomId(rng), 0).sampled);
  EXPECT_FALSE(s.Decide("a", RandomId(rng), 0).sampled);
  EXPECT_FALSE(s.Decide("a", RandomId(rng), kSec / 4).sampled);  // 0.5 credit
  EXPECT_TRUE(s.Decide("a", RandomId(rng), kSec / 2).sampled);   // 1 credit
  ASSERT_TRUE(s.Update(rl, kSec / 2).ok());                      // full again
  EXPECT_TRUE(s.Decide("a", RandomId(rng), kSec / 2).sampled);
  EXPECT_TRUE(s.Decide("a", RandomId(rng), kSec / 2).sampled);
  EXPECT_EQ(s.last_decision().type, JaegerSamplerType::kUnrecognized);  // Decide() only
}

TEST(JaegerRemoteTest, TracingSdkNamesVersionsAndTags) {
  EXPECT_EQ(*ParseTracingSdk("jaeger-client"), TracingSdk::kJaegerClient);
  EXPECT_EQ(*ParseTracingSdk("java@1.60.1"), TracingSdk::kJava);
  EXPECT_EQ(*ParseTracingSdk("go@v1.46.0"), TracingSdk::kGo);
  EXPECT_NE(ParseTracingSdk("java@1.59.0").status().message().find("models java 1.60.1 only"),
            std::string::npos);
  EXPECT_NE(ParseTracingSdk("ruby").status().message().find("valid: go, java"), std::string::npos);
  EXPECT_EQ(SamplerTypeJaegerReads(TracingSdk::kGo, JaegerSamplerType::kProbabilistic),
            JaegerSamplerType::kUnrecognized);
  EXPECT_EQ(SamplerTypeJaegerReads(TracingSdk::kJava, JaegerSamplerType::kProbabilistic),
            JaegerSamplerType::kUnrecognized);
  EXPECT_EQ(SamplerTypeJaegerReads(TracingSdk::kJava, JaegerSamplerType::kRateLimiting),
            JaegerSamplerType::kRateLimiting);
  EXPECT_EQ(SamplerTypeJaegerReads(TracingSdk::kJaegerClient, JaegerSamplerType::kLowerBound),
            JaegerSamplerType::kLowerBound);
  EXPECT_EQ(TracingSdkLabel(TracingSdk::kGo), "go 1.46.0 (jaegerremote v0.37.2)");
}

}  // namespace
}  // namespace tracesim::sampling
