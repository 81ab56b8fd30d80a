#include "sim/kernel/rate_limiter.h"

#include <gtest/gtest.h>

namespace tracesim::sim {
namespace {

TEST(TokenBucketTest, BurstDefaultsToATenthOfTheRateAndAtLeastOne) {
  EXPECT_EQ(TokenBucket::Burst(100, 0), 10);
  EXPECT_EQ(TokenBucket::Burst(5, 0), 1);
  EXPECT_EQ(TokenBucket::Burst(100, 3), 3);
}

TEST(TokenBucketTest, StartsFullThenRefillsAtTheRate) {
  TokenBucket b;
  const double rps = 10, burst = 3;
  Time t = Time::Zero();
  // A full bucket admits `burst` requests at once, then refuses.
  EXPECT_TRUE(b.Take(rps, burst, t));
  EXPECT_TRUE(b.Take(rps, burst, t));
  EXPECT_TRUE(b.Take(rps, burst, t));
  EXPECT_FALSE(b.Take(rps, burst, t));
  // 10 rps: one token every 100 ms.
  EXPECT_FALSE(b.Take(rps, burst, t + Duration::Millis(50)));
  EXPECT_TRUE(b.Take(rps, burst, t + Duration::Millis(100)));
  EXPECT_FALSE(b.Take(rps, burst, t + Duration::Millis(100)));
  // A long pause refills only up to the burst.
  Time later = t + Duration::Seconds(60);
  int admitted = 0;
  while (b.Take(rps, burst, later)) ++admitted;
  EXPECT_EQ(admitted, 3);
}

}  // namespace
}  // namespace tracesim::sim
