#include "sampling/lab/strategy_config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "sim/base/shared_testdata.h"

namespace tracesim::sampling {
namespace {

sim::Result<std::vector<StrategyConfig>> Parse(const std::string& yaml,
                                               const std::string& base_dir = "") {
  return ParseStrategies(YAML::Load(yaml), "s.yaml", base_dir);
}

TEST(StrategyConfigTest, EveryFormLoads) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  std::string dir = tracesim::testing::SharedDir() + "/testdata/otelcol-tailsampling";
  auto r = Parse(R"(
- {name: head, head: {sampler: parentbased_traceidratio, ratio: 0.25}}
- {name: env, env: {OTEL_TRACES_SAMPLER: parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG: "0.5", algorithm: java}}
- {name: file, collector: tail_sampling_config.yaml}
- name: inline
  probabilistic_sampler: {sampling_percentage: 20}
  tail_sampling: {policies: [{name: all, type: always_sample}]}
)",
                 dir);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 4u);
  EXPECT_TRUE((*r)[0].has_head);
  EXPECT_DOUBLE_EQ((*r)[0].head.sampler.ratio, 0.25);
  EXPECT_TRUE((*r)[1].has_head);
  EXPECT_DOUBLE_EQ((*r)[1].head.sampler.ratio, 0.5);
  EXPECT_EQ((*r)[1].head.sampler.algorithm, RatioAlgorithm::kJava);
  ASSERT_EQ((*r)[2].stages.size(), 1u);
  EXPECT_EQ((*r)[2].stages[0].kind(), CollectorStage::Kind::kTail);
  EXPECT_GT(std::get<TailSamplingConfig>((*r)[2].stages[0].config).policies.size(), 5u);
  ASSERT_EQ((*r)[3].stages.size(), 2u);
  EXPECT_EQ((*r)[3].stages[0].kind(), CollectorStage::Kind::kProbabilistic);
  EXPECT_EQ((*r)[3].stages[1].kind(), CollectorStage::Kind::kTail);
}

TEST(StrategyConfigTest, CollectorFileStagesFollowFileOrderOrTheGivenList) {
  auto path = std::filesystem::temp_directory_path() /
              (std::string("tracesim_strategy_otelcol.yaml") + "." + std::to_string(::getpid()));
  std::ofstream(path) << R"(processors:
  probabilistic_sampler:
    sampling_percentage: 30
  batch: {}
  tail_sampling/errors:
    policies: [{name: errors, type: status_code, status_code: {status_codes: [ERROR]}}]
)";
  auto all = Parse("- {name: a, collector: " + path.string() + "}");
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  ASSERT_EQ((*all)[0].stages.size(), 2u);
  EXPECT_EQ((*all)[0].stages[0].id, "probabilistic_sampler");
  EXPECT_EQ((*all)[0].stages[1].id, "tail_sampling/errors");
  EXPECT_FLOAT_EQ(
      std::get<ProbabilisticSamplerConfig>((*all)[0].stages[0].config).sampling_percentage, 30);
  auto picked =
      Parse("- {name: a, collector: " + path.string() + ", processors: [tail_sampling/errors]}");
  ASSERT_TRUE(picked.ok()) << picked.status().ToString();
  ASSERT_EQ((*picked)[0].stages.size(), 1u);
  EXPECT_EQ((*picked)[0].stages[0].id, "tail_sampling/errors");
  std::filesystem::remove(path);
}

TEST(StrategyConfigTest, ProblemsNameTheLineAndKey) {
  auto r = Parse(R"(
- {name: a, head: {sampler: always_on}}
- {name: a, head: {sampler: parentbased_traceidratio, ratio: 2}}
- {nme: b}
- {name: c, head: {sampler: always_on}, env: {OTEL_TRACES_SAMPLER: always_on}}
- {name: d, collector: /no/such/otelcol.yaml}
- {name: e, processors: [tail_sampling]}
- {name: f, tail_sampling: {policies: [{name: x, type: nonsense}]}}
- {name: g, env: {OTEL_TRACES_SAMPLR: always_on}}
)");
  ASSERT_FALSE(r.ok());
  const std::string& m = r.status().message();
  for (const char* want :
       {"s.yaml:3:", "ratio",
        "s.yaml:4:", "s.yaml:4:4: samplers[2].nme: unknown key 'nme' (did you mean 'name'?)",
        "missing required key 'name'", "give either 'head' or 'env'",
        "s.yaml:6:24: samplers[4].collector: /no/such/otelcol.yaml: cannot open file",
        "'processors' picks from a 'collector' file", "nonsense", "OTEL_TRACES_SAMPLR"}) {
    EXPECT_NE(m.find(want), std::string::npos) << want << "\n" << m;
  }
  EXPECT_FALSE(Parse("{}").ok());
  EXPECT_FALSE(Parse("[]").ok());
}

// A referenced file keeps its first 100 problems too (config::Diagnostics), and the count of the
// rest reaches the scenario's error at the key that names the file.
TEST(StrategyConfigTest, AReferencedFileWithManyProblemsIsCountedNotListed) {
  auto path = std::filesystem::temp_directory_path() /
              (std::string("tracesim_strategy_many.yaml") + "." + std::to_string(::getpid()));
  {
    std::ofstream out(path);
    out << "processors:\n  tail_sampling:\n    policies:\n";
    for (int i = 0; i < 150; ++i) out << "      - {name: p" << i << ", type: nonsense}\n";
  }
  auto r = Parse("- {name: a, collector: " + path.string() + "}");
  std::filesystem::remove(path);
  ASSERT_FALSE(r.ok());
  const std::string& m = r.status().message();
  EXPECT_NE(m.find("s.yaml:1:24: samplers[0].collector: " + path.string() + ":4:"),
            std::string::npos)
      << m;
  // 99 of the file's problems fit beside the line that counts the other 51.
  EXPECT_NE(m.find("policies[98].type"), std::string::npos) << m;
  EXPECT_EQ(m.find("policies[99].type"), std::string::npos) << m;
  EXPECT_NE(m.find("s.yaml:1:24: samplers[0].collector: " + path.string() +
                   ": 51 more problems not shown (only the first 100 are kept"),
            std::string::npos)
      << m;
  EXPECT_EQ(m.find("s.yaml: "), std::string::npos) << "nothing of the scenario is left out\n" << m;
}

}  // namespace
}  // namespace tracesim::sampling

namespace tracesim::sampling {
namespace {

// `export:` (issue 10): the SDK BatchSpanProcessor settings, or span_end to turn the model off.
TEST(StrategyConfigTest, ExportBlock) {
  auto r = Parse(R"(
- {name: default}
- {name: off, export: span_end}
- {name: on, export: batch}
- name: tuned
  export: {OTEL_BSP_SCHEDULE_DELAY: 1000, OTEL_BSP_MAX_QUEUE_SIZE: "100",
           OTEL_BSP_MAX_EXPORT_BATCH_SIZE: 1000, duration_ms: 20}
)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE((*r)[0].export_at_span_end);  // the default: batch
  EXPECT_EQ((*r)[0].bsp.max_export_batch_size, 512);
  EXPECT_TRUE((*r)[1].export_at_span_end);
  EXPECT_FALSE((*r)[2].export_at_span_end);
  EXPECT_EQ((*r)[2].bsp.schedule_delay_ms, 5000);
  EXPECT_FALSE((*r)[3].export_at_span_end);
  EXPECT_EQ((*r)[3].bsp.schedule_delay_ms, 1000);
  EXPECT_EQ((*r)[3].bsp.max_queue_size, 100);
  EXPECT_EQ((*r)[3].bsp.max_export_batch_size, 100);  // the Go SDK's clamp
  EXPECT_EQ((*r)[3].bsp.export_duration_ms, 20);
}

TEST(StrategyConfigTest, ExportBlockErrorsNameTheKey) {
  struct Case {
    const char* yaml;
    const char* want;
  } cases[] = {
      {"- {name: a, export: sometimes}", "must be span_end, batch or a mapping"},
      {"- {name: a, export: [1]}", "must be span_end, batch or a mapping"},
      {"- {name: a, export: {OTEL_BSP_MAX_QUEUE_SIZE: -1}}", "OTEL_BSP_MAX_QUEUE_SIZE must be"},
      {"- {name: a, export: {OTEL_BSP_SCHEDULE_DELAY: 0}}", "OTEL_BSP_SCHEDULE_DELAY must be"},
      {"- {name: a, export: {duration_ms: fast}}", "whole number of milliseconds"},
      {"- {name: a, export: {OTEL_BSP_MAX_QUEUE: 1}}", "OTEL_BSP_MAX_QUEUE"},
      {"- {name: a, export: {OTEL_BSP_SCHEDULE_DELAY: [1]}}", "must be a scalar"},
  };
  for (const Case& c : cases) {
    auto r = Parse(c.yaml);
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_NE(r.status().message().find(c.want), std::string::npos)
        << c.yaml << ": " << r.status().message();
    EXPECT_NE(r.status().message().find("s.yaml:1"), std::string::npos) << r.status().message();
  }
}

}  // namespace
}  // namespace tracesim::sampling
