#include "sim/kernel/event_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <vector>

#include "sim/base/rng.h"

namespace tracesim::sim {
namespace {

template <typename Q>
void CheckOrderAgainstSort() {
  Q q;
  Rng rng(301);
  std::vector<std::pair<int64_t, uint32_t>> expected;
  for (uint32_t i = 0; i < 5000; ++i) {
    int64_t t = static_cast<int64_t>(rng.Below(200));  // many equal times
    q.Push(Time::FromNanos(t), 0, i);
    expected.emplace_back(t, i);
  }
  std::stable_sort(expected.begin(), expected.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  for (const auto& [t, id] : expected) {
    ASSERT_FALSE(q.empty());
    Event e = q.Pop();
    ASSERT_EQ(e.time.nanos(), t);
    ASSERT_EQ(e.target, id) << "equal times must pop in scheduling order";
  }
  EXPECT_TRUE(q.empty());
}

TEST(EventQueueTest, QuaternaryHeapIsStableAndOrdered) {
  CheckOrderAgainstSort<QuaternaryHeapQueue>();
}
TEST(EventQueueTest, BinaryHeapIsStableAndOrdered) { CheckOrderAgainstSort<BinaryHeapQueue>(); }

TEST(EventQueueTest, InterleavedPushPop) {
  QuaternaryHeapQueue q;
  Rng rng(5);
  int64_t now = 0;
  for (int i = 0; i < 100; ++i)
    q.Push(Time::FromNanos(static_cast<int64_t>(rng.Below(1000))), 0, 0);
  for (int i = 0; i < 100000; ++i) {
    Event e = q.Pop();
    ASSERT_GE(e.time.nanos(), now);
    now = e.time.nanos();
    q.Push(Time::FromNanos(now + static_cast<int64_t>(rng.Below(1000))), 0, 0);
  }
  EXPECT_EQ(q.size(), 100u);
}

}  // namespace
}  // namespace tracesim::sim
