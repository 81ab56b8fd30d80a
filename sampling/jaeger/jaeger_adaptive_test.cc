#include "sampling/jaeger/jaeger_adaptive.h"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "sim/base/rng.h"
#include "sim/base/shared_testdata.h"

namespace tracesim::sampling {
namespace {

// The algorithm's tests serve each calculation at once (the default is the v1.75.0 leader).
const JaegerAdaptiveDeployment kIdeal{.role = JaegerAdaptiveDeployment::Role::kIdeal};

sim::Time Sec(double s) { return sim::Time::Zero() + sim::Duration::FromSecondsF(s); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

double Prob(const JaegerAdaptiveSampling& a, const std::string& svc, const std::string& op) {
  return a.probabilities().at(svc).at(op);
}

TEST(JaegerAdaptiveTest, WeightsAndCappedCalculator) {
  std::vector<double> w = JaegerAdaptiveSampling::Weights(3);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_DOUBLE_EQ(w[0], 81.0 / 98);
  EXPECT_DOUBLE_EQ(w[1], 16.0 / 98);
  EXPECT_DOUBLE_EQ(w[2], 1.0 / 98);
  EXPECT_DOUBLE_EQ(JaegerAdaptiveSampling::CappedProbability(1, 0.25, 0.1), 0.2);  // x4 -> x2
  EXPECT_DOUBLE_EQ(JaegerAdaptiveSampling::CappedProbability(1, 0.8, 0.1), 0.125);
  EXPECT_DOUBLE_EQ(JaegerAdaptiveSampling::CappedProbability(1, 4, 0.1), 0.025);  // full drop
  EXPECT_EQ(JaegerAdaptiveSampling::TruncateFloat(0.0001), "0.000100");
}

// Throughput of [0, 60) is stored at 60 s and read by the calculation at 180 s
// (delay 2 min): qps 600 / 60 = 10 against a target of 1 -> 0.001 * 0.1.
TEST(JaegerAdaptiveTest, StepByStepAgainstTheFormula) {
  JaegerAdaptiveOptions o;
  JaegerAdaptiveSampling a(o, sim::Time::Zero(), "tracesim", kIdeal);
  for (int i = 0; i < 600; ++i) {
    a.RecordRootSpan("svc", "op", JaegerSamplerType::kProbabilistic, 0.001, Sec(i * 0.1));
  }
  // [60, 120): 6 spans at the next probability; [120, 180): lower-bound spans only.
  for (int i = 0; i < 6; ++i) {
    a.RecordRootSpan("svc", "op", JaegerSamplerType::kProbabilistic, 0.0001, Sec(60 + i * 10));
  }
  for (int i = 0; i < 3; ++i) {
    a.RecordRootSpan("svc", "op", JaegerSamplerType::kLowerBound, 0.0002, Sec(120 + i * 10));
  }
  a.AdvanceTo(Sec(179));
  EXPECT_EQ(a.calculations(), 2);
  EXPECT_TRUE(a.probabilities().empty());  // nothing older than the 2 min delay yet
  a.AdvanceTo(Sec(180));
  EXPECT_DOUBLE_EQ(a.qps().at("svc").at("op"), 10);
  EXPECT_NEAR(Prob(a, "svc", "op"), 0.0001, 1e-15);
  // 240 s reads [60, 120): qps 0.1, factor 10, capped at x2.
  a.AdvanceTo(Sec(240));
  EXPECT_NEAR(a.qps().at("svc").at("op"), 0.1, 1e-12);
  EXPECT_NEAR(Prob(a, "svc", "op"), 0.0002, 1e-15);
  // 300 s reads [120, 180): count 0 (lower-bound only) reported at 0.000200 -> doubles.
  a.AdvanceTo(Sec(300));
  EXPECT_DOUBLE_EQ(a.qps().at("svc").at("op"), 0);
  EXPECT_NEAR(Prob(a, "svc", "op"), 0.0004, 1e-15);
  // The served strategy carries it, with the initial default and the lower bound.
  ServedStrategy s = a.StrategyFor("svc");
  ASSERT_TRUE(s.operation_sampling.has_value());
  EXPECT_DOUBLE_EQ(s.operation_sampling->default_sampling_probability, 0.001);
  EXPECT_DOUBLE_EQ(s.operation_sampling->default_lower_bound_traces_per_second, 1.0 / 60);
  ASSERT_EQ(s.operation_sampling->per_operation.size(), 1u);
  EXPECT_NEAR(s.operation_sampling->per_operation[0].sampling_rate, 0.0004, 1e-15);
}

// Upstream (internal/storage/v1/memory/sampling.go): the memory store keeps the newest
// maxBuckets throughput flushes and the remote_sampling extension creates it with
// aggregation_buckets; with one bucket and the 2 min delay the row a calculation asks for is
// already gone, so Jaeger never computes a probability (peers/sdk "store-keeps-1-row").
TEST(JaegerAdaptiveTest, MemoryStoreKeepsOnlyAggregationBucketsFlushes) {
  JaegerAdaptiveOptions o;
  o.aggregation_buckets = 1;
  JaegerAdaptiveSampling memory(o, sim::Time::Zero(), "tracesim", kIdeal);
  JaegerAdaptiveSampling kept_by_time(
      o, sim::Time::Zero(), "tracesim",
      JaegerAdaptiveDeployment{.memory_store = false,
                               .role = JaegerAdaptiveDeployment::Role::kIdeal});
  for (int i = 0; i < 600; ++i) {
    for (JaegerAdaptiveSampling* a : {&memory, &kept_by_time}) {
      a->RecordRootSpan("svc", "op", JaegerSamplerType::kProbabilistic, 0.001, Sec(i));
    }
  }
  memory.AdvanceTo(Sec(600));
  kept_by_time.AdvanceTo(Sec(600));
  EXPECT_EQ(memory.calculations(), 10);
  EXPECT_TRUE(memory.probabilities().empty());
  EXPECT_EQ(memory.throughput_store().size(), 10u);  // the log keeps every row
  ASSERT_FALSE(kept_by_time.probabilities().empty());
  EXPECT_NEAR(Prob(kept_by_time, "svc", "op"), 0.001, 1e-15);  // qps 1 = target: kept
}

// Upstream calculateQPS divides: float64(interval) / float64(time.Second). 7 roots in 60 s give
// 7 / 60 exactly as Go computes it, not 7 / (60e9 * 1e-9).
TEST(JaegerAdaptiveTest, QpsDividesTheIntervalInNanosecondsBy1e9) {
  JaegerAdaptiveOptions o;
  JaegerAdaptiveSampling a(o, sim::Time::Zero(), "tracesim", kIdeal);
  for (int i = 0; i < 7; ++i) {
    a.RecordRootSpan("svc", "op", JaegerSamplerType::kProbabilistic, 0.001, Sec(i));
  }
  a.AdvanceTo(Sec(180));
  EXPECT_EQ(a.qps().at("svc").at("op"), 7.0 / (60e9 / 1e9));
}

// Upstream provider.go (v1.75.0): Start() loads the stored probabilities once; the update
// loop reloads them every 20 s only `if !p.isLeader()`. The leader (a single node with the
// memory store always is) therefore serves its start-up probabilities for good, while the
// post-aggregator keeps calculating (peers/sdk: the real leader served no per-operation
// probability in any scenario).
TEST(JaegerAdaptiveTest, LeaderServesStartUpProbabilitiesFollowerReloadsEvery20s) {
  JaegerAdaptiveOptions o;
  JaegerAdaptiveDeployment leader_d;
  leader_d.role = JaegerAdaptiveDeployment::Role::kLeader;
  JaegerAdaptiveDeployment follower_d;
  follower_d.role = JaegerAdaptiveDeployment::Role::kFollower;
  JaegerAdaptiveSampling ideal(o, sim::Time::Zero(), "i", kIdeal),
      leader(o, sim::Time::Zero(), "l", leader_d), follower(o, sim::Time::Zero(), "f", follower_d);
  for (JaegerAdaptiveSampling* a : {&ideal, &leader, &follower}) {
    for (int i = 0; i < 600; ++i) {
      a->RecordRootSpan("svc", "op", JaegerSamplerType::kProbabilistic, 0.001, Sec(i * 0.1));
    }
    a->AdvanceTo(Sec(190));
  }
  // All three calculated 0.0001 at 180 s.
  EXPECT_NEAR(Prob(leader, "svc", "op"), 0.0001, 1e-15);
  EXPECT_NEAR(Prob(follower, "svc", "op"), 0.0001, 1e-15);
  EXPECT_EQ(ideal.StrategyFor("svc").operation_sampling->per_operation.size(), 1u);
  EXPECT_TRUE(leader.StrategyFor("svc").operation_sampling->per_operation.empty());
  EXPECT_NE(leader.NotAdaptingReason().find("never"), std::string::npos);
  EXPECT_EQ(JaegerAdaptiveDeployment{}.role, JaegerAdaptiveDeployment::Role::kLeader);
  EXPECT_EQ(ideal.NotAdaptingReason(), "");
  // The follower reloads at 15 s + 20 s * k: 175 s saw nothing, 195 s sees the 180 s result.
  EXPECT_TRUE(follower.StrategyFor("svc").operation_sampling->per_operation.empty());
  follower.AdvanceTo(Sec(195));
  ASSERT_EQ(follower.StrategyFor("svc").operation_sampling->per_operation.size(), 1u);
  EXPECT_NEAR(follower.StrategyFor("svc").operation_sampling->per_operation[0].sampling_rate,
              0.0001, 1e-15);
  // A leader seeded from the store at start serves those values for good.
  JaegerAdaptiveSampling seeded(o, sim::Time::Zero(), "l", leader_d);
  seeded.LoadProbabilities({{"svc", {{"op", 0.5}}}});
  seeded.AdvanceTo(Sec(600));
  EXPECT_EQ(seeded.StrategyFor("svc").operation_sampling->per_operation[0].sampling_rate, 0.5);
}

TEST(JaegerAdaptiveTest, ToleranceAndForeignProbabilitiesKeepTheOldValue) {
  JaegerAdaptiveOptions o;
  o.calculation_delay = sim::Duration();
  JaegerAdaptiveSampling a(o, sim::Time::Zero(), "tracesim", kIdeal);
  // 75 per minute = 1.25/s: within 30% of the target, the initial probability stays.
  for (int i = 0; i < 75; ++i) {
    a.RecordRootSpan("s", "within", JaegerSamplerType::kProbabilistic, 0.001, Sec(i * 0.8));
  }
  // An operation sampled by something else (reports 0.5) that already has a non-initial
  // probability is not using adaptive sampling: its probability is kept.
  a.LoadProbabilities({{"s", {{"foreign", 0.05}}}});
  for (int i = 0; i < 600; ++i) {
    a.RecordRootSpan("s", "foreign", JaegerSamplerType::kProbabilistic, 0.5, Sec(i * 0.1));
  }
  a.AdvanceTo(Sec(60));
  EXPECT_DOUBLE_EQ(Prob(a, "s", "within"), 0.001);
  EXPECT_DOUBLE_EQ(Prob(a, "s", "foreign"), 0.05);
  // Unrecognized sampler types and empty names are ignored.
  a.RecordRootSpan("s", "ghost", JaegerSamplerType::kUnrecognized, 1, Sec(61));
  a.RecordRootSpan("", "op", JaegerSamplerType::kProbabilistic, 1, Sec(61));
  a.AdvanceTo(Sec(120));
  EXPECT_EQ(a.probabilities().at("s").count("ghost"), 0u);
  EXPECT_EQ(a.probabilities().count(""), 0u);
}

TEST(JaegerAdaptiveTest, ProbabilitiesClampToMinAndOne) {
  JaegerAdaptiveOptions o;
  o.calculation_delay = sim::Duration();
  o.initial_sampling_probability = 0.6;
  JaegerAdaptiveSampling a(o, sim::Time::Zero(), "tracesim", kIdeal);
  for (int i = 0; i < 60000; ++i) {
    a.RecordRootSpan("s", "hot", JaegerSamplerType::kProbabilistic, 0.6, Sec(i * 0.001));
  }
  a.RecordRootSpan("s", "cold", JaegerSamplerType::kLowerBound, 0.6, Sec(1));
  a.AdvanceTo(Sec(60));
  // 1000/s against 1/s: 0.6 * 0.001 = 6e-4; cold: qps 0 -> 1.2 -> clamped to 1.
  EXPECT_NEAR(Prob(a, "s", "hot"), 6e-4, 1e-15);
  EXPECT_DOUBLE_EQ(Prob(a, "s", "cold"), 1.0);
  for (int i = 0; i < 600000; ++i) {
    a.RecordRootSpan("s", "hot", JaegerSamplerType::kProbabilistic, 6e-4, Sec(60 + i * 0.0001));
  }
  a.AdvanceTo(Sec(120));
  EXPECT_DOUBLE_EQ(Prob(a, "s", "hot"), o.min_sampling_probability);
}

// A closed loop: Poisson root traffic, an SDK polling the adaptive provider every minute,
// sampled roots fed back. Returns the sampled roots per minute.
struct Loop {
  JaegerAdaptiveOptions o;
  JaegerAdaptiveSampling adaptive{o, sim::Time::Zero(), "tracesim", kIdeal};
  JaegerRemoteSampler sdk{JaegerRemoteOptions{}};
  sim::Rng rng{42};
  double t = 0;
  double next_poll = 30;
  double min_p = 1, max_p = 0;

  std::vector<int> Run(double rate_per_s, int minutes) {
    std::vector<int> per_minute;
    const double end = t + minutes * 60.0;
    int count = 0;
    double minute_end = t + 60;
    while (true) {
      t += rng.Exponential(1.0 / rate_per_s);
      while (minute_end <= t && minute_end <= end) {
        per_minute.push_back(count);
        count = 0;
        minute_end += 60;
      }
      if (t >= end) break;
      while (next_poll <= t) {
        adaptive.AdvanceTo(Sec(next_poll));
        EXPECT_TRUE(sdk.Update(adaptive.StrategyFor("api"), Sec(next_poll).nanos()).ok());
        next_poll += 60;
        for (const auto& [svc, ops] : adaptive.probabilities()) {
          for (const auto& [op, p] : ops) {
            min_p = std::min(min_p, p);
            max_p = std::max(max_p, p);
          }
        }
      }
      JaegerDecision d = sdk.Decide("GET /a", sim::TraceId{rng.Next(), rng.Next()}, Sec(t).nanos());
      if (d.sampled) {
        ++count;
        adaptive.RecordRootSpan("api", "GET /a", d.type, d.param, Sec(t));
      }
    }
    return per_minute;
  }
};

double MeanPerSecond(const std::vector<int>& per_minute, size_t from, size_t to) {
  double sum = 0;
  for (size_t i = from; i < to; ++i) sum += per_minute[i];
  return sum / ((to - from) * 60.0);
}

TEST(JaegerAdaptiveTest, ConvergesToTargetAndReconvergesAfterSurge) {
  Loop loop;
  // 50 roots/s, target 1 sampled/s: the initial 0.001 gives 0.05/s, far below.
  std::vector<int> steady = loop.Run(50, 60);
  ASSERT_EQ(steady.size(), 60u);
  EXPECT_LT(MeanPerSecond(steady, 0, 3), 0.2);
  // Within 30 intervals the loop has settled: the last 30 minutes average near the target.
  const double settled = MeanPerSecond(steady, 30, 60);
  EXPECT_GT(settled, 0.6) << settled;
  EXPECT_LT(settled, 1.4) << settled;
  const double p_before = loop.sdk.ProbabilityFor("GET /a");
  EXPECT_NEAR(p_before, 1.0 / 50, 0.012);

  // x10 surge: the old probability oversamples until the delayed loop catches up.
  std::vector<int> surge = loop.Run(500, 60);
  ASSERT_EQ(surge.size(), 60u);
  EXPECT_GT(MeanPerSecond(surge, 0, 2), 5.0);
  const double resettled = MeanPerSecond(surge, 30, 60);
  EXPECT_GT(resettled, 0.6) << resettled;
  EXPECT_LT(resettled, 1.4) << resettled;
  EXPECT_NEAR(loop.sdk.ProbabilityFor("GET /a"), 1.0 / 500, 0.0012);
  RecordProperty("settled_per_s", std::to_string(settled));
  RecordProperty("surge_first_2min_per_s", std::to_string(MeanPerSecond(surge, 0, 2)));
  RecordProperty("resettled_per_s", std::to_string(resettled));
  EXPECT_LE(loop.max_p, 1.0);
  EXPECT_GE(loop.min_p, loop.o.min_sampling_probability);
}

TEST(JaegerAdaptiveTest, StoreRecordsRoundTripAndServedJson) {
  JaegerAdaptiveOptions o;
  o.calculation_delay = sim::Duration();
  JaegerAdaptiveSampling a(o, sim::Time::Zero(), "sim-host", kIdeal);
  for (int i = 0; i < 120; ++i) {
    a.RecordRootSpan("svc", "op", JaegerSamplerType::kProbabilistic, 0.001, Sec(i * 0.5));
  }
  a.AdvanceTo(Sec(60));
  ASSERT_EQ(a.throughput_store().size(), 1u);
  EXPECT_EQ(a.throughput_store()[0].throughput.count, 120);
  ASSERT_EQ(a.probabilities_store().size(), 1u);
  JaegerSamplingStoreRecords recs{a.throughput_store(), a.probabilities_store()};
  const int64_t epoch = 1707393600LL * 1000000000LL;  // 2024-02-08T12:00:00Z
  const std::string json = SamplingStoreToJson(recs, epoch);
  auto back = ParseSamplingStoreJson(json, "written", epoch);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->throughput.size(), 1u);
  EXPECT_EQ(back->throughput[0].time, Sec(60));
  EXPECT_EQ(back->throughput[0].throughput.probabilities, std::set<std::string>{"0.001000"});
  ASSERT_EQ(back->probabilities.size(), 1u);
  EXPECT_EQ(back->probabilities[0].hostname, "sim-host");
  EXPECT_EQ(back->probabilities[0].probabilities, a.probabilities());
  // The served strategies, and the same as a strategies file.
  auto served = ParseServedStrategyJson(ServedStrategyToJson(a.StrategyFor("svc")), "served");
  ASSERT_TRUE(served.ok());
  EXPECT_EQ(*served, a.StrategyFor("svc"));
  EXPECT_NE(a.ServedStrategiesJson().find("\"svc\""), std::string::npos);
  JaegerFileOptions fo;
  JaegerFileStrategyProvider fp(a.ToStrategiesFile(), fo);
  EXPECT_EQ(fp.StrategyFor("svc").operation_sampling->per_operation,
            a.StrategyFor("svc").operation_sampling->per_operation);
  ServedStrategy unknown = a.StrategyFor("nobody");
  EXPECT_TRUE(unknown.operation_sampling->per_operation.empty());
}

TEST(JaegerAdaptiveTest, ParsesSamplingStoreTestdata) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  const std::string dir =
      tracesim::testing::SharedDir() + "/testdata/jaeger-adaptive-samplingstore/";
  const int64_t epoch = 1707393600LL * 1000000000LL;
  auto th = ParseSamplingStoreJson(ReadFile(dir + "write_throughput.json"), "write_throughput.json",
                                   epoch);
  ASSERT_TRUE(th.ok()) << th.status().ToString();
  ASSERT_EQ(th->throughput.size(), 1u);
  EXPECT_EQ(th->throughput[0].throughput.service, "my-svc");
  EXPECT_EQ(th->throughput[0].throughput.operation, "op");
  EXPECT_EQ(th->throughput[0].throughput.count, 10);
  EXPECT_TRUE(th->throughput[0].throughput.probabilities.empty());
  EXPECT_EQ(th->throughput[0].time, sim::Time::Zero());
  auto pr = ParseSamplingStoreJson(ReadFile(dir + "write_probabilities.json"),
                                   "write_probabilities.json", epoch);
  ASSERT_TRUE(pr.ok()) << pr.status().ToString();
  ASSERT_EQ(pr->probabilities.size(), 1u);
  EXPECT_EQ(pr->probabilities[0].hostname, "dell11eg843d");
  EXPECT_DOUBLE_EQ(pr->probabilities[0].probabilities.at("new-srv").at("op"), 0.1);
  EXPECT_DOUBLE_EQ(pr->probabilities[0].qps.at("new-srv").at("op"), 4);
  // The provider can start from such a record.
  JaegerAdaptiveSampling a(JaegerAdaptiveOptions{}, sim::Time::Zero(), "tracesim", kIdeal);
  a.LoadProbabilities(pr->probabilities[0].probabilities);
  EXPECT_DOUBLE_EQ(a.StrategyFor("new-srv").operation_sampling->per_operation[0].sampling_rate,
                   0.1);
}

TEST(JaegerAdaptiveTest, StoreParseErrorsNameThePath) {
  auto bad = ParseSamplingStoreJson(
      R"({"ndjson":[{"index":{}},{"throughputs":{"Service":"s","Operation":"o"},
          "timestamp":"2024-02-08T12:00:00Z"}]})",
      "t.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "t.json: ndjson[1].throughputs.Count: expected an integer");
  auto odd = ParseSamplingStoreJson(R"([{"something":1}])", "o.json");
  ASSERT_FALSE(odd.ok());
  EXPECT_NE(odd.status().message().find("$[0]"), std::string::npos);
  auto stamp = ParseSamplingStoreJson(
      R"({"probabilitiesandqps":{"Hostname":"h"},"timestamp":"yesterday"})", "s.json");
  ASSERT_FALSE(stamp.ok());
  EXPECT_NE(stamp.status().message().find("$.timestamp"), std::string::npos);
}

TEST(JaegerAdaptiveTest, OptionsValidate) {
  JaegerAdaptiveOptions o;
  EXPECT_TRUE(o.Validate().ok());
  o.calculation_buckets = 0;
  EXPECT_FALSE(o.Validate().ok());
  o = JaegerAdaptiveOptions{};
  o.initial_sampling_probability = 0;
  EXPECT_FALSE(o.Validate().ok());
  o = JaegerAdaptiveOptions{};
  o.target_samples_per_second = 0;
  EXPECT_NE(o.Validate().message().find("target_samples_per_second"), std::string::npos);
}

}  // namespace
}  // namespace tracesim::sampling
