#include "sim/kernel/event_queue.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
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

TEST(EventQueueTest, EventBeforeIsTimeThenSequence) {
  Rng rng(17);
  const int64_t edges[] = {INT64_MIN, -1'000'000'000, -1, 0, 1, 1'000'000'000, INT64_MAX};
  std::vector<Event> events;
  for (int64_t t : edges)
    for (uint64_t seq : {uint64_t{0}, uint64_t{1}, ~uint64_t{0}})
      events.push_back(Event{Time::FromNanos(t), seq, 0, 0});
  for (int i = 0; i < 200; ++i)
    events.push_back(Event{Time::FromNanos(static_cast<int64_t>(rng.Next())), rng.Below(3), 0, 0});
  for (const Event& a : events)
    for (const Event& b : events)
      ASSERT_EQ(EventBefore(a, b), a.time < b.time || (a.time == b.time && a.seq < b.seq))
          << a.time.nanos() << "/" << a.seq << " vs " << b.time.nanos() << "/" << b.seq;
}

TEST(EventQueueTest, NegativeTimesPopFirst) {
  QuaternaryHeapQueue q;
  for (int64_t t : std::vector<int64_t>{5, -3, 0, -1'000'000'000'000, 7, -3})
    q.Push(Time::FromNanos(t), 0, static_cast<uint32_t>(t + 10));
  std::vector<int64_t> order;
  while (!q.empty()) order.push_back(q.Pop().time.nanos());
  EXPECT_EQ(order, (std::vector<int64_t>{-1'000'000'000'000, -3, -3, 0, 5, 7}));
}

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

// Take() leaves the root open for the next Push; the events come out exactly as with Pop then
// Push, whatever a handler schedules: nothing (FinishTake closes the root), one event (it fills
// the root, also one earlier than every pending one, or equal in time to one), or several.
template <typename Q>
void CheckTakeAgainstPop() {
  Q taken, popped;
  Rng rng(77);
  for (uint32_t i = 0; i < 300; ++i) {
    const Time t = Time::FromNanos(static_cast<int64_t>(rng.Below(500)));
    taken.Push(t, 0, i);
    popped.Push(t, 0, i);
  }
  uint32_t next = 300;
  for (int step = 0; step < 20000 && !popped.empty(); ++step) {
    const Event a = taken.Take();
    const Event b = popped.Pop();
    ASSERT_EQ(a.time, b.time) << step;
    ASSERT_EQ(a.target, b.target) << step;
    const uint64_t pushes = rng.Below(4);  // 0: no event scheduled, as when a trace ends
    for (uint64_t p = 0; p < pushes; ++p) {
      const int64_t delay = rng.Below(3) == 0 ? -5 : static_cast<int64_t>(rng.Below(300));
      const Time t = a.time + Duration::Nanos(delay);  // some before the pending ones
      taken.Push(t, 0, next);
      popped.Push(t, 0, next);
      ++next;
    }
    taken.FinishTake();
    ASSERT_EQ(taken.size(), popped.size()) << step;
  }
  while (!popped.empty()) {
    const Event a = taken.Pop(), b = popped.Pop();
    ASSERT_EQ(a.target, b.target);
  }
  EXPECT_TRUE(taken.empty());
}

TEST(EventQueueTest, TakeThenPushComesOutAsPopThenPush) {
  CheckTakeAgainstPop<QuaternaryHeapQueue>();
  CheckTakeAgainstPop<BinaryHeapQueue>();
}

}  // namespace
}  // namespace tracesim::sim
