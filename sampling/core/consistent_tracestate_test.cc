#include "sampling/core/consistent_tracestate.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tracesim::sampling {
namespace {

std::string TValueFor(double p, int precision) {
  sim::Result<uint64_t> t = ProbabilityToThreshold(p, precision);
  EXPECT_TRUE(t.ok()) << t.status().message();
  return t.ok() ? ThresholdToTValue(*t) : "";
}

// The 1-in-N table of the specification (tracestate-probability-sampling.md, sampling.md §3.5):
// thresholds at precision 3, 4 and 5.
TEST(ConsistentTraceStateTest, ProbabilityToThresholdMatchesSpecTable) {
  struct Row {
    double p;
    const char* p3;
    const char* p4;
    const char* p5;
  };
  const Row rows[] = {
      {1, "0", "0", "0"},
      {0.5, "8", "8", "8"},
      {1.0 / 3, "aab", "aaab", "aaaab"},
      {0.25, "c", "c", "c"},
      {0.2, "ccd", "cccd", "ccccd"},
      {0.125, "e", "e", "e"},
      {0.1, "e66", "e666", "e6666"},
      {0.0625, "f", "f", "f"},
      {0.01, "fd71", "fd70a", "fd70a4"},
      {0.001, "ffbe7", "ffbe77", "ffbe76d"},
      {0.0001, "fff972", "fff9724", "fff97247"},
      {0.00001, "ffff584", "ffff583a", "ffff583a5"},
      {0.000001, "ffffef4", "ffffef39", "ffffef391"},
  };
  for (const Row& r : rows) {
    EXPECT_EQ(TValueFor(r.p, 3), r.p3) << r.p;
    EXPECT_EQ(TValueFor(r.p, 4), r.p4) << r.p;
    EXPECT_EQ(TValueFor(r.p, 5), r.p5) << r.p;
  }
}

TEST(ConsistentTraceStateTest, ThresholdProbabilityVectors) {
  uint64_t t = 0;
  ASSERT_TRUE(ParseTValue("0", &t));
  EXPECT_EQ(t, 0u);
  EXPECT_EQ(ThresholdToProbability(t), 1.0);
  ASSERT_TRUE(ParseTValue("8", &t));
  EXPECT_EQ(t, 0x80000000000000u);
  EXPECT_EQ(ThresholdToProbability(t), 0.5);
  ASSERT_TRUE(ParseTValue("c", &t));
  EXPECT_EQ(ThresholdToProbability(t), 0.25);
  EXPECT_EQ(ThresholdToAdjustedCount(t), 4.0);
  // The spec's exact 1% threshold with 5 digits of precision.
  ASSERT_TRUE(ParseTValue("fd70a4", &t));
  EXPECT_EQ(t, 0xfd70a400000000u);
  EXPECT_NEAR(ThresholdToProbability(t), 0.009999990463256836, 1e-18);
  EXPECT_NEAR(ThresholdToAdjustedCount(t), 100.00009536752259, 1e-9);
  // Round trips strip trailing zeros.
  EXPECT_EQ(ThresholdToTValue(0xfd70a400000000u), "fd70a4");
  EXPECT_EQ(ThresholdToTValue(0), "0");
  EXPECT_EQ(ThresholdToTValue(kMaxThreshold), "");
  EXPECT_EQ(ThresholdToProbability(kMaxThreshold), 0.0);
  EXPECT_TRUE(std::isinf(ThresholdToAdjustedCount(kMaxThreshold)));
}

TEST(ConsistentTraceStateTest, ProbabilityToThresholdRejectsOutOfRange) {
  EXPECT_FALSE(ProbabilityToThreshold(0).ok());
  EXPECT_FALSE(ProbabilityToThreshold(0x1p-57).ok());
  EXPECT_FALSE(ProbabilityToThreshold(1.5).ok());
  EXPECT_FALSE(ProbabilityToThreshold(std::nan("")).ok());
  EXPECT_FALSE(ProbabilityToThreshold(0.5, 0).ok());
  EXPECT_FALSE(ProbabilityToThreshold(0.5, 15).ok());
  // The smallest probability is the largest threshold below 2^56.
  sim::Result<uint64_t> t = ProbabilityToThreshold(kMinSamplingProbability);
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, kMaxThreshold - 1);
  EXPECT_EQ(ThresholdToTValue(*t), "ffffffffffffff");
}

TEST(ConsistentTraceStateTest, TValueValidation) {
  uint64_t t = 123;
  EXPECT_FALSE(ParseTValue("", &t));
  EXPECT_FALSE(ParseTValue("123456789abcdef", &t));  // 15 digits
  EXPECT_FALSE(ParseTValue("g", &t));
  EXPECT_FALSE(ParseTValue("C", &t));  // lowercase only, per the spec
  EXPECT_FALSE(ParseTValue("+8", &t));
  EXPECT_EQ(t, 123u);  // untouched on failure
  EXPECT_TRUE(ParseTValue("C", &t, /*allow_uppercase=*/true));
  EXPECT_EQ(t, 0xc0000000000000u);
  EXPECT_TRUE(ParseTValue("ffffffffffffff", &t));
  EXPECT_EQ(t, kMaxThreshold - 1);
}

TEST(ConsistentTraceStateTest, RValueValidation) {
  uint64_t r = 0;
  EXPECT_TRUE(ParseRValue("9b8233f7e3a151", &r));
  EXPECT_EQ(r, 0x9b8233f7e3a151u);
  EXPECT_EQ(RandomnessToRValue(r), "9b8233f7e3a151");
  EXPECT_EQ(RandomnessToRValue(1), "00000000000001");
  EXPECT_FALSE(ParseRValue("9b8233f7e3a15", &r));    // 13 digits
  EXPECT_FALSE(ParseRValue("9b8233f7e3a1510", &r));  // 15 digits
  EXPECT_FALSE(ParseRValue("9B8233F7E3A151", &r));
}

TEST(ConsistentTraceStateTest, ParseOtValueReadsThAndRvAndKeepsOthers) {
  OtValue v = ParseOtValue("th:c;rv:9b8233f7e3a151;k1:13");
  EXPECT_TRUE(v.valid);
  EXPECT_TRUE(v.problems.empty());
  EXPECT_EQ(v.threshold, 0xc0000000000000u);
  ASSERT_TRUE(v.has_randomness);
  EXPECT_EQ(v.randomness, 0x9b8233f7e3a151u);
  ASSERT_EQ(v.others.size(), 1u);
  EXPECT_EQ(v.others[0].first, "k1");
  EXPECT_EQ(RenderOtValue(v), "th:c;rv:9b8233f7e3a151;k1:13");
}

TEST(ConsistentTraceStateTest, BadValuesAreIgnoredAndReported) {
  OtValue v = ParseOtValue("th:xyz;rv:12;p:8");
  EXPECT_FALSE(v.valid);
  EXPECT_FALSE(v.has_threshold());
  EXPECT_FALSE(v.has_randomness);
  ASSERT_EQ(v.problems.size(), 2u);
  EXPECT_NE(v.problems[0].find("th: 'xyz'"), std::string::npos) << v.problems[0];
  EXPECT_NE(v.problems[1].find("rv: '12'"), std::string::npos) << v.problems[1];
  EXPECT_EQ(RenderOtValue(v), "p:8");

  // A malformed member is skipped; the valid th next to it is still used (SDK behaviour).
  v = ParseOtValue("TH:8;th:8");
  EXPECT_FALSE(v.valid);
  EXPECT_EQ(v.threshold, 0x80000000000000u);
  // Duplicate th: the first wins.
  v = ParseOtValue("th:8;th:c");
  EXPECT_FALSE(v.valid);
  EXPECT_EQ(v.threshold, 0x80000000000000u);
  // Over 256 characters.
  v = ParseOtValue("th:8;x:" + std::string(260, 'a'));
  EXPECT_FALSE(v.valid);
  EXPECT_EQ(v.threshold, 0x80000000000000u);
}

TEST(ConsistentTraceStateTest, TraceStateMembers) {
  bool found = false;
  EXPECT_EQ(FindOtMember("vendor=1, ot=th:8;rv:00000000000001 ,b=2", &found),
            "th:8;rv:00000000000001");
  EXPECT_TRUE(found);
  EXPECT_EQ(FindOtMember("vendor=1,not=th:8", &found), "");
  EXPECT_FALSE(found);

  OtValue v = ParseOtValue("th:0;rv:9b8233f7e3a151");
  v.threshold = 0x80000000000000u;  // a 50% stage raises th to 8 (sampling.md §2.3 example)
  EXPECT_EQ(WithOtValue("a=1,ot=th:0;rv:9b8233f7e3a151,b=2", v),
            "ot=th:8;rv:9b8233f7e3a151,a=1,b=2");
  OtValue empty;
  EXPECT_EQ(WithOtValue("a=1,ot=th:0", empty), "a=1");
  EXPECT_EQ(WithOtValue("", v), "ot=th:8;rv:9b8233f7e3a151");
}

}  // namespace
}  // namespace tracesim::sampling
