#include "loadgen/retry_policy.h"

#include <gtest/gtest.h>

namespace tracesim::loadgen {
namespace {

using std::chrono::milliseconds;
using std::chrono::nanoseconds;

TEST(RetryPolicyTest, DefaultsAreValidAndDocumented) {
  RetryPolicy p;
  EXPECT_TRUE(p.Validate().ok());
  EXPECT_EQ(p.initial_backoff, milliseconds(1000));
  EXPECT_EQ(p.max_backoff, milliseconds(5000));
  EXPECT_EQ(p.max_attempts, 5u);
}

TEST(RetryPolicyTest, ExponentialWithinJitterAndCapped) {
  RetryPolicy p;
  p.initial_backoff = milliseconds(100);
  p.max_backoff = milliseconds(300);
  p.multiplier = 2;
  p.jitter = 0.2;
  sim::Rng rng(301);
  for (int i = 0; i < 200; ++i) {
    auto d1 = p.Delay(1, std::nullopt, rng);
    EXPECT_GE(d1, nanoseconds(milliseconds(80)));
    EXPECT_LE(d1, nanoseconds(milliseconds(100)));
    auto d2 = p.Delay(2, std::nullopt, rng);
    EXPECT_GE(d2, nanoseconds(milliseconds(160)));
    EXPECT_LE(d2, nanoseconds(milliseconds(200)));
    auto d5 = p.Delay(5, std::nullopt, rng);  // 1600ms capped to 300ms
    EXPECT_GE(d5, nanoseconds(milliseconds(240)));
    EXPECT_LE(d5, nanoseconds(milliseconds(300)));
  }
}

TEST(RetryPolicyTest, JitterActuallyVaries) {
  RetryPolicy p;
  sim::Rng rng(7);
  auto a = p.Delay(1, std::nullopt, rng), b = p.Delay(1, std::nullopt, rng);
  EXPECT_NE(a, b);
}

TEST(RetryPolicyTest, ServerDelayWinsUncapped) {
  RetryPolicy p;
  p.max_backoff = milliseconds(2000);
  sim::Rng rng(1);
  EXPECT_EQ(p.Delay(1, milliseconds(7000), rng), nanoseconds(milliseconds(7000)));
  EXPECT_EQ(p.Delay(3, milliseconds(0), rng), nanoseconds(0));
}

TEST(RetryPolicyTest, AttemptAndElapsedBounds) {
  RetryPolicy p;
  p.max_attempts = 3;
  p.max_elapsed = milliseconds(1000);
  EXPECT_TRUE(p.ShouldRetry(1, nanoseconds(0), milliseconds(100)));
  EXPECT_TRUE(p.ShouldRetry(2, milliseconds(500), milliseconds(500)));
  EXPECT_FALSE(p.ShouldRetry(3, nanoseconds(0), milliseconds(1)));
  EXPECT_FALSE(p.ShouldRetry(1, milliseconds(900), milliseconds(101)));
  p.max_attempts = 1;
  EXPECT_FALSE(p.ShouldRetry(1, nanoseconds(0), nanoseconds(0)));
}

TEST(RetryPolicyTest, ValidateNamesTheField) {
  RetryPolicy p;
  p.max_attempts = 0;
  EXPECT_NE(p.Validate().message().find("max_attempts"), std::string::npos);
  p = RetryPolicy{};
  p.multiplier = 0.5;
  EXPECT_NE(p.Validate().message().find("multiplier"), std::string::npos);
  p = RetryPolicy{};
  p.max_backoff = milliseconds(10);
  EXPECT_NE(p.Validate().message().find("max_backoff"), std::string::npos);
  p = RetryPolicy{};
  p.jitter = 1.5;
  EXPECT_NE(p.Validate().message().find("jitter"), std::string::npos);
}

}  // namespace
}  // namespace tracesim::loadgen
