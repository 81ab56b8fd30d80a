#include "sampling/jaeger/jaeger_strategies.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "sim/base/shared_testdata.h"

namespace tracesim::sampling {
namespace {

const std::string kDir = tracesim::testing::SharedDir() + "/testdata/jaeger-sampling-strategies/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

JaegerFileStrategyProvider Provider(const std::string& file, bool include_default_ops = true) {
  JaegerFileOptions o;
  o.path = kDir + file;
  o.include_default_op_strategies = include_default_ops;
  auto p = JaegerFileStrategyProvider::Create(o);
  EXPECT_TRUE(p.ok()) << p.status().ToString();
  return std::move(p).value();
}

// The served strategy must equal the fixture both as a value and as proto-JSON.
void ExpectServedEqualsFixture(const ServedStrategy& got, const std::string& fixture) {
  const std::string text = ReadFile(kDir + fixture);
  auto want = ParseServedStrategyJson(text, fixture);
  ASSERT_TRUE(want.ok()) << want.status().ToString();
  EXPECT_EQ(got, *want) << ServedStrategyToJson(got);
  EXPECT_EQ(nlohmann::json::parse(ServedStrategyToJson(got)), nlohmann::json::parse(text))
      << ServedStrategyToJson(got);
}

TEST(JaegerStrategiesTest, ServiceNoPerOperationInheritsDefaultOperations) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  JaegerFileStrategyProvider p = Provider("service_no_per_operation.json");
  ExpectServedEqualsFixture(p.StrategyFor("ServiceA"),
                            "TestServiceNoPerOperationStrategies_ServiceA.json");
  ExpectServedEqualsFixture(p.StrategyFor("ServiceB"),
                            "TestServiceNoPerOperationStrategies_ServiceB.json");
}

TEST(JaegerStrategiesTest, ServiceNoPerOperationDeprecatedBehavior) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  JaegerFileStrategyProvider p = Provider("service_no_per_operation.json", false);
  ExpectServedEqualsFixture(p.StrategyFor("ServiceA"),
                            "TestServiceNoPerOperationStrategiesDeprecatedBehavior_ServiceA.json");
  ExpectServedEqualsFixture(p.StrategyFor("ServiceB"),
                            "TestServiceNoPerOperationStrategiesDeprecatedBehavior_ServiceB.json");
  bool warned = false;
  for (const auto& w : p.warnings())
    warned = warned || w.Format().find("ServiceB") != std::string::npos;
  EXPECT_TRUE(warned);
}

TEST(JaegerStrategiesTest, BadStrategiesFileFails) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  JaegerFileOptions o;
  o.path = kDir + "bad_strategies.json";
  auto p = JaegerFileStrategyProvider::Create(o);
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("bad_strategies.json"), std::string::npos);
  EXPECT_NE(p.status().message().find("expected an object, got string"), std::string::npos)
      << p.status().message();
}

TEST(JaegerStrategiesTest, MissingServiceTypesServeDefaultProbability) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  JaegerFileStrategyProvider p = Provider("missing-service-types.json");
  const ServedStrategy& foo = p.StrategyFor("foo");
  EXPECT_EQ(foo.type, JaegerStrategyType::kProbabilistic);
  EXPECT_DOUBLE_EQ(foo.probabilistic_rate.value(), 0.001);
  ASSERT_TRUE(foo.operation_sampling.has_value());
  EXPECT_DOUBLE_EQ(foo.operation_sampling->default_sampling_probability, 0.001);
  ASSERT_EQ(foo.operation_sampling->per_operation.size(), 1u);
  EXPECT_EQ(foo.operation_sampling->per_operation[0].operation, "op1");
  EXPECT_DOUBLE_EQ(foo.operation_sampling->per_operation[0].sampling_rate, 0.2);
  const ServedStrategy& bar = p.StrategyFor("bar");
  ASSERT_EQ(bar.operation_sampling->per_operation.size(), 2u);
  EXPECT_EQ(bar.operation_sampling->per_operation[1].operation, "op5");
  // The default strategy is fine, and an unknown service gets it.
  EXPECT_DOUBLE_EQ(p.StrategyFor("nobody").probabilistic_rate.value(), 0.5);
  int type_warnings = 0;
  for (const auto& w : p.warnings())
    type_warnings += w.message.find("type \"\"") != std::string::npos;
  EXPECT_EQ(type_warnings, 2);
}

TEST(JaegerStrategiesTest, OperationStrategiesMergeAndSkipRateLimitingOperations) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  JaegerFileStrategyProvider p = Provider("operation_strategies.json");
  // default: op0 0.2, op6 0, (spam ratelimiting skipped), op7 1.
  const auto& d = *p.default_strategy().operation_sampling;
  ASSERT_EQ(d.per_operation.size(), 3u);
  EXPECT_DOUBLE_EQ(d.default_sampling_probability, 0.5);
  const ServedStrategy& foo = p.StrategyFor("foo");
  std::vector<std::pair<std::string, double>> got;
  for (const auto& op : foo.operation_sampling->per_operation) {
    got.emplace_back(op.operation, op.sampling_rate);
  }
  std::vector<std::pair<std::string, double>> want = {
      {"op6", 0.5}, {"op1", 0.2}, {"op0", 0.2}, {"op7", 1}};
  EXPECT_EQ(got, want);
  EXPECT_DOUBLE_EQ(foo.operation_sampling->default_sampling_probability, 0.8);
  const ServedStrategy& bar = p.StrategyFor("bar");
  EXPECT_EQ(bar.type, JaegerStrategyType::kRateLimiting);
  EXPECT_EQ(bar.max_traces_per_second.value(), 5);
  // A ratelimiting service's per-operation default is the global default probability.
  EXPECT_DOUBLE_EQ(bar.operation_sampling->default_sampling_probability, 0.001);
  got.clear();
  for (const auto& op : bar.operation_sampling->per_operation) {
    got.emplace_back(op.operation, op.sampling_rate);
  }
  want = {{"op3", 0.3}, {"op5", 0.4}, {"op0", 0.2}, {"op6", 0}, {"op7", 1}};
  EXPECT_EQ(got, want);
}

TEST(JaegerStrategiesTest, PlainStrategiesAndRateTruncation) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  JaegerFileStrategyProvider p = Provider("strategies.json");
  EXPECT_DOUBLE_EQ(p.StrategyFor("foo").probabilistic_rate.value(), 0.8);
  EXPECT_EQ(p.StrategyFor("bar").max_traces_per_second.value(), 5);
  EXPECT_FALSE(p.StrategyFor("bar").operation_sampling.has_value());
  EXPECT_DOUBLE_EQ(p.StrategyFor("other").probabilistic_rate.value(), 0.5);
  // param 0.9 traces/s truncates to int32 0, as Jaeger does.
  JaegerFileStrategyProvider q = Provider("sampling-strategies.json");
  EXPECT_EQ(q.StrategyFor("bar").max_traces_per_second.value(), 0);
  EXPECT_EQ(ServedStrategyToJson(q.StrategyFor("bar"), -1),
            R"({"rateLimitingSampling":{},"strategyType":1})");
}

TEST(JaegerStrategiesTest, ExampleFileRoundTrips) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  auto f = LoadStrategiesFile(kDir + "sampling_strategies_example.json");
  ASSERT_TRUE(f.ok()) << f.status().ToString();
  EXPECT_TRUE(f->warnings.empty());
  const std::string written = StrategiesFileToJson(*f);
  auto g = ParseStrategiesJson(written, "written");
  ASSERT_TRUE(g.ok()) << g.status().ToString();
  EXPECT_EQ(nlohmann::json::parse(StrategiesFileToJson(*g)), nlohmann::json::parse(written));
  EXPECT_EQ(nlohmann::json::parse(written),
            nlohmann::json::parse(ReadFile(kDir + "sampling_strategies_example.json")));
  JaegerFileOptions o;
  JaegerFileStrategyProvider a(*f, o), b(*g, o);
  for (const char* svc : {"foo", "bar", "zzz"}) EXPECT_EQ(a.StrategyFor(svc), b.StrategyFor(svc));
  // bar is ratelimiting and inherits /health and /metrics at the global default 0.001.
  EXPECT_EQ(a.StrategyFor("bar").operation_sampling->per_operation.size(), 2u);
}

TEST(JaegerStrategiesTest, NullDocumentServesDefaults) {
  auto f = ParseStrategiesJson("null", "null.json");
  ASSERT_TRUE(f.ok());
  JaegerFileOptions o;
  o.default_sampling_probability = 0.25;
  JaegerFileStrategyProvider p(*f, o);
  EXPECT_DOUBLE_EQ(p.StrategyFor("x").probabilistic_rate.value(), 0.25);
}

TEST(JaegerStrategiesTest, TypeErrorsNameTheJsonPath) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  auto f = ParseStrategiesJson(
      R"({"service_strategies":[{"service":"a","type":"probabilistic","param":0.1},
          {"service":"b","type":"probabilistic","param":"0.5"}]})",
      "s.json");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(),
            "s.json:2:57: service_strategies[1].param: expected a number, got string");
  f = ParseStrategiesJson(R"({"default_strategy":{"operation_strategies":{}}})", "d.json");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().message(),
            "d.json:1:45: default_strategy.operation_strategies: expected an array, got object");
  f = ParseStrategiesJson("{", "broken.json");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("broken.json"), std::string::npos);
  auto missing = LoadStrategiesFile(kDir + "no-such-file.json");
  EXPECT_EQ(missing.status().code(), sim::Status::Code::kNotFound);
}

TEST(JaegerStrategiesTest, UnknownKeysAreWarnedAndIgnored) {
  auto f =
      ParseStrategiesJson(R"({"default_strategy":{"type":"probabilistic","parm":0.3}})", "u.json");
  ASSERT_TRUE(f.ok());
  ASSERT_EQ(f->warnings.size(), 1u);
  EXPECT_EQ(f->warnings[0].Format(),
            "u.json:1:45: default_strategy.parm: warning: unknown key ignored (Jaeger ignores it "
            "too) (did you mean 'param'?)");
}

TEST(JaegerStrategiesTest, ServedStrategyJsonAcceptsEnumNames) {
  auto s = ParseServedStrategyJson(
      R"({"strategyType":"RATE_LIMITING","rateLimitingSampling":{"maxTracesPerSecond":7}})", "r");
  ASSERT_TRUE(s.ok());
  EXPECT_EQ(s->type, JaegerStrategyType::kRateLimiting);
  EXPECT_EQ(s->max_traces_per_second.value(), 7);
  auto bad = ParseServedStrategyJson(R"({"strategyType":"SOMETIMES"})", "r.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "r.json:1:17: strategyType: unknown value \"SOMETIMES\"");
}

TEST(JaegerStrategiesTest, FileOptionsValidate) {
  JaegerFileOptions o;
  EXPECT_TRUE(o.Validate().ok());
  o.default_sampling_probability = 1.5;
  EXPECT_FALSE(o.Validate().ok());
  EXPECT_FALSE(JaegerFileStrategyProvider::Create(o).ok());
}

TEST(JaegerV2ConfigTest, DurationsUseTheOneGrammar) {
  auto c = ParseJaegerV2SamplingYaml(R"(extensions:
  remote_sampling:
    adaptive:
      calculation_interval: 1.5h
      calculation_delay: 250ms
      leader_lease_refresh_interval: 90
      follower_lease_refresh_interval: 250µs
)",
                                     "g.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->adaptive.calculation_interval, sim::Duration::Seconds(5400));
  EXPECT_EQ(c->adaptive.calculation_delay, sim::Duration::Millis(250));
  EXPECT_EQ(c->adaptive.leader_lease_refresh_interval.nanos(), 90);  // integer: nanoseconds
  EXPECT_EQ(c->adaptive.follower_lease_refresh_interval.nanos(), 250'000);
}

TEST(JaegerV2ConfigTest, AllInOneFileSampling) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  auto c = LoadJaegerV2SamplingYaml(kDir + "jaeger_v2_all-in-one_file_sampling.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->mode, JaegerRemoteSamplingConfig::Mode::kFile);
  EXPECT_EQ(c->file.path, "");
  EXPECT_DOUBLE_EQ(c->file.default_sampling_probability, 1.0);
  EXPECT_EQ(c->file.reload_interval, sim::Duration::Seconds(1));
  // ${env:JAEGER_LISTEN_HOST:-localhost} expanded as the Collector does (the variable is unset).
  EXPECT_EQ(c->http_endpoint, "localhost:5778");
  EXPECT_EQ(c->grpc_endpoint, "localhost:5779");
  EXPECT_FALSE(c->adaptive_processor_in_pipeline);
  // An empty path serves the default probability to everyone.
  auto p = JaegerFileStrategyProvider::Create(c->file);
  ASSERT_TRUE(p.ok());
  EXPECT_DOUBLE_EQ(p->StrategyFor("any").probabilistic_rate.value(), 1.0);
}

TEST(JaegerV2ConfigTest, AdaptiveConfig) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  auto c = LoadJaegerV2SamplingYaml(kDir + "jaeger_v2_config_adaptive.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->mode, JaegerRemoteSamplingConfig::Mode::kAdaptive);
  EXPECT_EQ(c->adaptive.sampling_store, "some_store");
  EXPECT_DOUBLE_EQ(c->adaptive.initial_sampling_probability, 0.1);
  EXPECT_DOUBLE_EQ(c->adaptive.target_samples_per_second, 1);
  EXPECT_EQ(c->adaptive.calculation_interval, sim::Duration::Seconds(60));
  EXPECT_EQ(c->adaptive.calculation_delay, sim::Duration::Seconds(120));
  EXPECT_TRUE(c->adaptive_processor_in_pipeline);
  EXPECT_TRUE(c->warnings.empty());
}

TEST(JaegerV2ConfigTest, AdaptiveValuesAndDurations) {
  auto c = ParseJaegerV2SamplingYaml(R"(extensions:
  remote_sampling:
    adaptive:
      target_samples_per_second: 2.5
      calculation_interval: 30s
      calculation_delay: 1m30s
      aggregation_buckets: 5
      calculation_buckets: 3
      min_sampling_probability: 1e-4
)",
                                     "a.yaml");
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_DOUBLE_EQ(c->adaptive.target_samples_per_second, 2.5);
  EXPECT_EQ(c->adaptive.calculation_delay, sim::Duration::Seconds(90));
  EXPECT_EQ(c->adaptive.calculation_buckets, 3);
  EXPECT_DOUBLE_EQ(c->adaptive.min_sampling_probability, 1e-4);
  EXPECT_FALSE(c->warnings.empty());  // no adaptive_sampling processor in a pipeline
}

TEST(JaegerV2ConfigTest, Errors) {
  auto both = ParseJaegerV2SamplingYaml(
      "extensions:\n  remote_sampling:\n    file: {path: x}\n    adaptive: {}\n", "b.yaml");
  ASSERT_FALSE(both.ok());
  EXPECT_NE(both.status().message().find("mutually exclusive"), std::string::npos);
  auto none = ParseJaegerV2SamplingYaml("extensions:\n  remote_sampling:\n    http:\n", "n.yaml");
  ASSERT_FALSE(none.ok());
  EXPECT_NE(none.status().message().find("one of file or adaptive"), std::string::npos);
  auto unknown = ParseJaegerV2SamplingYaml(
      "extensions:\n  remote_sampling:\n    adaptive:\n      target_samples_per_secnd: 3\n",
      "k.yaml");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().message(),
            "k.yaml:4:7: extensions.remote_sampling.adaptive.target_samples_per_secnd: unknown key "
            "'target_samples_per_secnd' (did you mean 'target_samples_per_second'?)");
  auto dur = ParseJaegerV2SamplingYaml(
      "extensions:\n  remote_sampling:\n    adaptive:\n      calculation_interval: soon\n",
      "d.yaml");
  ASSERT_FALSE(dur.ok());
  EXPECT_EQ(dur.status().message(),
            "d.yaml:4:29: extensions.remote_sampling.adaptive.calculation_interval: 'soon' is not "
            "a duration (expected a number and a unit: ns, us, ms, s, m, h)");
  auto prob = ParseJaegerV2SamplingYaml(
      "extensions:\n  remote_sampling:\n    file:\n      default_sampling_probability: 2\n",
      "p.yaml");
  ASSERT_FALSE(prob.ok());
  EXPECT_EQ(prob.status().message(),
            "p.yaml:4:37: extensions.remote_sampling.file.default_sampling_probability: must be in "
            "[0, 1], got 2.000000");
  auto missing = ParseJaegerV2SamplingYaml("extensions:\n  zpages: {}\n", "m.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_NE(missing.status().message().find("remote_sampling: missing"), std::string::npos);
}

// Issue 16 item 14: a scalar `service` or a non-string key threw from yaml-cpp ("internal error"
// in the CLI); each is an error naming the file, line and key.
TEST(JaegerV2ConfigTest, MalformedShapesAreErrorsNotExceptions) {
  const std::string rs = "extensions:\n  remote_sampling:\n    file: {path: \"\"}\n";
  struct Case {
    std::string yaml, want;
  } cases[] = {
      {rs + "service: x\n", "j.yaml:4:10: service: expected a mapping, got 'x'"},
      {"extensions:\n  [a]: 1\n  remote_sampling:\n    file: {path: \"\"}\n",
       "j.yaml:2:3: extensions: a key must be a non-empty string"},
      {"extensions:\n  remote_sampling:\n    file: {path: \"\"}\n    [b]: 2\n",
       "j.yaml:4:5: extensions.remote_sampling: a key must be a non-empty string"},
      {rs + "service:\n  pipelines:\n    [c]: 1\n",
       "j.yaml:6:5: service.pipelines: a key must be a non-empty string"},
      {"extensions:\n  remote_sampling:\n    file: {[p]: 1}\n",
       "j.yaml:3:12: extensions.remote_sampling.file: a key must be a non-empty string"},
  };
  for (const Case& c : cases) {
    auto r = ParseJaegerV2SamplingYaml(c.yaml, "j.yaml");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_EQ(r.status().message(), c.want) << c.yaml;
  }
}

// Regression (fuzz/jaeger_strategies_fuzz): a number JSON cannot hold (nlohmann throws
// out_of_range, not parse_error) is an error naming the problem, not an uncaught exception.
TEST(JaegerStrategiesTest, NumberOutOfRangeIsAnErrorNotACrash) {
  auto f = ParseStrategiesJson("1e400", "big.json");
  ASSERT_FALSE(f.ok());
  EXPECT_NE(f.status().message().find("failed to unmarshal strategies"), std::string::npos)
      << f.status().message();
}

// The served strategy is read like the strategies file (config::Reader over the JSON): problems
// are Diagnostics naming the file, line, column and key path.
TEST(JaegerStrategiesTest, ServedStrategyProblemsNameLineColumnAndKey) {
  auto problem = [](const char* text) {
    auto s = ParseServedStrategyJson(text, "s.json");
    EXPECT_FALSE(s.ok()) << text;
    return s.ok() ? std::string() : s.status().message();
  };
  EXPECT_EQ(problem(R"({"strategyType":2})"), "s.json:1:17: strategyType: unknown value 2");
  EXPECT_EQ(problem(R"({"strategyType":1.0})"),
            "s.json:1:17: strategyType: expected a number or an enum name, got number");
  EXPECT_EQ(problem(R"({"strategyType":"SOMETIMES"})"),
            "s.json:1:17: strategyType: unknown value \"SOMETIMES\"");
  EXPECT_EQ(problem("[1]"), "s.json:1:1: expected an object, got array");
  EXPECT_EQ(problem("{\n  \"probabilisticSampling\": 5\n}"),
            "s.json:2:28: probabilisticSampling: expected an object, got number");
  EXPECT_EQ(problem(R"({"rateLimitingSampling":{"maxTracesPerSecond":"7"}})"),
            "s.json:1:47: rateLimitingSampling.maxTracesPerSecond: expected a number, got string");
  EXPECT_EQ(
      problem(R"({"operationSampling":{"perOperationStrategies":[{"operation":3}]}})"),
      "s.json:1:62: operationSampling.perOperationStrategies[0].operation: expected a string, got "
      "number");
  EXPECT_NE(problem("{nope").find("s.json:1:"), std::string::npos);

  config::Diagnostics diag("d.json");
  EXPECT_FALSE(ParseServedStrategyJson(R"({"strategyType":"X"})", diag).has_value());
  ASSERT_EQ(diag.error_count(), 1u);
  EXPECT_EQ(diag.items()[0].path, "strategyType");
}

TEST(JaegerStrategiesTest, ServedStrategyReadsEveryFieldAndIgnoresUnknownKeys) {
  auto s = ParseServedStrategyJson(
      R"({"strategyType":"PROBABILISTIC","probabilisticSampling":{"samplingRate":0.25},
          "operationSampling":{"defaultSamplingProbability":0.5,
            "defaultLowerBoundTracesPerSecond":2,"defaultUpperBoundTracesPerSecond":9,
            "perOperationStrategies":[{"operation":"GET /","probabilisticSampling":
              {"samplingRate":1}}]},"someFutureField":{"x":1}})",
      "s.json");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->type, JaegerStrategyType::kProbabilistic);
  EXPECT_EQ(s->probabilistic_rate.value(), 0.25);
  ASSERT_TRUE(s->operation_sampling.has_value());
  EXPECT_EQ(s->operation_sampling->default_sampling_probability, 0.5);
  EXPECT_EQ(s->operation_sampling->default_lower_bound_traces_per_second, 2);
  EXPECT_EQ(s->operation_sampling->default_upper_bound_traces_per_second, 9);
  ASSERT_EQ(s->operation_sampling->per_operation.size(), 1u);
  EXPECT_EQ(s->operation_sampling->per_operation[0].operation, "GET /");
  EXPECT_EQ(s->operation_sampling->per_operation[0].sampling_rate, 1);
  // Zero values are omitted by Jaeger's encoder; absent fields stay unset.
  auto empty = ParseServedStrategyJson("{}", "e.json");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->probabilistic_rate.has_value());
  EXPECT_FALSE(empty->max_traces_per_second.has_value());
}

}  // namespace
}  // namespace tracesim::sampling
