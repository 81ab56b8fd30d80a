#include "sampling/jaeger/jaeger_remote.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "sim/base/rng.h"

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
  EXPECT_EQ(o.max_operations, 256);
  JaegerRemoteSampler s(o);
  ASSERT_TRUE(s.Update(PerOp(0, 1.0, {}), 0).ok());
  sim::Rng rng(5);
  for (int i = 0; i < 300; ++i) (void)s.Decide("op" + std::to_string(i), RandomId(rng), 0);
  EXPECT_EQ(s.tracked_operations(), 256u);
}

TEST(JaegerRemoteTest, ServedFixtureDrivesPerOperationSampling) {
  const std::string dir =
      std::string(TRACESIM_SHARED_DIR) + "/testdata/jaeger-sampling-strategies/";
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
  // Lower bound 0 credits/s, but the bucket starts with max(0, 1) = 1 credit.
  EXPECT_EQ(health_kept, 1);
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
  bad.max_operations = 0;
  EXPECT_FALSE(bad.Validate().ok());
}

}  // namespace
}  // namespace tracesim::sampling
