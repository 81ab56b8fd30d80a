#include "sim/kernel/simulation.h"

#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <set>

#include "sim/kernel/sink.h"
#include "sim/model/test_model.h"

namespace tracesim::sim {
namespace {

// A small system with every step kind: gateway -> (auth || cart->redis) -> internal span with a
// db call repeated -> publish to a topic consumed by a mailer.
struct Shop {
  Model m;
  uint32_t entry, auth_op, cart_op, db_op, mail_op;
  Shop() {
    uint32_t gw = AddService(m, "gateway", ServiceKind::kService, 2, 8, 16);
    uint32_t auth = AddService(m, "auth", ServiceKind::kService, 1, 4, 8);
    uint32_t cart = AddService(m, "cart", ServiceKind::kService, 2, 4, 8);
    uint32_t redis = AddService(m, "redis", ServiceKind::kCache, 1, 0, 0);
    uint32_t pg = AddService(m, "postgres", ServiceKind::kDatabase, 1, 0, 0);
    uint32_t kafka = AddService(m, "kafka", ServiceKind::kMessaging, 1, 0, 0);
    uint32_t mailer = AddService(m, "mailer", ServiceKind::kService, 1, 2, 0);
    for (Service& s : m.services) s.network_latency = Distribution::Constant(100'000);
    uint32_t redis_get =
        AddOp(m, redis, "GET", {Work(Distribution::Constant(300'000))}, Protocol::kCache);
    db_op = AddOp(m, pg, "SELECT items", {Work(*Distribution::Exponential(2e6))}, Protocol::kDb);
    auth_op =
        AddOp(m, auth, "Validate", {Work(*Distribution::LogNormal(1e6, 4e6))}, Protocol::kGrpc);
    m.operations[auth_op].ok_status = 0;
    m.operations[auth_op].error_status = 13;
    cart_op = AddOp(m, cart, "GetCart", {Work(Distribution::Constant(500'000)), CallTo(redis_get)});
    Topic topic;
    topic.name = m.strings.Intern("orders");
    topic.broker = kafka;
    topic.producer_span_name = m.strings.Intern("publish orders");
    m.topics.push_back(topic);
    mail_op = AddOp(m, mailer, "process orders", {Work(Distribution::Constant(3e6))},
                    Protocol::kMessaging);
    m.operations[mail_op].kind = SpanKind::kConsumer;
    m.topics[0].consumers.push_back(mail_op);

    Step par;
    par.kind = Step::Kind::kParallel;
    par.children = {CallTo(auth_op), CallTo(cart_op)};
    Step internal;
    internal.kind = Step::Kind::kSpan;
    internal.span_name = m.strings.Intern("load items");
    Step db = CallTo(db_op);
    db.call.count = *Distribution::Poisson(2.0);
    internal.children = {db};
    Step pub;
    pub.kind = Step::Kind::kPublish;
    pub.topic = 0;
    entry = AddOp(m, gw, "POST /checkout",
                  {Work(Distribution::Constant(1e6)), par, internal, pub,
                   Work(Distribution::Constant(500'000))});
    m.Finalize();
  }
};

std::map<uint64_t, const Span*> ById(const InMemorySink::StoredTrace& t) {
  std::map<uint64_t, const Span*> out;
  for (const Span& s : t.spans) out[s.span_id] = &s;
  return out;
}

TEST(SimulationTest, SpanInvariantsOnEveryStepKind) {
  Shop shop;
  InMemorySink sink;
  SimulationOptions opt;
  opt.seed = 7;
  Simulation sim(shop.m, opt);
  sim.AddObserver(&sink);
  PoissonArrivals arrivals(50, Duration::Seconds(20), shop.entry, 1);
  ASSERT_TRUE(sim.Run(&arrivals).ok());
  ASSERT_GT(sink.traces().size(), 800u);
  std::set<uint64_t> all_ids;
  size_t producers = 0, consumers = 0;
  for (const auto& t : sink.traces()) {
    auto by_id = ById(t);
    int roots = 0;
    for (const Span& s : t.spans) {
      EXPECT_TRUE(all_ids.insert(s.span_id).second) << "duplicate span id";
      EXPECT_EQ(s.trace_id, t.trace_id);
      EXPECT_LE(s.start_unix_nano, s.end_unix_nano);
      EXPECT_GT(s.end_unix_nano, 0);
      if (s.parent_span_id == 0) {
        ++roots;
        EXPECT_EQ(s.kind, SpanKind::kServer);
        continue;
      }
      auto it = by_id.find(s.parent_span_id);
      ASSERT_NE(it, by_id.end()) << "parent missing";
      const Span& p = *it->second;
      if (s.kind == SpanKind::kServer) {
        EXPECT_EQ(p.kind, SpanKind::kClient)
            << "a SERVER span's parent is the caller's CLIENT span";
        EXPECT_EQ(p.peer, s.service);
        EXPECT_EQ(s.flags & kFlagIsRemote, kFlagIsRemote);
      }
      if (s.kind == SpanKind::kConsumer) {
        ++consumers;
        EXPECT_EQ(p.kind, SpanKind::kProducer);
        ASSERT_EQ(s.link_count, 1u);
        EXPECT_EQ(t.links[s.first_link].span_id, p.span_id);
        continue;  // asynchronous: may end after its parent
      }
      if (s.kind == SpanKind::kProducer) ++producers;
      EXPECT_GE(s.start_unix_nano, p.start_unix_nano) << "child starts inside its parent";
      EXPECT_LE(s.end_unix_nano, p.end_unix_nano) << "synchronous child ends inside its parent";
    }
    EXPECT_EQ(roots, 1);
    // Every CLIENT span to an instrumented service has exactly one SERVER child.
    for (const Span& c : t.spans) {
      if (c.kind != SpanKind::kClient || shop.m.services[c.peer].kind != ServiceKind::kService)
        continue;
      int servers = 0;
      for (const Span& s : t.spans)
        if (s.parent_span_id == c.span_id && s.kind == SpanKind::kServer) ++servers;
      EXPECT_EQ(servers, 1);
    }
  }
  EXPECT_EQ(producers, consumers);
  EXPECT_EQ(producers, sink.traces().size());
  EXPECT_EQ(sim.stats().traces_unfinished, 0u);
  // Memory is bounded by in-flight work, not by run length.
  EXPECT_LT(sim.stats().peak_open_traces, 200u);
}

TEST(SimulationTest, SameSeedSameSpansOtherSeedDiffers) {
  auto run = [](uint64_t seed) {
    Shop shop;
    InMemorySink sink;
    SimulationOptions opt;
    opt.seed = seed;
    Simulation sim(shop.m, opt);
    sim.AddObserver(&sink);
    PoissonArrivals arrivals(100, Duration::Seconds(5), shop.entry, seed);
    EXPECT_TRUE(sim.Run(&arrivals).ok());
    std::vector<std::tuple<uint64_t, uint64_t, int64_t, int64_t>> out;
    for (const auto& t : sink.traces())
      for (const Span& s : t.spans)
        out.emplace_back(s.trace_id.lo, s.span_id, s.start_unix_nano, s.end_unix_nano);
    return out;
  };
  auto a = run(11), b = run(11), c = run(12);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
}

// Erlang C: probability an arrival waits in an M/M/c queue.
double ErlangC(int c, double a) {
  double sum = 0, term = 1;
  for (int k = 0; k < c; ++k) {
    if (k > 0) term *= a / k;
    sum += term;
  }
  double last = term * a / c;
  double rho = a / c;
  double top = last / (1 - rho);
  return top / (sum + top);
}

double MeanWaitMs(int servers, double lambda, double mean_service_ms, double seconds,
                  uint64_t seed) {
  Model m;
  uint32_t s =
      AddService(m, "server", ServiceKind::kService, 1, static_cast<uint32_t>(servers), kNone);
  uint32_t op = AddOp(m, s, "serve", {Work(*Distribution::Exponential(mean_service_ms * 1e6))});
  m.Finalize();
  CountingSink sink;
  SimulationOptions opt;
  opt.seed = seed;
  Simulation sim(m, opt);
  sim.AddObserver(&sink);
  PoissonArrivals arrivals(lambda, Duration::FromSecondsF(seconds), op, seed + 1);
  EXPECT_TRUE(sim.Run(&arrivals).ok());
  const ServiceStats& st = sim.stats().services[s];
  return static_cast<double>(st.queue_wait_nanos) / st.started / 1e6;
}

TEST(QueueingFidelityTest, MM1MeanWaitMatchesTheory) {
  // lambda = 70/s, mu = 100/s: Wq = rho / (mu - lambda) = 0.7 / 30 s = 23.33 ms. A long run
  // (1.4 M customers) keeps the estimate's own noise well inside the 4 % tolerance.
  double expected_ms = 0.7 / 30 * 1e3;
  double wq = MeanWaitMs(1, 70, 10, 20000, 3);
  EXPECT_NEAR(wq, expected_ms, expected_ms * 0.04);
}

TEST(QueueingFidelityTest, MMcMeanWaitMatchesErlangC) {
  // c = 4, lambda = 300/s, mean service 10 ms: a = 3, rho = 0.75.
  int c = 4;
  double lambda = 300, mu = 100;
  double expected_ms = ErlangC(c, lambda / mu) / (c * mu - lambda) * 1e3;
  double wq = MeanWaitMs(c, lambda, 10, 5000, 5);
  EXPECT_NEAR(wq, expected_ms, expected_ms * 0.05) << "Erlang C predicts " << expected_ms << " ms";
}

TEST(SimulationTest, FullQueueRejectsWith503OnTheClientSpan) {
  Model m;
  uint32_t front = AddService(m, "front", ServiceKind::kService, 1, 0, 0);
  uint32_t slow = AddService(m, "slow", ServiceKind::kService, 1, 1, 0);
  uint32_t slow_op = AddOp(m, slow, "GET /slow", {Work(Distribution::Constant(50e6))});
  uint32_t entry = AddOp(m, front, "GET /", {CallTo(slow_op)});
  m.Finalize();
  InMemorySink sink;
  Simulation sim(m, SimulationOptions{});
  sim.AddObserver(&sink);
  PoissonArrivals arrivals(100, Duration::Seconds(10), entry, 4);
  ASSERT_TRUE(sim.Run(&arrivals).ok());
  EXPECT_GT(sim.stats().services[slow].rejected, 100u);
  size_t rejected_clients = 0;
  for (const auto& t : sink.traces()) {
    for (const Span& s : t.spans) {
      if (s.kind != SpanKind::kClient || s.status != StatusCode::kError) continue;
      const AttrValue* code = s.FindAttr(m.well_known.http_response_status_code);
      ASSERT_NE(code, nullptr);
      EXPECT_EQ(code->i, 503);
      ++rejected_clients;
      // No SERVER span exists under a rejected call.
      for (const Span& c : t.spans) EXPECT_NE(c.parent_span_id, s.span_id);
    }
  }
  EXPECT_EQ(rejected_clients, sim.stats().services[slow].rejected);
}

TEST(SimulationTest, ErrorsPropagateUnlessAbsorbed) {
  for (bool propagate : {true, false}) {
    Model m;
    uint32_t front = AddService(m, "front", ServiceKind::kService, 1, 0, 0);
    uint32_t back = AddService(m, "back", ServiceKind::kService, 1, 0, 0);
    uint32_t back_op = AddOp(m, back, "GET /b", {Work(Distribution::Constant(1e6))});
    m.operations[back_op].error_rate = 1.0;
    m.operations[back_op].error_type = m.strings.Intern("java.lang.IllegalStateException");
    uint32_t entry = AddOp(m, front, "GET /", {CallTo(back_op), Work(Distribution::Constant(1e6))});
    m.operations[entry].propagate_errors = propagate;
    m.Finalize();
    InMemorySink sink;
    Simulation sim(m, SimulationOptions{});
    sim.AddObserver(&sink);
    PoissonArrivals arrivals(10, Duration::Seconds(2), entry, 4);
    ASSERT_TRUE(sim.Run(&arrivals).ok());
    ASSERT_FALSE(sink.traces().empty());
    for (const auto& t : sink.traces()) {
      const Span* root = nullptr;
      const Span* back_server = nullptr;
      for (const Span& s : t.spans) {
        if (s.parent_span_id == 0) root = &s;
        if (s.kind == SpanKind::kServer && s.service == back) back_server = &s;
      }
      ASSERT_TRUE(root && back_server);
      EXPECT_EQ(back_server->status, StatusCode::kError);
      ASSERT_EQ(back_server->event_count, 1u);
      EXPECT_EQ(t.events[back_server->first_event].name, m.well_known.exception);
      EXPECT_EQ(root->status, propagate ? StatusCode::kError : StatusCode::kUnset);
      // When the error propagates, the work after the call is skipped.
      int64_t root_ms = (root->end_unix_nano - root->start_unix_nano) / 1000'000;
      if (propagate)
        EXPECT_LT(root_ms, 2);
      else
        EXPECT_GE(root_ms, 2);
    }
  }
}

TEST(SimulationTest, LoadBalancingSpreadsAcrossInstances) {
  for (LoadBalancing lb :
       {LoadBalancing::kRoundRobin, LoadBalancing::kRandom, LoadBalancing::kLeastOutstanding}) {
    Model m;
    uint32_t s = AddService(m, "svc", ServiceKind::kService, 3, 4, 100);
    m.services[s].load_balancing = lb;
    uint32_t op = AddOp(m, s, "GET /", {Work(Distribution::Constant(1e6))});
    m.Finalize();
    InMemorySink sink;
    Simulation sim(m, SimulationOptions{});
    sim.AddObserver(&sink);
    PoissonArrivals arrivals(300, Duration::Seconds(10), op, 2);
    ASSERT_TRUE(sim.Run(&arrivals).ok());
    std::map<uint32_t, int> per_resource;
    for (const auto& t : sink.traces()) per_resource[t.spans[0].resource]++;
    ASSERT_EQ(per_resource.size(), 3u);
    for (auto& [r, n] : per_resource) EXPECT_NEAR(n, 1000, 150) << static_cast<int>(lb);
  }
}

}  // namespace
}  // namespace tracesim::sim

namespace tracesim::sim {
namespace {

class OrderListener : public SimulationObserver {
 public:
  uint32_t Interests() const override { return kSpanEnd; }
  void OnSpanEnd(const Model&, const Span& span, std::span<const SpanEvent> events,
                 std::span<const SpanLink> links) noexcept override {
    if (span.end_unix_nano < last_) out_of_order_++;
    last_ = span.end_unix_nano;
    ++spans_;
    events_ += events.size();
    links_ += links.size();
  }
  int64_t last_ = 0;
  uint64_t spans_ = 0, events_ = 0, links_ = 0, out_of_order_ = 0;
};

TEST(SimulationTest, ListenersSeeEverySpanInEndTimeOrder) {
  Shop shop;
  InMemorySink sink;
  OrderListener listener;
  Simulation sim(shop.m, SimulationOptions{});
  sim.AddObserver(&sink);
  ASSERT_TRUE(sim.AddObserver(&listener).ok());
  PoissonArrivals arrivals(100, Duration::Seconds(5), shop.entry, 3);
  ASSERT_TRUE(sim.Run(&arrivals).ok());
  EXPECT_EQ(listener.spans_, sink.span_count());
  EXPECT_EQ(listener.out_of_order_, 0u);
  uint64_t links = 0;
  for (const auto& t : sink.traces()) links += t.links.size();
  EXPECT_EQ(listener.links_, links);
}

}  // namespace
}  // namespace tracesim::sim

namespace tracesim::sim {
namespace {

TEST(SimulationTest, RunUntilInStepsEqualsOneRun) {
  auto collect = [](bool stepped) {
    Shop shop;
    InMemorySink sink;
    Simulation sim(shop.m, SimulationOptions{});
    sim.AddObserver(&sink);
    PoissonArrivals arrivals(100, Duration::Seconds(5), shop.entry, 3);
    if (stepped) {
      EXPECT_TRUE(sim.Start(&arrivals).ok());
      int steps = 0;
      for (int64_t t = 0; !sim.finished(); t += 250'000'000, ++steps) {
        EXPECT_TRUE(sim.RunUntil(Time::FromNanos(t)).ok());
        EXPECT_LE(sim.now().nanos(), t);
      }
      EXPECT_GT(steps, 20);
    } else {
      EXPECT_TRUE(sim.Run(&arrivals).ok());
    }
    std::vector<uint64_t> ids;
    for (const auto& t : sink.traces())
      for (const Span& s : t.spans) ids.push_back(s.span_id);
    return ids;
  };
  EXPECT_EQ(collect(true), collect(false));
}

}  // namespace
}  // namespace tracesim::sim

namespace tracesim::sim {
namespace {

// A call step after an absorbed timeout arms a timeout of a duration not seen before, while the
// timeout FIFOs are being fired: the FIFO list grows during FireTimeouts (a use-after-free before
// the fix; the ASan build catches it). Every timeout must still fire on time.
TEST(SimulationTest, NewTimeoutDurationArmedWhileTimeoutsFire) {
  Model m;
  uint32_t front = AddService(m, "front", ServiceKind::kService, 1, 0, 0);
  uint32_t back = AddService(m, "back", ServiceKind::kService, 1, 0, 0);
  uint32_t slow = AddOp(m, back, "GET /slow", {Work(Distribution::Constant(10e6))});
  uint32_t fast = AddOp(m, back, "GET /fast", {Work(Distribution::Constant(1e5))});
  std::vector<Step> steps;
  for (int64_t ms : {1, 2, 3}) {
    Step call = CallTo(ms < 3 ? slow : fast);
    call.call.timeout = Duration::Millis(ms);  // three distinct durations, three FIFOs
    call.call.on_error = OnError::kIgnore;
    steps.push_back(call);
  }
  uint32_t entry = AddOp(m, front, "GET /", steps);
  for (Service& s : m.services) s.network_latency = Distribution::Constant(0);
  m.Finalize();
  InMemorySink sink;
  Simulation sim(m, SimulationOptions{});
  sim.AddObserver(&sink);
  ListArrivals arrivals({Time::Zero(), Time::FromNanos(50'000'000)}, entry);
  ASSERT_TRUE(sim.Run(&arrivals).ok());
  EXPECT_EQ(sim.stats().timeouts, 4u);  // the two slow calls of each trace
  ASSERT_EQ(sink.traces().size(), 2u);
  for (const auto& t : sink.traces()) {
    std::vector<int64_t> client_ms;
    for (const Span& s : t.spans)
      if (s.kind == SpanKind::kClient)
        client_ms.push_back((s.end_unix_nano - s.start_unix_nano) / 1000'000);
    // Each timed-out call ends at its own timeout; the fast call answers in time.
    EXPECT_EQ(client_ms, (std::vector<int64_t>{1, 2, 0}));
  }
}

}  // namespace
}  // namespace tracesim::sim
