// SymptomsSink on hand-built traces (each symptom counted exactly, by fault and for the
// baseline) and over a real run of every tracing fault kind.
#include "reports/text/symptoms.h"

#include <gtest/gtest.h>

#include "reports/text/run_report.h"
#include "sim/kernel/simulation.h"
#include "sim/model/test_model.h"

namespace tracesim::reports {
namespace {

using namespace sim;

Span MakeSpan(uint64_t id, uint64_t parent, SpanKind kind, int64_t start, uint32_t peer = kNone) {
  Span s;
  s.span_id = id;
  s.parent_span_id = parent;
  s.kind = kind;
  s.start_unix_nano = start;
  s.end_unix_nano = start + 1000;
  s.peer = peer;
  return s;
}

TraceView View(const std::vector<Span>& spans, const TraceTruth& truth) {
  TraceView v;
  v.spans = spans;
  v.truth = &truth;
  return v;
}

TEST(SymptomsTest, CountsEachSymptomOnceForEveryFaultThatTouchedTheTrace) {
  Model m;
  const uint32_t front = AddService(m, "front", ServiceKind::kService, 1, 0, 0);
  const uint32_t back = AddService(m, "back", ServiceKind::kService, 1, 0, 0);
  const uint32_t db = AddService(m, "db", ServiceKind::kDatabase, 1, 0, 0);
  AddOp(m, back, "GET /b", {Work(Distribution::Constant(1e6))});
  AddOp(m, front, "GET /", {Work(Distribution::Constant(1e6))});
  m.Finalize();
  FaultPlan plan;
  for (const char* id : {"skew", "lost"}) {
    Fault f;
    f.id = id;
    f.kind = plan.faults.empty() ? Fault::Kind::kClockSkew : Fault::Kind::kSpanLoss;
    f.service = front;
    plan.faults.push_back(f);
  }
  SymptomsSink sink(m, &plan);
  // Touched by both faults: a child 5 us before its parent, a CLIENT call to an instrumented
  // service without a child, a database call (never has one), an orphan.
  const std::vector<Span> a = {MakeSpan(1, 0, SpanKind::kServer, 100'000),
                               MakeSpan(2, 1, SpanKind::kClient, 110'000, back),
                               MakeSpan(3, 2, SpanKind::kServer, 105'000),
                               MakeSpan(4, 1, SpanKind::kClient, 120'000, back),
                               MakeSpan(5, 1, SpanKind::kClient, 130'000, db),
                               MakeSpan(6, 99, SpanKind::kInternal, 140'000)};
  TraceTruth ta;
  ta.fault_mask = 0b11;
  ta.lost_spans = 1;
  sink.OnTrace(View(a, ta));
  // Untouched: a fragment root (its parent is in another trace, so it has none here).
  const std::vector<Span> b = {MakeSpan(7, 0, SpanKind::kServer, 200'000)};
  TraceTruth tb;
  tb.fragment = true;
  sink.OnTrace(View(b, tb));

  const std::vector<SymptomRow> rows = sink.Rows();
  ASSERT_EQ(rows.size(), 3u);
  for (size_t f : {0, 1}) {
    EXPECT_EQ(rows[f].fault, plan.faults[f].id);
    EXPECT_EQ(rows[f].traces, 1u);
    EXPECT_EQ(rows[f].fragment_roots, 0u);
    EXPECT_EQ(rows[f].orphan_spans, 1u);
    EXPECT_EQ(rows[f].calls_without_child, 1u);
    EXPECT_EQ(rows[f].child_before_parent, 1u);
    EXPECT_EQ(rows[f].worst_skew_ns, 5'000);
  }
  EXPECT_EQ(rows[2].fault, "");
  EXPECT_EQ(rows[2].traces, 1u);
  EXPECT_EQ(rows[2].fragment_roots, 1u);
  EXPECT_EQ(rows[2].orphan_spans + rows[2].calls_without_child + rows[2].child_before_parent, 0u);

  // Merging a sink that saw the same traces doubles the counts, keeps the worst skew.
  SymptomsSink twice(m, &plan);
  twice.OnTrace(View(a, ta));
  twice.Merge(sink);
  EXPECT_EQ(twice.Rows()[0].orphan_spans, 2u);
  EXPECT_EQ(twice.Rows()[0].worst_skew_ns, 5'000);
  EXPECT_EQ(twice.Rows()[2].fragment_roots, 1u);

  const std::string table = RenderSymptomTable(rows);
  EXPECT_NE(table.find("skew "), std::string::npos) << table;
  EXPECT_NE(table.find("(no fault)"), std::string::npos) << table;
  EXPECT_NE(table.find("0.01"), std::string::npos) << table;  // 5 us worst skew, in ms
  EXPECT_EQ(RenderSymptomTable({SymptomRow{}}), "");          // no faults: no section
  EXPECT_EQ(RenderSymptomTable({SymptomRow{"outage", 5}, SymptomRow{"", 9}}), "");  // none seen
  const auto json = SymptomsJson(rows);
  EXPECT_EQ(json[0]["worst_skew_ms"], 0.005);
  EXPECT_TRUE(json[2]["fault"].is_null());
}

// A real run with broken propagation, span loss and clock skew on `front`'s calls to `back`.
TEST(SymptomsTest, RealRunShowsEachTracingFaultsSymptom) {
  Model m;
  const uint32_t front = AddService(m, "front", ServiceKind::kService, 1, 0, 0);
  const uint32_t back = AddService(m, "back", ServiceKind::kService, 1, 0, 0);
  const uint32_t back_op = AddOp(m, back, "GET /b", {Work(Distribution::Constant(10e6))});
  const uint32_t entry = AddOp(m, front, "GET /", {CallTo(back_op)});
  m.Finalize();
  FaultPlan plan;
  Fault broken;
  broken.id = "broken";
  broken.kind = Fault::Kind::kBrokenPropagation;
  broken.service = front;
  broken.probability = 0.5;
  broken.end = Time::FromNanos(Duration::Seconds(1).nanos());
  Fault skew;
  skew.id = "skew";
  skew.kind = Fault::Kind::kClockSkew;
  skew.service = back;
  skew.offset = Duration::Millis(-50);
  skew.start = Time::FromNanos(Duration::Seconds(1).nanos());
  skew.end = Time::FromNanos(Duration::Seconds(2).nanos());
  Fault loss;
  loss.id = "loss";
  loss.kind = Fault::Kind::kSpanLoss;
  loss.service = back;
  loss.start = Time::FromNanos(Duration::Seconds(2).nanos());
  plan.faults = {broken, skew, loss};
  ASSERT_TRUE(plan.Validate(m).ok());
  SymptomsSink sink(m, &plan);
  SimulationOptions opt;
  opt.faults = &plan;
  Simulation s(m, opt);
  s.AddObserver(&sink);
  auto arrivals = EvenArrivals(Duration::Millis(10), Duration::Seconds(3), entry);
  ASSERT_TRUE(s.Run(&arrivals).ok());
  const std::vector<SymptomRow> rows = sink.Rows();
  ASSERT_EQ(rows.size(), 4u);
  // Broken propagation: the callee's work roots a fragment, the caller's CLIENT span dangles.
  EXPECT_GT(rows[0].fragment_roots, 20u);
  EXPECT_EQ(rows[0].calls_without_child, rows[0].fragment_roots);
  EXPECT_EQ(rows[0].child_before_parent, 0u);
  // Clock skew: back's SERVER span starts 50 ms before its parent, in every touched trace but
  // those at the window's edges (touched while back's span started outside the window).
  EXPECT_GT(rows[1].child_before_parent, 50u);
  EXPECT_LE(rows[1].child_before_parent, rows[1].traces);
  EXPECT_GE(rows[1].child_before_parent + 2, rows[1].traces);
  EXPECT_GE(rows[1].worst_skew_ns, Duration::Millis(49).nanos());
  EXPECT_LE(rows[1].worst_skew_ns, Duration::Millis(50).nanos());
  // Span loss: back's spans are never exported, so front's CLIENT spans have no child.
  EXPECT_GT(rows[2].calls_without_child, 50u);
  EXPECT_EQ(rows[2].calls_without_child, rows[2].traces);
  EXPECT_EQ(rows[2].fragment_roots + rows[2].child_before_parent, 0u);
}

}  // namespace
}  // namespace tracesim::reports
