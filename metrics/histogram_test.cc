#include "metrics/histogram.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

namespace tracesim::metrics {
namespace {

int64_t ExactPercentile(const std::vector<int64_t>& sorted, double p) {
  if (p <= 0) return sorted.front();
  size_t rank = static_cast<size_t>(std::ceil(p / 100.0 * sorted.size()));
  rank = std::clamp<size_t>(rank, 1, sorted.size());
  return sorted[rank - 1];
}

TEST(HistogramTest, Empty) {
  Histogram h;
  EXPECT_EQ(h.Count(), 0u);
  EXPECT_EQ(h.Sum(), 0u);
  EXPECT_EQ(h.Min(), 0);
  EXPECT_EQ(h.Max(), 0);
  EXPECT_EQ(h.Mean(), 0);
  EXPECT_EQ(h.Percentile(50), 0);
  EXPECT_EQ(h.Percentile(100), 0);
  EXPECT_EQ(h.CountAtOrBelow(1000), 0u);
}

TEST(HistogramTest, SingleValue) {
  Histogram h;
  h.Record(123'456'789);
  EXPECT_EQ(h.Count(), 1u);
  EXPECT_EQ(h.Sum(), 123'456'789u);
  EXPECT_EQ(h.Min(), 123'456'789);
  EXPECT_EQ(h.Max(), 123'456'789);
  EXPECT_DOUBLE_EQ(h.Mean(), 123'456'789.0);
  for (double p : {0.0, 1.0, 50.0, 99.9, 100.0}) EXPECT_EQ(h.Percentile(p), 123'456'789) << p;
}

TEST(HistogramTest, SmallValuesExactAndNegativeClamped) {
  Histogram h;
  for (int v = 0; v < 256; ++v) h.Record(v);
  h.Record(-5);
  EXPECT_EQ(h.Min(), 0);
  EXPECT_EQ(h.Count(), 257u);
  EXPECT_EQ(h.Percentile(50), 127);  // rank 129 of {0,0,1,...,255}
  EXPECT_EQ(h.CountAtOrBelow(9), 11u);
}

TEST(HistogramTest, BucketLayout) {
  EXPECT_EQ(Histogram::BucketIndex(0), 0);
  EXPECT_EQ(Histogram::BucketIndex(255), 255);
  EXPECT_EQ(Histogram::BucketIndex(256), 256);
  EXPECT_EQ(Histogram::BucketIndex(257), 256);
  EXPECT_EQ(Histogram::BucketIndex(258), 257);
  EXPECT_EQ(Histogram::BucketIndex(std::numeric_limits<int64_t>::max()),
            Histogram::kBucketCount - 1);
  EXPECT_EQ(Histogram::BucketUpperBound(Histogram::kBucketCount - 1),
            std::numeric_limits<int64_t>::max());
  // Buckets tile the range with no gap, each at most 1/128 of its lower bound wide.
  for (int i = 1; i < Histogram::kBucketCount; ++i) {
    ASSERT_EQ(Histogram::BucketLowerBound(i), Histogram::BucketUpperBound(i - 1) + 1) << i;
    ASSERT_EQ(Histogram::BucketIndex(Histogram::BucketLowerBound(i)), i);
    ASSERT_EQ(Histogram::BucketIndex(Histogram::BucketUpperBound(i)), i);
    if (i < Histogram::kExactLimit) continue;  // exact buckets
    const double width = Histogram::BucketUpperBound(i) - Histogram::BucketLowerBound(i) + 1.0;
    ASSERT_LE(width / Histogram::BucketLowerBound(i), 1.0 / 128) << i;
  }
}

TEST(HistogramTest, PercentilesWithinDocumentedErrorOnLognormalData) {
  std::mt19937_64 rng(301);
  std::lognormal_distribution<double> dist(std::log(20e6), 1.2);  // median 20 ms, heavy tail
  Histogram h;
  std::vector<int64_t> values;
  for (int i = 0; i < 200'000; ++i) {
    int64_t v = static_cast<int64_t>(dist(rng));
    values.push_back(v);
    h.Record(v);
  }
  std::sort(values.begin(), values.end());
  for (double p : {0.0, 1.0, 10.0, 25.0, 50.0, 75.0, 90.0, 95.0, 99.0, 99.9, 99.99, 100.0}) {
    const double exact = static_cast<double>(ExactPercentile(values, p));
    const double got = static_cast<double>(h.Percentile(p));
    EXPECT_LE(std::abs(got - exact), exact / 256 + 1) << "p" << p << " exact " << exact;
  }
  EXPECT_EQ(h.Min(), values.front());
  EXPECT_EQ(h.Max(), values.back());
  long double sum = 0;
  for (int64_t v : values) sum += v;
  EXPECT_EQ(h.Sum(), static_cast<uint64_t>(sum));
  EXPECT_NEAR(h.Mean(), static_cast<double>(sum / values.size()), 1.0);
  // Deterministic: same data, same answers.
  Histogram h2;
  for (int64_t v : values) h2.Record(v);
  EXPECT_EQ(h2.Percentile(99.9), h.Percentile(99.9));
}

TEST(HistogramTest, MergeEqualsSingle) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> dist(10, 2);
  Histogram a, b, all;
  for (int i = 0; i < 50'000; ++i) {
    int64_t v = static_cast<int64_t>(dist(rng));
    (i % 3 == 0 ? a : b).Record(v);
    all.Record(v);
  }
  Histogram merged;
  merged.Merge(a);
  merged.Merge(b);
  merged.Merge(Histogram());  // empty merge is a no-op
  EXPECT_EQ(merged.Count(), all.Count());
  EXPECT_EQ(merged.Sum(), all.Sum());
  EXPECT_EQ(merged.Min(), all.Min());
  EXPECT_EQ(merged.Max(), all.Max());
  for (double p = 0; p <= 100; p += 0.5) EXPECT_EQ(merged.Percentile(p), all.Percentile(p)) << p;
  merged.Reset();
  EXPECT_EQ(merged.Count(), 0u);
  EXPECT_EQ(merged.Percentile(50), 0);
}

TEST(HistogramTest, CountAtOrBelowAndRecordN) {
  Histogram h;
  h.Record(1000, 5);
  h.Record(1'000'000, 2);
  EXPECT_EQ(h.Count(), 7u);
  EXPECT_EQ(h.Sum(), 5'000u + 2'000'000u);
  EXPECT_EQ(h.CountAtOrBelow(999), 0u);
  EXPECT_EQ(h.CountAtOrBelow(1010), 5u);  // 1000's bucket [1000, 1003] lies below
  EXPECT_EQ(h.CountAtOrBelow(999'999), 5u);
  EXPECT_EQ(h.CountAtOrBelow(1'000'000), 7u);
  EXPECT_GE(h.Percentile(71), 1000);  // bucket [1000, 1003], midpoint reported
  EXPECT_LE(h.Percentile(71), 1003);
  EXPECT_EQ(h.Percentile(72), 1'000'000);
}

}  // namespace
}  // namespace tracesim::metrics
