#include "receiver/fault_injector.h"

#include <gtest/gtest.h>

#include <cmath>

namespace tracesim::receiver {
namespace {

TEST(FaultInjectorTest, NoFaultsByDefault) {
  FaultInjector f(FaultOptions{});
  for (int i = 0; i < 1000; ++i) {
    FaultDecision d = f.Next();
    EXPECT_EQ(d.action, FaultAction::kNone);
    EXPECT_FALSE(d.slow);
    EXPECT_EQ(d.index, static_cast<uint64_t>(i));
    EXPECT_FALSE(f.RejectSpan(d.index, 0));
  }
}

TEST(FaultInjectorTest, FractionsMatchAndAreDeterministic) {
  FaultOptions o;
  o.drop = 0.1;
  o.unavailable = 0.2;
  o.throttle = 0.05;
  o.reject = 0.15;
  o.slow = 0.3;
  o.partial = 0.25;
  o.seed = 42;
  FaultInjector a(o), b(o);
  constexpr int kN = 100000;
  int counts[5] = {0, 0, 0, 0, 0};
  int slow = 0, rejected_spans = 0;
  for (int i = 0; i < kN; ++i) {
    FaultDecision da = a.Next(), db = b.Next();
    ASSERT_EQ(da.action, db.action);
    ASSERT_EQ(da.slow, db.slow);
    ++counts[static_cast<int>(da.action)];
    slow += da.slow;
    rejected_spans += a.RejectSpan(da.index, 3);
  }
  auto near = [](int n, double p) { return std::abs(n / double(kN) - p) < 0.01; };
  EXPECT_TRUE(near(counts[static_cast<int>(FaultAction::kDrop)], 0.1));
  EXPECT_TRUE(near(counts[static_cast<int>(FaultAction::kUnavailable)], 0.2));
  EXPECT_TRUE(near(counts[static_cast<int>(FaultAction::kThrottle)], 0.05));
  EXPECT_TRUE(near(counts[static_cast<int>(FaultAction::kReject)], 0.15));
  EXPECT_TRUE(near(counts[static_cast<int>(FaultAction::kNone)], 0.5));
  EXPECT_TRUE(near(slow, 0.3));
  EXPECT_TRUE(near(rejected_spans, 0.25));
}

TEST(FaultInjectorTest, SeedChangesTheSequence) {
  FaultOptions o;
  o.unavailable = 0.5;
  FaultOptions p = o;
  p.seed = 2;
  FaultInjector a(o), b(p);
  int differ = 0;
  for (int i = 0; i < 200; ++i) differ += a.Next().action != b.Next().action;
  EXPECT_GT(differ, 50);
  // At() matches Next().
  FaultInjector c(o);
  for (uint64_t i = 0; i < 50; ++i) EXPECT_EQ(c.Next().action, a.At(i).action);
}

TEST(FaultInjectorTest, FullFractionAlwaysFires) {
  FaultOptions o;
  o.reject = 1;
  o.partial = 1;
  FaultInjector f(o);
  for (int i = 0; i < 100; ++i) {
    EXPECT_EQ(f.Next().action, FaultAction::kReject);
    EXPECT_TRUE(f.RejectSpan(i, i));
  }
}

}  // namespace
}  // namespace tracesim::receiver
