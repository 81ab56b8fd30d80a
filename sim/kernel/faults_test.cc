// One test per fault kind and per resilience behaviour, each showing its exact effect on the
// spans and on the per-trace truth.
#include "sim/model/faults.h"

#include <gtest/gtest.h>

#include <map>

#include "sim/kernel/simulation.h"
#include "sim/kernel/sink.h"
#include "sim/model/test_model.h"

namespace tracesim::sim {
namespace {

// A sink that keeps traces and their truth records.
class TruthSink : public SpanSink {
 public:
  struct Entry {
    InMemorySink::StoredTrace trace;
    TraceTruth truth;
  };
  void OnTrace(const TraceView& v) noexcept override {
    Entry e;
    e.trace.trace_id = v.trace_id;
    e.trace.spans.assign(v.spans.begin(), v.spans.end());
    e.trace.events.assign(v.events.begin(), v.events.end());
    e.trace.links.assign(v.links.begin(), v.links.end());
    e.truth = *v.truth;
    entries.push_back(std::move(e));
  }
  std::vector<Entry> entries;
};

// front (HTTP) -> back (HTTP, 10 ms of work) and front -> postgres (2 ms).
struct Pair {
  Model m;
  uint32_t front, back, pg, entry, back_op, pg_op;
  explicit Pair(uint32_t back_instances = 1, bool with_db = false) {
    front = AddService(m, "front", ServiceKind::kService, 1, 0, 0);
    back = AddService(m, "back", ServiceKind::kService, back_instances, 0, 0);
    pg = AddService(m, "postgres", ServiceKind::kDatabase, 1, 0, 0);
    back_op = AddOp(m, back, "GET /b", {Work(Distribution::Constant(10e6))});
    pg_op = AddOp(m, pg, "SELECT t", {Work(Distribution::Constant(2e6))}, Protocol::kDb);
    std::vector<Step> steps = {CallTo(back_op)};
    if (with_db) steps.push_back(CallTo(pg_op));
    entry = AddOp(m, front, "GET /", steps);
  }
  CallSpec& Call(size_t i = 0) { return m.operations[entry].steps[i].call; }
  void Done() { m.Finalize(); }
};

struct Collected {
  std::vector<TruthSink::Entry> entries;
};

Collected RunPlan(const Model& m, const FaultPlan* plan, ArrivalSource* arrivals,
                  SimulationStats* stats = nullptr, SimulationObserver* listener = nullptr) {
  TruthSink sink;
  SimulationOptions opt;
  opt.faults = plan;
  Simulation sim(m, opt);
  sim.AddObserver(&sink);
  if (listener) sim.AddObserver(listener);
  Status st = sim.Run(arrivals);
  EXPECT_TRUE(st.ok()) << st.ToString();
  if (stats) *stats = sim.stats();
  return Collected{std::move(sink.entries)};
}

const Span* FindSpan(const InMemorySink::StoredTrace& t, SpanKind kind, uint32_t service) {
  for (const Span& s : t.spans)
    if (s.kind == kind && s.service == service) return &s;
  return nullptr;
}

int64_t Ms(const Span& s) { return s.duration_nanos() / 1000'000; }

Fault MakeFault(const std::string& id, Fault::Kind kind, uint32_t service,
                Time start = Time::Zero(), Time end = Time::Max()) {
  Fault f;
  f.id = id;
  f.kind = kind;
  f.service = service;
  f.start = start;
  f.end = end;
  return f;
}

TEST(FaultTest, ErrorFaultFailsRequestsInItsWindowWithAnException) {
  Pair p;
  p.Done();
  FaultPlan plan;
  Model& m = p.m;
  Fault f = MakeFault("back-errors", Fault::Kind::kError, p.back, Time::FromNanos(1'000'000'000),
                      Time::FromNanos(2'000'000'000));
  f.status = 503;
  f.exception_type = m.strings.Intern("io.grpc.StatusRuntimeException");
  f.exception_message = m.strings.Intern("UNAVAILABLE: upstream connect error");
  f.exception_stacktrace = m.strings.Intern("at Back.handle(Back.java:42)");
  plan.faults.push_back(f);
  auto arrivals = EvenArrivals(Duration::Millis(100), Duration::Seconds(3), p.entry);
  Collected sink = RunPlan(m, &plan, &arrivals);
  ASSERT_EQ(sink.entries.size(), 30u);
  for (const auto& e : sink.entries) {
    bool in_window =
        e.truth.start.nanos() >= 1'000'000'000 && e.truth.start.nanos() < 2'000'000'000;
    const Span* server = FindSpan(e.trace, SpanKind::kServer, p.back);
    const Span* root = FindSpan(e.trace, SpanKind::kServer, p.front);
    ASSERT_TRUE(server && root);
    EXPECT_EQ(e.truth.fault_mask, in_window ? 1u : 0u);
    EXPECT_EQ(server->status == StatusCode::kError, in_window);
    EXPECT_EQ(e.truth.root_error, in_window);
    if (!in_window) continue;
    EXPECT_EQ(server->FindAttr(m.well_known.http_response_status_code)->i, 503);
    ASSERT_EQ(server->event_count, 1u);
    const SpanEvent& ev = e.trace.events[server->first_event];
    EXPECT_EQ(ev.name, m.well_known.exception);
    ASSERT_EQ(ev.attr_count, 3);
    EXPECT_EQ(ev.attrs[0].value.str, f.exception_type);
    EXPECT_EQ(ev.attrs[2].value.str, f.exception_stacktrace);
    // Upstream: 503 is "unavailable", so the HTTP caller answers 503 too.
    EXPECT_EQ(root->FindAttr(m.well_known.http_response_status_code)->i, 503);
    EXPECT_EQ(e.truth.root_cause_service, p.back);
    EXPECT_EQ(e.truth.root_cause_operation, p.back_op);
  }
}

TEST(FaultTest, LatencyFaultMultipliesAndAddsWork) {
  Pair p;
  p.Done();
  FaultPlan plan;
  Fault f = MakeFault("slow-back", Fault::Kind::kLatency, p.back);
  f.multiplier = 3;
  f.extra_latency = Distribution::Constant(5e6);
  plan.faults.push_back(f);
  auto arrivals = EvenArrivals(Duration::Millis(100), Duration::Seconds(1), p.entry);
  Collected sink = RunPlan(p.m, &plan, &arrivals);
  for (const auto& e : sink.entries) {
    EXPECT_EQ(Ms(*FindSpan(e.trace, SpanKind::kServer, p.back)), 35);  // 10 ms x 3 + 5 ms
    EXPECT_EQ(e.truth.fault_mask, 1u);
    EXPECT_FALSE(e.truth.error);
  }
}

TEST(FaultTest, DependencyStallDelaysEveryQuery) {
  Pair p(1, /*with_db=*/true);
  p.Done();
  FaultPlan plan;
  Fault f = MakeFault("pg-failover", Fault::Kind::kLatency, p.pg, Time::FromNanos(500'000'000),
                      Time::FromNanos(1'500'000'000));
  f.extra_latency = Distribution::Constant(200e6);
  plan.faults.push_back(f);
  auto arrivals = EvenArrivals(Duration::Millis(100), Duration::Seconds(2), p.entry);
  Collected sink = RunPlan(p.m, &plan, &arrivals);
  int stalled = 0;
  for (const auto& e : sink.entries) {
    const Span* q = FindSpan(e.trace, SpanKind::kClient, p.front);
    for (const Span& s : e.trace.spans)
      if (s.kind == SpanKind::kClient && s.peer == p.pg) q = &s;
    bool hit = e.truth.fault_mask == 1;
    EXPECT_EQ(Ms(*q), hit ? 202 : 2);
    stalled += hit;
  }
  EXPECT_EQ(stalled, 10);
}

TEST(FaultTest, OutageRefusesConnectionsWithoutServerSpans) {
  for (int64_t connect_timeout_ms : {0, 3000}) {
    Pair p;
    p.m.services[p.back].network_latency = Distribution::Constant(1e6);
    p.Done();
    FaultPlan plan;
    Fault f = MakeFault("back-down", Fault::Kind::kOutage, p.back);
    f.connect_timeout = Duration::Millis(connect_timeout_ms);
    plan.faults.push_back(f);
    auto arrivals = EvenArrivals(Duration::Millis(100), Duration::Seconds(1), p.entry);
    SimulationStats stats;
    Collected sink = RunPlan(p.m, &plan, &arrivals, &stats);
    EXPECT_EQ(stats.refused, 10u);
    for (const auto& e : sink.entries) {
      EXPECT_EQ(FindSpan(e.trace, SpanKind::kServer, p.back), nullptr);
      const Span* client = FindSpan(e.trace, SpanKind::kClient, p.front);
      ASSERT_NE(client, nullptr);
      EXPECT_EQ(client->status, StatusCode::kError);
      EXPECT_EQ(client->FindAttr(p.m.well_known.error_type)->str,
                p.m.well_known.err_connection_refused);
      EXPECT_EQ(client->FindAttr(p.m.well_known.http_response_status_code), nullptr)
          << "no response came";
      // Refused after one network hop, or after the connect timeout.
      EXPECT_EQ(Ms(*client), connect_timeout_ms ? connect_timeout_ms : 2);
      EXPECT_EQ(e.truth.root_cause_service, p.back);
      EXPECT_TRUE(e.truth.root_error);
    }
  }
}

TEST(FaultTest, DegradedInstanceSlowsOnlyThatInstance) {
  Pair p(3);
  p.Done();
  FaultPlan plan;
  Fault f = MakeFault("bad-pod", Fault::Kind::kLatency, p.back);
  f.instance = 1;
  f.multiplier = 10;
  plan.faults.push_back(f);
  auto arrivals = EvenArrivals(Duration::Millis(10), Duration::Seconds(1), p.entry);
  Collected sink = RunPlan(p.m, &plan, &arrivals);
  std::map<uint32_t, int> slow_by_instance, all_by_instance;
  for (const auto& e : sink.entries) {
    const Span* s = FindSpan(e.trace, SpanKind::kServer, p.back);
    uint32_t inst = p.m.resources[s->resource].instance;
    all_by_instance[inst]++;
    if (Ms(*s) == 100) slow_by_instance[inst]++;
    EXPECT_EQ(e.truth.fault_mask != 0, inst == 1);
  }
  EXPECT_EQ(slow_by_instance[1], all_by_instance[1]);
  EXPECT_EQ(slow_by_instance[0] + slow_by_instance[2], 0);
}

TEST(FaultTest, BrokenPropagationStartsAFragmentTrace) {
  Pair p;
  p.Done();
  FaultPlan plan;
  plan.faults.push_back(MakeFault("lost-context", Fault::Kind::kBrokenPropagation, p.front));
  auto arrivals = EvenArrivals(Duration::Millis(100), Duration::Seconds(1), p.entry);
  SimulationStats stats;
  Collected sink = RunPlan(p.m, &plan, &arrivals, &stats);
  ASSERT_EQ(sink.entries.size(), 20u);  // 10 requests, each split in two traces
  EXPECT_EQ(stats.fragments, 10u);
  std::map<std::pair<uint64_t, uint64_t>, const TruthSink::Entry*> by_id;
  for (const auto& e : sink.entries) by_id[{e.trace.trace_id.hi, e.trace.trace_id.lo}] = &e;
  int fragments = 0;
  for (const auto& e : sink.entries) {
    if (!e.truth.fragment) {
      EXPECT_TRUE(e.truth.fragmented);
      EXPECT_EQ(e.trace.spans.size(), 2u);  // front SERVER + CLIENT; the callee is elsewhere
      continue;
    }
    ++fragments;
    ASSERT_EQ(e.trace.spans.size(), 1u);
    const Span& s = e.trace.spans[0];
    EXPECT_EQ(s.kind, SpanKind::kServer);
    EXPECT_EQ(s.service, p.back);
    EXPECT_EQ(s.parent_span_id, 0u) << "a new root: the context never arrived";
    EXPECT_EQ(e.truth.fault_mask, 1u);
    auto parent = by_id.find({e.truth.parent_trace_id.hi, e.truth.parent_trace_id.lo});
    ASSERT_NE(parent, by_id.end());
    EXPECT_NE(parent->second->trace.trace_id, e.trace.trace_id);
  }
  EXPECT_EQ(fragments, 10);
}

// A consumer fragment inherits the faults that had touched the original trace when the context
// was lost (at the publish), not those that touched it while the message was in flight
// (doc/scenario.md, "Touched traces"; doc/ground-truth.md).
TEST(FaultTest, ConsumerFragmentInheritsOnlyFaultsFromBeforeThePublish) {
  Model m;
  uint32_t prod = AddService(m, "producer", ServiceKind::kService, 1, 0, 0);
  uint32_t kafka = AddService(m, "kafka", ServiceKind::kMessaging, 1, 0, 0);
  uint32_t cons = AddService(m, "consumer", ServiceKind::kService, 1, 1, 0);
  uint32_t process =
      AddOp(m, cons, "process orders", {Work(Distribution::Constant(5e6))}, Protocol::kMessaging);
  m.operations[process].kind = SpanKind::kConsumer;
  Topic topic;
  topic.name = m.strings.Intern("orders");
  topic.broker = kafka;
  topic.publish_latency = Distribution::Constant(1e6);
  topic.delivery_latency = Distribution::Constant(50e6);
  topic.consumers = {process};
  m.topics.push_back(topic);
  Step pub;
  pub.kind = Step::Kind::kPublish;
  pub.topic = 0;
  // The producer publishes, then works 10 ms: the work ends before the message is delivered.
  uint32_t entry = AddOp(m, prod, "POST /order", {pub, Work(Distribution::Constant(10e6))});
  m.Finalize();
  FaultPlan plan;
  plan.faults.push_back(MakeFault("lost-context", Fault::Kind::kBrokenPropagation, prod));
  // One request at 0; the slowdown starts after its arrival and its publish, before its work.
  Fault slow = MakeFault("slow-producer", Fault::Kind::kLatency, prod, Time::FromNanos(500'000));
  slow.multiplier = 2;
  plan.faults.push_back(slow);
  auto arrivals = EvenArrivals(Duration::Seconds(1), Duration::Seconds(1), entry);
  SimulationStats stats;
  Collected sink = RunPlan(m, &plan, &arrivals, &stats);
  ASSERT_EQ(sink.entries.size(), 2u);
  EXPECT_EQ(stats.fragments, 1u);
  int fragments = 0;
  for (const auto& e : sink.entries) {
    if (e.truth.fragment) {
      ++fragments;
      // Only the broken propagation: the latency fault touched the producer's work step after
      // the publish, so it never applied to the consumer's work.
      EXPECT_EQ(e.truth.fault_mask, 1u);
    } else {
      EXPECT_TRUE(e.truth.fragmented);
      EXPECT_EQ(e.truth.fault_mask, 3u);
      EXPECT_EQ(Ms(*FindSpan(e.trace, SpanKind::kServer, prod)), 21);  // ack 1 ms + 10 ms x 2
    }
  }
  EXPECT_EQ(fragments, 1);
}

class CountingListener : public SimulationObserver {
 public:
  uint32_t Interests() const override { return kSpanEnd; }
  void OnSpanEnd(const Model&, const Span& s, std::span<const SpanEvent>,
                 std::span<const SpanLink>) noexcept override {
    ++by_service[s.service];
  }
  std::map<uint32_t, int> by_service;
};

TEST(FaultTest, SpanLossDropsTheTargetsSpansOnly) {
  Pair p;
  p.Done();
  FaultPlan plan;
  plan.faults.push_back(MakeFault("sdk-drops", Fault::Kind::kSpanLoss, p.back));
  auto arrivals = EvenArrivals(Duration::Millis(100), Duration::Seconds(1), p.entry);
  CountingListener listener;
  SimulationStats stats;
  Collected sink = RunPlan(p.m, &plan, &arrivals, &stats, &listener);
  EXPECT_EQ(stats.lost_spans, 10u);
  EXPECT_EQ(listener.by_service[p.back], 0);
  EXPECT_EQ(listener.by_service[p.front], 20);
  for (const auto& e : sink.entries) {
    EXPECT_EQ(FindSpan(e.trace, SpanKind::kServer, p.back), nullptr);
    EXPECT_EQ(e.trace.spans.size(), 2u);
    EXPECT_EQ(e.truth.spans, 3u);
    EXPECT_EQ(e.truth.lost_spans, 1u);
    EXPECT_EQ(e.truth.fault_mask, 1u);
  }
}

// A size model that counts its calls per span and answers from what the span carries.
class CountingSizes : public SpanSizeModel {
 public:
  uint32_t SpanSize(const Span& s, std::span<const SpanEvent> events,
                    std::span<const SpanLink> links) noexcept override {
    ++calls[s.span_id];
    if (s.service == lost_service) ++lost_sized;
    return Answer(s, events.size(), links.size());
  }
  static uint32_t Answer(const Span& s, size_t events, size_t links) {
    return 1000 + 10 * s.dynamic_count + static_cast<uint32_t>(events + links);
  }
  std::map<uint64_t, int> calls;
  uint32_t lost_service = kNone;
  int lost_sized = 0;
};

TEST(FaultTest, TheSizeModelSizesEachExportedSpanOnceAndATaggedRootAgain) {
  Pair p;
  p.Done();
  FaultPlan plan;
  plan.faults.push_back(MakeFault("sdk-drops", Fault::Kind::kSpanLoss, p.back));
  for (bool with_model : {true, false}) {
    auto arrivals = EvenArrivals(Duration::Millis(100), Duration::Seconds(1), p.entry);
    CountingSizes sizes;
    sizes.lost_service = p.back;
    TruthSink sink;
    SimulationOptions opt;
    opt.faults = &plan;
    opt.tag_ground_truth = true;  // the root gains attributes after its end: sized again
    if (with_model) opt.span_sizes = &sizes;
    Simulation sim(p.m, opt);
    sim.AddObserver(&sink);
    ASSERT_TRUE(sim.Run(&arrivals).ok());
    ASSERT_EQ(sink.entries.size(), 10u);
    EXPECT_EQ(sizes.lost_sized, 0) << "a lost span is never exported, never sized";
    for (const auto& e : sink.entries) {
      ASSERT_EQ(e.trace.spans.size(), 2u);
      for (const Span& s : e.trace.spans) {
        if (!with_model) {
          EXPECT_EQ(s.exported_size, kNone);
          continue;
        }
        // The size of the span as exported: its final attributes, the truth tags included.
        EXPECT_EQ(s.exported_size, CountingSizes::Answer(s, s.event_count, s.link_count));
        EXPECT_EQ(sizes.calls[s.span_id], s.parent_span_id == 0 ? 2 : 1);
      }
    }
    if (with_model) {
      EXPECT_EQ(sizes.calls.size(), 20u);
    }
  }
}

TEST(FaultTest, ClockSkewShiftsOnlyEmittedTimestamps) {
  auto run = [](bool skew) {
    Pair p;
    p.Done();
    FaultPlan plan;
    Fault f = MakeFault("ntp-broken", Fault::Kind::kClockSkew, p.back);
    f.offset = Duration::Millis(-250);
    f.drift_ppm = 1000;  // 1 ms per simulated second
    if (skew) plan.faults.push_back(f);
    auto arrivals = EvenArrivals(Duration::Millis(1000), Duration::Seconds(3), p.entry);
    return std::make_pair(RunPlan(p.m, &plan, &arrivals), p.back);
  };
  auto [plain, back] = run(false);
  auto [skewed, back2] = run(true);
  ASSERT_EQ(plain.entries.size(), skewed.entries.size());
  for (size_t i = 0; i < plain.entries.size(); ++i) {
    const Span* a = FindSpan(plain.entries[i].trace, SpanKind::kServer, back);
    const Span* b = FindSpan(skewed.entries[i].trace, SpanKind::kServer, back);
    int64_t expected = -250'000'000 + static_cast<int64_t>(i) * 1'000'000;  // drift after i seconds
    EXPECT_NEAR(b->start_unix_nano - a->start_unix_nano, expected, 20'000);
    // The truth (simulated time) is the same with and without skew.
    EXPECT_EQ(plain.entries[i].truth.latency(), skewed.entries[i].truth.latency());
    EXPECT_EQ(skewed.entries[i].truth.fault_mask, 1u);
    // The front's spans are untouched.
    EXPECT_EQ(plain.entries[i].trace.spans[0].start_unix_nano,
              skewed.entries[i].trace.spans[0].start_unix_nano);
  }
}

TEST(FaultTest, ConsumerLagDelaysAndSlowsConsumers) {
  Model m;
  uint32_t prod = AddService(m, "producer", ServiceKind::kService, 1, 0, 0);
  uint32_t kafka = AddService(m, "kafka", ServiceKind::kMessaging, 1, 0, 0);
  uint32_t cons = AddService(m, "consumer", ServiceKind::kService, 1, 1, 0);
  uint32_t process =
      AddOp(m, cons, "process orders", {Work(Distribution::Constant(5e6))}, Protocol::kMessaging);
  m.operations[process].kind = SpanKind::kConsumer;
  Topic topic;
  topic.name = m.strings.Intern("orders");
  topic.broker = kafka;
  topic.publish_latency = Distribution::Constant(1e6);
  topic.delivery_latency = Distribution::Constant(2e6);
  topic.consumers = {process};
  m.topics.push_back(topic);
  Step pub;
  pub.kind = Step::Kind::kPublish;
  pub.topic = 0;
  uint32_t entry = AddOp(m, prod, "POST /order", {pub});
  m.Finalize();
  FaultPlan plan;
  Fault f = MakeFault("lag", Fault::Kind::kConsumerLag, cons);
  f.extra_latency = Distribution::Constant(30e9);
  f.multiplier = 4;
  plan.faults.push_back(f);
  auto arrivals = EvenArrivals(Duration::Millis(100), Duration::Seconds(1), entry);
  Collected sink = RunPlan(m, &plan, &arrivals);
  ASSERT_EQ(sink.entries.size(), 10u);
  int64_t last_start = 0;
  for (const auto& e : sink.entries) {
    const Span* producer = FindSpan(e.trace, SpanKind::kProducer, prod);
    const Span* consumer = FindSpan(e.trace, SpanKind::kConsumer, cons);
    ASSERT_TRUE(producer && consumer);
    EXPECT_GE(consumer->start_unix_nano - producer->end_unix_nano, 30'002'000'000 - 1'000'000);
    EXPECT_EQ(Ms(*consumer), 20);  // 5 ms x 4
    EXPECT_GE(consumer->start_unix_nano, last_start);
    last_start = consumer->start_unix_nano;
    EXPECT_EQ(e.truth.fault_mask, 1u);
  }
}

TEST(FaultTest, TrafficFaultMarksTracesStartedInItsWindow) {
  Pair p;
  p.Done();
  FaultPlan plan;
  Fault f = MakeFault("surge", Fault::Kind::kTraffic, kNone, Time::FromNanos(500'000'000),
                      Time::FromNanos(700'000'000));
  f.traffic_factor = 10;
  plan.faults.push_back(f);
  auto arrivals = EvenArrivals(Duration::Millis(100), Duration::Seconds(1), p.entry);
  Collected sink = RunPlan(p.m, &plan, &arrivals);
  int touched = 0;
  for (const auto& e : sink.entries) touched += e.truth.fault_mask == 1;
  EXPECT_EQ(touched, 2);
}

TEST(FaultPlanTest, ValidateRejectsBadPlans) {
  Pair p;
  p.Done();
  auto check = [&](Fault f, const std::string& message) {
    FaultPlan plan;
    plan.faults.push_back(f);
    Status st = plan.Validate(p.m);
    EXPECT_FALSE(st.ok());
    EXPECT_NE(st.message().find(message), std::string::npos) << st.message();
  };
  Fault ok = MakeFault("x", Fault::Kind::kError, p.back);
  Fault bad = ok;
  bad.id = "";
  check(bad, "id is empty");
  bad = ok;
  bad.probability = 1.5;
  check(bad, "probability must be in [0, 1]");
  bad = ok;
  bad.end = bad.start;
  check(bad, "window is empty");
  bad = ok;
  bad.service = 99;
  check(bad, "out of range");
  bad = ok;
  bad.instance = 5;
  check(bad, "instance 5 does not exist");
  bad = ok;
  bad.operation = p.entry;  // an operation of another service
  check(bad, "not an operation of the target service");
  FaultPlan dup;
  dup.faults = {ok, ok};
  EXPECT_NE(dup.Validate(p.m).message().find("duplicate fault id"), std::string::npos);
}

// ---- resilience ---------------------------------------------------------------------------

TEST(ResilienceTest, ClientTimeoutEndsTheClientSpanWhileTheServerWorksOn) {
  Pair p;
  p.m.operations[p.back_op].steps[0].work = Distribution::Constant(500e6);
  p.Call().timeout = Duration::Millis(100);
  p.Done();
  auto arrivals = EvenArrivals(Duration::Seconds(1), Duration::Seconds(3), p.entry);
  SimulationStats stats;
  Collected sink = RunPlan(p.m, nullptr, &arrivals, &stats);
  EXPECT_EQ(stats.timeouts, 3u);
  for (const auto& e : sink.entries) {
    const Span* client = FindSpan(e.trace, SpanKind::kClient, p.front);
    const Span* server = FindSpan(e.trace, SpanKind::kServer, p.back);
    const Span* root = FindSpan(e.trace, SpanKind::kServer, p.front);
    ASSERT_TRUE(client && server && root);
    EXPECT_EQ(client->duration_nanos(), 100'000'000);
    EXPECT_EQ(client->FindAttr(p.m.well_known.error_type)->str, p.m.well_known.err_timeout);
    EXPECT_EQ(Ms(*server), 500);
    EXPECT_GT(server->end_unix_nano, client->end_unix_nano)
        << "the server keeps working after the timeout";
    EXPECT_EQ(server->status, StatusCode::kUnset);
    EXPECT_EQ(root->FindAttr(p.m.well_known.http_response_status_code)->i, 504);
    EXPECT_EQ(e.truth.timeouts, 1u);
    EXPECT_EQ(e.truth.root_cause_service, p.back);
  }
}

TEST(ResilienceTest, RetriesBackOffExponentiallyAndAddLoad) {
  Pair p;
  p.m.operations[p.back_op].error_rate = 1.0;
  RetryPolicy& r = p.Call().retry;
  r.max_attempts = 4;
  r.initial_backoff = Duration::Millis(100);
  r.multiplier = 2;
  r.jitter = 0;
  p.Done();
  auto arrivals = EvenArrivals(Duration::Seconds(5), Duration::Seconds(5), p.entry);
  SimulationStats stats;
  Collected sink = RunPlan(p.m, nullptr, &arrivals, &stats);
  ASSERT_EQ(sink.entries.size(), 1u);
  const auto& t = sink.entries[0].trace;
  std::vector<const Span*> attempts;
  for (const Span& s : t.spans)
    if (s.kind == SpanKind::kClient) attempts.push_back(&s);
  ASSERT_EQ(attempts.size(), 4u);
  EXPECT_EQ(stats.services[p.back].arrivals, 4u) << "every attempt reaches the callee";
  EXPECT_EQ(stats.retries, 3u);
  EXPECT_EQ(attempts[0]->FindAttr(p.m.well_known.http_request_resend_count), nullptr);
  for (int i = 1; i < 4; ++i) {
    EXPECT_EQ(attempts[i]->FindAttr(p.m.well_known.http_request_resend_count)->i, i);
    int64_t gap = attempts[i]->start_unix_nano - attempts[i - 1]->end_unix_nano;
    EXPECT_EQ(gap, 100'000'000LL << (i - 1)) << "backoff before attempt " << i + 1;
  }
  EXPECT_TRUE(sink.entries[0].truth.root_error);
  EXPECT_EQ(sink.entries[0].truth.retries, 3u);
}

TEST(ResilienceTest, RetryJitterStaysWithinItsBand) {
  Pair p;
  p.m.operations[p.back_op].error_rate = 1.0;
  RetryPolicy& r = p.Call().retry;
  r.max_attempts = 2;
  r.initial_backoff = Duration::Millis(100);
  r.jitter = 0.5;
  p.Done();
  auto arrivals = EvenArrivals(Duration::Seconds(1), Duration::Seconds(50), p.entry);
  Collected sink = RunPlan(p.m, nullptr, &arrivals);
  int64_t lo = INT64_MAX, hi = 0;
  for (const auto& e : sink.entries) {
    std::vector<const Span*> c;
    for (const Span& s : e.trace.spans)
      if (s.kind == SpanKind::kClient) c.push_back(&s);
    ASSERT_EQ(c.size(), 2u);
    int64_t gap = c[1]->start_unix_nano - c[0]->end_unix_nano;
    lo = std::min(lo, gap);
    hi = std::max(hi, gap);
  }
  EXPECT_GE(lo, 50'000'000);
  EXPECT_LE(hi, 150'000'000);
  EXPECT_GT(hi - lo, 30'000'000) << "jitter spreads the retries";
}

TEST(ResilienceTest, CircuitBreakerOpensFailsFastHalfOpensAndCloses) {
  Pair p;
  CircuitBreakerSpec& b = p.Call().breaker;
  b.enabled = true;
  b.window = 10;
  b.minimum_calls = 5;
  b.failure_threshold = 0.5;
  b.open_duration = Duration::Seconds(1);
  b.half_open_calls = 2;
  p.Done();
  FaultPlan plan;
  // The callee fails for the first 3 seconds, then heals.
  plan.faults.push_back(MakeFault("broken", Fault::Kind::kError, p.back, Time::Zero(),
                                  Time::FromNanos(3'000'000'000)));
  auto arrivals = EvenArrivals(Duration::Millis(100), Duration::Seconds(6), p.entry);
  SimulationStats stats;
  Collected sink = RunPlan(p.m, &plan, &arrivals, &stats);
  ASSERT_EQ(sink.entries.size(), 60u);
  // Requests at 0..400 ms fail for real and open the breaker; until 1.4 s calls fail fast; then
  // two trials fail (still broken) and it opens again, ... until the trials after 3 s succeed.
  std::vector<char> kind;  // 'c' a call was made, 'x' refused by the breaker
  for (const auto& e : sink.entries) {
    const Span* client = FindSpan(e.trace, SpanKind::kClient, p.front);
    const Span* root = FindSpan(e.trace, SpanKind::kServer, p.front);
    if (client == nullptr) {
      kind.push_back('x');
      ASSERT_EQ(root->event_count, 1u);
      EXPECT_EQ(e.trace.events[root->first_event].attrs[0].value.str,
                p.m.well_known.circuit_open_exception);
      EXPECT_EQ(root->FindAttr(p.m.well_known.http_response_status_code)->i, 503);
    } else {
      kind.push_back('c');
    }
  }
  for (int i = 0; i < 5; ++i) EXPECT_EQ(kind[i], 'c') << i;
  for (int i = 5; i < 14; ++i) EXPECT_EQ(kind[i], 'x') << i;  // open for 1 s after the 5th failure
  EXPECT_GE(stats.breaker_opens, 2u) << "failed half-open trials reopen it";
  for (int i = 40; i < 60; ++i)
    EXPECT_EQ(kind[i], 'c') << "closed again after the callee healed, " << i;
  EXPECT_GT(stats.breaker_rejections, 9u);
}

TEST(ResilienceTest, ErrorPropagationRulesByClassAndOverride) {
  struct Case {
    Protocol proto;
    int override_error;
    bool timeout, reject;
    int expected;
  } cases[] = {
      {Protocol::kHttp, 0, false, false, 502}, {Protocol::kHttp, 500, false, false, 500},
      {Protocol::kHttp, 0, true, false, 504},  {Protocol::kHttp, 0, false, true, 503},
      {Protocol::kGrpc, 0, false, false, 13},  {Protocol::kGrpc, 0, true, false, 4},
      {Protocol::kGrpc, 0, false, true, 14},
  };
  for (const Case& c : cases) {
    Model m;
    uint32_t front = AddService(m, "front", ServiceKind::kService, 1, 0, 0);
    uint32_t back = AddService(m, "back", ServiceKind::kService, 1, c.reject ? 1 : 0, 0);
    uint32_t back_op = AddOp(m, back, "b", {Work(Distribution::Constant(c.reject ? 5e9 : 10e6))});
    if (!c.timeout && !c.reject) m.operations[back_op].error_rate = 1;
    uint32_t entry = AddOp(m, front, "a", {CallTo(back_op)}, c.proto);
    if (c.proto == Protocol::kGrpc) m.operations[entry].ok_status = 0;
    m.operations[entry].status_on_error = c.override_error;
    if (c.timeout) m.operations[entry].steps[0].call.timeout = Duration::Millis(1);
    m.Finalize();
    // Two requests: with a 1-slot, 0-queue callee busy for 5 s, the second is rejected.
    ListArrivals arrivals({Time::Zero(), Time::FromNanos(1'000'000)}, entry);
    Collected sink = RunPlan(m, nullptr, &arrivals);
    const auto& e = sink.entries[0].truth.sequence == 1 ? sink.entries[0] : sink.entries[1];
    const Span* root = FindSpan(e.trace, SpanKind::kServer, front);
    StrId key = c.proto == Protocol::kGrpc ? m.well_known.rpc_grpc_status_code
                                           : m.well_known.http_response_status_code;
    ASSERT_NE(root->FindAttr(key), nullptr);
    EXPECT_EQ(root->FindAttr(key)->i, c.expected)
        << static_cast<int>(c.proto) << c.timeout << c.reject;
  }
}

TEST(ResilienceTest, FallbackAbsorbsTheErrorAndDoesItsWork) {
  Pair p;
  p.m.operations[p.back_op].error_rate = 1.0;
  p.Call().on_error = OnError::kFallback;
  p.Call().fallback = Distribution::Constant(5e6);
  p.Done();
  auto arrivals = EvenArrivals(Duration::Millis(100), Duration::Seconds(1), p.entry);
  Collected sink = RunPlan(p.m, nullptr, &arrivals);
  for (const auto& e : sink.entries) {
    const Span* root = FindSpan(e.trace, SpanKind::kServer, p.front);
    const Span* client = FindSpan(e.trace, SpanKind::kClient, p.front);
    EXPECT_EQ(client->status, StatusCode::kError);
    EXPECT_EQ(root->status, StatusCode::kUnset);
    EXPECT_EQ(root->FindAttr(p.m.well_known.http_response_status_code)->i, 200);
    EXPECT_EQ(root->end_unix_nano - client->end_unix_nano, 5'000'000) << "the fallback's work";
    EXPECT_FALSE(e.truth.root_error);
    EXPECT_TRUE(e.truth.error) << "an error span exists even though the user saw success";
  }
}

TEST(ResilienceTest, RateLimitAnswers429) {
  Pair p;
  p.m.services[p.back].rate_limit_rps = 10;
  p.m.services[p.back].rate_limit_burst = 1;
  p.Done();
  auto arrivals = EvenArrivals(Duration::Millis(10), Duration::Seconds(2), p.entry);
  SimulationStats stats;
  Collected sink = RunPlan(p.m, nullptr, &arrivals, &stats);
  int limited = 0;
  for (const auto& e : sink.entries) {
    const Span* server = FindSpan(e.trace, SpanKind::kServer, p.back);
    ASSERT_NE(server, nullptr) << "the rate limiter runs inside the instrumented server";
    if (server->FindAttr(p.m.well_known.http_response_status_code)->i != 429) continue;
    ++limited;
    EXPECT_EQ(server->status, StatusCode::kUnset) << "4xx is not a server error";
    EXPECT_EQ(FindSpan(e.trace, SpanKind::kClient, p.front)->status, StatusCode::kError);
  }
  EXPECT_EQ(stats.rate_limited, static_cast<uint64_t>(limited));
  EXPECT_NEAR(200 - limited, 21, 2) << "10/s over 2 s, plus the initial burst";
}

TEST(ResilienceTest, TagGroundTruthAddsDebugAttributesToTheRoot) {
  Pair p;
  p.m.operations[p.back_op].error_rate = 1.0;
  FaultPlan plan;
  plan.faults.push_back(MakeFault("slow", Fault::Kind::kLatency, p.back));
  plan.faults[0].multiplier = 2;
  InternFaultTags(&plan, &p.m);
  p.Done();
  TruthSink sink;
  SimulationOptions opt;
  opt.faults = &plan;
  opt.tag_ground_truth = true;
  Simulation sim(p.m, opt);
  sim.AddObserver(&sink);
  auto arrivals = EvenArrivals(Duration::Millis(100), Duration::Seconds(1), p.entry);
  ASSERT_TRUE(sim.Run(&arrivals).ok());
  for (const auto& e : sink.entries) {
    const Span& root = e.trace.spans[0];
    EXPECT_TRUE(root.FindAttr(p.m.well_known.truth_error)->b);
    EXPECT_TRUE(root.FindAttr(plan.faults[0].tag_key)->b);
    EXPECT_EQ(p.m.strings.Get(root.FindAttr(p.m.well_known.truth_root_cause)->str), "back.GET /b");
    EXPECT_EQ(e.trace.spans[1].FindAttr(p.m.well_known.truth_error), nullptr)
        << "only the root is tagged";
  }
}

TEST(TruthTest, ShapeHashIsStableAndDistinguishesPaths) {
  Pair p;
  p.Call().probability = 0.5;
  p.Done();
  auto arrivals = EvenArrivals(Duration::Millis(10), Duration::Seconds(2), p.entry);
  Collected sink = RunPlan(p.m, nullptr, &arrivals);
  std::map<uint64_t, size_t> shapes;  // shape -> span count
  for (const auto& e : sink.entries) {
    auto [it, inserted] = shapes.emplace(e.truth.shape, e.trace.spans.size());
    EXPECT_EQ(it->second, e.trace.spans.size());
  }
  EXPECT_EQ(shapes.size(), 2u) << "with and without the call";
}

TEST(TruthTest, ShapesAreZeroWhenHashingIsOffAndTheSpansTheSame) {
  Pair p;
  p.Call().probability = 0.5;
  p.Done();
  auto run = [&](bool hash) {
    auto arrivals = EvenArrivals(Duration::Millis(10), Duration::Seconds(1), p.entry);
    TruthSink sink;
    SimulationOptions opt;
    opt.hash_shapes = hash;
    Simulation sim(p.m, opt);
    sim.AddObserver(&sink);
    EXPECT_TRUE(sim.Run(&arrivals).ok());
    return std::move(sink.entries);
  };
  auto on = run(true), off = run(false);
  ASSERT_EQ(on.size(), off.size());
  ASSERT_FALSE(on.empty());
  for (size_t i = 0; i < on.size(); ++i) {
    EXPECT_NE(on[i].truth.shape, 0u);
    EXPECT_EQ(off[i].truth.shape, 0u);
    ASSERT_EQ(on[i].trace.spans.size(), off[i].trace.spans.size());
    for (size_t k = 0; k < on[i].trace.spans.size(); ++k) {
      EXPECT_EQ(on[i].trace.spans[k].span_id, off[i].trace.spans[k].span_id);
      EXPECT_EQ(on[i].trace.spans[k].end_unix_nano, off[i].trace.spans[k].end_unix_nano);
    }
  }
}

}  // namespace
}  // namespace tracesim::sim
