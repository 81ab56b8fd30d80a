#include "sampling/head/otel_env.h"

#include <gtest/gtest.h>

namespace tracesim::sampling {
namespace {

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

TEST(OtelEnvTest, UnsetIsParentBasedAlwaysOn) {
  auto c = ParseOtelTracesSamplerEnv(std::nullopt, std::nullopt);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->sampler.kind, HeadSamplerKind::kParentBasedAlwaysOn);
  EXPECT_TRUE(c->warnings.empty());
  // Empty counts as unset; an ARG alone is ignored with a warning.
  c = ParseOtelTracesSamplerEnv("", "0.5");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->sampler.kind, HeadSamplerKind::kParentBasedAlwaysOn);
  ASSERT_EQ(c->warnings.size(), 1u);
  EXPECT_TRUE(Contains(c->warnings[0], "OTEL_TRACES_SAMPLER_ARG='0.5' is ignored"));
}

TEST(OtelEnvTest, EveryListedValue) {
  struct Case {
    const char* name;
    HeadSamplerKind kind;
  };
  const Case cases[] = {
      {"always_on", HeadSamplerKind::kAlwaysOn},
      {"always_off", HeadSamplerKind::kAlwaysOff},
      {"traceidratio", HeadSamplerKind::kTraceIdRatio},
      {"parentbased_always_on", HeadSamplerKind::kParentBasedAlwaysOn},
      {"parentbased_always_off", HeadSamplerKind::kParentBasedAlwaysOff},
      {"parentbased_traceidratio", HeadSamplerKind::kParentBasedTraceIdRatio},
      {" TraceIdRatio ", HeadSamplerKind::kTraceIdRatio},  // trimmed and lowercased
  };
  for (const Case& c : cases) {
    auto r = ParseOtelTracesSamplerEnv(c.name, std::nullopt);
    ASSERT_TRUE(r.ok()) << c.name;
    EXPECT_EQ(r->sampler.kind, c.kind) << c.name;
    EXPECT_TRUE(r->warnings.empty()) << c.name;
  }
  // The Jaeger remote names are Java's (an SPI sampler); Go 1.46.0 and Python 1.45.2 do not
  // know them and keep parentbased_always_on.
  for (const char* name : {"jaeger_remote", "parentbased_jaeger_remote"}) {
    auto j = ParseOtelTracesSamplerEnv(name, std::nullopt, RatioAlgorithm::kJava);
    ASSERT_TRUE(j.ok()) << name;
    EXPECT_TRUE(KindIsJaegerRemote(j->sampler.kind)) << name;
    auto g = ParseOtelTracesSamplerEnv(name, std::nullopt, RatioAlgorithm::kGo);
    ASSERT_TRUE(g.ok());
    EXPECT_EQ(g->sampler.kind, HeadSamplerKind::kParentBasedAlwaysOn);
    ASSERT_EQ(g->warnings.size(), 1u);
    EXPECT_TRUE(Contains(g->warnings[0], std::string("unsupported sampler: ") + name));
    auto py = ParseOtelTracesSamplerEnv(name, std::nullopt, RatioAlgorithm::kPython);
    ASSERT_TRUE(py.ok());
    EXPECT_EQ(py->sampler.kind, HeadSamplerKind::kParentBasedAlwaysOn);
    ASSERT_EQ(py->warnings.size(), 1u);
    EXPECT_TRUE(Contains(py->warnings[0], std::string("Couldn't recognize sampler ") + name));
  }
  auto x = ParseOtelTracesSamplerEnv("xray", std::nullopt);
  ASSERT_FALSE(x.ok());
  EXPECT_EQ(x.status().code(), sim::Status::Code::kUnsupported);
  // YAML-only kinds are not environment values.
  auto p = ParseOtelTracesSamplerEnv("probability", "0.5");
  ASSERT_TRUE(p.ok());
  EXPECT_EQ(p->sampler.kind, HeadSamplerKind::kParentBasedAlwaysOn);
  ASSERT_EQ(p->warnings.size(), 1u);
}

TEST(OtelEnvTest, UnknownSamplerWarnsAndUsesDefault) {
  auto c = ParseOtelTracesSamplerEnv("parentbased_traceidration", "0.1");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->sampler.kind, HeadSamplerKind::kParentBasedAlwaysOn);
  ASSERT_EQ(c->warnings.size(), 1u);
  EXPECT_TRUE(Contains(c->warnings[0], "did you mean 'parentbased_traceidratio'?"))
      << c->warnings[0];
}

TEST(OtelEnvTest, RatioArgument) {
  auto c = ParseOtelTracesSamplerEnv("parentbased_traceidratio", "0.05", RatioAlgorithm::kPython);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->sampler.ratio, 0.05);
  EXPECT_EQ(c->sampler.algorithm, RatioAlgorithm::kPython);
  EXPECT_TRUE(c->warnings.empty());
  EXPECT_TRUE(
      Contains((*BuildHeadSampler(c->sampler))->Description(), "root:TraceIdRatioBased{0.05}"));
  // Missing: 1.0, no warning.
  c = ParseOtelTracesSamplerEnv("traceidratio", std::nullopt);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->sampler.ratio, 1.0);
  EXPECT_TRUE(c->warnings.empty());
  EXPECT_EQ((*BuildHeadSampler(c->sampler))->Description(), "AlwaysOnSampler");  // Go at 1.0
  // Invalid: 1.0 with a warning.
  for (const char* bad : {"abc", "1.5", "-0.1", "nan", "0.5x"}) {
    c = ParseOtelTracesSamplerEnv("traceidratio", bad);
    ASSERT_TRUE(c.ok()) << bad;
    EXPECT_EQ(c->sampler.ratio, 1.0) << bad;
    ASSERT_EQ(c->warnings.size(), 1u) << bad;
    EXPECT_TRUE(Contains(c->warnings[0], std::string("OTEL_TRACES_SAMPLER_ARG='") + bad))
        << c->warnings[0];
  }
  // An argument to a sampler that takes none.
  c = ParseOtelTracesSamplerEnv("always_on", "0.5");
  ASSERT_TRUE(c.ok());
  ASSERT_EQ(c->warnings.size(), 1u);
  EXPECT_TRUE(Contains(c->warnings[0], "always_on takes no argument"));
}

// Java's JaegerRemoteSamplerProvider 1.60.1: the ARG is a map; a malformed entry, a bad
// pollingIntervalMs or initialSamplingRate fail the SDK at start; unknown keys are ignored.
TEST(OtelEnvTest, JaegerRemoteArgument) {
  constexpr RatioAlgorithm kJava = RatioAlgorithm::kJava;
  auto c = ParseOtelTracesSamplerEnv(
      "parentbased_jaeger_remote",
      "endpoint=http://localhost:14250,pollingIntervalMs=5000,initialSamplingRate=0.25", kJava);
  ASSERT_TRUE(c.ok());
  EXPECT_TRUE(c->warnings.empty());
  EXPECT_EQ(c->sampler.jaeger.endpoint, "http://localhost:14250");
  EXPECT_EQ(c->sampler.jaeger.polling_interval_ms, 5000);
  EXPECT_EQ(c->sampler.jaeger.initial_sampling_rate, 0.25);
  // Defaults; an empty value drops the entry; unknown keys and the deprecated name warn.
  c = ParseOtelTracesSamplerEnv("jaeger_remote", "pollingInterval=7000, endpoint=,foo=1", kJava);
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->sampler.jaeger.endpoint, "http://localhost:14250");
  EXPECT_EQ(c->sampler.jaeger.polling_interval_ms, 7000);
  EXPECT_EQ(c->sampler.jaeger.initial_sampling_rate, 0.001);
  ASSERT_EQ(c->warnings.size(), 2u);
  EXPECT_TRUE(Contains(c->warnings[0], "unknown key 'foo'"));
  EXPECT_TRUE(Contains(c->warnings[1], "deprecated \"pollingInterval\""));
  struct Bad {
    const char* arg;
    const char* message;
  };
  for (const Bad& b : {
           Bad{"pollingIntervalMs=-5",
               "IllegalArgumentException: polling interval must be positive"},
           Bad{"pollingIntervalMs=soon", "NumberFormatException: For input string: \"soon\""},
           Bad{"initialSamplingRate=2", "ratio must be in range [0.0, 1.0]"},
           Bad{"bare", "Invalid map property: otel.traces.sampler.arg"},
       }) {
    auto r = ParseOtelTracesSamplerEnv("parentbased_jaeger_remote", b.arg, kJava);
    ASSERT_FALSE(r.ok()) << b.arg;
    EXPECT_TRUE(Contains(r.status().message(), "the Java SDK fails at start")) << b.arg;
    EXPECT_TRUE(Contains(r.status().message(), b.message)) << r.status().message();
  }
}

// Java autoconfigure 1.60.1 (checked by running AutoConfiguredOpenTelemetrySdk): a ratio ARG
// that is not a double or is outside [0, 1], and an unknown sampler name (case-sensitive), end
// the SDK's start with a ConfigurationException; "NaN" builds TraceIdRatioBased{NaN}.
TEST(OtelEnvTest, JavaFailsAtStartOnABadArgOrName) {
  auto bad = ParseOtelTracesSamplerEnv("traceidratio", "abc", RatioAlgorithm::kJava);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("Invalid value for property "
                                        "otel.traces.sampler.arg=abc. Must be a double."),
            std::string::npos);
  EXPECT_NE(bad.status().message().find("Java SDK fails at start"), std::string::npos);
  auto out_of_range = ParseOtelTracesSamplerEnv("traceidratio", "1.5", RatioAlgorithm::kJava);
  ASSERT_FALSE(out_of_range.ok());
  EXPECT_NE(out_of_range.status().message().find("Unexpected configuration error"),
            std::string::npos);
  EXPECT_FALSE(ParseOtelTracesSamplerEnv("traceidratio", "-0.1", RatioAlgorithm::kJava).ok());
  auto name = ParseOtelTracesSamplerEnv("TraceIdRatio", "0.5", RatioAlgorithm::kJava);
  ASSERT_FALSE(name.ok());
  EXPECT_NE(name.status().message().find("Unrecognized value for otel.traces.sampler: "
                                         "TraceIdRatio"),
            std::string::npos);
  auto suffix = ParseOtelTracesSamplerEnv("traceidratio", "0.5d", RatioAlgorithm::kJava);
  ASSERT_TRUE(suffix.ok());
  EXPECT_EQ(suffix->sampler.ratio, 0.5);
  auto nan = ParseOtelTracesSamplerEnv("traceidratio", "NaN", RatioAlgorithm::kJava);
  ASSERT_TRUE(nan.ok());
  EXPECT_EQ(nan->sampler.ratio, 0.0);
  EXPECT_EQ(nan->warnings.size(), 1u);
  auto missing =
      ParseOtelTracesSamplerEnv("parentbased_traceidratio", std::nullopt, RatioAlgorithm::kJava);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->sampler.ratio, 1.0);
  EXPECT_TRUE(missing->warnings.empty());
}

// Go sdk/trace/sampler_env.go parseTraceIDRatio: a parse error, a negative or a > 1 value is
// reported (otel.Handle) and TraceIDRatioBased(1.0) is used; the SDK starts.
TEST(OtelEnvTest, GoWarnsAndUsesOneOnABadArg) {
  for (const char* arg : {"abc", "1.5", "-0.1"}) {
    auto c = ParseOtelTracesSamplerEnv("traceidratio", arg, RatioAlgorithm::kGo);
    ASSERT_TRUE(c.ok()) << arg;
    EXPECT_EQ(c->sampler.ratio, 1.0);
    EXPECT_EQ(c->warnings.size(), 1u);
  }
}

// Python opentelemetry-sdk 1.45.2 _get_from_env_or_default: float(ARG) and the sampler are
// built inside one try; ValueError (unparsable, out of range, NaN) and a missing ARG log
// "Could not convert TRACES_SAMPLER_ARG to float. Using default rate 1.0." and use 1.0. The
// name is lowercased but not trimmed. Python does not fail at start.
TEST(OtelEnvTest, PythonWarnsAndUsesOneEvenWhenTheArgIsMissing) {
  for (const char* arg : {"abc", "1.5", "NaN"}) {
    auto c = ParseOtelTracesSamplerEnv("traceidratio", arg, RatioAlgorithm::kPython);
    ASSERT_TRUE(c.ok()) << arg;
    EXPECT_EQ(c->sampler.ratio, 1.0);
    ASSERT_EQ(c->warnings.size(), 1u);
    EXPECT_NE(c->warnings[0].find("Could not convert TRACES_SAMPLER_ARG"), std::string::npos);
  }
  auto missing = ParseOtelTracesSamplerEnv("traceidratio", std::nullopt, RatioAlgorithm::kPython);
  ASSERT_TRUE(missing.ok());
  EXPECT_EQ(missing->warnings.size(), 1u);
  auto upper = ParseOtelTracesSamplerEnv("TraceIdRatio", "0.5", RatioAlgorithm::kPython);
  ASSERT_TRUE(upper.ok());
  EXPECT_EQ(upper->sampler.ratio, 0.5);
  auto spaced = ParseOtelTracesSamplerEnv(" traceidratio", "0.5", RatioAlgorithm::kPython);
  ASSERT_TRUE(spaced.ok());
  EXPECT_EQ(spaced->sampler.kind, HeadSamplerKind::kParentBasedAlwaysOn);
}

}  // namespace
}  // namespace tracesim::sampling
