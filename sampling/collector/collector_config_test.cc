#include "sampling/collector/collector_config.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>

namespace tracesim::sampling {
namespace {

int64_t Dur(std::string_view s) {
  auto r = ParseGoDuration(s);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().message();
  return r.ok() ? *r : -1;
}

TEST(ParseGoDurationTest, AcceptsGoSyntax) {
  EXPECT_EQ(Dur("10s"), 10'000'000'000);
  EXPECT_EQ(Dur("1m30s"), 90'000'000'000);
  EXPECT_EQ(Dur("500ms"), 500'000'000);
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

TEST(ParseGoDurationTest, RejectsBadText) {
  for (std::string_view bad : {"", "10", "s", "1x", "1.5", "-", ".s", "1h-2m", "10 s",
                               "2562047h47m16.854775808s", "9999999999h"}) {
    auto r = ParseGoDuration(bad);
    EXPECT_FALSE(r.ok()) << "accepted \"" << bad << "\"";
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("invalid duration"), std::string::npos);
    }
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

TEST(DecodeTest, IntegersAndTypeErrorsNamePathAndLine) {
  YAML::Node n = YAML::Load("a: 100_000\nb: \"12\"\nc: 2.9\nd: -1\ne: 1e300\n");
  int64_t v = 0;
  ASSERT_TRUE(DecodeInt("f.yaml", n["a"], "a", &v).ok());
  EXPECT_EQ(v, 100000);
  sim::Status st = DecodeInt("f.yaml", n["b"], "x.b", &v);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("f.yaml:2:4: x.b: expected an integer, got string"),
            std::string::npos)
      << st.message();
  ASSERT_TRUE(DecodeInt("f.yaml", n["c"], "c", &v).ok());
  EXPECT_EQ(v, 2);  // mapstructure truncates
  uint64_t u = 7;
  st = DecodeUint("f.yaml", n["d"], "d", &u);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("negative"), std::string::npos);
  EXPECT_EQ(u, 7u);
  EXPECT_FALSE(DecodeInt("f.yaml", n["e"], "e", &v).ok());
  int32_t i32 = 0;
  YAML::Node big = YAML::Load("v: 3000000000");
  EXPECT_FALSE(DecodeInt32("f.yaml", big["v"], "v", &i32).ok());
}

TEST(DecodeTest, FloatsBoolsStringsDurations) {
  YAML::Node n = YAML::Load(
      "f: .inf\ng: 10\nh: +Inf\nb: True\nbb: yes\ns: abc\nsn: 123\nd: 1m30s\ndn: 1000\n"
      "l: ERROR,UNSET\nll: [a, b]\n");
  double d = 0;
  ASSERT_TRUE(DecodeFloat("f", n["f"], "f", &d).ok());
  EXPECT_TRUE(std::isinf(d));
  ASSERT_TRUE(DecodeFloat("f", n["g"], "g", &d).ok());
  EXPECT_EQ(d, 10.0);
  sim::Status st = DecodeFloat("f", n["h"], "h", &d);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find(".inf"), std::string::npos);
  bool b = false;
  ASSERT_TRUE(DecodeBool("f", n["b"], "b", &b).ok());
  EXPECT_TRUE(b);
  EXPECT_FALSE(DecodeBool("f", n["bb"], "bb", &b).ok());
  std::string s;
  ASSERT_TRUE(DecodeString("f", n["s"], "s", &s).ok());
  EXPECT_EQ(s, "abc");
  st = DecodeString("f", n["sn"], "sn", &s);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("sn: expected a string, got int"), std::string::npos);
  int64_t ns = 0;
  ASSERT_TRUE(DecodeDuration("f", n["d"], "d", &ns).ok());
  EXPECT_EQ(ns, 90'000'000'000);
  ASSERT_TRUE(DecodeDuration("f", n["dn"], "dn", &ns).ok());
  EXPECT_EQ(ns, 1000);  // a bare number is nanoseconds
  std::vector<std::string> list;
  ASSERT_TRUE(DecodeStringList("f", n["l"], "l", &list).ok());
  EXPECT_EQ(list, (std::vector<std::string>{"ERROR", "UNSET"}));
  ASSERT_TRUE(DecodeStringList("f", n["ll"], "ll", &list).ok());
  EXPECT_EQ(list, (std::vector<std::string>{"a", "b"}));
}

TEST(CheckKeysTest, UnknownKeyNamesPathAndLine) {
  YAML::Node n = YAML::Load("a: 1\nbogus: 2\n");
  sim::Status st = CheckKeys("cfg.yaml", n, "root", {"a", "b"});
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("cfg.yaml:2:1: root.bogus: unknown key"), std::string::npos)
      << st.message();
  EXPECT_TRUE(CheckKeys("cfg.yaml", n, "root", {"a", "bogus"}).ok());
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
  EXPECT_NE(blocks.status().message().find("e.yaml:2:3"), std::string::npos);
}

}  // namespace
}  // namespace tracesim::sampling
