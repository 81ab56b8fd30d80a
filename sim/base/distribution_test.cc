#include "sim/base/distribution.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

namespace tracesim::sim {
namespace {

double EmpiricalQuantile(const Distribution& d, double q, int n = 200000) {
  Rng rng(301);
  std::vector<double> v(n);
  for (double& x : v) x = d.Sample(rng);
  std::sort(v.begin(), v.end());
  return v[static_cast<size_t>(q * n)];
}

TEST(DistributionTest, LogNormalHitsMedianAndP99) {
  auto d = Distribution::LogNormal(2e6, 10e6);
  ASSERT_TRUE(d.ok());
  EXPECT_NEAR(EmpiricalQuantile(*d, 0.5), 2e6, 2e6 * 0.02);
  EXPECT_NEAR(EmpiricalQuantile(*d, 0.99), 10e6, 10e6 * 0.05);
  EXPECT_NEAR(d->Quantile(0.99), 10e6, 1e3);
}

TEST(DistributionTest, EmpiricalHitsGivenPercentiles) {
  auto d = Distribution::Empirical({{0.5, 10e6}, {0.9, 30e6}, {0.99, 120e6}, {0.999, 400e6}});
  ASSERT_TRUE(d.ok());
  EXPECT_NEAR(EmpiricalQuantile(*d, 0.5), 10e6, 10e6 * 0.03);
  EXPECT_NEAR(EmpiricalQuantile(*d, 0.9), 30e6, 30e6 * 0.03);
  EXPECT_NEAR(EmpiricalQuantile(*d, 0.99), 120e6, 120e6 * 0.06);
  EXPECT_DOUBLE_EQ(d->Quantile(0.999), 400e6);
  EXPECT_GT(d->Quantile(0.9999), 400e6);  // exponential tail beyond the last point
}

TEST(DistributionTest, ExponentialAndUniformMeans) {
  auto e = Distribution::Exponential(5e6);
  auto u = Distribution::Uniform(1e6, 3e6);
  ASSERT_TRUE(e.ok() && u.ok());
  Rng rng(9);
  double se = 0, su = 0;
  constexpr int kN = 200000;
  for (int i = 0; i < kN; ++i) {
    se += e->Sample(rng);
    su += u->Sample(rng);
  }
  EXPECT_NEAR(se / kN, 5e6, 5e6 * 0.01);
  EXPECT_NEAR(su / kN, 2e6, 2e6 * 0.005);
}

TEST(DistributionTest, NormalIsClampedAtZero) {
  auto d = Distribution::Normal(1e6, 5e6);
  ASSERT_TRUE(d.ok());
  Rng rng(3);
  for (int i = 0; i < 10000; ++i) ASSERT_GE(d->Sample(rng), 0);
}

TEST(DistributionTest, PoissonCountMean) {
  auto d = Distribution::Poisson(3.5);
  ASSERT_TRUE(d.ok());
  Rng rng(5);
  double s = 0;
  for (int i = 0; i < 100000; ++i) s += d->SampleCount(rng);
  EXPECT_NEAR(s / 100000, 3.5, 0.05);
}

TEST(DistributionTest, RejectsBadParameters) {
  EXPECT_FALSE(Distribution::LogNormal(0, 1).ok());
  EXPECT_FALSE(Distribution::LogNormal(5, 4).ok());
  EXPECT_FALSE(Distribution::Uniform(5, 4).ok());
  EXPECT_FALSE(Distribution::Uniform(-1, 4).ok());
  EXPECT_FALSE(Distribution::Exponential(0).ok());
  EXPECT_FALSE(Distribution::Normal(-1, 1).ok());
  EXPECT_FALSE(Distribution::Empirical({}).ok());
  EXPECT_FALSE(Distribution::Empirical({{0.9, 5}, {0.5, 6}}).ok());
  EXPECT_FALSE(Distribution::Empirical({{0.5, 6}, {0.9, 5}}).ok());
  EXPECT_FALSE(Distribution::Empirical({{1.0, 6}}).ok());
}

TEST(DistributionTest, ScaledAndDescribe) {
  auto d = Distribution::LogNormal(2e6, 8e6);
  ASSERT_TRUE(d.ok());
  Distribution s = d->Scaled(2.0);
  EXPECT_NEAR(s.Quantile(0.5), 4e6, 1);
  EXPECT_EQ(d->Describe(), "lognormal(median=2ms, p99=8ms)");
  EXPECT_EQ(Distribution::Constant(1.5e6).Describe(), "constant(1.5ms)");
}

}  // namespace
}  // namespace tracesim::sim
