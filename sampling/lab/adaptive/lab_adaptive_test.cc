// The samplers: keys of the Jaeger providers and the dynamic samplers (strategy_config.h ->
// lab_adaptive.h): every form parses, every rule rejects with the key and its file:line. The
// end-to-end behaviour is tested in tests/sampling_adaptive_test.cc.
#include "sampling/lab/adaptive/lab_adaptive.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <filesystem>
#include <fstream>

#include "sampling/lab/strategy_config.h"

namespace tracesim::sampling {
namespace {

namespace fs = std::filesystem;

fs::path Dir() {
  fs::path d = fs::temp_directory_path() /
               (std::string("tracesim_lab_adaptive_test") + "." + std::to_string(::getpid()));
  fs::create_directories(d);
  std::ofstream(d / "strategies.json")
      << R"({"default_strategy": {"type": "probabilistic", "param": 0.25}})";
  std::ofstream(d / "bad-strategies.json") << R"({"service_strategies": [{"param": "x"}]})";
  std::ofstream(d / "jaeger-file.yaml") << R"(extensions:
  remote_sampling:
    file: {path: strategies.json, default_sampling_probability: 0.01}
)";
  std::ofstream(d / "jaeger-adaptive.yaml") << R"(extensions:
  remote_sampling:
    adaptive: {sampling_store: mem, target_samples_per_second: 2, calculation_interval: 30s}
service:
  pipelines:
    traces: {processors: [adaptive_sampling]}
)";
  return d;
}

sim::Result<std::vector<StrategyConfig>> Parse(const std::string& yaml) {
  return ParseStrategies(YAML::Load(yaml), "s.yaml", Dir().string());
}

// Parses `yaml` (one strategy list) and expects an error containing every part of `wants`.
void ExpectError(const std::string& yaml, const std::vector<std::string>& wants) {
  auto r = Parse(yaml);
  ASSERT_FALSE(r.ok()) << yaml;
  for (const std::string& w : wants)
    EXPECT_NE(r.status().message().find(w), std::string::npos)
        << "want '" << w << "' in: " << r.status().message();
}

TEST(LabAdaptiveConfigTest, EveryFormLoads) {
  auto r = Parse(R"(
- name: file
  jaeger: {strategies: strategies.json, default_sampling_probability: 0.002, polling_interval: 30s}
- name: v2-file
  jaeger: {config: jaeger-file.yaml}
- name: v2-adaptive
  jaeger: {config: jaeger-adaptive.yaml, write_strategies: out.json}
- name: adaptive
  jaeger_adaptive:
    target_samples_per_second: 0.5
    calculation_interval: 2m
    calculation_delay: 1m
    delta_tolerance: 0.2
    initial_sampling_probability: 0.01
    min_sampling_probability: 0.0001
    aggregation_buckets: 5
    calculation_buckets: 3
    polling_interval: 90s
    write_strategies: learned.json
- {name: adaptive-defaults, jaeger_adaptive: {}}
- name: dyn
  dynamic: {sampler: dynamic, sample_rate: 20, field_list: [service.name, root.name],
            use_trace_length: true, clear_frequency: 1m, max_keys: 100}
- name: ema
  probabilistic_sampler: {sampling_percentage: 50}
  dynamic: {sampler: ema_dynamic, goal_sample_rate: 5, field_list: status_code,
            adjustment_interval: 30s, weight: 0.3, age_out_value: 0.1, burst_multiple: -1,
            burst_detection_delay: 5}
)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->size(), 7u);
  const auto& file = (*r)[0].jaeger;
  EXPECT_EQ(file.mode, JaegerProviderConfig::Mode::kFile);
  EXPECT_FALSE((*r)[0].has_head);
  EXPECT_DOUBLE_EQ(file.file.default_sampling_probability, 0.002);
  EXPECT_EQ(file.polling_interval, sim::Duration::Seconds(30));
  ASSERT_TRUE(file.strategies.default_strategy.has_value());
  EXPECT_DOUBLE_EQ(file.strategies.default_strategy->param, 0.25);
  const auto& v2file = (*r)[1].jaeger;
  EXPECT_EQ(v2file.mode, JaegerProviderConfig::Mode::kFile);
  EXPECT_DOUBLE_EQ(v2file.file.default_sampling_probability, 0.01);
  EXPECT_EQ(v2file.file.path, (Dir() / "strategies.json").string());  // beside the config
  ASSERT_TRUE(v2file.strategies.default_strategy.has_value());
  const auto& v2adaptive = (*r)[2].jaeger;
  EXPECT_EQ(v2adaptive.mode, JaegerProviderConfig::Mode::kAdaptive);
  EXPECT_DOUBLE_EQ(v2adaptive.adaptive.target_samples_per_second, 2);
  EXPECT_EQ(v2adaptive.adaptive.calculation_interval, sim::Duration::Seconds(30));
  EXPECT_EQ(v2adaptive.write_strategies, (Dir() / "out.json").string());
  const auto& a = (*r)[3].jaeger;
  EXPECT_EQ(a.mode, JaegerProviderConfig::Mode::kAdaptive);
  EXPECT_DOUBLE_EQ(a.adaptive.target_samples_per_second, 0.5);
  EXPECT_EQ(a.adaptive.calculation_interval, sim::Duration::Seconds(120));
  EXPECT_EQ(a.adaptive.calculation_delay, sim::Duration::Seconds(60));
  EXPECT_DOUBLE_EQ(a.adaptive.delta_tolerance, 0.2);
  EXPECT_DOUBLE_EQ(a.adaptive.initial_sampling_probability, 0.01);
  EXPECT_DOUBLE_EQ(a.adaptive.min_sampling_probability, 0.0001);
  EXPECT_EQ(a.adaptive.aggregation_buckets, 5);
  EXPECT_EQ(a.adaptive.calculation_buckets, 3);
  EXPECT_EQ(a.polling_interval, sim::Duration::Seconds(90));
  EXPECT_EQ(a.write_strategies, (Dir() / "learned.json").string());
  EXPECT_EQ(JaegerPipelineLabel(a),
            "SDK parentbased_jaeger_remote(adaptive 0.5/s per op, every 120s, poll 90s)");
  const auto& defaults = (*r)[4].jaeger;
  EXPECT_EQ(defaults.mode, JaegerProviderConfig::Mode::kAdaptive);
  EXPECT_EQ(defaults.polling_interval, sim::Duration::Seconds(60));
  EXPECT_EQ(defaults.adaptive.calculation_delay, sim::Duration::Seconds(120));

  ASSERT_EQ((*r)[5].stages.size(), 1u);
  const CollectorStage& dyn = (*r)[5].stages[0];
  EXPECT_EQ(dyn.kind(), CollectorStage::Kind::kDynamic);
  EXPECT_EQ(dyn.id, "dynamic");
  const DynamicStageConfig& dc = std::get<DynamicStageConfig>(dyn.config);
  EXPECT_EQ(dc.kind, DynamicStageConfig::Kind::kDynamic);
  EXPECT_EQ(dc.dynamic.sample_rate, 20u);
  EXPECT_EQ(dc.dynamic.clear_frequency, sim::Duration::Seconds(60));
  EXPECT_EQ(dc.dynamic.max_keys, 100u);
  EXPECT_EQ(dc.field_list, (std::vector<std::string>{"service.name", "root.name"}));
  EXPECT_TRUE(dc.use_trace_length);
  EXPECT_EQ(DynamicStageLabel(dc), "dynamic(goal 1/20, key service.name,root.name,trace length)");
  ASSERT_EQ((*r)[6].stages.size(), 2u);
  EXPECT_EQ((*r)[6].stages[0].kind(), CollectorStage::Kind::kProbabilistic);
  const DynamicStageConfig& ema = std::get<DynamicStageConfig>((*r)[6].stages[1].config);
  EXPECT_EQ(ema.kind, DynamicStageConfig::Kind::kEmaDynamic);
  EXPECT_EQ(ema.ema.goal_sample_rate, 5u);
  EXPECT_EQ(ema.ema.adjustment_interval, sim::Duration::Seconds(30));
  EXPECT_DOUBLE_EQ(ema.ema.weight, 0.3);
  EXPECT_DOUBLE_EQ(ema.ema.age_out_value, 0.1);
  EXPECT_DOUBLE_EQ(ema.ema.burst_multiple, -1);
  EXPECT_EQ(ema.ema.burst_detection_delay, 5u);
  EXPECT_EQ(ema.field_list, (std::vector<std::string>{"status_code"}));
}

TEST(LabAdaptiveConfigTest, JaegerRulesNameTheKey) {
  ExpectError("- {name: x, jaeger: {strategies: strategies.json, polling: 1m}}",
              {"s.yaml:1:", "samplers[0].jaeger.polling: unknown key"});
  ExpectError("- {name: x, jaeger: {polling_interval: 1m}}",
              {"s.yaml:1:", "samplers[0].jaeger: needs 'strategies'"});
  ExpectError("- {name: x, jaeger: strategies.json}", {"samplers[0].jaeger: must be a mapping"});
  ExpectError("- {name: x, jaeger: {strategies: strategies.json, config: jaeger-file.yaml}}",
              {"samplers[0].jaeger.config: give either 'strategies' or 'config'"});
  ExpectError("- {name: x, jaeger: {strategies: missing.json}}",
              {"s.yaml:1:", "samplers[0].jaeger.strategies", "missing.json"});
  ExpectError("- {name: x, jaeger: {strategies: bad-strategies.json}}",
              {"samplers[0].jaeger.strategies", "service_strategies[0].param"});
  ExpectError("- {name: x, jaeger: {config: jaeger-file.yaml, default_sampling_probability: 0.1}}",
              {"samplers[0].jaeger.default_sampling_probability", "remote_sampling.file"});
  ExpectError("- {name: x, jaeger: {strategies: strategies.json, default_sampling_probability: 2}}",
              {"s.yaml:1:", "samplers[0].jaeger", "default_sampling_probability"});
  ExpectError("- {name: x, jaeger: {strategies: strategies.json, polling_interval: 0s}}",
              {"samplers[0].jaeger.polling_interval: must be > 0"});
  ExpectError("- {name: x, jaeger: {strategies: strategies.json, polling_interval: soon}}",
              {"samplers[0].jaeger.polling_interval"});
  ExpectError("- {name: x, jaeger: {strategies: strategies.json, write_strategies: o.json}}",
              {"samplers[0].jaeger", "write_strategies: only the adaptive provider writes"});
  ExpectError("- {name: x, jaeger: {config: missing.yaml}}",
              {"samplers[0].jaeger.config", "missing.yaml"});
  ExpectError("- {name: x, head: {sampler: always_on}, jaeger: {strategies: strategies.json}}",
              {"samplers[0].jaeger: runs parentbased_jaeger_remote", "'head' or 'env'"});
  ExpectError("- {name: x, jaeger: {strategies: strategies.json}, jaeger_adaptive: {}}",
              {"samplers[0].jaeger_adaptive: give either 'jaeger' or 'jaeger_adaptive'"});
  ExpectError("- {name: x, jaegr: {}}", {"samplers[0].jaegr: unknown key", "'jaeger'"});
}

TEST(LabAdaptiveConfigTest, JaegerAdaptiveRulesNameTheKey) {
  ExpectError("- name: x\n  jaeger_adaptive:\n    target_samples: 1\n",
              {"s.yaml:3:5: samplers[0].jaeger_adaptive.target_samples: unknown key"});
  ExpectError("- name: x\n  jaeger_adaptive:\n    target_samples_per_second: 0\n",
              {"s.yaml:", "samplers[0].jaeger_adaptive", "target_samples_per_second"});
  ExpectError(
      "- name: x\n  jaeger_adaptive:\n    calculation_interval: often\n",
      {"s.yaml:3:27: samplers[0].jaeger_adaptive.calculation_interval: 'often' is not a duration"});
  ExpectError(
      "- name: x\n  jaeger_adaptive:\n    aggregation_buckets: many\n",
      {"s.yaml:3:26: samplers[0].jaeger_adaptive.aggregation_buckets: expected an integer"});
  ExpectError("- name: x\n  jaeger_adaptive:\n    polling_interval: -1s\n",
              {"s.yaml:3:", "samplers[0].jaeger_adaptive.polling_interval: must be > 0"});
  ExpectError("- name: x\n  jaeger_adaptive:\n    write_strategies: ''\n",
              {"s.yaml:3:", "samplers[0].jaeger_adaptive.write_strategies: must be a file path"});
  ExpectError("- {name: x, jaeger_adaptive: [1]}",
              {"samplers[0].jaeger_adaptive: must be a mapping"});
  ExpectError("- {name: x, env: {OTEL_TRACES_SAMPLER: always_on}, jaeger_adaptive: {}}",
              {"samplers[0].jaeger_adaptive: runs parentbased_jaeger_remote"});
}

// sdk: per strategy and service; the adaptive provider's deployment (role, store, polls).
TEST(LabAdaptiveConfigTest, SdkAndDeploymentKeys) {
  auto r = Parse(R"(
- name: a
  sdk: {default: java, services: {back: jaeger-client@2.30.0}}
  jaeger_adaptive: {role: follower, store: cassandra, poll_phase: lockstep}
- name: b
  sdk: python
  env: {OTEL_TRACES_SAMPLER: parentbased_jaeger_remote}
- name: c
  sdk: {services: {front: java}}
  env: {OTEL_TRACES_SAMPLER: parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG: "0.5"}
- name: d
  jaeger: {config: jaeger-adaptive.yaml, role: ideal, store: badger}
- {name: e, jaeger_adaptive: {}}
)");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const StrategyConfig& a = (*r)[0];
  EXPECT_EQ(a.sdk.default_sdk, TracingSdk::kJava);
  EXPECT_EQ(a.sdk.For("back"), TracingSdk::kJaegerClient);
  EXPECT_EQ(a.sdk.For("front"), TracingSdk::kJava);
  EXPECT_EQ(a.jaeger.deployment.role, JaegerAdaptiveDeployment::Role::kFollower);
  EXPECT_FALSE(a.jaeger.deployment.memory_store);
  EXPECT_TRUE(a.jaeger.lockstep_polls);
  const StrategyConfig& b = (*r)[1];
  ASSERT_TRUE(b.has_head);
  EXPECT_EQ(b.head.sampler.kind, HeadSamplerKind::kParentBasedAlwaysOn);
  ASSERT_EQ(b.head.warnings.size(), 1u);
  EXPECT_NE(b.head.warnings[0].find("Couldn't recognize sampler"), std::string::npos);
  const StrategyConfig& c = (*r)[2];
  EXPECT_EQ(c.head.sampler.algorithm, RatioAlgorithm::kGo);
  ASSERT_EQ(c.head.services.count("front"), 1u);
  EXPECT_EQ(c.head.services.at("front").algorithm, RatioAlgorithm::kJava);
  EXPECT_DOUBLE_EQ(c.head.services.at("front").ratio, 0.5);
  const StrategyConfig& d = (*r)[3];
  EXPECT_EQ(d.jaeger.deployment.role, JaegerAdaptiveDeployment::Role::kIdeal);
  EXPECT_EQ(d.jaeger.store, "badger");
  const StrategyConfig& e = (*r)[4];  // the defaults: go SDKs, the leader, memory, staggered
  EXPECT_EQ(e.sdk.default_sdk, TracingSdk::kGo);
  EXPECT_EQ(e.jaeger.deployment.role, JaegerAdaptiveDeployment::Role::kLeader);
  EXPECT_TRUE(e.jaeger.deployment.memory_store);
  EXPECT_FALSE(e.jaeger.lockstep_polls);

  sim::Model m;
  sim::Service front;
  front.name = m.strings.Intern("front");
  m.services = {front};
  SdkAssignment typo;
  typo.services["fornt"] = TracingSdk::kJava;
  EXPECT_NE(typo.ValidateFor(m).message().find("no instrumented service 'fornt' (did you mean "
                                               "'front'?)"),
            std::string::npos)
      << typo.ValidateFor(m).message();
}

// What lint can say before a run: the defaults never adapt, for two reasons.
TEST(LabAdaptiveConfigTest, DeploymentWarningsBeforeARun) {
  JaegerProviderConfig c;
  c.mode = JaegerProviderConfig::Mode::kAdaptive;
  std::vector<std::string> w = JaegerDeploymentWarnings(c, SdkAssignment{});
  ASSERT_EQ(w.size(), 2u);
  EXPECT_NE(w[0].find("no sampler.type/sampler.param tags (go 1.46.0"), std::string::npos);
  EXPECT_NE(w[1].find("is the leader"), std::string::npos);
  SdkAssignment jc;
  jc.services["legacy"] = TracingSdk::kJaegerClient;
  c.deployment.role = JaegerAdaptiveDeployment::Role::kIdeal;
  EXPECT_TRUE(JaegerDeploymentWarnings(c, jc).empty());
  c.adaptive.aggregation_buckets = 1;  // 1 x 1m <= 2m
  ASSERT_EQ(JaegerDeploymentWarnings(c, jc).size(), 1u);
  c.mode = JaegerProviderConfig::Mode::kFile;
  EXPECT_TRUE(JaegerDeploymentWarnings(c, SdkAssignment{}).empty());
}

TEST(LabAdaptiveConfigTest, SdkAndDeploymentRulesNameTheKey) {
  ExpectError("- {name: x, sdk: ruby, jaeger_adaptive: {}}",
              {"s.yaml:1:", "samplers[0].sdk: \"ruby\": not an SDK (valid: go, java"});
  ExpectError("- {name: x, sdk: java@1.2.0, jaeger_adaptive: {}}",
              {"samplers[0].sdk: \"java@1.2.0\": tracesim models java 1.60.1 only"});
  ExpectError("- {name: x, sdk: {defualt: go}, jaeger_adaptive: {}}",
              {"samplers[0].sdk.defualt: unknown key", "'default'"});
  ExpectError("- {name: x, sdk: [go], jaeger_adaptive: {}}", {"samplers[0].sdk: must be an SDK"});
  ExpectError("- {name: x, sdk: {services: {front: cobol}}, jaeger_adaptive: {}}",
              {"samplers[0].sdk.services.front: \"cobol\": not an SDK"});
  ExpectError("- {name: x, jaeger_adaptive: {role: boss}}", {"samplers[0].jaeger_adaptive.role"});
  ExpectError("- {name: x, jaeger_adaptive: {store: mysql}}",
              {"samplers[0].jaeger_adaptive.store"});
  ExpectError("- {name: x, jaeger_adaptive: {role: follower}}",
              {"samplers[0].jaeger_adaptive: role: follower needs store: cassandra"});
  ExpectError("- {name: x, jaeger_adaptive: {poll_phase: random}}",
              {"samplers[0].jaeger_adaptive.poll_phase"});
  ExpectError("- {name: x, jaeger: {strategies: strategies.json, role: leader}}",
              {"samplers[0].jaeger.role: only an adaptive provider has a role"});
  ExpectError("- {name: x, jaeger: {strategies: strategies.json, store: memory}}",
              {"samplers[0].jaeger.store: only an adaptive provider has a sampling store"});
  ExpectError("- {name: x, sdk: java, env: {OTEL_TRACES_SAMPLER: always_on, algorithm: go}}",
              {"samplers[0].env.algorithm: give either 'algorithm' or the strategy's 'sdk'"});
  ExpectError("- {name: x, sdk: jaeger-client, env: {OTEL_TRACES_SAMPLER: always_on}}",
              {"samplers[0].env: jaeger-client-go 2.30.0 reads JAEGER_SAMPLER_TYPE"});
  ExpectError(
      "- {name: x, sdk: {services: {front: java}}, env: {OTEL_TRACES_SAMPLER: traceidratio, "
      "OTEL_TRACES_SAMPLER_ARG: abc}}",
      {"samplers[0].env: service 'front': the Java SDK fails at start"});
}

TEST(LabAdaptiveConfigTest, DynamicRulesNameTheKey) {
  ExpectError("- {name: x, dynamic: {field_list: [a]}}",
              {"s.yaml:1:", "samplers[0].dynamic: missing required key 'sampler'"});
  ExpectError("- {name: x, dynamic: {sampler: ema, field_list: [a]}}",
              {"samplers[0].dynamic.sampler: must be dynamic or ema_dynamic, got 'ema'"});
  ExpectError("- {name: x, dynamic: {sampler: dynamic, field_list: [a], samplerate: 3}}",
              {"samplers[0].dynamic.samplerate: unknown key", "'sample_rate'"});
  ExpectError("- name: x\n  dynamic: {sampler: dynamic, field_list: [a], goal_sample_rate: 3}\n",
              {"s.yaml:2:",
               "samplers[0].dynamic.goal_sample_rate: is an option of sampler "
               "ema_dynamic, not dynamic"});
  ExpectError("- {name: x, dynamic: {sampler: ema_dynamic, field_list: [a], clear_frequency: 1s}}",
              {"samplers[0].dynamic.clear_frequency: is an option of sampler dynamic"});
  ExpectError("- {name: x, dynamic: {sampler: dynamic, field_list: [a], sample_rate: 0}}",
              {"samplers[0].dynamic.sample_rate: must be >= 1"});
  ExpectError("- {name: x, dynamic: {sampler: dynamic, field_list: [a], sample_rate: -2}}",
              {"samplers[0].dynamic.sample_rate"});
  ExpectError("- {name: x, dynamic: {sampler: ema_dynamic, field_list: [a], weight: 1.5}}",
              {"samplers[0].dynamic.weight: must be in (0, 1)"});
  ExpectError("- {name: x, dynamic: {sampler: dynamic, field_list: [a], clear_frequency: 0s}}",
              {"samplers[0].dynamic.clear_frequency: must be > 0"});
  ExpectError("- {name: x, dynamic: {sampler: dynamic, field_list: [a], clear_frequency: x}}",
              {"samplers[0].dynamic.clear_frequency"});
  ExpectError("- {name: x, dynamic: {sampler: dynamic}}",
              {"s.yaml:1:", "samplers[0].dynamic: field_list: must name at least one field"});
  ExpectError("- {name: x, dynamic: {sampler: dynamic, field_list: {a: 1}}}",
              {"samplers[0].dynamic.field_list: must be a list"});
  ExpectError("- {name: x, dynamic: {sampler: dynamic, field_list: [a], use_trace_length: 3}}",
              {"samplers[0].dynamic.use_trace_length"});
  ExpectError("- {name: x, dynamic: dynamic}", {"samplers[0].dynamic: must be a mapping"});
  ExpectError(R"(- name: x
  tail_sampling: {policies: [{name: all, type: always_sample}]}
  dynamic: {sampler: dynamic, field_list: [a]}
)",
              {"s.yaml:3:", "samplers[0].dynamic: cannot follow a tail_sampling stage"});
}

TEST(LabAdaptiveConfigTest, ValidateRules) {
  JaegerProviderConfig j;
  j.mode = JaegerProviderConfig::Mode::kAdaptive;
  EXPECT_TRUE(j.Validate().ok());
  j.polling_interval = sim::Duration();
  EXPECT_FALSE(j.Validate().ok());
  DynamicStageConfig d;
  EXPECT_FALSE(d.Validate().ok());  // no field
  d.use_trace_length = true;
  EXPECT_TRUE(d.Validate().ok());
  d.field_list = {"root."};
  EXPECT_FALSE(d.Validate().ok());
}

}  // namespace
}  // namespace tracesim::sampling
