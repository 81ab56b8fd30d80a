#include "sampling/lab/stats/intervals.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tracesim::sampling {
namespace {

TEST(WilsonTest, KnownValues) {
  // 2 of 141: p = 1.42 %, Wilson 95 % [0.39 %, 5.02 %] (Newcombe 1998, method 3).
  Interval i = Wilson(2, 141);
  EXPECT_NEAR(i.low, 0.00390, 1e-4);
  EXPECT_NEAR(i.high, 0.05023, 1e-4);
  // 81 of 263: [0.2553, 0.3662].
  i = Wilson(81, 263);
  EXPECT_NEAR(i.low, 0.2553, 5e-4);
  EXPECT_NEAR(i.high, 0.3662, 5e-4);
}

TEST(WilsonTest, BoundsAndEmpty) {
  Interval none = Wilson(0, 10);
  EXPECT_EQ(none.low, 0);
  EXPECT_NEAR(none.high, 0.2775, 5e-4);  // not 0: ten misses do not prove a recall of 0
  Interval all = Wilson(10, 10);
  EXPECT_EQ(all.high, 1);
  EXPECT_NEAR(all.low, 0.7225, 5e-4);
  Interval empty = Wilson(0, 0);
  EXPECT_EQ(empty.low, 0);
  EXPECT_EQ(empty.high, 1);
  // Narrows with n.
  EXPECT_LT(Wilson(500, 1000).high - Wilson(500, 1000).low, Wilson(5, 10).high - Wilson(5, 10).low);
}

TEST(StudentTest, Quantiles) {
  EXPECT_DOUBLE_EQ(StudentT95(1), 12.706);
  EXPECT_DOUBLE_EQ(StudentT95(4), 2.776);
  EXPECT_DOUBLE_EQ(StudentT95(1000), 1.960);
  EXPECT_EQ(StudentT95(0), 0);
}

TEST(StudentTest, HalfWidthOfAMean) {
  EXPECT_EQ(THalfWidth95({}), 0);
  EXPECT_EQ(THalfWidth95({3}), 0);
  EXPECT_EQ(THalfWidth95({2, 2, 2}), 0);
  // 1, 2, 3: sd 1, n 3: t(2) 4.303 / sqrt(3).
  EXPECT_NEAR(THalfWidth95({1, 2, 3}), 4.303 / std::sqrt(3.0), 1e-12);
}

}  // namespace
}  // namespace tracesim::sampling
