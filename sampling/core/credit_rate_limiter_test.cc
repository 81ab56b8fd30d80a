#include "sampling/core/credit_rate_limiter.h"

#include <gtest/gtest.h>

namespace tracesim::sampling {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

TEST(CreditRateLimiterTest, UpdateProRatesBalance) {
  CreditRateLimiter l(2, 2, 0);
  EXPECT_TRUE(l.CheckCredit(1, 0));
  EXPECT_DOUBLE_EQ(l.balance(), 1.0);
  l.Update(4, 4, 0);  // balance 1 of 2 -> 2 of 4
  EXPECT_DOUBLE_EQ(l.balance(), 2.0);
  EXPECT_TRUE(l.CheckCredit(2, 0));
  EXPECT_FALSE(l.CheckCredit(1, kSecond / 8));  // +0.5
  EXPECT_TRUE(l.CheckCredit(1, kSecond / 4));   // +0.5 -> 1.0
}

TEST(CreditRateLimiterTest, UpdateToAHigherRateAndCap) {
  CreditRateLimiter rl(2, 2, 0);
  EXPECT_TRUE(rl.CheckCredit(1, 0));
  EXPECT_DOUBLE_EQ(rl.balance(), 1);
  rl.Update(10, 10, 0);
  EXPECT_DOUBLE_EQ(rl.balance(), 5);
  EXPECT_TRUE(rl.CheckCredit(5, 0));
  EXPECT_FALSE(rl.CheckCredit(1, kSecond / 20));  // 0.5 credits after 50 ms
  EXPECT_TRUE(rl.CheckCredit(1, kSecond / 10));
}

TEST(CreditRateLimiterTest, LazyStartCountsFromTheFirstRequest) {
  CreditRateLimiter lazy(1, 1);
  EXPECT_TRUE(lazy.CheckCredit(1, 100 * kSecond));
  EXPECT_FALSE(lazy.CheckCredit(1, 100 * kSecond + kSecond / 2));  // 0.5 credits
  CreditRateLimiter early(1, 1, 0);
  EXPECT_TRUE(early.CheckCredit(1, 100 * kSecond));
}

TEST(CreditRateLimiterTest, TimeGoingBackwardsAddsNothing) {
  CreditRateLimiter l(1, 1, 10 * kSecond);
  EXPECT_TRUE(l.CheckCredit(1, 10 * kSecond));
  EXPECT_FALSE(l.CheckCredit(1, 5 * kSecond));
  EXPECT_DOUBLE_EQ(l.balance(), 0);
  EXPECT_TRUE(l.CheckCredit(1, 11 * kSecond));
}

// OTel Go contrib #3604 (samplers/jaegerremote >= v0.10.0): a 0-rate limiter starts with no
// credit, so a lower bound of 0 never samples; jaeger-client-go v2.30.0 starts it full.
TEST(CreditRateLimiterTest, ZeroRateStartsEmptyUnlessJaegerClient) {
  CreditRateLimiter contrib(0, 1, 0);
  EXPECT_EQ(contrib.balance(), 0);
  EXPECT_FALSE(contrib.CheckCredit(1, 0));
  EXPECT_FALSE(contrib.CheckCredit(1, 3600 * kSecond));
  CreditRateLimiter client(0, 1, 0, /*full_at_zero_rate=*/true);
  EXPECT_TRUE(client.CheckCredit(1, 0));
  EXPECT_FALSE(client.CheckCredit(1, 3600 * kSecond));
  CreditRateLimiter nonzero(0.5, 1, 0);
  EXPECT_TRUE(nonzero.CheckCredit(1, 0));
}

}  // namespace
}  // namespace tracesim::sampling
