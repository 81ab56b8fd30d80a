#include "sim/kernel/services.h"

#include <gtest/gtest.h>

#include <vector>

namespace tracesim::sim {
namespace {

TEST(RequestQueueTest, FifoAcrossGrowthAndWrapAround) {
  RequestQueue q;
  uint32_t next_in = 0, next_out = 0;
  // Interleave pushes and pops so the ring wraps before it grows (16, then 32, 64).
  for (int round = 0; round < 50; ++round) {
    for (int i = 0; i < 3; ++i) q.Push(next_in++);
    EXPECT_EQ(q.Pop(), next_out++);
  }
  EXPECT_EQ(q.size(), 100u);
  while (!q.empty()) EXPECT_EQ(q.Pop(), next_out++);
  EXPECT_EQ(next_out, next_in);
}

ServiceRuntime Runtime(uint32_t instances) {
  ServiceRuntime rt;
  rt.instances.resize(instances);
  return rt;
}

TEST(ServiceRuntimeTest, RoundRobinCyclesAndOneInstanceIsAlwaysZero) {
  ServiceRuntime one = Runtime(1);
  Rng rng(7);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(one.PickInstance(LoadBalancing::kRandom, rng), 0u);
  ServiceRuntime rt = Runtime(3);
  std::vector<uint32_t> got;
  for (int i = 0; i < 6; ++i) got.push_back(rt.PickInstance(LoadBalancing::kRoundRobin, rng));
  EXPECT_EQ(got, (std::vector<uint32_t>{0, 1, 2, 0, 1, 2}));
}

TEST(ServiceRuntimeTest, LeastOutstandingPicksTheLeastLoadedWithRoundRobinTies) {
  ServiceRuntime rt = Runtime(3);
  Rng rng(7);
  rt.instances[0].busy = 2;
  rt.instances[1].busy = 1;
  rt.instances[1].queue.Push(9);  // load 2
  rt.instances[2].busy = 1;       // load 1
  EXPECT_EQ(rt.PickInstance(LoadBalancing::kLeastOutstanding, rng), 2u);
  rt.instances[2].busy = 2;  // all equal: the scan starts at the next instance in turn
  EXPECT_EQ(rt.PickInstance(LoadBalancing::kLeastOutstanding, rng), 1u);
  EXPECT_EQ(rt.PickInstance(LoadBalancing::kLeastOutstanding, rng), 2u);
  EXPECT_EQ(rt.PickInstance(LoadBalancing::kLeastOutstanding, rng), 0u);
}

TEST(ServiceRuntimeTest, RandomStaysInRangeAndIsDeterministic) {
  ServiceRuntime a = Runtime(4), b = Runtime(4);
  Rng ra(7), rb(7);
  std::vector<int> seen(4, 0);
  for (int i = 0; i < 400; ++i) {
    uint32_t x = a.PickInstance(LoadBalancing::kRandom, ra);
    ASSERT_LT(x, 4u);
    EXPECT_EQ(x, b.PickInstance(LoadBalancing::kRandom, rb));
    ++seen[x];
  }
  for (int n : seen) EXPECT_GT(n, 50);
}

}  // namespace
}  // namespace tracesim::sim
