#include "sampling/collector/probabilistic_processor.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <initializer_list>

#include "sampling/core/consistent_tracestate.h"
#include "sim/base/rng.h"
#include "sim/base/shared_testdata.h"

namespace tracesim::sampling {
namespace {

const std::string kTestdata =
    tracesim::testing::SharedDir() + "/testdata/otelcol-probabilisticsampler";

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

sim::TraceId Id(uint64_t hi, uint64_t lo) {
  sim::TraceId id;
  id.hi = hi;
  id.lo = lo;
  return id;
}

ProbabilisticSamplerProcessor Processor(float pct, ProbabilisticMode mode, bool fail_closed = true,
                                        uint32_t seed = 0) {
  ProbabilisticSamplerConfig c;
  c.sampling_percentage = pct;
  c.mode = mode;
  c.fail_closed = fail_closed;
  c.hash_seed = seed;
  EXPECT_TRUE(c.Validate().ok()) << c.Validate().message();
  return ProbabilisticSamplerProcessor(c);
}

// The upstream hash_seed test vectors (sampling.md §7.3): seed 0, so 4 zero seed bytes are
// hashed first.
TEST(ProbabilisticProcessorTest, FnvHashSeedVectors) {
  EXPECT_EQ(ProbabilisticHash({}, 0) & 0x3FFF, 0x3515u);
  const uint8_t zeros[16] = {};
  EXPECT_EQ(ProbabilisticHash(zeros, 0) & 0x3FFF, 0x2455u);
  EXPECT_EQ(HashSeedBucket(Id(0, 0), 0), 0x2455u);
  // FNV-1a-32 written out: the 4 little-endian seed bytes come first, then the data.
  const uint8_t a[1] = {'a'};
  uint32_t h = 2166136261u;
  for (uint8_t b : std::initializer_list<uint8_t>{0, 0, 0, 0, 'a'}) h = (h ^ b) * 16777619u;
  EXPECT_EQ(ProbabilisticHash(a, 0), h);
  uint32_t seeded = 2166136261u;
  for (uint8_t b : std::initializer_list<uint8_t>{0x16, 0, 0, 0}) seeded = (seeded ^ b) * 16777619u;
  EXPECT_EQ(ProbabilisticHash({}, 22), seeded);
}

TEST(ProbabilisticProcessorTest, HashSeedKeepsBucketsBelowTheScaledRate) {
  // 15.3% -> uint32(15.3f * 163.84f) = 2506 buckets; th = (16384 - 2506) << 42 = "d8d8".
  auto p = Processor(15.3f, ProbabilisticMode::kHashSeed, true, 22);
  EXPECT_EQ(p.mode(), ProbabilisticMode::kHashSeed);
  EXPECT_EQ(ThresholdToTValue(p.fixed_threshold()), "d8d8");
  sim::Model m;
  sim::Rng rng(7);
  int kept = 0;
  for (int i = 0; i < 20000; ++i) {
    sim::Span s;
    s.trace_id = Id(rng.Next(), rng.Next());
    ProbabilisticDecision d = p.Decide(m, s, kNoThreshold);
    uint32_t bucket = HashSeedBucket(s.trace_id, 22);
    ASSERT_EQ(d.keep, bucket < 2506u) << i;
    ASSERT_EQ(d.error, ProbabilisticError::kNone);
    ASSERT_TRUE(d.has_randomness);  // the hash is written as rv
    EXPECT_EQ(d.randomness, HashSeedRandomness(s.trace_id, 22));
    EXPECT_EQ(d.randomness >> 42, 16383u - bucket);
    if (d.keep) {
      ++kept;
      EXPECT_EQ(d.threshold, p.fixed_threshold());
      EXPECT_EQ(d.policy, "trace_id_hash");
    }
  }
  EXPECT_NEAR(kept, 20000 * 2506.0 / 16384, 5 * std::sqrt(20000 * 0.153 * 0.847));
}

TEST(ProbabilisticProcessorTest, HashSeedRejectsSpansWithConsistentSamplingValues) {
  sim::Model m;
  sim::Span s;
  s.trace_id = Id(1, 2);
  auto closed = Processor(100, ProbabilisticMode::kHashSeed);
  ProbabilisticDecision d = closed.Decide(m, s, 0x80000000000000u);
  EXPECT_EQ(d.error, ProbabilisticError::kThresholdInUse);
  EXPECT_FALSE(d.keep);  // fail_closed (the default) drops head-sampled consistent spans
  d = closed.Decide(m, s, kNoThreshold, 0x123u);
  EXPECT_EQ(d.error, ProbabilisticError::kRandomnessInUse);
  EXPECT_FALSE(d.keep);
  auto open = Processor(1, ProbabilisticMode::kHashSeed, false);
  d = open.Decide(m, s, 0x80000000000000u);
  EXPECT_TRUE(d.keep);
  EXPECT_EQ(d.threshold, 0x80000000000000u);  // tracestate left alone
  EXPECT_FALSE(d.has_randomness);
}

TEST(ProbabilisticProcessorTest, ProportionalMultipliesIncomingProbability) {
  sim::Model m;
  sim::Span s;
  s.trace_id = Id(0, 0x00ffffffffffffffu);
  auto p = Processor(50, ProbabilisticMode::kProportional);
  // sampling.md §2.3: ot=th:0;rv:9b8233f7e3a151 through 50% becomes th:8 with the same rv.
  ProbabilisticDecision d = p.Decide(m, s, 0, 0x9b8233f7e3a151u);
  EXPECT_TRUE(d.keep);
  EXPECT_EQ(ThresholdToTValue(d.threshold), "8");
  ASSERT_TRUE(d.has_randomness);
  EXPECT_EQ(d.randomness, 0x9b8233f7e3a151u);
  EXPECT_EQ(d.policy, "sampling_randomness");
  // No th arriving = probability 1: 25% -> th:c.
  auto q = Processor(25, ProbabilisticMode::kProportional);
  d = q.Decide(m, s, kNoThreshold);
  EXPECT_TRUE(d.keep);
  EXPECT_EQ(ThresholdToTValue(d.threshold), "c");
  EXPECT_EQ(d.policy, "trace_id_w3c");
  // 25% of an incoming 50% (th:8) is 12.5% (th:e); randomness between 8 and e is dropped.
  d = q.Decide(m, s, 0x80000000000000u);
  EXPECT_EQ(ThresholdToTValue(d.threshold), "e");
  s.trace_id = Id(0, 0xd0000000000000u);
  EXPECT_FALSE(q.Decide(m, s, 0x80000000000000u).keep);
  EXPECT_EQ(q.Decide(m, s, 0x80000000000000u).error, ProbabilisticError::kNone);
}

TEST(ProbabilisticProcessorTest, EqualizingRaisesButNeverLowersThresholds) {
  sim::Model m;
  sim::Span s;
  s.trace_id = Id(0, 0xf0000000000000u);  // R = f0..: passes th:e (12.5%) and th:c (25%)
  auto e = Processor(25, ProbabilisticMode::kEqualizing);
  EXPECT_EQ(ThresholdToTValue(e.fixed_threshold()), "c");
  // Head-sampled at 50%: equalized to 25%.
  ProbabilisticDecision d = e.Decide(m, s, 0x80000000000000u);
  EXPECT_TRUE(d.keep);
  EXPECT_EQ(ThresholdToTValue(d.threshold), "c");
  // Head-sampled at 12.5% (th:e > th:c): passes unchanged.
  d = e.Decide(m, s, 0xe0000000000000u);
  EXPECT_TRUE(d.keep);
  EXPECT_EQ(ThresholdToTValue(d.threshold), "e");
  // R below th:c: dropped.
  s.trace_id = Id(0, 0x90000000000000u);
  EXPECT_FALSE(e.Decide(m, s, 0x80000000000000u).keep);
}

TEST(ProbabilisticProcessorTest, ErrorsFollowFailClosed) {
  sim::Model m;
  sim::Span s;
  s.trace_id = Id(0, 0x10000000000000u);
  // Arriving th:8 but R = 0x10...: should not have been sampled.
  auto closed = Processor(100, ProbabilisticMode::kEqualizing, true);
  auto open = Processor(100, ProbabilisticMode::kEqualizing, false);
  ProbabilisticDecision d = closed.Decide(m, s, 0x80000000000000u);
  EXPECT_EQ(d.error, ProbabilisticError::kInconsistentThreshold);
  EXPECT_FALSE(d.keep);
  d = open.Decide(m, s, 0x80000000000000u);
  EXPECT_TRUE(d.keep);
  EXPECT_EQ(ThresholdToTValue(d.threshold), "0");  // the bad th was cleared, then th:0 written
  // All-zero trace id and no rv: missing randomness.
  s.trace_id = Id(0, 0);
  d = closed.Decide(m, s, kNoThreshold);
  EXPECT_EQ(d.error, ProbabilisticError::kMissingRandomness);
  EXPECT_EQ(d.policy, "missing_randomness");
  EXPECT_FALSE(d.keep);
  EXPECT_TRUE(open.Decide(m, s, kNoThreshold).keep);
  // ... unless rv supplies it.
  EXPECT_TRUE(closed.Decide(m, s, kNoThreshold, 0x42u).keep);
  // An unparsable ot entry.
  ProbabilisticInput bad;
  bad.tracestate_valid = false;
  s.trace_id = Id(3, 3);
  EXPECT_EQ(closed.Decide(m, s, bad).error, ProbabilisticError::kTraceStateInvalid);
  EXPECT_FALSE(closed.Decide(m, s, bad).keep);
}

TEST(ProbabilisticProcessorTest, SamplingPriorityOverridesEverything) {
  sim::Model m;
  sim::StrId key = m.strings.Intern("sampling.priority");
  sim::StrId zero = m.strings.Intern("0");
  m.Finalize();  // as a compiled topology: finds the key (Model::well_known.sampling_priority)
  auto none = Processor(0, ProbabilisticMode::kUnset);  // 0%: the never sampler
  auto all = Processor(100, ProbabilisticMode::kProportional);
  sim::Span s;
  s.trace_id = Id(5, 5);
  EXPECT_FALSE(none.Decide(m, s, kNoThreshold).keep);
  s.AddAttr(key, sim::AttrValue::Int(1));
  ProbabilisticDecision d = none.Decide(m, s, kNoThreshold);
  EXPECT_TRUE(d.keep);
  EXPECT_EQ(d.policy, "sampling_priority");
  s.SetAttr(key, sim::AttrValue::Double(0.0));
  EXPECT_FALSE(all.Decide(m, s, kNoThreshold).keep);
  s.SetAttr(key, sim::AttrValue::String(zero));
  EXPECT_FALSE(all.Decide(m, s, kNoThreshold).keep);
  s.SetAttr(key, sim::AttrValue::Int(-1));  // negative: no opinion
  EXPECT_TRUE(all.Decide(m, s, kNoThreshold).keep);
  s.SetAttr(key, sim::AttrValue::Bool(false));  // not a number: no opinion
  EXPECT_TRUE(all.Decide(m, s, kNoThreshold).keep);
  // Priority applies after fail_closed: a missing-randomness span with priority 1 is kept.
  s.trace_id = Id(0, 0);
  s.SetAttr(key, sim::AttrValue::Int(1));
  d = all.Decide(m, s, kNoThreshold);
  EXPECT_EQ(d.error, ProbabilisticError::kMissingRandomness);
  EXPECT_TRUE(d.keep);
}

TEST(ProbabilisticProcessorTest, DecidesFromTheSpanTraceState) {
  sim::Model m;
  sim::Span s;
  s.trace_id = Id(0, 1);
  s.trace_state = m.strings.Intern("vendor=x,ot=th:0;rv:9b8233f7e3a151");
  auto p = Processor(50, ProbabilisticMode::kProportional);
  ProbabilisticDecision d = p.DecideFromTraceState(m, s);
  EXPECT_TRUE(d.keep);
  EXPECT_EQ(ThresholdToTValue(d.threshold), "8");
  s.trace_state = m.strings.Intern("ot=th:zz");
  d = p.DecideFromTraceState(m, s);
  EXPECT_EQ(d.error, ProbabilisticError::kTraceStateInvalid);
  EXPECT_FALSE(d.keep);
  s.trace_state = m.strings.Intern("ot=th:C");  // Go's ParseUint takes uppercase
  s.trace_id = Id(0, 0xf0000000000000u);
  d = p.DecideFromTraceState(m, s);
  EXPECT_EQ(d.error, ProbabilisticError::kNone);
  EXPECT_EQ(ThresholdToTValue(d.threshold), "e");
}

// Upstream (pkg/sampling NewW3CTraceState, v0.161.0): the whole tracestate is parsed strictly;
// an invalid member anywhere makes it an error, valid `ot` or not. tracesim read only the `ot`
// member before issue 10.
TEST(ProbabilisticProcessorTest, TraceStateIsParsedStrictly) {
  sim::Model m;
  sim::Span s;
  s.trace_id = Id(0, 1);
  auto p = Processor(50, ProbabilisticMode::kProportional);
  std::string thirty_one, thirty_two;
  for (int i = 0; i < 30; ++i) thirty_one += "k" + std::to_string(i) + "=v,";
  thirty_two = thirty_one + "k30=v,";
  for (const char* bad : {"ot=th:0,Vendor=x", "ot=th:0,vendor=x=y", "ot=th:0, ,x", "ot=th:0,v@=1",
                          "ot=th:0,t@systemlongerthan14=1", "ot=th:0,x=\x7f"}) {
    s.trace_state = m.strings.Intern(bad);
    EXPECT_EQ(p.DecideFromTraceState(m, s).error, ProbabilisticError::kTraceStateInvalid) << bad;
  }
  s.trace_state = m.strings.Intern(thirty_two + "ot=th:0");  // the 32nd member
  EXPECT_EQ(p.DecideFromTraceState(m, s).error, ProbabilisticError::kTraceStateInvalid);
  for (const char* good : {"ot=th:0", " ot=th:0 ,, vendor=x\t", "t0@sys=1,ot=th:0"}) {
    s.trace_state = m.strings.Intern(good);
    EXPECT_EQ(p.DecideFromTraceState(m, s).error, ProbabilisticError::kNone) << good;
  }
  s.trace_state = m.strings.Intern(thirty_one + "ot=th:0");  // 31 members
  EXPECT_EQ(p.DecideFromTraceState(m, s).error, ProbabilisticError::kNone);
}

TEST(ProbabilisticProcessorTest, ModeDefaults) {
  ProbabilisticSamplerConfig c;
  EXPECT_EQ(c.EffectiveMode(), ProbabilisticMode::kHashSeed);
  c.default_mode = ProbabilisticMode::kProportional;  // an older Collector
  EXPECT_EQ(c.EffectiveMode(), ProbabilisticMode::kProportional);
  c.hash_seed = 22;  // a seed selects hash_seed whatever the default
  EXPECT_EQ(c.EffectiveMode(), ProbabilisticMode::kHashSeed);
  c.mode = ProbabilisticMode::kEqualizing;
  EXPECT_EQ(c.EffectiveMode(), ProbabilisticMode::kEqualizing);
}

// Every file of the shared upstream testdata: config.yaml loads, each invalid*.yaml is rejected
// naming the key, with the component's own message.
TEST(ProbabilisticProcessorTest, SharedTestdataFiles) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  struct Expect {
    const char* file;
    const char* message;  // empty: loads
  };
  const Expect expects[] = {
      {"config.yaml", ""},
      {"invalid.yaml",
       "invalid.yaml:9:5: processors.probabilistic_sampler/logs.severity: unknown key 'severity'"},
      {"invalid_inf.yaml",
       "invalid_inf.yaml:7:5: processors.probabilistic_sampler/traces.sampling_percentage: "
       "sampling rate is invalid: +Inf%"},
      {"invalid_negative.yaml",
       "invalid_negative.yaml:7:5: processors.probabilistic_sampler/traces.sampling_percentage: "
       "sampling rate is negative: -15.300000%"},
      {"invalid_prec.yaml",
       "invalid_prec.yaml:8:5: processors.probabilistic_sampler/traces.sampling_precision: "
       "sampling precision is too great, should be <= 14: 15"},
      {"invalid_small.yaml",
       "invalid_small.yaml:8:5: processors.probabilistic_sampler/traces.sampling_percentage: "
       "sampling rate is too small: 1e-15%"},
      {"invalid_zero.yaml",
       "invalid_zero.yaml:8:5: processors.probabilistic_sampler/traces.sampling_precision: "
       "invalid sampling precision: 0"},
  };
  size_t seen = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kTestdata)) {
    if (entry.path().extension() != ".yaml") continue;
    ++seen;
    std::string name = entry.path().filename().string();
    const Expect* e = nullptr;
    for (const Expect& x : expects)
      if (name == x.file) e = &x;
    ASSERT_NE(e, nullptr) << "no expectation for new testdata file " << name;
    auto r = LoadCollectorProbabilisticSamplers(entry.path().string());
    if (std::string(e->message).empty()) {
      ASSERT_TRUE(r.ok()) << r.status().message();
    } else {
      ASSERT_FALSE(r.ok()) << name;
      EXPECT_EQ(r.status().code(), sim::Status::Code::kInvalidArgument);
      EXPECT_TRUE(Contains(r.status().message(), e->message)) << r.status().message();
    }
  }
  EXPECT_EQ(seen, std::size(expects));
}

TEST(ProbabilisticProcessorTest, SharedConfigYamlValues) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  auto r = LoadCollectorProbabilisticSamplers(kTestdata + "/config.yaml");
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->size(), 2u);
  const auto& [id0, traces] = (*r)[0];
  EXPECT_EQ(id0, "probabilistic_sampler");
  EXPECT_FLOAT_EQ(traces.config.sampling_percentage, 15.3f);
  EXPECT_EQ(traces.config.mode, ProbabilisticMode::kProportional);
  EXPECT_EQ(traces.config.hash_seed, 0u);
  EXPECT_TRUE(traces.config.fail_closed);
  EXPECT_EQ(traces.config.sampling_precision, 4);
  EXPECT_EQ(traces.config.attribute_source, "traceID");
  EXPECT_TRUE(traces.warnings.empty());
  const auto& [id1, logs] = (*r)[1];
  EXPECT_EQ(id1, "probabilistic_sampler/logs");
  EXPECT_EQ(logs.config.hash_seed, 22u);
  EXPECT_EQ(logs.config.attribute_source, "record");
  EXPECT_EQ(logs.config.from_attribute, "foo");
  EXPECT_EQ(logs.config.sampling_priority, "bar");
  EXPECT_EQ(logs.config.EffectiveMode(), ProbabilisticMode::kHashSeed);
}

TEST(ProbabilisticProcessorTest, ParserRejectsBadValues) {
  struct Case {
    const char* yaml;
    const char* message;
  };
  const Case cases[] = {
      {"p: {sampling_percentage: abc}", "p.sampling_percentage: cannot parse 'abc' as a float32"},
      {"p: {sampling_percentage: .nan}", "sampling rate is invalid: NaN%"},
      {"p: {sampling_percentage: 10, hash_seed: -1}", "p.hash_seed: cannot parse '-1' as a uint32"},
      {"p: {sampling_percentage: 10, hash_seed: 4294967296}", "as a uint32"},
      {"p: {sampling_percentage: 10, mode: fast}", "unsupported sampler mode \"fast\""},
      {"p: {sampling_percentage: 10, fail_closed: maybe}", "cannot parse 'maybe' as a bool"},
      {"p: {sampling_percentage: 10, sampling_precision: -2}", "must be in [1, 14], got -2"},
      {"p: {sampling_percentage: 10, attribute_source: span}",
       "invalid attribute source: span. Expected: traceID or record"},
      {"p: {sampling_percentage: [1]}", "must be a single value"},
      {"p: {sampling_percentge: 10}", "did you mean 'sampling_percentage'?"},
      {"p: [1]", "p: must be a mapping"},
  };
  for (const Case& c : cases) {
    YAML::Node n = YAML::Load(c.yaml);
    auto r = ParseProbabilisticSamplerConfig(n["p"], "c.yaml", "p");
    ASSERT_FALSE(r.ok()) << c.yaml;
    EXPECT_TRUE(Contains(r.status().message(), c.message)) << r.status().message();
    EXPECT_TRUE(Contains(r.status().message(), "c.yaml:1:")) << r.status().message();
  }
}

TEST(ProbabilisticProcessorTest, ParserAcceptsGoNumberForms) {
  YAML::Node n = YAML::Load(
      "p: {sampling_percentage: 1e2, hash_seed: 0x10, fail_closed: False, "
      "sampling_precision: 1_4, mode: equalizing}");
  auto r = ParseProbabilisticSamplerConfig(n["p"], "c.yaml", "p");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->config.sampling_percentage, 100.0f);
  EXPECT_EQ(r->config.hash_seed, 16u);
  EXPECT_FALSE(r->config.fail_closed);
  EXPECT_EQ(r->config.sampling_precision, 14);
  ASSERT_EQ(r->warnings.size(), 1u);  // hash_seed unused in equalizing mode
  // Missing percentage: valid (the component defaults it to 0) but warned about.
  auto empty = ParseProbabilisticSamplerConfig(YAML::Load("p:")["p"], "c.yaml", "p");
  ASSERT_TRUE(empty.ok());
  ASSERT_EQ(empty->warnings.size(), 1u);
  EXPECT_TRUE(Contains(empty->warnings[0].message, "drops every span"));
  // > 100 is 100 (with a warning).
  auto big = ParseProbabilisticSamplerConfig(YAML::Load("p: {sampling_percentage: 150}")["p"],
                                             "c.yaml", "p");
  ASSERT_TRUE(big.ok());
  EXPECT_EQ(big->warnings.size(), 1u);
  ProbabilisticSamplerProcessor proc(big->config);
  sim::Model m;
  sim::Span s;
  s.trace_id = Id(9, 9);
  EXPECT_TRUE(proc.Decide(m, s, kNoThreshold).keep);
  EXPECT_EQ(proc.fixed_threshold(), 0u);
}

TEST(ProbabilisticProcessorTest, MissingFileAndSyntaxErrors) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  auto r = LoadCollectorProbabilisticSamplers(kTestdata + "/does-not-exist.yaml");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sim::Status::Code::kNotFound);
  std::string path = ::testing::TempDir() + "/probabilistic_bad_syntax.yaml";
  {
    std::FILE* f = std::fopen(path.c_str(), "w");
    ASSERT_NE(f, nullptr);
    std::fputs("processors:\n  probabilistic_sampler: {sampling_percentage: [\n", f);
    std::fclose(f);
  }
  r = LoadCollectorProbabilisticSamplers(path);
  ASSERT_FALSE(r.ok());
  EXPECT_TRUE(Contains(r.status().message(), "YAML syntax error")) << r.status().message();
  std::filesystem::remove(path);
}

}  // namespace
}  // namespace tracesim::sampling
