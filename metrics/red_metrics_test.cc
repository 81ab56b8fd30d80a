#include "metrics/red_metrics.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

namespace tracesim::metrics {
namespace {

// frontend(0) -> checkout(1) -> postgres(2, db), redis(3, cache); kafka(4, messaging).
struct Fixture {
  sim::Model m;
  Fixture() {
    auto svc = [&](const char* name, sim::ServiceKind kind) {
      sim::Service s;
      s.name = m.strings.Intern(name);
      s.kind = kind;
      m.services.push_back(s);
    };
    svc("frontend", sim::ServiceKind::kService);
    svc("checkout", sim::ServiceKind::kService);
    svc("postgres", sim::ServiceKind::kDatabase);
    svc("redis", sim::ServiceKind::kCache);
    svc("kafka", sim::ServiceKind::kMessaging);
    auto op = [&](uint32_t service, const char* name, sim::SpanKind kind, bool emits) {
      sim::Operation o;
      o.service = service;
      o.name = o.span_name = m.strings.Intern(name);
      o.kind = kind;
      o.emits_span = emits;
      m.operations.push_back(o);
      m.services[service].operations.push_back(static_cast<uint32_t>(m.operations.size() - 1));
    };
    op(0, "GET /", sim::SpanKind::kServer, true);             // 0
    op(1, "POST /pay", sim::SpanKind::kServer, true);         // 1
    op(1, "POST /checkout", sim::SpanKind::kServer, true);    // 2
    op(2, "SELECT", sim::SpanKind::kClient, false);           // 3
    op(1, "orders process", sim::SpanKind::kConsumer, true);  // 4
    m.Finalize();
  }
  sim::Span MakeSpan(sim::SpanKind kind, uint32_t service, const char* name, int64_t dur,
                     bool error = false, uint32_t peer = sim::kNone) {
    sim::Span s;
    s.kind = kind;
    s.service = service;
    s.name = m.strings.Intern(name);
    s.start_unix_nano = 1'000'000;
    s.end_unix_nano = 1'000'000 + dur;
    s.status = error ? sim::StatusCode::kError : sim::StatusCode::kUnset;
    s.peer = peer;
    return s;
  }
};

void Feed(RedMetricsSink& sink, const sim::Model& m, const std::vector<sim::Span>& spans) {
  sim::TraceView v;
  v.model = &m;
  v.spans = spans;
  sink.OnTrace(v);
}

TEST(RedMetricsSinkTest, AggregatesServicesOperationsDependencies) {
  Fixture f;
  RedMetricsSink sink(f.m);
  using K = sim::SpanKind;
  // Trace 1: ok.
  Feed(sink, f.m,
       {f.MakeSpan(K::kClient, 1, "SELECT", 2'000, false, 2),
        f.MakeSpan(K::kClient, 1, "GET", 500, false, 3),
        f.MakeSpan(K::kServer, 1, "POST /checkout", 5'000),
        f.MakeSpan(K::kClient, 0, "POST /checkout", 6'000, false, 1),
        f.MakeSpan(K::kServer, 0, "GET /", 10'000)});
  // Trace 2: db error propagates.
  Feed(sink, f.m,
       {f.MakeSpan(K::kClient, 1, "SELECT", 3'000, true, 2),
        f.MakeSpan(K::kServer, 1, "POST /checkout", 4'000, true),
        f.MakeSpan(K::kClient, 0, "POST /checkout", 4'500, true, 1),
        f.MakeSpan(K::kServer, 0, "GET /", 8'000, true),
        f.MakeSpan(K::kProducer, 0, "publish orders", 100, false, 4)});
  // Trace 3: a consumer fragment and an internal span.
  Feed(sink, f.m,
       {f.MakeSpan(K::kInternal, 1, "validate", 50),
        f.MakeSpan(K::kConsumer, 1, "orders process", 700)});

  const TraceTotals& t = sink.totals();
  EXPECT_EQ(t.traces, 3u);
  EXPECT_EQ(t.spans, 12u);
  EXPECT_EQ(t.error_traces, 1u);
  EXPECT_EQ(t.spans_by_kind[static_cast<int>(K::kServer)], 4u);
  EXPECT_EQ(t.spans_by_kind[static_cast<int>(K::kClient)], 5u);
  EXPECT_EQ(t.spans_by_kind[static_cast<int>(K::kProducer)], 1u);
  EXPECT_EQ(t.spans_by_kind[static_cast<int>(K::kConsumer)], 1u);
  EXPECT_EQ(t.spans_by_kind[static_cast<int>(K::kInternal)], 1u);

  std::vector<ServiceRed> services = sink.Services();
  ASSERT_EQ(services.size(), 5u);
  EXPECT_EQ(services[0].name, "frontend");
  EXPECT_EQ(services[0].requests, 2u);
  EXPECT_EQ(services[0].errors, 1u);
  EXPECT_EQ(services[0].latency.Max(), 10'000);
  EXPECT_EQ(services[0].latency.Min(), 8'000);
  EXPECT_EQ(services[1].name, "checkout");
  EXPECT_EQ(services[1].requests, 3u);  // 2 SERVER + 1 CONSUMER
  EXPECT_EQ(services[1].errors, 1u);
  EXPECT_EQ(services[2].name, "postgres");
  EXPECT_EQ(services[2].kind, sim::ServiceKind::kDatabase);
  EXPECT_EQ(services[2].requests, 0u);

  std::vector<DependencyRed> deps = sink.Dependencies();
  ASSERT_EQ(deps.size(), 3u);
  EXPECT_EQ(deps[0].name, "postgres");
  EXPECT_EQ(deps[0].requests, 2u);
  EXPECT_EQ(deps[0].errors, 1u);
  EXPECT_EQ(deps[0].latency.Sum(), 5'000u);
  EXPECT_EQ(deps[1].name, "redis");
  EXPECT_EQ(deps[1].kind, sim::ServiceKind::kCache);
  EXPECT_EQ(deps[1].requests, 1u);
  EXPECT_EQ(deps[2].name, "kafka");
  EXPECT_EQ(deps[2].requests, 1u);  // the PRODUCER span

  std::vector<OperationRed> ops = sink.Operations();
  std::vector<std::string> order;
  for (const auto& o : ops) order.push_back(o.service + "|" + o.name);
  // Service order, then model operations (POST /pay never seen; POST /checkout before
  // orders process), then the others by kind, name.
  EXPECT_EQ(order, (std::vector<std::string>{"frontend|GET /", "frontend|POST /checkout",
                                             "frontend|publish orders", "checkout|POST /checkout",
                                             "checkout|orders process", "checkout|validate",
                                             "checkout|GET", "checkout|SELECT"}));
  EXPECT_EQ(ops[0].requests, 2u);
  EXPECT_EQ(ops[0].errors, 1u);
  EXPECT_EQ(ops[1].kind, sim::SpanKind::kClient);
  EXPECT_EQ(ops[1].latency.Sum(), 10'500u);
  EXPECT_EQ(ops[7].errors, 1u);
}

// Many span names (the operation index grows several times), fed interleaved: every key keeps
// its own counts, whichever order they come in.
TEST(RedMetricsSinkTest, ManyOperationsKeepTheirOwnCounts) {
  Fixture f;
  RedMetricsSink sink(f.m);
  constexpr int kNames = 300;
  std::vector<std::string> names;
  for (int i = 0; i < kNames; ++i) names.push_back("op-" + std::to_string(i));
  for (int round = 0; round < 3; ++round) {
    std::vector<sim::Span> spans;
    for (int i = 0; i < kNames; ++i) {
      if (i % 3 < round) continue;  // op i is seen 1 + i % 3 times
      for (sim::SpanKind kind : {sim::SpanKind::kServer, sim::SpanKind::kInternal})
        spans.push_back(f.MakeSpan(kind, static_cast<uint32_t>(i % 2), names[i].c_str(), 1000 + i));
    }
    Feed(sink, f.m, spans);
  }
  std::vector<OperationRed> ops = sink.Operations();
  ASSERT_EQ(ops.size(), 2u * kNames);
  std::map<std::string, uint64_t> requests;
  for (const OperationRed& o : ops) {
    const int i = std::stoi(o.name.substr(3));
    EXPECT_EQ(o.service, i % 2 == 0 ? "frontend" : "checkout") << o.name;
    EXPECT_EQ(o.latency.Sum(), o.requests * static_cast<uint64_t>(1000 + i)) << o.name;
    requests[o.name + (o.kind == sim::SpanKind::kServer ? "/server" : "/internal")] = o.requests;
  }
  ASSERT_EQ(requests.size(), 2u * kNames);
  for (int i = 0; i < kNames; ++i) {
    EXPECT_EQ(requests[names[i] + "/server"], static_cast<uint64_t>(1 + i % 3)) << names[i];
    EXPECT_EQ(requests[names[i] + "/internal"], static_cast<uint64_t>(1 + i % 3)) << names[i];
  }
}

TEST(RedMetricsSinkTest, EmptyAndUnknownIndices) {
  Fixture f;
  RedMetricsSink sink(f.m);
  EXPECT_EQ(sink.Operations().size(), 0u);
  EXPECT_EQ(sink.Services()[0].requests, 0u);
  EXPECT_EQ(sink.Services()[0].latency.Percentile(99), 0);
  // Spans with no service / unknown peer are counted in totals only (and as an operation).
  sim::Span s = f.MakeSpan(sim::SpanKind::kServer, sim::kNone, "x", 10);
  sim::Span c = f.MakeSpan(sim::SpanKind::kClient, 0, "y", 10, false, 12345);
  Feed(sink, f.m, {s, c});
  EXPECT_EQ(sink.totals().spans, 2u);
  for (const auto& d : sink.Dependencies()) EXPECT_EQ(d.requests, 0u);
  EXPECT_EQ(sink.Operations().size(), 2u);
}

}  // namespace
}  // namespace tracesim::metrics
