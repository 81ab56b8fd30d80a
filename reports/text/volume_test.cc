// VolumeTally over a real run of a two-service model: every exported span counted once at its
// exact OTLP size (the pure size function's), merged and restored exactly.
#include "reports/text/volume.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "sampling/collector/tail_sampling/tail_size.h"
#include "sim/kernel/simulation.h"
#include "sim/model/test_model.h"

namespace tracesim::reports {
namespace {

using namespace sim;

// Sums what the tally should: each span's Span message size (OtlpSpanSize, unmemoised).
class Reference final : public SpanSink {
 public:
  explicit Reference(const Model& m) : m_(m) {}
  void OnTrace(const TraceView& t) noexcept override {
    if (t.spans.empty()) return;
    ++traces;
    for (const Span& s : t.spans) {
      ++spans;
      bytes += sampling::OtlpSpanSize(m_, s, t.events.subspan(s.first_event, s.event_count),
                                      t.links.subspan(s.first_link, s.link_count));
    }
  }
  uint64_t traces = 0, spans = 0, bytes = 0;

 private:
  const Model& m_;
};

Model TwoServices(uint32_t* entry) {
  Model m;
  const uint32_t front = AddService(m, "front", ServiceKind::kService, 1, 0, 0);
  const uint32_t back = AddService(m, "back", ServiceKind::kService, 1, 0, 0);
  const uint32_t back_op = AddOp(m, back, "GET /b", {Work(Distribution::Constant(1e6))});
  *entry = AddOp(m, front, "GET /", {CallTo(back_op), CallTo(back_op, 0.5)});
  m.Finalize();
  return m;
}

TEST(VolumeTallyTest, CountsEverySpanAtItsOtlpSize) {
  uint32_t entry = 0;
  const Model m = TwoServices(&entry);
  VolumeTally tally(m);
  Reference ref(m);
  Simulation s(m, SimulationOptions{});
  s.AddObserver(&tally);
  s.AddObserver(&ref);
  auto arrivals = EvenArrivals(Duration::Millis(10), Duration::Seconds(2), entry);
  ASSERT_TRUE(s.Run(&arrivals).ok());
  EXPECT_EQ(tally.traces(), 200u);
  EXPECT_EQ(tally.traces(), ref.traces);
  EXPECT_EQ(tally.spans(), ref.spans);
  EXPECT_EQ(tally.bytes(), ref.bytes);
  EXPECT_GT(tally.bytes(), 50 * tally.spans());

  // An empty trace (nothing exported) counts nothing.
  tally.OnTrace(TraceView{});
  EXPECT_EQ(tally.traces(), 200u);

  StateWriter out;
  tally.SaveState(out);
  const std::string saved = out.Take();
  VolumeTally loaded(m);
  StateReader in(saved);
  ASSERT_TRUE(loaded.LoadState(in));
  loaded.Merge(tally);
  EXPECT_EQ(loaded.traces(), 2 * tally.traces());
  EXPECT_EQ(loaded.spans(), 2 * tally.spans());
  EXPECT_EQ(loaded.bytes(), 2 * tally.bytes());
  VolumeTally truncated(m);
  StateReader short_in(std::string_view(saved).substr(0, saved.size() - 1));
  EXPECT_FALSE(truncated.LoadState(short_in));
}

}  // namespace
}  // namespace tracesim::reports
