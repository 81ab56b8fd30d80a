#include "sampling/collector/collector_config.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "sim/base/time.h"

namespace tracesim::sampling {
namespace {

// The Collector's durations go through the one grammar (sim::ParseDuration): every form
// upstream's time.ParseDuration accepts still parses, what it rejects is still rejected.
int64_t Dur(std::string_view s) {
  auto r = sim::ParseDuration(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().message();
  return r.ok() ? r->nanos() : -1;
}

TEST(CollectorDurationTest, AcceptsGoSyntax) {
  EXPECT_EQ(Dur("10s"), 10'000'000'000);
  EXPECT_EQ(Dur("1m30s"), 90'000'000'000);
  EXPECT_EQ(Dur("500ms"), 500'000'000);
  EXPECT_EQ(Dur("250ms"), 250'000'000);
  EXPECT_EQ(Dur("1.5h"), 5'400'000'000'000);
  EXPECT_EQ(Dur("1h2m3.5s"), 3'723'500'000'000);
  EXPECT_EQ(Dur("250us"), 250'000);
  EXPECT_EQ(Dur("250\xC2\xB5s"), 250'000);  // micro sign
  EXPECT_EQ(Dur("250\xCE\xBCs"), 250'000);  // greek mu
  EXPECT_EQ(Dur("7ns"), 7);
  EXPECT_EQ(Dur("0"), 0);
  EXPECT_EQ(Dur("-1.5h"), -5'400'000'000'000);
  EXPECT_EQ(Dur(".5s"), 500'000'000);
  EXPECT_EQ(Dur("1.s"), 1'000'000'000);
  EXPECT_EQ(Dur("2562047h47m16.854775807s"), std::numeric_limits<int64_t>::max());
}

TEST(CollectorDurationTest, RejectsBadText) {
  for (std::string_view bad : {"", "10", "s", "1x", "1.5", "-", ".s", "1h-2m", "10 s",
                               "2562047h47m16.854775808s", "9999999999h"}) {
    auto r = sim::ParseDuration(bad);
    EXPECT_FALSE(r.ok()) << "accepted \"" << bad << "\"";
  }
}

YamlScalar Resolve(const std::string& yaml) { return ResolveScalar(YAML::Load(yaml)["v"]); }

TEST(ResolveScalarTest, FollowsGoYamlV3) {
  EXPECT_EQ(Resolve("v: 100_000").kind, YamlScalarKind::kInt);
  EXPECT_EQ(Resolve("v: 100_000").i, 100000);
  EXPECT_EQ(Resolve("v: 0x1F").i, 31);
  EXPECT_EQ(Resolve("v: 0o17").i, 15);
  EXPECT_EQ(Resolve("v: 017").i, 15);  // Go base-0 parsing: leading zero is octal
  EXPECT_EQ(Resolve("v: 0b101").i, 5);
  EXPECT_EQ(Resolve("v: -42").i, -42);
  EXPECT_EQ(Resolve("v: 18446744073709551615").kind, YamlScalarKind::kInt);
  EXPECT_TRUE(Resolve("v: 18446744073709551615").u_only);
  EXPECT_EQ(Resolve("v: 1.5e3").kind, YamlScalarKind::kFloat);
  EXPECT_EQ(Resolve("v: 1.5e3").d, 1500.0);
  EXPECT_TRUE(std::isinf(Resolve("v: .inf").d));
  EXPECT_TRUE(std::isinf(Resolve("v: -.Inf").d));
  EXPECT_TRUE(std::isnan(Resolve("v: .nan").d));
  EXPECT_EQ(Resolve("v: +Inf").kind, YamlScalarKind::kString);  // not a YAML float
  EXPECT_EQ(Resolve("v: true").kind, YamlScalarKind::kBool);
  EXPECT_EQ(Resolve("v: yes").kind, YamlScalarKind::kString);  // YAML 1.2 booleans only
  EXPECT_EQ(Resolve("v: \"10\"").kind, YamlScalarKind::kString);
  EXPECT_EQ(Resolve("v: ~").kind, YamlScalarKind::kNull);
  EXPECT_EQ(Resolve("v:").kind, YamlScalarKind::kNull);
  EXPECT_EQ(Resolve("v: 1_0.5").kind, YamlScalarKind::kFloat);
}

// Decodes key `key` of the document `yaml` with `decode`; returns the problems' text.
template <typename T>
std::string Decode(const std::string& yaml, const std::string& key,
                   bool (CollectorDecoder::*decode)(const config::Node&, T*), T* out) {
  YAML::Node root = YAML::Load(yaml);
  config::Diagnostics diag("f.yaml");
  CollectorDecoder dec(diag);
  config::Node v = config::Node::At(root[key], config::JoinPath("x", key), config::Node{});
  bool ok = (dec.*decode)(v, out);
  EXPECT_EQ(ok, !diag.has_errors());
  return diag.Text();
}

TEST(DecodeTest, IntegersAndTypeErrorsNamePathAndLine) {
  const std::string yaml = "a: 100_000\nb: \"12\"\nc: 2.9\nd: -1\ne: 1e300\nbig: 3000000000\n";
  int64_t v = 0;
  EXPECT_EQ(Decode(yaml, "a", &CollectorDecoder::Int, &v), "");
  EXPECT_EQ(v, 100000);
  EXPECT_EQ(Decode(yaml, "b", &CollectorDecoder::Int, &v),
            "f.yaml:2:4: x.b: expected an integer, got string \"12\"");
  EXPECT_EQ(Decode(yaml, "c", &CollectorDecoder::Int, &v), "");
  EXPECT_EQ(v, 2);  // mapstructure truncates
  uint64_t u = 7;
  EXPECT_EQ(Decode(yaml, "d", &CollectorDecoder::Uint, &u),
            "f.yaml:4:4: x.d: value -1 is negative; expected uint64");
  EXPECT_EQ(u, 7u);
  EXPECT_EQ(Decode(yaml, "e", &CollectorDecoder::Int, &v),
            "f.yaml:5:4: x.e: value 1e300 overflows int64");
  int32_t i32 = 0;
  EXPECT_EQ(Decode(yaml, "big", &CollectorDecoder::Int32, &i32),
            "f.yaml:6:6: x.big: value 3000000000 overflows int32");
}

TEST(DecodeTest, FloatsBoolsStringsDurations) {
  const std::string yaml =
      "f: .inf\ng: 10\nh: +Inf\nb: True\nbb: yes\ns: abc\nsn: 123\nd: 1m30s\ndn: 1000\n"
      "l: ERROR,UNSET\nll: [a, b]\nbad: 1m30\nm: {a: 1}\n";
  double d = 0;
  EXPECT_EQ(Decode(yaml, "f", &CollectorDecoder::Float, &d), "");
  EXPECT_TRUE(std::isinf(d));
  EXPECT_EQ(Decode(yaml, "g", &CollectorDecoder::Float, &d), "");
  EXPECT_EQ(d, 10.0);
  EXPECT_NE(Decode(yaml, "h", &CollectorDecoder::Float, &d).find("f.yaml:3:4: x.h: "),
            std::string::npos);
  bool b = false;
  EXPECT_EQ(Decode(yaml, "b", &CollectorDecoder::Bool, &b), "");
  EXPECT_TRUE(b);
  EXPECT_EQ(Decode(yaml, "bb", &CollectorDecoder::Bool, &b),
            "f.yaml:5:5: x.bb: expected a boolean (true/false), got string \"yes\"");
  std::string s;
  EXPECT_EQ(Decode(yaml, "s", &CollectorDecoder::String, &s), "");
  EXPECT_EQ(s, "abc");
  EXPECT_EQ(Decode(yaml, "sn", &CollectorDecoder::String, &s),
            "f.yaml:7:5: x.sn: expected a string, got int 123 (quote it)");
  EXPECT_EQ(Decode(yaml, "m", &CollectorDecoder::String, &s),
            "f.yaml:13:4: x.m: expected a string, got a map");
  int64_t ns = 0;
  EXPECT_EQ(Decode(yaml, "d", &CollectorDecoder::Duration, &ns), "");
  EXPECT_EQ(ns, 90'000'000'000);
  EXPECT_EQ(Decode(yaml, "dn", &CollectorDecoder::Duration, &ns), "");
  EXPECT_EQ(ns, 1000);  // a bare number is nanoseconds
  std::string bad = Decode(yaml, "bad", &CollectorDecoder::Duration, &ns);
  EXPECT_NE(bad.find("f.yaml:12:6: x.bad: "), std::string::npos) << bad;
  EXPECT_NE(bad.find("1m30"), std::string::npos) << bad;
  std::vector<std::string> list;
  EXPECT_EQ(Decode(yaml, "l", &CollectorDecoder::StringList, &list), "");
  EXPECT_EQ(list, (std::vector<std::string>{"ERROR", "UNSET"}));
  EXPECT_EQ(Decode(yaml, "ll", &CollectorDecoder::StringList, &list), "");
  EXPECT_EQ(list, (std::vector<std::string>{"a", "b"}));
}

TEST(DecodeTest, UnknownKeyHasDidYouMeanAndPosition) {
  YAML::Node n = YAML::Load("root:\n  a: 1\n  bogus: 2\n  sampled_cach_size: 3\n");
  config::Diagnostics diag("cfg.yaml");
  CollectorDecoder dec(diag);
  config::Map m = dec.Fields(config::Node::At(n["root"], "root", config::Node{}),
                             {"a", "b", "sampled_cache_size"});
  EXPECT_TRUE(m.ok());
  EXPECT_EQ(diag.Text(),
            "cfg.yaml:3:3: root.bogus: unknown key 'bogus'\n"
            "cfg.yaml:4:3: root.sampled_cach_size: unknown key 'sampled_cach_size' (did you mean "
            "'sampled_cache_size'?)");
  config::Diagnostics none("cfg.yaml");
  CollectorDecoder null_dec(none);
  EXPECT_TRUE(null_dec.Fields(config::Node::At(YAML::Load("~"), "", config::Node{}), {"a"}).ok());
  EXPECT_TRUE(none.empty());
}

TEST(CollectorConfigTest, ExpandsEnvLikeTheCollector) {
  auto env = [](const std::string& name) -> std::optional<std::string> {
    if (name == "WAIT") return "5s";
    return std::nullopt;
  };
  config::Diagnostics set("e.yaml");
  auto doc = CollectorConfig::Parse(
      "processors:\n  tail_sampling:\n    decision_wait: ${env:WAIT}\n"
      "    num_traces: ${env:N:-100}\n",
      set, env);
  ASSERT_TRUE(doc.has_value()) << set.Text();
  EXPECT_TRUE(set.empty()) << set.Text();
  auto blocks = doc->FindProcessors("tail_sampling", "policies", set);
  ASSERT_EQ(blocks.size(), 1u);
  EXPECT_EQ(blocks[0].node["decision_wait"].Scalar(), "5s");
  EXPECT_EQ(blocks[0].node["num_traces"].Scalar(), "100");
  EXPECT_EQ(blocks[0].path, "processors.tail_sampling");

  config::Diagnostics unset("e.yaml");
  auto doc2 = CollectorConfig::Parse(
      "processors:\n  tail_sampling:\n    decision_wait: ${MISSING}\n", unset, env);
  ASSERT_TRUE(doc2.has_value());
  EXPECT_NE(unset.Text().find("MISSING"), std::string::npos) << unset.Text();
  EXPECT_NE(unset.Text().find("e.yaml:3:20: processors.tail_sampling.decision_wait: warning:"),
            std::string::npos)
      << unset.Text();
}

TEST(CollectorConfigTest, FindsProcessorsByTypeInAFullConfig) {
  const char* yaml = R"(receivers:
  otlp: {}
processors:
  batch: {}
  tail_sampling:
    policies: [{name: a, type: always_sample}]
  tail_sampling/errors:
    policies: [{name: e, type: status_code, status_code: {status_codes: [ERROR]}}]
  probabilistic_sampler/x:
    sampling_percentage: 10
service: {}
)";
  auto doc = CollectorConfig::LoadString(yaml, "full.yaml");
  ASSERT_TRUE(doc.ok()) << doc.status().message();
  auto blocks = doc->FindProcessors("tail_sampling", "policies");
  ASSERT_TRUE(blocks.ok());
  ASSERT_EQ(blocks->size(), 2u);
  EXPECT_EQ((*blocks)[0].id, "tail_sampling");
  EXPECT_EQ((*blocks)[0].name, "");
  EXPECT_EQ((*blocks)[0].line, 5);
  EXPECT_EQ((*blocks)[1].id, "tail_sampling/errors");
  EXPECT_EQ((*blocks)[1].name, "errors");
  EXPECT_EQ((*blocks)[1].line, 7);
  auto prob = doc->FindProcessors("probabilistic_sampler", "");
  ASSERT_TRUE(prob.ok());
  ASSERT_EQ(prob->size(), 1u);
  EXPECT_EQ((*prob)[0].node["sampling_percentage"].as<int>(), 10);
}

TEST(CollectorConfigTest, AcceptsBareBlocks) {
  auto top = CollectorConfig::LoadString("tail_sampling:\n  policies: []\n", "t.yaml");
  ASSERT_TRUE(top.ok());
  auto b1 = top->FindProcessors("tail_sampling", "policies");
  ASSERT_TRUE(b1.ok());
  ASSERT_EQ(b1->size(), 1u);
  EXPECT_TRUE((*b1)[0].node["policies"].IsSequence());

  auto bare = CollectorConfig::LoadString("decision_wait: 5s\npolicies: []\n", "b.yaml");
  ASSERT_TRUE(bare.ok());
  auto b2 = bare->FindProcessors("tail_sampling", "policies");
  ASSERT_TRUE(b2.ok());
  ASSERT_EQ(b2->size(), 1u);
  EXPECT_EQ((*b2)[0].id, "tail_sampling");
  EXPECT_EQ((*b2)[0].node["decision_wait"].Scalar(), "5s");
}

TEST(CollectorConfigTest, ErrorsNameTheFile) {
  auto r = CollectorConfig::LoadString("a: [1, 2\n", "broken.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("broken.yaml:"), std::string::npos);
  EXPECT_NE(r.status().message().find("YAML syntax error"), std::string::npos);
  auto f = CollectorConfig::LoadFile("/nonexistent/otelcol.yaml");
  ASSERT_FALSE(f.ok());
  EXPECT_EQ(f.status().code(), sim::Status::Code::kNotFound);
  auto list = CollectorConfig::LoadString("- a\n- b\n", "list.yaml");
  ASSERT_FALSE(list.ok());
  auto empty_name = CollectorConfig::LoadString("processors:\n  tail_sampling/: {}\n", "e.yaml");
  ASSERT_TRUE(empty_name.ok());
  auto blocks = empty_name->FindProcessors("tail_sampling", "policies");
  ASSERT_FALSE(blocks.ok());
  EXPECT_EQ(blocks.status().message(),
            "e.yaml:2:3: processors.tail_sampling/: component id has an empty name after '/'");
}

}  // namespace
}  // namespace tracesim::sampling
