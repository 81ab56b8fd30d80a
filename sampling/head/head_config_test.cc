#include "sampling/head/head_config.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include "sampling/head/consistent_probability_sampler.h"

namespace tracesim::sampling {
namespace {

// Text after a leading newline, so line 1 of the YAML is the line after R"(.
YAML::Node Yaml(const char* text) { return YAML::Load(text + (text[0] == '\n' ? 1 : 0)); }

sim::Result<HeadSamplerConfig> Parse(const char* text) {
  return ParseHeadSamplerConfig(Yaml(text)["head_sampling"], "s.yaml", "head_sampling");
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(HeadConfigTest, ParsesTheDocumentedBlockWithInheritingOverrides) {
  auto c = Parse(R"(
head_sampling:
  sampler: parentbased_traceidratio
  ratio: 0.25
  algorithm: java
  services:
    payment: {sampler: always_on}
    cart: {ratio: 0.5}
    ledger:
)");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->sampler.kind, HeadSamplerKind::kParentBasedTraceIdRatio);
  EXPECT_EQ(c->sampler.ratio, 0.25);
  EXPECT_EQ(c->sampler.algorithm, RatioAlgorithm::kJava);
  ASSERT_EQ(c->services.size(), 3u);
  EXPECT_EQ(c->ForService("payment").kind, HeadSamplerKind::kAlwaysOn);
  EXPECT_EQ(c->ForService("cart").kind, HeadSamplerKind::kParentBasedTraceIdRatio);
  EXPECT_EQ(c->ForService("cart").ratio, 0.5);
  EXPECT_EQ(c->ForService("cart").algorithm, RatioAlgorithm::kJava);
  EXPECT_EQ(c->ForService("ledger").ratio, 0.25);
  EXPECT_EQ(&c->ForService("unknown"), &c->sampler);

  auto s = BuildHeadSampler(*c, "frontend");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ((*s)->Description(),
            "ParentBased{root:TraceIdRatioBased{0.250000},remoteParentSampled:AlwaysOnSampler,"
            "remoteParentNotSampled:AlwaysOffSampler,localParentSampled:AlwaysOnSampler,"
            "localParentNotSampled:AlwaysOffSampler}");
  auto pay = BuildHeadSampler(*c, "payment");
  ASSERT_TRUE(pay.ok());
  EXPECT_EQ((*pay)->Description(), "AlwaysOnSampler");
}

TEST(HeadConfigTest, EmptyBlockIsTheSdkDefault) {
  auto c = Parse("head_sampling:\n");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->sampler.kind, HeadSamplerKind::kParentBasedAlwaysOn);
  auto s = BuildHeadSampler(c->sampler);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->Description().substr(0, 28), "ParentBased{root:AlwaysOnSam");
}

TEST(HeadConfigTest, BuildsEveryKind) {
  auto c = Parse(R"(
head_sampling:
  sampler: parentbased_probability
  ratio: 0.125
  precision: 5
  services:
    a: {sampler: rate_limiting, traces_per_second: 2.5}
    b: {sampler: parentbased_always_off}
    c: {sampler: traceidratio, ratio: 0.5, algorithm: python}
    d: {sampler: probability}
)");
  ASSERT_TRUE(c.ok()) << c.status().message();
  auto root = BuildHeadSampler(*c, "x");
  ASSERT_TRUE(root.ok());
  EXPECT_TRUE(Contains((*root)->Description(), "root:ProbabilitySampler{0.125000}"));
  // parentbased_probability erases a parent th its randomness does not pass.
  SamplingParams p;
  p.trace_id.lo = 1;
  p.has_parent = true;
  p.parent_sampled = true;
  p.parent_threshold = 0x80000000000000u;
  EXPECT_EQ((*root)->ShouldSample(p).threshold, kNoThreshold);
  EXPECT_EQ((*BuildHeadSampler(*c, "a"))->Description(), "rateLimitingSampler{}");
  EXPECT_TRUE(Contains((*BuildHeadSampler(*c, "b"))->Description(), "root:AlwaysOffSampler"));
  EXPECT_EQ((*BuildHeadSampler(*c, "c"))->Description(), "TraceIdRatioBased{0.5}");
  EXPECT_EQ((*BuildHeadSampler(*c, "d"))->Description(), "ProbabilitySampler{0.125000}");
}

TEST(HeadConfigTest, ErrorsNameFileLineAndKeyPath) {
  auto c = Parse(R"(
head_sampling:
  sampler: parentbased_traceidratio
  ratoi: 0.5
  services:
    payment: {sampler: alwayson}
    cart: {ratio: 1.5}
)");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), sim::Status::Code::kInvalidArgument);
  const std::string& m = c.status().message();
  EXPECT_TRUE(
      Contains(m, "s.yaml:3:3: head_sampling.ratoi: unknown key 'ratoi' (did you mean 'ratio'?)"))
      << m;
  EXPECT_TRUE(Contains(m,
                       "s.yaml:5:24: head_sampling.services.payment.sampler: unknown sampler "
                       "'alwayson' (did you mean 'always_on'?)"))
      << m;
  EXPECT_TRUE(Contains(m,
                       "s.yaml:6:12: head_sampling.services.cart.ratio: must be in [0, 1], "
                       "got 1.5"))
      << m;
}

TEST(HeadConfigTest, KeysTheSamplerDoesNotUseAreErrors) {
  auto c = Parse(R"(
head_sampling:
  sampler: always_on
  ratio: 0.5
  traces_per_second: 3
)");
  ASSERT_FALSE(c.ok());
  EXPECT_TRUE(Contains(c.status().message(),
                       "s.yaml:3:3: head_sampling.ratio: not used by sampler 'always_on'"))
      << c.status().message();
  EXPECT_TRUE(Contains(c.status().message(), "head_sampling.traces_per_second: not used"));
}

TEST(HeadConfigTest, BadValuesAreErrors) {
  struct Case {
    const char* yaml;
    const char* message;
  };
  const Case cases[] = {
      {"head_sampling: [1]", "head_sampling: must be a mapping"},
      {"head_sampling: {sampler: traceidratio, ratio: abc}", "ratio: must be a number, got 'abc'"},
      {"head_sampling: {sampler: traceidratio, ratio: .nan}", "ratio: must be in [0, 1], got NaN"},
      {"head_sampling: {sampler: traceidratio, algorithm: rust}", "unknown algorithm 'rust'"},
      {"head_sampling: {sampler: probability, ratio: 1e-20}", "must be 0 or in [2^-56, 1]"},
      {"head_sampling: {sampler: probability, precision: 15}", "precision: must be in [1, 14]"},
      {"head_sampling: {sampler: rate_limiting, traces_per_second: -1}", "must be a finite number"},
      {"head_sampling: {sampler: jaeger_remote, polling_interval_ms: 0}", "must be > 0, got 0"},
      {"head_sampling: {sampler: jaeger_remote, initial_sampling_rate: 2}", "must be in [0, 1]"},
      {"head_sampling: {sampler: jaeger_remote, endpoint: ''}", "endpoint: must not be empty"},
      {"head_sampling: {services: [a]}", "services: must be a mapping"},
      {"head_sampling: {services: {a: {services: {}}}}", "services.a.services: unknown key"},
      {"head_sampling: {sampler: {x: 1}}", "sampler: must be a sampler name, got a mapping"},
  };
  for (const Case& c : cases) {
    auto r = ParseHeadSamplerConfig(Yaml(c.yaml)["head_sampling"], "s.yaml", "head_sampling");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_TRUE(Contains(r.status().message(), c.message)) << r.status().message();
  }
}

TEST(HeadConfigTest, XrayIsUnsupported) {
  auto c = Parse("head_sampling: {sampler: xray}");
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), sim::Status::Code::kUnsupported);
  EXPECT_TRUE(Contains(c.status().message(), "xray"));
}

TEST(HeadConfigTest, JaegerRemoteBuildsTheRemoteSampler) {
  auto c = Parse(R"(
head_sampling:
  sampler: parentbased_jaeger_remote
  endpoint: http://jaeger:14250
  polling_interval_ms: 5000
  initial_sampling_rate: 0.25
)");
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->sampler.jaeger.endpoint, "http://jaeger:14250");
  EXPECT_EQ(c->sampler.jaeger.polling_interval_ms, 5000);
  auto built = BuildHeadSampler(*c, "frontend");
  ASSERT_TRUE(built.ok()) << built.status().message();
  EXPECT_TRUE(Contains((*built)->Description(), "ParentBased{root:JaegerRemoteSampler{}"));

  HeadSamplerSpec spec;
  spec.kind = HeadSamplerKind::kJaegerRemote;
  spec.jaeger.initial_sampling_rate = 0.5;
  spec.jaeger.polling_interval_ms = 5000;
  auto s = BuildHeadSampler(spec, "checkout");
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  auto* remote = dynamic_cast<JaegerRemoteSampler*>(s->get());
  ASSERT_NE(remote, nullptr);
  EXPECT_EQ(remote->options().service_name, "checkout");
  EXPECT_EQ(remote->options().polling_interval, sim::Duration::Millis(5000));
  EXPECT_DOUBLE_EQ(remote->ProbabilityFor("x"), 0.5);
  JaegerRemoteConfig bad;
  bad.initial_sampling_rate = 3;
  EXPECT_FALSE(MakeJaegerRemoteHeadSampler(bad, "x").ok());
}

TEST(HeadConfigTest, BuildHeadSamplersPerModelService) {
  sim::Model m;
  sim::Service a, db;
  a.name = m.strings.Intern("frontend");
  db.name = m.strings.Intern("postgres");
  db.kind = sim::ServiceKind::kDatabase;
  m.services = {a, db};
  auto c =
      Parse("head_sampling: {sampler: always_off, services: {frontend: {sampler: always_on}}}");
  ASSERT_TRUE(c.ok());
  auto all = BuildHeadSamplers(*c, m);
  ASSERT_TRUE(all.ok()) << all.status().message();
  ASSERT_EQ(all->size(), 2u);
  EXPECT_EQ((*all)[0]->Description(), "AlwaysOnSampler");
  EXPECT_EQ((*all)[1], nullptr);

  auto typo = Parse("head_sampling: {services: {frontedn: {sampler: always_on}}}");
  ASSERT_TRUE(typo.ok());
  auto bad = BuildHeadSamplers(*typo, m);
  ASSERT_FALSE(bad.ok());
  EXPECT_TRUE(Contains(bad.status().message(), "did you mean 'frontend'?"))
      << bad.status().message();
  auto leaf = Parse("head_sampling: {services: {postgres: {sampler: always_on}}}");
  ASSERT_TRUE(leaf.ok());
  EXPECT_FALSE(BuildHeadSamplers(*leaf, m).ok());
}

}  // namespace
}  // namespace tracesim::sampling
