#include "sim/base/rng.h"

#include <gtest/gtest.h>

#include <set>

namespace tracesim::sim {
namespace {

TEST(RngTest, SameSeedSameStream) {
  Rng a(301), b(301);
  for (int i = 0; i < 100; ++i) EXPECT_EQ(a.Next(), b.Next());
}

TEST(RngTest, DerivedStreamsAreIndependentOfEachOther) {
  Rng a = Rng::Derive(7, "latency", 1);
  Rng b = Rng::Derive(7, "latency", 2);
  Rng c = Rng::Derive(7, "ids", 1);
  std::set<uint64_t> firsts = {a.Next(), b.Next(), c.Next()};
  EXPECT_EQ(firsts.size(), 3u);
  // Deriving another stream does not disturb an existing one.
  Rng a2 = Rng::Derive(7, "latency", 1);
  (void)Rng::Derive(7, "new-purpose", 0).Next();
  Rng a3 = Rng::Derive(7, "latency", 1);
  EXPECT_EQ(a2.Next(), a3.Next());
}

TEST(RngTest, DeriveHashedIsDeriveWithThePurposeHashedOnce) {
  constexpr uint64_t kTrace = Fnv1a64("trace-draws");
  for (uint64_t index : {uint64_t{0}, uint64_t{1}, uint64_t{123456789}}) {
    Rng a = Rng::Derive(42, "trace-draws", index);
    Rng b = Rng::DeriveHashed(42, kTrace, index);
    for (int i = 0; i < 4; ++i) EXPECT_EQ(a.Next(), b.Next());
  }
  EXPECT_NE(Rng::DeriveHashed(42, kTrace, 1).Next(), Rng::DeriveHashed(42, kTrace, 2).Next());
}

TEST(RngTest, BelowIsInRangeAndCoversIt) {
  Rng r(1);
  std::set<uint64_t> seen;
  for (int i = 0; i < 10000; ++i) {
    uint64_t v = r.Below(7);
    ASSERT_LT(v, 7u);
    seen.insert(v);
  }
  EXPECT_EQ(seen.size(), 7u);
}

TEST(RngTest, UniformMeanAndExponentialMean) {
  Rng r(42);
  double su = 0, se = 0;
  constexpr int kN = 200000;
  for (int i = 0; i < kN; ++i) {
    su += r.Uniform();
    se += r.Exponential(3.0);
  }
  EXPECT_NEAR(su / kN, 0.5, 0.005);
  EXPECT_NEAR(se / kN, 3.0, 0.05);
}

TEST(RngTest, Fnv1aKnownVector) {
  EXPECT_EQ(Fnv1a64(""), 14695981039346656037ULL);
  EXPECT_EQ(Fnv1a64("a"), 0xaf63dc4c8601ec8cULL);
}

}  // namespace
}  // namespace tracesim::sim
