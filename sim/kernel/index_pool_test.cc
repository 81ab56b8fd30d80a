#include "sim/kernel/index_pool.h"

#include <gtest/gtest.h>

namespace tracesim::sim {
namespace {

struct Item {
  int value = 7;
};

TEST(IndexPoolTest, ReusesFreedSlotsLastInFirstOutAndResetsThem) {
  IndexPool<Item> pool;
  uint32_t a = pool.Alloc(), b = pool.Alloc(), c = pool.Alloc();
  EXPECT_EQ(a, 0u);
  EXPECT_EQ(b, 1u);
  EXPECT_EQ(c, 2u);
  pool[a].value = 1;
  pool[c].value = 3;
  pool.Free(a);
  pool.Free(c);
  EXPECT_EQ(pool.live(), 1u);
  EXPECT_EQ(pool.Alloc(), c);   // last freed first
  EXPECT_EQ(pool[c].value, 7);  // reset to T()
  EXPECT_EQ(pool.Alloc(), a);
  EXPECT_EQ(pool[a].value, 7);
  EXPECT_EQ(pool.Alloc(), 3u);  // no free slot: grows
  EXPECT_EQ(pool.live(), 4u);
}

}  // namespace
}  // namespace tracesim::sim
