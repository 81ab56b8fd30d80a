#include "sim/kernel/circuit_breaker.h"

#include <gtest/gtest.h>

namespace tracesim::sim {
namespace {

CircuitBreakerSpec Spec() {
  CircuitBreakerSpec cfg;
  cfg.enabled = true;
  cfg.failure_threshold = 0.5;
  cfg.window = 4;
  cfg.minimum_calls = 4;
  cfg.open_duration = Duration::Seconds(10);
  cfg.half_open_calls = 2;
  return cfg;
}

Time At(int64_t s) { return Time::Zero() + Duration::Seconds(s); }

TEST(CircuitBreakerTest, OpensWhenTheWindowReachesTheThreshold) {
  CircuitBreaker b;
  const CircuitBreakerSpec cfg = Spec();
  // Fewer than minimum_calls never open it, however many fail.
  EXPECT_FALSE(b.Record(cfg, true, 0, At(0)));
  EXPECT_FALSE(b.Record(cfg, true, 0, At(0)));
  EXPECT_FALSE(b.Record(cfg, false, 0, At(0)));
  EXPECT_EQ(b.state(), CircuitBreaker::State::kClosed);
  // The fourth call fills the window: 2 of 4 failed reaches 0.5.
  EXPECT_TRUE(b.Record(cfg, false, 0, At(1)));
  EXPECT_EQ(b.state(), CircuitBreaker::State::kOpen);
  EXPECT_FALSE(b.Allows(cfg, At(1)));
  EXPECT_FALSE(b.Allows(cfg, At(10)));  // open until 1 s + 10 s
  // Outcomes of calls sent before the opening are ignored.
  EXPECT_FALSE(b.Record(cfg, true, 0, At(2)));
  EXPECT_EQ(b.state(), CircuitBreaker::State::kOpen);
}

TEST(CircuitBreakerTest, TheWindowSlides) {
  CircuitBreaker b;
  const CircuitBreakerSpec cfg = Spec();
  // One failure then successes: the failure leaves the window after 4 more calls.
  EXPECT_FALSE(b.Record(cfg, true, 0, At(0)));
  for (int i = 0; i < 10; ++i) EXPECT_FALSE(b.Record(cfg, false, 0, At(0)));
  // 1 failure in the last 4 is below the threshold; a second makes 2 of 4.
  EXPECT_FALSE(b.Record(cfg, true, 0, At(0)));
  EXPECT_TRUE(b.Record(cfg, true, 0, At(0)));
}

TEST(CircuitBreakerTest, HalfOpenTrialsCloseOrReopen) {
  const CircuitBreakerSpec cfg = Spec();
  CircuitBreaker b;
  for (int i = 0; i < 4; ++i) b.Record(cfg, true, uint64_t{1} << i, At(0));
  ASSERT_EQ(b.state(), CircuitBreaker::State::kOpen);
  EXPECT_EQ(b.cause_mask(), 0xFu);
  // After open_duration: half-open lets half_open_calls trials through, then refuses.
  EXPECT_TRUE(b.Allows(cfg, At(10)));
  EXPECT_EQ(b.state(), CircuitBreaker::State::kHalfOpen);
  EXPECT_TRUE(b.Allows(cfg, At(10)));
  EXPECT_FALSE(b.Allows(cfg, At(10)));
  // All trials succeed: closed, with an empty window and no cause.
  EXPECT_FALSE(b.Record(cfg, false, 0, At(11)));
  EXPECT_EQ(b.state(), CircuitBreaker::State::kHalfOpen);
  EXPECT_FALSE(b.Record(cfg, false, 0, At(11)));
  EXPECT_EQ(b.state(), CircuitBreaker::State::kClosed);
  EXPECT_EQ(b.cause_mask(), 0u);

  // Open it again; a failed trial reopens it for a full open_duration from then.
  for (int i = 0; i < 4; ++i) b.Record(cfg, true, 0, At(20));
  ASSERT_TRUE(b.Allows(cfg, At(30)));
  EXPECT_TRUE(b.Record(cfg, true, 0, At(31)));
  EXPECT_EQ(b.state(), CircuitBreaker::State::kOpen);
  EXPECT_FALSE(b.Allows(cfg, At(40)));
  EXPECT_TRUE(b.Allows(cfg, At(41)));
}

}  // namespace
}  // namespace tracesim::sim
