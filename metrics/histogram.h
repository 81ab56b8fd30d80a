// Histogram: a fixed-memory log-linear histogram of non-negative int64 values (HdrHistogram-like).
//
// Values below 256 are counted exactly; above, each power of two [2^k, 2^(k+1)) is split into
// 128 equal sub-buckets, so a bucket is at most 1/128 of its lower bound wide. Percentile()
// reports the bucket midpoint clamped to [Min(), Max()]: its relative error versus the exact
// nearest-rank value is at most 1/256 (~0.4%). Covers the full int64 range in 7296 buckets
// (one heap allocation of ~57 KiB at construction). Record() is O(1) and noexcept.
// Thread-compatible (not thread-safe): one writer, or external locking.
#ifndef TRACESIM_METRICS_HISTOGRAM_H_
#define TRACESIM_METRICS_HISTOGRAM_H_

#include <cstdint>
#include <vector>

#include "sim/base/state_io.h"

namespace tracesim::metrics {

class Histogram {
 public:
  static constexpr int kSubBucketBits = 7;                 // 128 sub-buckets per octave
  static constexpr int kExactLimit = 2 << kSubBucketBits;  // values < 256 are exact
  static constexpr int kBucketCount = kExactLimit + (62 - kSubBucketBits) * (1 << kSubBucketBits);

  Histogram();
  Histogram(const Histogram&) = default;
  Histogram& operator=(const Histogram&) = default;
  Histogram(Histogram&&) noexcept = default;
  Histogram& operator=(Histogram&&) noexcept = default;

  // Adds `count` occurrences of `value`; negative values are recorded as 0.
  void Record(int64_t value, uint64_t count = 1) noexcept {
    if (value < 0) value = 0;
    counts_[BucketIndex(value)] += count;
    if (count_ == 0 || value < min_) min_ = value;
    if (count_ == 0 || value > max_) max_ = value;
    count_ += count;
    sum_ += static_cast<uint64_t>(value) * count;
  }
  // Adds every value of `other` (same bucket layout, so the result equals recording both).
  void Merge(const Histogram& other) noexcept;
  // The histogram as bytes (its non-zero buckets), and back: Load replaces the contents and
  // returns false (leaving the histogram empty) on a corrupt input. Save then Load is exact.
  void Save(sim::StateWriter& out) const;
  bool Load(sim::StateReader& in);
  void Reset() noexcept;

  uint64_t Count() const { return count_; }
  // Sum of recorded values (wraps past 2^64; ~584 years of nanoseconds).
  uint64_t Sum() const { return sum_; }
  // 0 when empty.
  int64_t Min() const { return count_ == 0 ? 0 : min_; }
  int64_t Max() const { return count_ == 0 ? 0 : max_; }
  double Mean() const { return count_ == 0 ? 0 : static_cast<double>(sum_) / count_; }

  // Nearest-rank percentile, `percent` in [0, 100] (clamped): the value v such that at least
  // percent% of recorded values are <= v, within the error above. 0 when empty; Percentile(0)
  // is Min() and Percentile(100) is Max(). Deterministic.
  int64_t Percentile(double percent) const noexcept;
  // Number of recorded values in buckets whose upper bound is <= `value` (exact below 256; for
  // exporting to fixed-bound histograms).
  uint64_t CountAtOrBelow(int64_t value) const noexcept;

  // Bucket layout, exposed for tests and exporters.
  static int BucketIndex(int64_t value) noexcept;
  static int64_t BucketLowerBound(int index) noexcept;
  // Inclusive upper bound.
  static int64_t BucketUpperBound(int index) noexcept;

 private:
  std::vector<uint64_t> counts_;
  uint64_t count_ = 0;
  uint64_t sum_ = 0;
  int64_t min_ = 0;
  int64_t max_ = 0;
};

}  // namespace tracesim::metrics

#endif  // TRACESIM_METRICS_HISTOGRAM_H_
