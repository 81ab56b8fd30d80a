// ServiceLatencySink: spans land in the right 1-2-5 bin, by the RED table's rules (SERVER and
// CONSUMER spans per service, CLIENT spans per leaf dependency), empty end bins trimmed.
#include "reports/traces/latency_histogram.h"

#include <gtest/gtest.h>

#include "sim/model/test_model.h"

namespace tracesim::reports {
namespace {

sim::Span Timed(uint32_t service, sim::SpanKind kind, int64_t micros, uint32_t peer = sim::kNone) {
  sim::Span s;
  s.service = service;
  s.peer = peer;
  s.kind = kind;
  s.start_unix_nano = 1'000'000'000;
  s.end_unix_nano = s.start_unix_nano + micros * 1000;
  return s;
}

TEST(ServiceLatencyTest, BinsByServiceAndDependencyAsTheRedTable) {
  sim::Model m;
  const uint32_t api = sim::AddService(m, "api", sim::ServiceKind::kService, 1, 0, 0);
  const uint32_t db = sim::AddService(m, "db", sim::ServiceKind::kDatabase, 1, 0, 0);
  sim::AddService(m, "idle", sim::ServiceKind::kService, 1, 0, 0);  // no requests: left out
  std::vector<sim::Span> spans = {
      Timed(api, sim::SpanKind::kServer, 1500),         // 1–2 ms
      Timed(api, sim::SpanKind::kServer, 1999),         // 1–2 ms
      Timed(api, sim::SpanKind::kServer, 2000),         // 2–5 ms (upper bound exclusive)
      Timed(api, sim::SpanKind::kInternal, 900),        // not a request
      Timed(api, sim::SpanKind::kClient, 700, db),      // db as api sees it: 0.5–1 ms
      Timed(api, sim::SpanKind::kClient, 70'000, api),  // a call to a service: not a dependency
  };
  sim::TraceView view;
  view.model = &m;
  view.spans = spans;
  ServiceLatencySink sink(m);
  sink.OnTrace(view);
  const LatencyHistograms h = sink.Histograms();
  EXPECT_EQ(h.bins, (std::vector<std::string>{"0.5–1", "1–2", "2–5"}));
  ASSERT_EQ(h.services.size(), 2u);
  EXPECT_EQ(h.services[0].service, "api");
  EXPECT_FALSE(h.services[0].dependency);
  EXPECT_EQ(h.services[0].requests, 3u);
  EXPECT_EQ(h.services[0].counts, (std::vector<uint64_t>{0, 2, 1}));
  EXPECT_EQ(h.services[1].service, "db");
  EXPECT_TRUE(h.services[1].dependency);
  EXPECT_EQ(h.services[1].counts, (std::vector<uint64_t>{1, 0, 0}));
}

TEST(ServiceLatencyTest, OpenEndedBinsAtBothEnds) {
  sim::Model m;
  const uint32_t api = sim::AddService(m, "api", sim::ServiceKind::kService, 1, 0, 0);
  std::vector<sim::Span> spans = {Timed(api, sim::SpanKind::kServer, 50),
                                  Timed(api, sim::SpanKind::kConsumer, 90'000'000)};
  sim::TraceView view;
  view.spans = spans;
  ServiceLatencySink sink(m);
  sink.OnTrace(view);
  const LatencyHistograms h = sink.Histograms();
  ASSERT_EQ(h.bins.size(), ServiceLatencySink::kBins);
  EXPECT_EQ(h.bins.front(), "<0.1");
  EXPECT_EQ(h.bins[1], "0.1–0.2");
  EXPECT_EQ(h.bins.back(), "≥60000");
  EXPECT_EQ(h.services[0].counts.front(), 1u);
  EXPECT_EQ(h.services[0].counts.back(), 1u);
  EXPECT_TRUE(ServiceLatencySink(m).Histograms().services.empty());
}

}  // namespace
}  // namespace tracesim::reports
