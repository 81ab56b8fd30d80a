#include "loadgen/target/threshold.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tracesim::loadgen {
namespace {

TEST(ThresholdTest, ParsesTheDocumentedExamples) {
  auto a = ParseThreshold("accepted_ratio>=0.999");
  ASSERT_TRUE(a.ok()) << a.status().message();
  EXPECT_EQ(a->metric, "accepted_ratio");
  EXPECT_EQ(a->op, CompareOp::kGreaterEqual);
  EXPECT_DOUBLE_EQ(a->value, 0.999);
  auto b = ParseThreshold("export_p99_ms < 200");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->op, CompareOp::kLess);
  EXPECT_DOUBLE_EQ(b->value, 200);
  auto c = ParseThreshold("dropped==0");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->op, CompareOp::kEqual);
  auto d = ParseThreshold("achieved_rate>=990");
  ASSERT_TRUE(d.ok());
  auto e = ParseThreshold("error_rate != 1e-3");
  ASSERT_TRUE(e.ok());
  EXPECT_EQ(e->op, CompareOp::kNotEqual);
  EXPECT_DOUBLE_EQ(e->value, 0.001);
  auto f = ParseThreshold("generated>+5");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->op, CompareOp::kGreater);
  auto g = ParseThreshold("dropped<=-1");
  ASSERT_TRUE(g.ok());
  EXPECT_DOUBLE_EQ(g->value, -1);
}

TEST(ThresholdTest, RejectsBadSyntax) {
  for (const char* text :
       {"accepted_ratio", "accepted_ratio>=", ">=1", "dropped=0", "dropped=>1", "dropped<<1",
        "dropped==1x", "dropped==nan", "dropped==inf", "drop-ped==1", "dropped == 1 2"}) {
    auto r = ParseThreshold(text);
    EXPECT_FALSE(r.ok()) << text;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find(text), std::string::npos) << text;
    }
  }
}

TEST(ThresholdTest, UnknownMetricSuggests) {
  auto r = ParseThreshold("export_p99<200");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("unknown metric 'export_p99'"), std::string::npos);
  EXPECT_NE(r.status().message().find("did you mean"), std::string::npos);
  EXPECT_FALSE(ParseThreshold("latency<1").ok());
}

TEST(ThresholdTest, EvaluatesEveryOperatorAtTheBoundary) {
  auto pass = [](const char* t, double v) { return ParseThreshold(t).value().Passes(v); };
  EXPECT_TRUE(pass("dropped<1", 0.5));
  EXPECT_FALSE(pass("dropped<1", 1));
  EXPECT_TRUE(pass("dropped<=1", 1));
  EXPECT_FALSE(pass("dropped<=1", 1.0001));
  EXPECT_TRUE(pass("dropped>1", 2));
  EXPECT_FALSE(pass("dropped>1", 1));
  EXPECT_TRUE(pass("dropped>=1", 1));
  EXPECT_FALSE(pass("dropped>=1", 0.999));
  EXPECT_TRUE(pass("dropped==0", 0));
  EXPECT_FALSE(pass("dropped==0", 1));
  EXPECT_TRUE(pass("dropped!=0", 1));
  EXPECT_FALSE(pass("dropped!=0", 0));
  EXPECT_FALSE(pass("dropped!=0", std::nan("")));
}

TEST(ThresholdTest, EvaluateReportsActualsAndMissingMetrics) {
  std::vector<Threshold> ts = {ParseThreshold("accepted_ratio>=0.999").value(),
                               ParseThreshold("export_p99_ms<200").value(),
                               ParseThreshold("dropped==0").value()};
  auto out = EvaluateThresholds(ts, {{"accepted_ratio", 0.5}, {"export_p99_ms", 12}});
  ASSERT_EQ(out.size(), 3u);
  EXPECT_FALSE(out[0].passed);
  EXPECT_DOUBLE_EQ(out[0].actual, 0.5);
  EXPECT_TRUE(out[1].passed);
  EXPECT_FALSE(out[2].passed);
  EXPECT_TRUE(std::isnan(out[2].actual));
}

}  // namespace
}  // namespace tracesim::loadgen
