#include "sampling/core/trace_id_ratio.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tracesim::sampling {
namespace {

TEST(GoTraceIdRatioTest, UsesLowBytesShiftedRight) {
  const sim::TraceId low{0xFFFFFFFFFFFFFFFFULL, 0};
  const sim::TraceId high{0, 0xFFFFFFFFFFFFFFFFULL};
  EXPECT_TRUE(GoTraceIdRatioKeep(low, 1e-9));
  EXPECT_FALSE(GoTraceIdRatioKeep(low, 0));
  EXPECT_FALSE(GoTraceIdRatioKeep(high, 0.999999));
  EXPECT_TRUE(GoTraceIdRatioKeep(high, 1));
  // 0x8000...0 >> 1 = 2^62: kept iff fraction > 0.5.
  const sim::TraceId half{0, 0x8000000000000000ULL};
  EXPECT_FALSE(GoTraceIdRatioKeep(half, 0.5));
  EXPECT_TRUE(GoTraceIdRatioKeep(half, 0.5000001));
}

TEST(GoTraceIdRatioTest, BoundEdges) {
  EXPECT_EQ(GoTraceIdRatioBound(0), 0u);
  EXPECT_EQ(GoTraceIdRatioBound(-1), 0u);
  EXPECT_EQ(GoTraceIdRatioBound(std::nan("")), 0u);
  EXPECT_EQ(GoTraceIdRatioBound(0.5), uint64_t{1} << 62);
  EXPECT_EQ(GoTraceIdRatioBound(1), ~uint64_t{0});
  EXPECT_EQ(GoTraceIdRatioBound(2), ~uint64_t{0});
}

}  // namespace
}  // namespace tracesim::sampling
