// RareShapePicker: the rarest shapes' first traces, fewest traces first, ties by first
// appearance; common shapes and fragments left out; copies bounded.
#include "reports/traces/rare_shapes.h"

#include <gtest/gtest.h>

namespace tracesim::reports {
namespace {

struct Feed {
  std::vector<sim::TraceTruth> truths;
  std::vector<sim::Span> spans;
  void Trace(RareShapePicker* p, uint64_t shape, bool fragment = false) {
    sim::TraceTruth t;
    t.shape = shape;
    t.fragment = fragment;
    t.sequence = next++;
    sim::Span s;
    s.trace_id = sim::TraceId{1, t.sequence + 1};
    sim::TraceView v;
    v.trace_id = s.trace_id;
    v.spans = std::span<const sim::Span>(&s, 1);
    v.truth = &t;
    v.sequence = t.sequence;
    p->OnTrace(v);
  }
  uint64_t next = 0;
};

TEST(RareShapesTest, RarestFirstThenFirstSeenCommonAndFragmentsLeftOut) {
  RareShapePicker p(RareShapeOptions{.rare_max = 3, .max_kept = 16, .limit = 3});
  Feed f;
  for (int i = 0; i < 10; ++i) f.Trace(&p, 0xA);  // common
  f.Trace(&p, 0xB);
  f.Trace(&p, 0xB);
  f.Trace(&p, 0xC);  // seen once
  f.Trace(&p, 0xD);  // seen once, after C
  f.Trace(&p, 0xE, /*fragment=*/true);
  EXPECT_EQ(p.traces(), 14u);
  EXPECT_EQ(p.shapes(), 4u);
  std::vector<RareShape> rare = p.Take();
  ASSERT_EQ(rare.size(), 3u);
  EXPECT_EQ(rare[0].shape, 0xCu);
  EXPECT_EQ(rare[0].traces, 1u);
  EXPECT_EQ(rare[0].first.trace.truth.sequence, 12u);
  EXPECT_EQ(rare[1].shape, 0xDu);
  EXPECT_EQ(rare[2].shape, 0xBu);
  EXPECT_EQ(rare[2].traces, 2u);
  EXPECT_EQ(rare[2].first.trace.truth.sequence, 10u);  // the first B
  EXPECT_EQ(rare[2].first.trace.spans.size(), 1u);
}

TEST(RareShapesTest, CopiesAreBoundedAndFreedWhenAShapeStopsBeingRare) {
  RareShapePicker p(RareShapeOptions{.rare_max = 1, .max_kept = 1, .limit = 5});
  Feed f;
  f.Trace(&p, 0xA);  // kept (1 of 1)
  f.Trace(&p, 0xB);  // no room: counted, not kept
  f.Trace(&p, 0xA);  // A is no longer rare: its copy is freed
  f.Trace(&p, 0xC);  // room again
  std::vector<RareShape> rare = p.Take();
  ASSERT_EQ(rare.size(), 1u);
  EXPECT_EQ(rare[0].shape, 0xCu);
  EXPECT_TRUE(p.Take().empty());  // moved out
}

}  // namespace
}  // namespace tracesim::reports
