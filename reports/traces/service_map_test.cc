#include "reports/traces/service_map.h"

#include <gtest/gtest.h>

#include "reports/traces/timeline.h"
#include "scenarios/scenario.h"

namespace tracesim::reports {
namespace {

size_t Count(const std::string& text, const std::string& what) {
  size_t n = 0;
  for (size_t at = text.find(what); at != std::string::npos; at = text.find(what, at + 1)) ++n;
  return n;
}

TEST(ServiceMapTest, OneEdgePerServicePairUnlessAskedAndALegend) {
  auto sc = scenarios::LoadScenario("online-shop");
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  ServiceMapOptions o;
  const std::string pairs = ServiceMapDot(sc->model, o);
  o.per_operation = true;
  const std::string ops = ServiceMapDot(sc->model, o);
  EXPECT_GT(Count(ops, " -> "), Count(pairs, " -> "));
  EXPECT_NE(pairs.find("cluster_legend"), std::string::npos);
  EXPECT_NE(pairs.find("shape=cylinder"), std::string::npos);  // a database
  // No pair appears twice.
  std::set<std::string> lines;
  size_t start = 0;
  for (size_t nl = pairs.find('\n'); nl != std::string::npos; nl = pairs.find('\n', start)) {
    std::string line = pairs.substr(start, nl - start);
    if (line.find(" -> ") != std::string::npos) {
      EXPECT_TRUE(lines.insert(line).second) << line;
    }
    start = nl + 1;
  }
}

TEST(ServiceMapTest, RunCountsLabelTheEdges) {
  auto sc = scenarios::LoadScenario("checkout");
  ASSERT_TRUE(sc.ok());
  const uint32_t gw = sc->model.FindService("api-gateway"), pay = sc->model.FindService("payment");
  std::vector<EdgeCount> counts = {{gw, pay, 1000, 50}};
  ServiceMapOptions o;
  o.counts = &counts;
  o.simulated_s = 10;
  const std::string dot = ServiceMapDot(sc->model, o);
  EXPECT_NE(dot.find("\"api-gateway\" -> \"payment\" [label=\"100/s\\n5.0% err\""),
            std::string::npos)
      << dot;
  EXPECT_NE(dot.find("style=dashed, label=\"0/s\""), std::string::npos);  // edges never taken
  counts[0].p99_ms = 412.4;
  o.latency = true;  // the HTML report's map: p99 on the label
  EXPECT_NE(ServiceMapDot(sc->model, o)
                .find("\"api-gateway\" -> \"payment\" [label=\"100/s · p99 412 ms\\n5.0% err\""),
            std::string::npos);
}

TEST(TimelineTest, EdgesCarryTheCallersLatency) {
  auto sc = scenarios::LoadScenario("checkout");
  ASSERT_TRUE(sc.ok());
  const uint32_t gw = sc->model.FindService("api-gateway"), pay = sc->model.FindService("payment");
  std::vector<sim::Span> spans;
  for (int64_t ms : {10, 20, 30, 40, 1000}) {
    sim::Span s;
    s.kind = sim::SpanKind::kClient;
    s.service = gw;
    s.peer = pay;
    s.end_unix_nano = ms * 1'000'000;
    spans.push_back(s);
  }
  sim::TraceView v;
  v.model = &sc->model;
  v.spans = spans;
  TimelineSink t(sim::Duration::Seconds(10));
  t.OnTrace(v);
  ASSERT_EQ(t.Edges().size(), 1u);
  EXPECT_EQ(t.Edges()[0].calls, 5u);
  EXPECT_NEAR(t.Edges()[0].p50_ms, 30, 0.3);
  EXPECT_NEAR(t.Edges()[0].p99_ms, 1000, 10);
}

TEST(ServiceMapTest, RendersSvgAndPngInProcess) {
  if (!GraphvizAvailable()) GTEST_SKIP() << "built without libgraphviz-dev";
  auto sc = scenarios::LoadScenario("checkout");
  ASSERT_TRUE(sc.ok());
  const std::string dot = ServiceMapDot(sc->model, ServiceMapOptions{});
  auto svg = RenderDot(dot, "svg");
  ASSERT_TRUE(svg.ok()) << svg.status().ToString();
  EXPECT_TRUE(svg->starts_with("<svg")) << svg->substr(0, 80);
  EXPECT_NE(svg->find(">api&#45;gateway<"), std::string::npos);
  auto png = RenderDot(dot, "png");
  ASSERT_TRUE(png.ok());
  EXPECT_TRUE(png->starts_with("\x89PNG"));
  EXPECT_FALSE(RenderDot("digraph {", "svg").ok());
  EXPECT_FALSE(RenderDot(dot, "gif").ok());
}

}  // namespace
}  // namespace tracesim::reports
