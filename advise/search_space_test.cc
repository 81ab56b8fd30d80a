#include "advise/search_space.h"

#include <gtest/gtest.h>

#include <set>

namespace tracesim::advise {
namespace {

// Whole traces of 100 ms to 2.5 s (uniform), 100 new traces/s at peak.
Traffic SomeTraffic() {
  Traffic t;
  for (int i = 1; i <= 1000; ++i)
    t.trace_duration.Record(int64_t{100'000'000} + int64_t{i} * 2'400'000);
  t.mean_new_traces_per_s = 80.4;
  t.peak_new_traces_per_s = 100;
  return t;
}

TEST(SearchSpaceTest, SizingFollowsTheTraffic) {
  const Traffic t = SomeTraffic();
  EXPECT_EQ(t.MinWaitS(), 4);      // p99 ~2.48 s -> 3 s, + 1
  EXPECT_EQ(t.DefaultWaitS(), 4);  // p99.9 ~2.5 s
  Candidate c;
  c.latency_pct = 95;
  c.decision_wait_s = 4;
  t.Size(&c);
  EXPECT_GE(c.latency_ms, 2300);  // p95 ~2.38 s, two significant digits up
  EXPECT_LE(c.latency_ms, 2400);
  EXPECT_EQ(c.num_traces, 1000u);  // 100/s x (4 + 1) s x 2
  EXPECT_EQ(c.expected_new_traces_per_sec, 81u);
}

TEST(SearchSpaceTest, CoarseGridCoversEachFamilyOnce) {
  const Traffic t = SomeTraffic();
  std::vector<Candidate> grid = CoarseGrid({Family::kHead, Family::kTail, Family::kHeadTail}, t);
  EXPECT_LE(grid.size(), 63u);  // one run
  std::set<std::string> keys;
  size_t per[3] = {0, 0, 0};
  for (const Candidate& c : grid) {
    keys.insert(c.Key());
    ++per[static_cast<int>(c.family)];
  }
  EXPECT_EQ(keys.size(), grid.size());
  EXPECT_EQ(per[0], 9u);
  EXPECT_EQ(per[1], 35u);
  EXPECT_EQ(per[2], 12u);
  EXPECT_EQ(CoarseGrid({Family::kHead}, t).size(), 9u);
}

TEST(SearchSpaceTest, RefineHalvesTowardsTheNeighbours) {
  const Traffic t = SomeTraffic();
  std::vector<Candidate> grid = CoarseGrid({Family::kHead}, t);
  Candidate inc = grid[5];  // 5%
  ASSERT_EQ(inc.head_ratio, 0.05);
  std::vector<Candidate> next = Refine({inc}, grid, t);
  ASSERT_EQ(next.size(), 2u);
  EXPECT_DOUBLE_EQ(next[0].head_ratio, 0.032);  // sqrt(0.02 x 0.05), two digits
  EXPECT_DOUBLE_EQ(next[1].head_ratio, 0.071);  // sqrt(0.05 x 0.1)
  // Nothing already evaluated comes back; the grid's smallest ratio extends below.
  grid.insert(grid.end(), next.begin(), next.end());
  for (const Candidate& c : Refine({inc}, grid, t)) EXPECT_NE(c.Key(), next[0].Key());
  std::vector<Candidate> edge = Refine({grid[0]}, grid, t);
  ASSERT_FALSE(edge.empty());
  EXPECT_DOUBLE_EQ(edge[0].head_ratio, 0.0005);
}

TEST(SearchSpaceTest, RefineNeverWaitsLessThanTheP99Trace) {
  const Traffic t = SomeTraffic();
  std::vector<Candidate> grid = CoarseGrid({Family::kTail}, t);
  for (const Candidate& c : Refine({grid[10]}, grid, t)) EXPECT_GE(c.decision_wait_s, 4);
}

}  // namespace
}  // namespace tracesim::advise
