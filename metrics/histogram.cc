#include "metrics/histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace tracesim::metrics {

Histogram::Histogram() : counts_(kBucketCount, 0) {}

int Histogram::BucketIndex(int64_t value) noexcept {
  if (value < kExactLimit) return value < 0 ? 0 : static_cast<int>(value);
  const uint64_t v = static_cast<uint64_t>(value);
  const int k = 63 - std::countl_zero(v);  // >= 8
  const int shift = k - kSubBucketBits;
  const int mantissa = static_cast<int>(v >> shift);  // [128, 256)
  return kExactLimit + (k - kSubBucketBits - 1) * (1 << kSubBucketBits) +
         (mantissa - (1 << kSubBucketBits));
}

int64_t Histogram::BucketLowerBound(int index) noexcept {
  if (index < kExactLimit) return index;
  const int j = index - kExactLimit;
  const int k = kSubBucketBits + 1 + j / (1 << kSubBucketBits);
  const uint64_t mantissa = (1u << kSubBucketBits) + j % (1 << kSubBucketBits);
  return static_cast<int64_t>(mantissa << (k - kSubBucketBits));
}

int64_t Histogram::BucketUpperBound(int index) noexcept {
  if (index < kExactLimit) return index;
  const int j = index - kExactLimit;
  const int k = kSubBucketBits + 1 + j / (1 << kSubBucketBits);
  const uint64_t mantissa = (1u << kSubBucketBits) + j % (1 << kSubBucketBits);
  return static_cast<int64_t>(((mantissa + 1) << (k - kSubBucketBits)) - 1);
}

void Histogram::Merge(const Histogram& other) noexcept {
  if (other.count_ == 0) return;
  for (int i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  if (count_ == 0 || other.min_ < min_) min_ = other.min_;
  if (count_ == 0 || other.max_ > max_) max_ = other.max_;
  count_ += other.count_;
  sum_ += other.sum_;
}

void Histogram::Save(sim::StateWriter& out) const {
  out.U64(count_);
  out.U64(sum_);
  out.I64(min_);
  out.I64(max_);
  uint64_t nonzero = 0;
  for (uint64_t c : counts_) nonzero += c != 0;
  out.U64(nonzero);
  for (int i = 0; i < kBucketCount; ++i) {
    if (counts_[i] == 0) continue;
    out.U64(static_cast<uint64_t>(i));
    out.U64(counts_[i]);
  }
}

bool Histogram::Load(sim::StateReader& in) {
  Reset();
  count_ = in.U64();
  sum_ = in.U64();
  min_ = in.I64();
  max_ = in.I64();
  const uint64_t nonzero = in.Count(16);
  uint64_t total = 0;
  for (uint64_t k = 0; k < nonzero && in.ok(); ++k) {
    const uint64_t i = in.U64();
    const uint64_t c = in.U64();
    if (i >= static_cast<uint64_t>(kBucketCount)) return Reset(), false;
    counts_[i] = c;
    total += c;
  }
  if (!in.ok() || total != count_) return Reset(), false;
  return true;
}

void Histogram::Reset() noexcept {
  std::fill(counts_.begin(), counts_.end(), 0);
  count_ = sum_ = 0;
  min_ = max_ = 0;
}

int64_t Histogram::Percentile(double percent) const noexcept {
  if (count_ == 0) return 0;
  if (!(percent > 0)) return min_;  // also NaN
  if (percent >= 100) return max_;
  uint64_t rank = static_cast<uint64_t>(std::ceil(percent / 100.0 * static_cast<double>(count_)));
  if (rank < 1) rank = 1;
  if (rank > count_) rank = count_;
  uint64_t seen = 0;
  for (int i = BucketIndex(min_); i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) {
      const int64_t lo = BucketLowerBound(i);
      const int64_t mid = lo + (BucketUpperBound(i) - lo) / 2;
      return mid < min_ ? min_ : (mid > max_ ? max_ : mid);
    }
  }
  return max_;
}

uint64_t Histogram::CountAtOrBelow(int64_t value) const noexcept {
  if (value < 0 || count_ == 0) return 0;
  if (value >= max_) return count_;
  uint64_t n = 0;
  const int last = BucketIndex(value);
  for (int i = 0; i < last; ++i) n += counts_[i];
  if (BucketUpperBound(last) <= value) n += counts_[last];
  return n;
}

}  // namespace tracesim::metrics
