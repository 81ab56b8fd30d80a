#include "sampling/lab/stats/service_red.h"

#include <gtest/gtest.h>

#include <cstring>
#include <limits>
#include <string>

namespace tracesim::sampling {
namespace {

const std::vector<std::string> kNames = {"gateway", "payment"};
constexpr int64_t kSecond = 1'000'000'000;

// Ten seconds of traffic, one trace per 10 ms: a gateway request (10 ms) calling payment (5 ms);
// every 5th payment fails. Strategy 0 keeps every 10th trace (weight 10), strategy 1 every error
// trace (weight 1: a tail policy, biased).
ServiceRedTally TenSeconds() {
  ServiceRedTally t(2, 2, 10 * kSecond);
  for (int i = 0; i < 1000; ++i) {
    const bool error = i % 5 == 0;
    const ServiceSample s[] = {{0, 10'000'000, error}, {1, 5'000'000, error}};
    const size_t batch = t.BatchOf(int64_t{i} * 10'000'000);
    t.AddTruth(s, batch);
    if (i % 10 == 3 || i % 10 == 0) t.AddKept(0, s, 5, batch);
    if (error) t.AddKept(1, s, 1, batch);
  }
  return t;
}

TEST(ServiceRedTest, BatchesCutTheWindowEvenly) {
  ServiceRedTally t(1, 1, 10 * kSecond);
  EXPECT_EQ(t.BatchOf(0), 0u);
  EXPECT_EQ(t.BatchOf(kSecond - 1), 0u);
  EXPECT_EQ(t.BatchOf(kSecond), 1u);
  EXPECT_EQ(t.BatchOf(99 * kSecond), 9u);  // late starts count in the last batch
  EXPECT_EQ(ServiceRedTally(1, 1, 0).BatchOf(5 * kSecond), 0u);
}

TEST(ServiceRedTest, UnbiasedSampleEstimatesTheTruthWithAnInterval) {
  const ServiceRedTally t = TenSeconds();
  std::vector<ServiceRed> r = t.Estimates(0, kNames, 10);
  ASSERT_EQ(r.size(), 2u);
  EXPECT_EQ(r[0].service, "gateway");
  EXPECT_EQ(r[0].requests, 1000u);
  EXPECT_DOUBLE_EQ(r[0].true_rate, 100);
  EXPECT_DOUBLE_EQ(r[0].est_rate, 100);  // 200 kept x 5 / 10 s
  EXPECT_DOUBLE_EQ(r[0].kept_requests, 200);
  EXPECT_DOUBLE_EQ(r[1].true_error_rate, 0.2);
  EXPECT_DOUBLE_EQ(r[1].est_error_rate, 0.5);  // i % 10 == 0 always fails: a biased sample
  EXPECT_DOUBLE_EQ(r[1].true_mean_ms, 5);
  EXPECT_DOUBLE_EQ(r[1].est_mean_ms, 5);
  // Every batch gives the same figure: a zero-width interval.
  EXPECT_DOUBLE_EQ(r[0].rate_ci.low, 100);
  EXPECT_DOUBLE_EQ(r[0].rate_ci.high, 100);
}

TEST(ServiceRedTest, TailSampleIsBiasedAndSaysSo) {
  const ServiceRedTally t = TenSeconds();
  std::vector<ServiceRed> r = t.Estimates(1, kNames, 10);
  EXPECT_DOUBLE_EQ(r[0].est_rate, 20);  // only the errors, each counted once
  EXPECT_DOUBLE_EQ(r[0].est_error_rate, 1.0);
  EXPECT_DOUBLE_EQ(r[0].error_rate_ci.high, 1.0);  // clipped
}

// The interval measures the sampling error per batch against that batch's truth: traffic that
// changes from batch to batch (an incident) does not widen it; a noisy sample does.
TEST(ServiceRedTest, IntervalsFollowTheSamplingErrorNotTheTraffic) {
  ServiceRedTally t(2, 1, 10 * kSecond);
  for (int b = 0; b < 10; ++b) {
    const size_t batch = static_cast<size_t>(b);
    const int n = 10 + 90 * (b % 2);  // 10 or 100 requests a batch: the traffic changes
    const ServiceSample s[] = {{0, 1'000'000, b >= 5}};  // an incident in the second half
    for (int i = 0; i < n; ++i) {
      t.AddTruth(s, batch);
      t.AddKept(0, s, 1, batch);  // strategy 0 keeps everything: exact
    }
    for (int i = 0; i < n + (b % 2 ? 3 : -3); ++i) t.AddKept(1, s, 1, batch);  // noisy
  }
  ServiceRed exact = t.Estimates(0, {"x"}, 10)[0];
  EXPECT_DOUBLE_EQ(exact.rate_ci.low, exact.est_rate);
  EXPECT_DOUBLE_EQ(exact.rate_ci.high, exact.est_rate);
  EXPECT_DOUBLE_EQ(exact.error_rate_ci.high, exact.est_error_rate);
  ServiceRed noisy = t.Estimates(1, {"x"}, 10)[0];
  EXPECT_LT(noisy.rate_ci.low, noisy.est_rate);
  EXPECT_GT(noisy.rate_ci.high, noisy.est_rate);
  EXPECT_LE(noisy.rate_ci.low, noisy.true_rate);  // unbiased: the truth is inside
  EXPECT_GE(noisy.rate_ci.high, noisy.true_rate);
}

TEST(ServiceRedTest, MergeAndSaveLoadAreExact) {
  ServiceRedTally a = TenSeconds(), b = TenSeconds();
  a.Merge(b);
  sim::StateWriter w;
  a.SaveTruth(w);
  a.SaveStrategy(0, w);
  a.SaveStrategy(1, w);
  ServiceRedTally c(2, 2, 10 * kSecond);
  sim::StateReader rd(w.bytes());
  ASSERT_TRUE(c.LoadTruth(rd));
  ASSERT_TRUE(c.LoadStrategy(0, rd));
  ASSERT_TRUE(c.LoadStrategy(1, rd));
  std::vector<ServiceRed> x = a.Estimates(0, kNames, 20), y = c.Estimates(0, kNames, 20);
  ASSERT_EQ(x.size(), y.size());
  EXPECT_EQ(x[1].requests, 2000u);
  EXPECT_EQ(x[1].est_rate, y[1].est_rate);
  EXPECT_EQ(x[1].error_rate_ci.high, y[1].error_rate_ci.high);
  // A row of another model does not load.
  ServiceRedTally d(2, 3, 10 * kSecond);
  sim::StateReader rd2(w.bytes());
  EXPECT_FALSE(d.LoadTruth(rd2));
}

// A partial result's tallies round-trip; a count no run makes (negative, not finite, or past
// 2^62, which the estimates could not convert to an integer: found by fuzz/partial_state_fuzz)
// is refused, and so is a latency sum that is not a finite sum of durations.
TEST(ServiceRedTest, SavedTalliesLoadBackAndImpossibleCountsAreRefused) {
  const ServiceRedTally t = TenSeconds();
  sim::StateWriter out;
  t.SaveTruth(out);
  ServiceRedTally back(2, 2, 10 * kSecond);
  sim::StateReader in(out.bytes());
  ASSERT_TRUE(back.LoadTruth(in));
  EXPECT_EQ(back.Estimates(0, kNames, 10)[0].requests, t.Estimates(0, kNames, 10)[0].requests);
  // The first cell's request count sits after the service count (8 bytes).
  for (double bad : {-1.0, 6.56466e180, std::numeric_limits<double>::infinity(),
                     std::numeric_limits<double>::quiet_NaN(), 0x1p63}) {
    std::string bytes = out.bytes();
    std::memcpy(bytes.data() + 8, &bad, sizeof bad);
    sim::StateReader corrupt(bytes);
    EXPECT_FALSE(ServiceRedTally(2, 2, 10 * kSecond).LoadTruth(corrupt)) << bad;
  }
  std::string bytes = out.bytes();
  const double inf = std::numeric_limits<double>::infinity();
  std::memcpy(bytes.data() + 8 + 16, &inf, sizeof inf);  // the first cell's latency sum
  sim::StateReader corrupt(bytes);
  EXPECT_FALSE(ServiceRedTally(2, 2, 10 * kSecond).LoadTruth(corrupt));
}

}  // namespace
}  // namespace tracesim::sampling
