#include "sampling/collector/tail_sampling/config/tail_config.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

#include "sim/base/shared_testdata.h"

namespace tracesim::sampling {
namespace {

const std::string kTs = tracesim::testing::SharedDir() + "/testdata/otelcol-tailsampling/";
const std::string kBlog = tracesim::testing::SharedDir() + "/testdata/otel-io-blog/";

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(TailConfigTest, LoadsUpstreamTestConfig) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  auto r = LoadTailSamplingConfigFile(kTs + "tail_sampling_config.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  const TailSamplingConfig& c = *r;
  EXPECT_EQ(c.decision_wait_nanos, 10'000'000'000);
  EXPECT_EQ(c.num_traces, 100u);
  EXPECT_EQ(c.expected_new_traces_per_sec, 10u);
  ASSERT_EQ(c.policies.size(), 13u);
  EXPECT_EQ(c.policies[0].type, TailPolicyType::kAlwaysSample);
  EXPECT_EQ(c.policies[1].latency.threshold_ms, 5000);
  EXPECT_EQ(c.policies[2].numeric_attribute.key, "key1");
  EXPECT_EQ(c.policies[2].numeric_attribute.min_value, 50);
  EXPECT_EQ(c.policies[2].numeric_attribute.max_value, 100);
  EXPECT_EQ(c.policies[3].probabilistic.hash_salt, "custom-salt");
  EXPECT_DOUBLE_EQ(c.policies[3].probabilistic.sampling_percentage, 0.1);
  EXPECT_EQ(c.policies[4].status_code.status_codes, (std::vector<std::string>{"ERROR", "UNSET"}));
  EXPECT_EQ(c.policies[5].string_attribute.values, (std::vector<std::string>{"value1", "value2"}));
  EXPECT_EQ(c.policies[6].rate_limiting.spans_per_second, 35);
  EXPECT_EQ(c.policies[7].span_count.min_spans, 2);
  EXPECT_EQ(c.policies[7].span_count.max_spans, 20);
  EXPECT_EQ(c.policies[8].trace_state.key, "key3");
  EXPECT_EQ(c.policies[9].boolean_attribute.key, "key4");
  EXPECT_TRUE(c.policies[9].boolean_attribute.value);
  EXPECT_EQ(c.policies[10].ottl_condition.error_mode, "ignore");
  ASSERT_EQ(c.policies[10].ottl_condition.span.size(), 2u);
  EXPECT_EQ(c.policies[10].ottl_condition.span[0],
            "attributes[\"test_attr_key_1\"] == \"test_attr_val_1\"");
  EXPECT_EQ(c.policies[10].ottl_condition.spanevent.size(), 2u);
  EXPECT_EQ(c.policies[11].type, TailPolicyType::kAnd);
  ASSERT_EQ(c.policies[11].sub_policies.size(), 2u);
  EXPECT_EQ(c.policies[11].sub_policies[1].name, "test-and-policy-2");
  const TailPolicyConfig& comp = c.policies[12];
  EXPECT_EQ(comp.type, TailPolicyType::kComposite);
  EXPECT_EQ(comp.composite.max_total_spans_per_second, 1000);
  EXPECT_EQ(comp.composite.policy_order.size(), 3u);
  ASSERT_EQ(comp.sub_policies.size(), 3u);
  ASSERT_EQ(comp.composite.rate_allocation.size(), 2u);
  EXPECT_EQ(comp.composite.rate_allocation[1].first, "test-composite-policy-2");
  EXPECT_EQ(comp.composite.rate_allocation[1].second, 25);
  // test-composite-policy-3 has no rate_allocation entry: warned (issue #49828).
  ASSERT_EQ(c.warnings.size(), 1u);
  EXPECT_NE(c.warnings[0].message.find("test-composite-policy-3"), std::string::npos);
}

TEST(TailConfigTest, ErrorModeDefaultsToPropagate) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  auto r = LoadTailSamplingConfigFile(kTs + "tail_sampling_config_errormode.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->policies.size(), 1u);
  EXPECT_EQ(r->policies[0].ottl_condition.error_mode, "propagate");
  EXPECT_EQ(r->policies[0].ottl_condition.span,
            (std::vector<std::string>{"attributes[\"test_attr\"] == \"val\""}));
  EXPECT_EQ(r->decision_wait_nanos, 30'000'000'000);  // default
  EXPECT_EQ(r->num_traces, 50000u);                   // default
}

TEST(TailConfigTest, LoadsReadmeExamples) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  auto ex = LoadTailSamplingConfigFile(kTs + "readme_example_processors.yaml");
  ASSERT_TRUE(ex.ok()) << ex.status().message();
  EXPECT_EQ(ex->sampled_cache_size, 100000);  // `100_000`
  EXPECT_EQ(ex->non_sampled_cache_size, 100000);
  ASSERT_EQ(ex->policies.size(), 16u);
  EXPECT_EQ(ex->policies[1].latency.upper_threshold_ms, 10000);
  EXPECT_TRUE(ex->policies[6].string_attribute.enabled_regex_matching);
  EXPECT_EQ(ex->policies[6].string_attribute.cache_max_size, 10);
  EXPECT_EQ(ex->policies[8].bytes_limiting.burst_capacity, 2048000);
  const TailPolicyConfig& drop = ex->policies[14];
  EXPECT_EQ(drop.type, TailPolicyType::kDrop);
  ASSERT_EQ(drop.sub_policies.size(), 1u);
  // Plain YAML keeps the backslash: the regex "\/health" matches "/health".
  EXPECT_EQ(drop.sub_policies[0].string_attribute.values[0], "\\/health");

  auto bytes = LoadTailSamplingConfigFile(kTs + "readme_bytes_limiting.yaml");
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  EXPECT_EQ(bytes->policies[0].bytes_limiting.bytes_per_second, 1048576);
  EXPECT_EQ(bytes->policies[0].bytes_limiting.burst_capacity, 5242880);
}

TEST(TailConfigTest, LoadsBlogConfig) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  auto r = LoadTailSamplingConfigFile(kBlog + "tail_sampling_2022_blog.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->policies.size(), 2u);
  EXPECT_EQ(r->policies[0].name, "errors-policy");
  EXPECT_DOUBLE_EQ(r->policies[1].probabilistic.sampling_percentage, 25);
}

// v0.161.0 (peers/otelcol/testdata-verdicts.jsonl): min_value > max_value is valid and starts
// (no order check; it matches nothing); both bounds unset starts too, but builds no evaluator,
// which tracesim rejects.
TEST(TailConfigTest, NumericAttributeBoundsAsTheCollector) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  auto a = LoadTailSamplingConfigFile(
      kTs + "numeric_attribute_with_minvalue_greather_than_maxvalue.yaml");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->policies[0].numeric_attribute.min_value, 500);
  EXPECT_EQ(a->policies[0].numeric_attribute.max_value, 100);

  auto b = LoadTailSamplingConfigFile(kTs + "numeric_attribute_without_minvalue_or_maxvalue.yaml");
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("policies[0].numeric_attribute"), std::string::npos)
      << b.status().message();
  EXPECT_NE(b.status().message().find("at least one bound"), std::string::npos);
}

// AndSubPolicyCfg has a `not` block upstream: and/drop sub-policies may be `not` policies.
TEST(TailConfigTest, NotInsideAndSubPolicy) {
  auto r = LoadTailSamplingConfigFile(std::string(TRACESIM_SOURCE_DIR) +
                                      "/peers/lab_oracle/cases/and_not.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->policies[0].sub_policies.size(), 2u);
  EXPECT_EQ(r->policies[0].sub_policies[1].type, TailPolicyType::kNot);
  ASSERT_EQ(r->policies[0].sub_policies[1].sub_policies.size(), 1u);
}

TEST(TailConfigTest, PracticalExampleDocBugIsRejectedStrictly) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  // Rule 7 declares boolean_attribute but supplies a string_attribute block with `value`,
  // which StringAttributeCfg does not have: the Collector's strict decoding rejects it.
  const std::string path = kTs + "readme_practical_example.yaml";
  auto r = LoadTailSamplingConfigFile(path);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("policies[6].drop.drop_sub_policy[0].string_attribute.value"),
            std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("unknown key"), std::string::npos);
  // With the block renamed as intended, the file loads.
  std::string text = ReadFile(path);
  const std::string bug = "string_attribute: { key: app.do_not_sample, value: true }";
  size_t at = text.find(bug);
  ASSERT_NE(at, std::string::npos);
  text.replace(at, bug.size(), "boolean_attribute: { key: app.do_not_sample, value: true }");
  auto fixed = LoadTailSamplingConfigString(text, "", "practical-fixed.yaml");
  ASSERT_TRUE(fixed.ok()) << fixed.status().message();
  ASSERT_EQ(fixed->policies.size(), 7u);
  EXPECT_TRUE(fixed->policies[0].sub_policies[0].string_attribute.invert_match);
  EXPECT_EQ(fixed->policies[6].sub_policies[0].boolean_attribute.key, "app.do_not_sample");
}

sim::Status LoadErr(const std::string& yaml) {
  auto r = LoadTailSamplingConfigString(yaml, "", "t.yaml");
  return r.ok() ? sim::Status::Ok() : r.status();
}

void ExpectError(const std::string& yaml, const std::string& needle) {
  sim::Status st = LoadErr(yaml);
  ASSERT_FALSE(st.ok()) << "accepted:\n" << yaml;
  EXPECT_NE(st.message().find(needle), std::string::npos) << st.message();
}

TEST(TailConfigTest, ValidationErrors) {
  ExpectError("tail_sampling:\n  decision_wiat: 10s\n  policies: [{name: a, type: always_sample}]",
              "t.yaml:2:3: tail_sampling.decision_wiat: unknown key 'decision_wiat' (did you mean "
              "'decision_wait'?)");
  ExpectError("tail_sampling:\n  policies: []\n", "no policies configured");
  ExpectError(
      "tail_sampling:\n  policies: [{name: a, type: always_sample}, {name: a, type: "
      "always_sample}]\n",
      "duplicate policy name \"a\"");
  ExpectError("tail_sampling:\n  policies: [{type: always_sample}]\n",
              "policy name cannot be empty");
  ExpectError("tail_sampling:\n  policies: [{name: a, type: sometimes}]\n",
              "unknown sampling policy type \"sometimes\"");
  ExpectError(
      "tail_sampling:\n  policies: [{name: a, type: status_code, status_code: "
      "{status_codes: [ERR]}}]\n",
      "unknown status code \"ERR\"");
  ExpectError("tail_sampling:\n  policies: [{name: a, type: status_code}]\n",
              "expected at least one status code");
  ExpectError(
      "tail_sampling:\n  policies: [{name: a, type: ottl_condition, ottl_condition: "
      "{error_mode: ignore}}]\n",
      "at least one span or spanevent condition");
  ExpectError(
      "tail_sampling:\n  policies: [{name: a, type: ottl_condition, ottl_condition: "
      "{error_mode: loud, span: [\"true\"]}}]\n",
      "unknown error mode \"loud\"");
  ExpectError(
      "tail_sampling:\n  policies: [{name: a, type: bytes_limiting, bytes_limiting: "
      "{burst_capacity: 10}}]\n",
      "bytes_limiting.bytes_per_second: must be greater than 0");
  ExpectError("tail_sampling:\n  num_traces: -5\n  policies: [{name: a, type: always_sample}]\n",
              "num_traces: value -5 is negative");
  ExpectError("tail_sampling:\n  num_traces: 0\n  policies: [{name: a, type: always_sample}]\n",
              "num_traces: must be greater than 0");
  ExpectError(
      "tail_sampling:\n  decision_wait: 10\n  sampling_strategy: span-ingest\n"
      "  policies: [{name: r, type: rate_limiting, rate_limiting: {spans_per_second: 5}}]\n",
      "stateful");
  ExpectError(
      "tail_sampling:\n  sampling_strategy: fast\n  policies: [{name: a, type: "
      "always_sample}]\n",
      "sampling_strategy: unknown value");
  ExpectError(
      "tail_sampling:\n  decision_wait: soon\n  policies: [{name: a, type: "
      "always_sample}]\n",
      "t.yaml:2:18: tail_sampling.decision_wait: 'soon' is not a duration");
  ExpectError(
      "tail_sampling:\n  policies: [{name: a, type: string_attribute, string_attribute: "
      "{key: k, values: [\"(\"], enabled_regex_matching: true}}]\n",
      "invalid regular expression");
}

// One negative test per rule, each with the exact line: every problem of a file is reported at
// once, at its value's position and full key path.
TEST(TailConfigTest, EveryProblemWithFileLineAndKeyPath) {
  sim::Status st = LoadErr(R"(processors:
  tail_sampling/x:
    decision_wait: 1m30
    num_traces: many
    decision_cache: {sampled_cach_size: 5}
    policies:
      - name: slow
        type: latency
        latency: {threshold_ms: 1.5e300}
      - {name: b, type: boolean_attribute, boolean_attribute: {key: k, value: maybe}}
)");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(
      st.message(),
      "t.yaml:3:20: processors.tail_sampling/x.decision_wait: '1m30' is not a duration "
      "(expected a number and a unit: ns, us, ms, s, m, h)\n"
      "t.yaml:4:17: processors.tail_sampling/x.num_traces: expected an unsigned integer, got "
      "string \"many\"\n"
      "t.yaml:5:22: processors.tail_sampling/x.decision_cache.sampled_cach_size: unknown key "
      "'sampled_cach_size' (did you mean 'sampled_cache_size'?)\n"
      "t.yaml:9:33: processors.tail_sampling/x.policies[0].latency.threshold_ms: value "
      "1.5e300 overflows int64\n"
      "t.yaml:10:79: processors.tail_sampling/x.policies[1].boolean_attribute.value: expected "
      "a boolean (true/false), got string \"maybe\"");
  // Out of range, after decoding: the component's validation, at the value.
  EXPECT_EQ(LoadErr("tail_sampling:\n  num_shards: 0\n  policies: [{name: a, type: "
                    "always_sample}]\n")
                .message(),
            "t.yaml:2:15: tail_sampling.num_shards: must be at least 1");
}

TEST(TailConfigTest, NestingRules) {
  // composite is not allowed inside and; the and sub-policy schema has no `composite` key.
  ExpectError(R"(tail_sampling:
  policies:
    - name: outer
      type: and
      and:
        and_sub_policy:
          - name: inner
            type: composite
)",
              "policies[0].and.and_sub_policy[0].type: policy type \"composite\" is not allowed");
  ExpectError(R"(tail_sampling:
  policies:
    - name: outer
      type: and
      and:
        and_sub_policy:
          - name: inner
            type: always_sample
            composite: {max_total_spans_per_second: 5}
)",
              "policies[0].and.and_sub_policy[0].composite: unknown key");
  // and is allowed inside composite.
  EXPECT_TRUE(LoadErr(R"(tail_sampling:
  policies:
    - name: c
      type: composite
      composite:
        max_total_spans_per_second: 100
        composite_sub_policy:
          - name: both
            type: and
            and: {and_sub_policy: [{name: x, type: always_sample}]}
        rate_allocation: [{policy: both, percent: 100}]
)")
                  .ok());
  // not takes a single leaf.
  ExpectError(R"(tail_sampling:
  policies:
    - name: n
      type: not
      not: {not_sub_policy: {name: x, type: drop}}
)",
              "not allowed at this nesting level");
  ExpectError("tail_sampling:\n  policies: [{name: n, type: not}]\n", "exactly one sub-policy");
  // Other types' blocks are decoded strictly even when unused.
  ExpectError(
      "tail_sampling:\n  policies: [{name: a, type: always_sample, latency: {treshold_ms: "
      "5}}]\n",
      "policies[0].latency.treshold_ms: unknown key");
}

TEST(TailConfigTest, TopLevelKeysAndValueForms) {
  auto r = LoadTailSamplingConfigString(R"(processors:
  tail_sampling/fast:
    decision_wait: 1m30s
    num_traces: 1_000
    decision_cache: {sampled_cache_size: 10_000, non_sampled_cache_size: 0x10}
    sample_on_first_match: true
    drop_pending_traces_on_shutdown: true
    maximum_trace_size_bytes: 1048576
    decision_wait_after_root_received: 2s
    sampling_strategy: trace-complete
    num_shards: 1
    block_on_overflow: false
    policies:
      - {name: p, type: probabilistic, probabilistic: {sampling_percentage: .inf}}
      - {name: s, type: status_code, status_code: {status_codes: "ERROR,OK"}}
      - {name: t, type: trace_state, trace_state: {key: k, values: [ok]}}
      - {name: f, type: trace_flags}
      - {name: sc, type: span_count, span_count: {min_spans: 2}}
)",
                                        "tail_sampling/fast", "full.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->id, "tail_sampling/fast");
  EXPECT_EQ(r->decision_wait_nanos, 90'000'000'000);
  EXPECT_EQ(r->num_traces, 1000u);
  EXPECT_EQ(r->sampled_cache_size, 10000);
  EXPECT_EQ(r->non_sampled_cache_size, 16);
  EXPECT_TRUE(r->sample_on_first_match);
  EXPECT_TRUE(r->drop_pending_traces_on_shutdown);
  EXPECT_EQ(r->maximum_trace_size_bytes, 1048576u);
  EXPECT_EQ(r->decision_wait_after_root_received_nanos, 2'000'000'000);
  EXPECT_TRUE(std::isinf(r->policies[0].probabilistic.sampling_percentage));
  EXPECT_EQ(r->policies[1].status_code.status_codes, (std::vector<std::string>{"ERROR", "OK"}));
  EXPECT_EQ(r->policies[3].type, TailPolicyType::kTraceFlags);

  auto missing = LoadTailSamplingConfigString("processors:\n  batch: {}\n", "", "x.yaml");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), sim::Status::Code::kNotFound);
  auto two = LoadTailSamplingConfigString(
      "processors:\n  tail_sampling/a: {policies: [{name: a, type: always_sample}]}\n"
      "  tail_sampling/b: {policies: [{name: a, type: always_sample}]}\n",
      "", "two.yaml");
  ASSERT_FALSE(two.ok());
  EXPECT_NE(two.status().message().find("tail_sampling/a, tail_sampling/b"), std::string::npos);
}

TEST(TailConfigTest, TraceStateDropsOverlongValues) {
  std::string long_value(250, 'v');
  auto r = LoadTailSamplingConfigString(
      "policies: [{name: t, type: trace_state, trace_state: "
      "{key: abcdef, values: [ok, " +
          long_value + "]}}]\n",
      "", "bare.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->policies[0].trace_state.values, (std::vector<std::string>{"ok"}));
}

}  // namespace
}  // namespace tracesim::sampling
