// SimulationOptions::observe_from/until: the observation window of sharded runs (doc/scale.md).
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "sim/kernel/simulation.h"
#include "sim/kernel/sink.h"
#include "sim/model/test_model.h"

namespace tracesim::sim {
namespace {

// gateway (1 instance, 2 slots: it queues) -> db; the db fails 10% of the time.
struct Queueing {
  Model m;
  uint32_t entry;
  Queueing() {
    uint32_t gw = AddService(m, "gateway", ServiceKind::kService, 1, 2, 64);
    uint32_t pg = AddService(m, "postgres", ServiceKind::kDatabase, 1, 0, 0);
    for (Service& s : m.services) s.network_latency = Distribution::Constant(100'000);
    uint32_t db = AddOp(m, pg, "SELECT", {Work(*Distribution::Exponential(2e6))}, Protocol::kDb);
    m.operations[db].error_rate = 0.1;
    entry = AddOp(m, gw, "GET /", {Work(*Distribution::Exponential(5e6)), CallTo(db)});
    m.Finalize();
  }
};

// Counts span starts and ends, and which traces they belonged to.
class SpanCounter final : public SimulationObserver {
 public:
  uint32_t Interests() const override { return kSpanStart | kSpanEnd; }
  uint64_t OnSpanStart(const Model&, const Span& span, const Span*) noexcept override {
    ++starts;
    traces.insert(span.trace_id.lo);
    return 0;
  }
  void OnSpanEnd(const Model&, const Span&, std::span<const SpanEvent>,
                 std::span<const SpanLink>) noexcept override {
    ++ends;
  }
  uint64_t starts = 0, ends = 0;
  std::set<uint64_t> traces;
};

struct Observed {
  std::map<uint64_t, InMemorySink::StoredTrace> traces;  // by trace id (lo)
  std::map<uint64_t, Time> starts;                       // truth start by trace id
  struct {
    uint64_t starts = 0, ends = 0;
    std::set<uint64_t> traces;
  } spans;
  SimulationStats stats;
};

class TruthStarts final : public SpanSink {
 public:
  explicit TruthStarts(std::map<uint64_t, Time>* out) : out_(out) {}
  void OnTrace(const TraceView& t) noexcept override { (*out_)[t.trace_id.lo] = t.truth->start; }

 private:
  std::map<uint64_t, Time>* out_;
};

Observed RunWindow(const Queueing& q, Time from, Time until) {
  Observed o;
  SimulationOptions opt;
  opt.seed = 7;
  opt.observe_from = from;
  opt.observe_until = until;
  InMemorySink sink;
  TruthStarts starts(&o.starts);
  SpanCounter counter;
  Simulation sim(q.m, opt);
  EXPECT_TRUE(sim.AddObserver(&sink).ok());
  EXPECT_TRUE(sim.AddObserver(&starts).ok());
  EXPECT_TRUE(sim.AddObserver(&counter).ok());
  PoissonArrivals arrivals(300, Duration::Seconds(4), q.entry, 11);
  EXPECT_TRUE(sim.Run(&arrivals).ok());
  for (const auto& t : sink.traces()) o.traces[t.trace_id.lo] = t;
  o.stats = sim.stats();
  o.spans.starts = counter.starts;
  o.spans.ends = counter.ends;
  o.spans.traces = counter.traces;
  return o;
}

TEST(ObserveWindowTest, WindowsPartitionTheTracesOfOneTrajectory) {
  Queueing q;
  const Time a = Time::FromNanos(1'500'000'000), b = Time::FromNanos(3'000'000'000);
  Observed all = RunWindow(q, Time::FromNanos(0), Time::Max());
  Observed w0 = RunWindow(q, Time::FromNanos(0), a);
  Observed w1 = RunWindow(q, a, b);
  Observed w2 = RunWindow(q, b, Time::Max());
  ASSERT_GT(all.traces.size(), 900u);
  EXPECT_GT(all.stats.services[0].queued, 0u);  // the gateway queues
  // The kernel simulates every trace in every run: its counters do not depend on the window.
  EXPECT_EQ(w1.stats.traces_finished, all.stats.traces_finished);
  EXPECT_EQ(w1.stats.spans, all.stats.spans);
  EXPECT_EQ(w1.stats.events, all.stats.events);
  size_t union_size = 0;
  uint64_t starts = 0, ends = 0;
  for (const Observed* w : {&w0, &w1, &w2}) {
    union_size += w->traces.size();
    starts += w->spans.starts;
    ends += w->spans.ends;
    size_t with_spans = 0;
    for (const auto& [id, t] : w->traces) with_spans += t.spans.empty() ? 0 : 1;
    EXPECT_EQ(w->spans.traces.size(), with_spans);
    for (const auto& [id, t] : w->traces) {
      // Each observed trace is the very trace of the unwindowed run, span for span.
      auto it = all.traces.find(id);
      ASSERT_NE(it, all.traces.end());
      ASSERT_EQ(t.spans.size(), it->second.spans.size());
      for (size_t i = 0; i < t.spans.size(); ++i) {
        EXPECT_EQ(t.spans[i].span_id, it->second.spans[i].span_id);
        EXPECT_EQ(t.spans[i].end_unix_nano, it->second.spans[i].end_unix_nano);
        EXPECT_EQ(t.spans[i].status, it->second.spans[i].status);
      }
      EXPECT_EQ(w->spans.traces.count(id), t.spans.empty() ? 0u : 1u);
    }
  }
  EXPECT_EQ(union_size, all.traces.size());
  EXPECT_EQ(starts, all.spans.starts);
  EXPECT_EQ(ends, all.spans.ends);
  for (const auto& [id, start] : w1.starts) {
    EXPECT_GE(start, a);
    EXPECT_LT(start, b);
  }
  for (const auto& [id, start] : w0.starts) EXPECT_LT(start, a);
}

// An observer with kAllTraces sees every trace, each marked in or out of the window.
class AllTraces final : public SimulationObserver {
 public:
  uint32_t Interests() const override { return kSpanEnd | kTraceComplete | kAllTraces; }
  void OnSpanEnd(const Model&, const Span& span, std::span<const SpanEvent>,
                 std::span<const SpanLink>) noexcept override {
    ++(span.observed ? spans_in : spans_out);
  }
  void OnTrace(const TraceView& t) noexcept override {
    ++(t.observed ? traces_in : traces_out);
    const bool inside = t.truth->start >= Time::FromNanos(1'000'000'000);
    if (inside != t.observed) ++wrong;
  }
  uint64_t spans_in = 0, spans_out = 0, traces_in = 0, traces_out = 0, wrong = 0;
};

TEST(ObserveWindowTest, AllTracesObserversSeeBothSidesMarked) {
  Queueing q;
  SimulationOptions opt;
  opt.seed = 7;
  opt.observe_from = Time::FromNanos(1'000'000'000);
  AllTraces all;
  SpanCounter window_only;
  Simulation sim(q.m, opt);
  ASSERT_TRUE(sim.AddObserver(&all).ok());
  ASSERT_TRUE(sim.AddObserver(&window_only).ok());
  PoissonArrivals arrivals(300, Duration::Seconds(3), q.entry, 11);
  ASSERT_TRUE(sim.Run(&arrivals).ok());
  EXPECT_GT(all.traces_out, 100u);
  EXPECT_GT(all.traces_in, 300u);
  EXPECT_EQ(all.wrong, 0u);
  EXPECT_EQ(all.traces_in + all.traces_out, sim.stats().traces_finished);
  EXPECT_EQ(window_only.ends, all.spans_in);  // the window-only observer saw the inside only
  EXPECT_GT(all.spans_out, 0u);
}

TEST(ObserveWindowTest, AnEmptyWindowShowsNothingAndAReversedOneIsAnError) {
  Queueing q;
  Observed none = RunWindow(q, Time::FromNanos(10'000'000'000), Time::Max());
  EXPECT_TRUE(none.traces.empty());
  EXPECT_EQ(none.spans.starts, 0u);
  EXPECT_GT(none.stats.traces_finished, 0u);

  SimulationOptions opt;
  opt.observe_from = Time::FromNanos(2);
  opt.observe_until = Time::FromNanos(1);
  Status st = opt.Validate();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("observe_until"), std::string::npos);
}

}  // namespace
}  // namespace tracesim::sim
