#include "advise/candidate.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "sampling/lab/strategy_config.h"

namespace tracesim::advise {
namespace {

Candidate Tail() {
  Candidate c;
  c.family = Family::kTail;
  c.latency_pct = 95;
  c.latency_ms = 1300;
  c.baseline_pct = 0.5;
  c.decision_wait_s = 3;
  c.num_traces = 1000;
  c.expected_new_traces_per_sec = 80;
  return c;
}

TEST(CandidateTest, NamesAreShortAndDistinct) {
  Candidate head;
  head.family = Family::kHead;
  head.head_ratio = 0.05;
  EXPECT_EQ(head.Name(), "head 5%");
  EXPECT_EQ(Tail().Name(), "tail p95 +0.5% w3s");
  Candidate both = Tail();
  both.family = Family::kHeadTail;
  both.head_ratio = 0.25;
  both.baseline_pct = 0;
  EXPECT_EQ(both.Name(), "head 25% > tail p95 w3s");
  EXPECT_NE(Tail().Key(), both.Key());
}

// What is printed is what the lab runs: the samplers: entry parses into the same policies.
TEST(CandidateTest, SamplersEntryParsesIntoTheConfiguration) {
  Candidate both = Tail();
  both.family = Family::kHeadTail;
  both.head_ratio = 0.25;
  auto parsed = sampling::ParseStrategies(YAML::Load(both.SamplersYaml()), "t", "");
  ASSERT_TRUE(parsed.ok()) << parsed.status().message() << "\n" << both.SamplersYaml();
  ASSERT_EQ(parsed->size(), 1u);
  const sampling::StrategyConfig& s = (*parsed)[0];
  EXPECT_EQ(s.name, "head 25% > tail p95 +0.5% w3s");
  EXPECT_TRUE(s.has_head);
  ASSERT_EQ(s.stages.size(), 1u);
  const auto& tail = std::get<sampling::TailSamplingConfig>(s.stages[0].config);
  EXPECT_EQ(tail.num_traces, 1000u);
  EXPECT_EQ(tail.expected_new_traces_per_sec, 80u);
  ASSERT_EQ(tail.policies.size(), 3u);
  EXPECT_EQ(tail.policies[1].name, "slow");
  EXPECT_EQ(tail.policies[2].name, "baseline");
}

// The deployment YAML is a Collector config our Collector-config reader accepts.
TEST(CandidateTest, DeployYamlIsACollectorConfig) {
  const std::string deploy = Tail().DeployYaml();
  EXPECT_NE(deploy.find("processors:\n  tail_sampling:\n    decision_wait: 3s\n"),
            std::string::npos)
      << deploy;
  YAML::Node doc = YAML::Load(deploy);
  EXPECT_EQ(doc["processors"]["tail_sampling"]["policies"][1]["latency"]["threshold_ms"].as<int>(),
            1300);
  EXPECT_EQ(doc["service"]["pipelines"]["traces"]["processors"][0].as<std::string>(),
            "tail_sampling");
  Candidate head;
  head.family = Family::kHead;
  head.head_ratio = 0.02;
  EXPECT_EQ(head.DeployYaml(),
            "# every service's SDK environment\nOTEL_TRACES_SAMPLER=parentbased_traceidratio\n"
            "OTEL_TRACES_SAMPLER_ARG=0.02\n");
}

}  // namespace
}  // namespace tracesim::advise
