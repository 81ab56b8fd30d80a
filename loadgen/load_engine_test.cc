// The load engine against real loopback receivers (gRPC and OTLP/HTTP) through the real
// exporter transports: counts on both sides, the accounting identity, the documented reaction
// to every class of server answer, pacing, stopping, and the generator's own metrics.
#include "loadgen/load_engine.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <thread>

#include "exporter/encoding/otlp_proto.h"
#include "exporter/proto/trace_service.pb.h"
#include "loadgen/clock.h"
#include "loadgen/load_plan.h"
#include "loadgen/metrics_server.h"
#include "loadgen/target/threshold.h"
#include "loadgen/testing/loopback.h"
#include "scenarios/scenario.h"
#include "sim/base/sanitizer_skips.h"
#include "sim/kernel/simulation.h"
#include "sim/model/span_records.h"
#include "workloads/workload.h"

namespace tracesim::loadgen {
namespace {

using std::chrono::milliseconds;
using testing::Behavior;

// A deterministic system: one front service calling one back service, constant latencies, so
// every trace has the same number of spans and uniform arrivals make the target exact.
scenarios::Scenario TinyScenario(double rate, const std::string& topology = "tiny.yaml") {
  auto dir = testing::ProcessTempDir("tracesim_loadgen_test");
  testing::WriteTinyTopology(dir);
  // Like tiny, but traces last 300 ms (front 100 ms, then back 200 ms), as checkout's do.
  std::ofstream(dir / "slow.yaml") << R"(name: slow
network_latency: 100us
services:
  - name: front
    operations:
      - name: GET /x
        work: 100ms
        calls:
          - back.Get
  - name: back
    protocol: grpc
    operations:
      - {name: Get, work: 200ms}
)";
  std::string yaml = "name: tiny\ntopology: " + topology +
                     "\nduration: 10s\nseed: 7\n"
                     "workload:\n  process: uniform\n  rate: " +
                     std::to_string(rate) + "\n  mix:\n    - {operation: \"front.GET /x\"}\n";
  auto sc = scenarios::LoadScenarioYaml(yaml, "tiny-scenario.yaml", dir.string());
  EXPECT_TRUE(sc.ok()) << sc.status().message();
  return std::move(sc).value();
}

// `clock`: null for the real clock, else (normally) a FakeClock made by the test's thread, which
// then drives virtual time: the test's timing logic runs in milliseconds of real time.
EngineOptions FastOptions(Clock* clock = nullptr) {
  EngineOptions o;
  o.clock = clock;
  o.duration = sim::Duration::Millis(1000);
  o.seed = 7;
  o.senders = 2;
  o.batch_spans = 64;
  o.batch_delay = milliseconds(50);
  o.max_in_flight = 4;
  o.retry.initial_backoff = milliseconds(20);
  o.retry.max_backoff = milliseconds(80);
  o.retry.max_attempts = 3;
  o.grace = milliseconds(3000);
  return o;
}

struct Outcome {
  LoadReport rep;
  sim::Status status;
};

// Runs the engine on this thread, exporting through `transport` in `protocol`'s encoding.
Outcome RunLoadThrough(const scenarios::Scenario& sc, exporter::WireProtocol protocol,
                       exporter::Transport* transport, EngineOptions eo,
                       const std::atomic<int>* stop = nullptr,
                       metrics::MetricsRegistry* reg = nullptr,
                       std::function<void(const SecondStats&)> on_second = {}) {
  Outcome out;
  auto enc = MakeEncoderFactory(protocol, sc.model);
  if (!enc.ok()) {
    out.status = enc.status();
    return out;
  }
  LoadEngine engine(sc.model, sc.workload, eo, transport, *enc, reg);
  auto rep = engine.Run(stop, std::move(on_second));
  if (!rep.ok()) {
    out.status = rep.status();
    return out;
  }
  out.rep = *rep;
  return out;
}

Outcome RunLoad(const scenarios::Scenario& sc, exporter::TransportOptions topt, EngineOptions eo,
                const std::atomic<int>* stop = nullptr, metrics::MetricsRegistry* reg = nullptr,
                std::function<void(const SecondStats&)> on_second = {}) {
  auto transport = exporter::CreateTransport(topt);
  if (!transport.ok()) return Outcome{{}, transport.status()};
  return RunLoadThrough(sc, topt.protocol, transport->get(), std::move(eo), stop, reg,
                        std::move(on_second));
}

exporter::TransportOptions Grpc(const testing::LoopbackServer& s) {
  exporter::TransportOptions t;
  t.protocol = exporter::WireProtocol::kGrpc;
  t.endpoint = s.endpoint();
  t.timeout = milliseconds(2000);
  return t;
}

exporter::TransportOptions Http(const testing::LoopbackServer& s, bool json = false) {
  exporter::TransportOptions t;
  t.protocol = json ? exporter::WireProtocol::kHttpJson : exporter::WireProtocol::kHttpProtobuf;
  t.endpoint = s.endpoint() + "/v1/traces";
  t.timeout = milliseconds(2000);
  return t;
}

// The wires an engine test (one that checks the engine, not a transport) runs over: gRPC and
// OTLP/HTTP protobuf. The ThreadSanitizer build (sanitize/README.md) leaves gRPC out: gRPC 1.51
// from Debian is not built with TSan, and its callback API hands objects between threads through
// gRPC core, where TSan cannot see the synchronisation; the engine's own threads (generator,
// senders, queue, retry timers, the stop) are the same over HTTP, which TSan sees whole.
std::vector<bool> EngineWires() {
#if defined(__SANITIZE_THREAD__)
  return {false};
#else
  return {true, false};
#endif
}

std::unique_ptr<testing::LoopbackServer> StartServer(bool grpc, const Behavior& b) {
  return grpc ? testing::StartGrpcServer(b) : testing::StartHttpServer(b);
}

exporter::TransportOptions Wire(bool grpc, const testing::LoopbackServer& s) {
  return grpc ? Grpc(s) : Http(s);
}

void ExpectIdentity(const LoadReport& r) {
  EXPECT_TRUE(r.IdentityHolds()) << r.ToText();
  EXPECT_EQ(r.in_flight, 0u) << r.ToText();
  EXPECT_GT(r.generated, 0u);
}

TEST(LoadEngineTest, GrpcCountsEqualOnBothSides) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  auto sc = TinyScenario(200);
  auto srv = testing::StartGrpcServer({});
  auto o = RunLoad(sc, Grpc(*srv), FastOptions());
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  ExpectIdentity(o.rep);
  EXPECT_EQ(o.rep.accepted, o.rep.generated);
  EXPECT_EQ(srv->accepted_spans(), o.rep.accepted);
  EXPECT_EQ(srv->requests(), o.rep.requests);
  EXPECT_EQ(o.rep.failed_requests, 0u);
  // 200 traces/s for 1s, uniform: exactly 200 traces, all drained.
  EXPECT_EQ(o.rep.traces, 200u);
}

TEST(LoadEngineTest, HttpProtobufAndJsonCountsEqualOnBothSides) {
  FakeClock clock;
  for (bool json : {false, true}) {
    auto sc = TinyScenario(150);
    auto srv = testing::StartHttpServer({});
    auto o = RunLoad(sc, Http(*srv, json), FastOptions(&clock));
    ASSERT_TRUE(o.status.ok()) << o.status.message();
    ExpectIdentity(o.rep);
    EXPECT_EQ(o.rep.accepted, o.rep.generated) << "json=" << json;
    EXPECT_EQ(srv->accepted_spans(), o.rep.accepted) << "json=" << json;
    EXPECT_EQ(srv->requests(), o.rep.requests);
  }
}

// Batches over --batch-bytes are halved until they fit (the second half goes back to the
// queue's front): every span still arrives once, in more, smaller requests.
TEST(LoadEngineTest, BatchesOverTheByteLimitAreSplitAndLoseNothing) {
  FakeClock clock;
  auto sc = TinyScenario(150);
  auto srv = testing::StartHttpServer({});
  EngineOptions opt = FastOptions(&clock);
  opt.batch_bytes = 1024;  // a 64-span batch of tiny's spans encodes to ~17 KB
  auto o = RunLoad(sc, Http(*srv, false), opt);
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  ExpectIdentity(o.rep);
  EXPECT_EQ(o.rep.accepted, o.rep.generated);
  EXPECT_EQ(srv->accepted_spans(), o.rep.generated);
  EXPECT_EQ(srv->requests(), o.rep.requests);
  EXPECT_GT(o.rep.requests, 4 * (o.rep.generated / 64)) << o.rep.ToText();
  EXPECT_LE(o.rep.bytes_sent, 1024 * o.rep.requests);
}

TEST(LoadEngineTest, UnavailableIsRetriedThenCountedAsRetriesExhausted) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  FakeClock clock;
  auto sc = TinyScenario(50);
  Behavior b;
  b.kind = Behavior::Kind::kError;
  b.grpc_code = 14;  // UNAVAILABLE
  auto srv = testing::StartGrpcServer(b);
  auto o = RunLoad(sc, Grpc(*srv), FastOptions(&clock));
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  ExpectIdentity(o.rep);
  EXPECT_EQ(o.rep.dropped_retries_exhausted, o.rep.generated);
  EXPECT_EQ(o.rep.accepted, 0u);
  // Every batch was tried max_attempts times: the server saw each span 3 times.
  EXPECT_EQ(srv->received_spans(), 3 * o.rep.generated);
  // What a collector counts as refused: every failed attempt's spans.
  EXPECT_EQ(o.rep.failed_attempt_spans, srv->received_spans());
  EXPECT_EQ(o.rep.errors.at("UNAVAILABLE"), o.rep.requests);
  EXPECT_EQ(o.rep.retries * 3, o.rep.requests * 2);
}

TEST(LoadEngineTest, UnavailableThenRecoveryLosesNothing) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  FakeClock clock;
  auto sc = TinyScenario(50);
  Behavior b;
  b.kind = Behavior::Kind::kError;
  b.grpc_code = 14;
  b.fail_first = 2;
  auto srv = testing::StartGrpcServer(b);
  auto o = RunLoad(sc, Grpc(*srv), FastOptions(&clock));
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  ExpectIdentity(o.rep);
  EXPECT_EQ(o.rep.accepted, o.rep.generated);
  EXPECT_EQ(srv->accepted_spans(), o.rep.generated);
  EXPECT_EQ(o.rep.retries, 2u);
  EXPECT_EQ(o.rep.failed_attempt_spans, srv->received_spans() - srv->accepted_spans());
}

TEST(LoadEngineTest, ResourceExhaustedWithRetryInfoHonoursTheDelay) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  FakeClock clock;
  auto sc = TinyScenario(50);
  Behavior b;
  b.kind = Behavior::Kind::kError;
  b.grpc_code = 8;  // RESOURCE_EXHAUSTED
  b.retry_after_ms = 400;
  b.fail_first = 1;
  auto srv = testing::StartGrpcServer(b);
  EngineOptions eo = FastOptions(&clock);
  eo.max_in_flight = 1;
  eo.senders = 1;
  auto o = RunLoad(sc, Grpc(*srv), eo);
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  ExpectIdentity(o.rep);
  EXPECT_EQ(o.rep.accepted, o.rep.generated);
  EXPECT_EQ(o.rep.retries, 1u);
  EXPECT_EQ(o.rep.errors.at("RESOURCE_EXHAUSTED"), 1u);
}

TEST(LoadEngineTest, ResourceExhaustedWithoutRetryInfoIsFatal) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  FakeClock clock;
  auto sc = TinyScenario(50);
  Behavior b;
  b.kind = Behavior::Kind::kError;
  b.grpc_code = 8;
  auto srv = testing::StartGrpcServer(b);
  auto o = RunLoad(sc, Grpc(*srv), FastOptions(&clock));
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  ExpectIdentity(o.rep);
  EXPECT_EQ(o.rep.rejected_fatal, o.rep.generated);
  EXPECT_EQ(o.rep.retries, 0u);
  EXPECT_EQ(srv->received_spans(), o.rep.generated);  // each span sent exactly once
}

TEST(LoadEngineTest, InvalidArgumentAndHttp400AreRejectedNotRetried) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  FakeClock clock;
  auto sc = TinyScenario(50);
  Behavior g;
  g.kind = Behavior::Kind::kError;
  g.grpc_code = 3;  // INVALID_ARGUMENT
  auto gs = testing::StartGrpcServer(g);
  auto o = RunLoad(sc, Grpc(*gs), FastOptions(&clock));
  ASSERT_TRUE(o.status.ok());
  ExpectIdentity(o.rep);
  EXPECT_EQ(o.rep.rejected_fatal, o.rep.generated);
  EXPECT_EQ(o.rep.retries, 0u);

  Behavior h;
  h.kind = Behavior::Kind::kError;
  h.http_status = 400;
  auto hs = testing::StartHttpServer(h);
  o = RunLoad(sc, Http(*hs), FastOptions(&clock));
  ASSERT_TRUE(o.status.ok());
  ExpectIdentity(o.rep);
  EXPECT_EQ(o.rep.rejected_fatal, o.rep.generated);
  EXPECT_EQ(o.rep.retries, 0u);
  EXPECT_EQ(hs->received_spans(), o.rep.generated);
}

TEST(LoadEngineTest, Http429And503WithRetryAfterAreRetried) {
  FakeClock clock;
  for (int status : {429, 503}) {
    auto sc = TinyScenario(50);
    Behavior h;
    h.kind = Behavior::Kind::kError;
    h.http_status = status;
    h.retry_after_ms = 1000;  // "Retry-After: 1"
    h.fail_first = 1;
    auto hs = testing::StartHttpServer(h);
    EngineOptions eo = FastOptions(&clock);
    eo.senders = 1;
    eo.max_in_flight = 1;
    auto o = RunLoad(sc, Http(*hs), eo);
    ASSERT_TRUE(o.status.ok());
    ExpectIdentity(o.rep);
    EXPECT_EQ(o.rep.accepted, o.rep.generated) << status;
    EXPECT_EQ(o.rep.retries, 1u) << status;
    EXPECT_EQ(hs->accepted_spans(), o.rep.generated);
  }
}

TEST(LoadEngineTest, Http503ForeverExhaustsRetries) {
  FakeClock clock;
  auto sc = TinyScenario(50);
  Behavior h;
  h.kind = Behavior::Kind::kError;
  h.http_status = 503;
  auto hs = testing::StartHttpServer(h);
  auto o = RunLoad(sc, Http(*hs), FastOptions(&clock));
  ASSERT_TRUE(o.status.ok());
  ExpectIdentity(o.rep);
  EXPECT_EQ(o.rep.dropped_retries_exhausted, o.rep.generated);
  EXPECT_EQ(hs->received_spans(), 3 * o.rep.generated);
}

// Issue 16 item 6: in an outage, batches waiting for a retry sat outside --queue-spans and
// --max-in-flight, so the generator kept making batches (220 k spans, 177 MB against a dead port
// with --queue-spans 4096). They now count against --queue-spans: what the generator holds
// (queued, waiting for a retry, in flight) stays within queue_spans + max_in_flight batches, and
// the rest is dropped as queue_full.
TEST(LoadEngineTest, OutageHoldsNoMoreThanTheQueueBound) {
  for (bool grpc : EngineWires()) {
    FakeClock clock;
    auto sc = TinyScenario(500);  // 1500 spans/s
    Behavior b;
    b.kind = Behavior::Kind::kError;  // UNAVAILABLE / 503, forever: every batch waits for a retry
    auto srv = StartServer(grpc, b);
    EngineOptions eo = FastOptions(&clock);
    eo.duration = sim::Duration::Seconds(4);
    eo.queue_spans = 256;
    eo.retry.initial_backoff = milliseconds(500);
    eo.retry.max_backoff = milliseconds(2000);
    eo.retry.max_attempts = 100;
    eo.grace = milliseconds(100);
    uint64_t held_max = 0;
    auto o = RunLoad(sc, Wire(grpc, *srv), eo, nullptr, nullptr, [&](const SecondStats& s) {
      held_max = std::max(held_max, s.queued_spans + s.in_flight_spans);
    });
    ASSERT_TRUE(o.status.ok()) << o.status.message();
    ExpectIdentity(o.rep);
    const uint64_t bound = eo.queue_spans + uint64_t{eo.max_in_flight} * eo.batch_spans;
    EXPECT_LE(held_max, bound) << grpc << o.rep.ToText();
    EXPECT_GT(o.rep.dropped_queue_full, o.rep.generated / 2) << grpc << o.rep.ToText();
    EXPECT_EQ(o.rep.accepted, 0u);
  }
}

TEST(LoadEngineTest, PartialSuccessCountsRejectedAndIsNotRetried) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  FakeClock clock;
  auto sc = TinyScenario(100);
  Behavior b;
  b.rejected_per_request = 2;
  for (int proto = 0; proto < 2; ++proto) {
    auto srv = proto == 0 ? testing::StartGrpcServer(b) : testing::StartHttpServer(b);
    auto o = RunLoad(sc, proto == 0 ? Grpc(*srv) : Http(*srv), FastOptions(&clock));
    ASSERT_TRUE(o.status.ok());
    ExpectIdentity(o.rep);
    EXPECT_EQ(o.rep.rejected_partial, 2 * o.rep.requests) << proto;
    EXPECT_EQ(o.rep.accepted, srv->accepted_spans()) << proto;
    EXPECT_EQ(o.rep.retries, 0u);
    EXPECT_EQ(srv->received_spans(), o.rep.generated);
  }
}

TEST(LoadEngineTest, SlowAnswersPastTheDeadlineAreRetriedThenDropped) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  auto sc = TinyScenario(20);
  Behavior b;
  b.delay_ms = 400;
  auto srv = testing::StartGrpcServer(b);
  auto t = Grpc(*srv);
  t.timeout = milliseconds(100);
  EngineOptions eo = FastOptions();
  eo.duration = sim::Duration::Millis(500);
  eo.retry.max_attempts = 2;
  eo.max_in_flight = 16;
  auto o = RunLoad(sc, t, eo);
  ASSERT_TRUE(o.status.ok());
  ExpectIdentity(o.rep);
  EXPECT_EQ(o.rep.dropped_retries_exhausted, o.rep.generated);
  EXPECT_EQ(o.rep.errors.count("DEADLINE_EXCEEDED"), 1u) << o.rep.ToText();
}

TEST(LoadEngineTest, RefusedConnectionIsRetriedWithBackoffThenDropped) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  FakeClock clock;
  auto sc = TinyScenario(50);
  for (int proto = 0; proto < 2; ++proto) {
    exporter::TransportOptions t;
    int port = testing::UnusedPort();
    t.protocol = proto == 0 ? exporter::WireProtocol::kGrpc : exporter::WireProtocol::kHttpProtobuf;
    t.endpoint = proto == 0 ? "127.0.0.1:" + std::to_string(port)
                            : "http://127.0.0.1:" + std::to_string(port) + "/v1/traces";
    t.timeout = milliseconds(1000);
    auto o = RunLoad(sc, t, FastOptions(&clock));
    ASSERT_TRUE(o.status.ok()) << o.status.message();
    ExpectIdentity(o.rep);
    EXPECT_EQ(o.rep.dropped_retries_exhausted, o.rep.generated) << o.rep.ToText();
    EXPECT_EQ(o.rep.accepted, 0u);
  }
}

TEST(LoadEngineTest, FullQueueDropsWithReasonQueueFull) {
  for (bool grpc : EngineWires()) {
    auto sc = TinyScenario(400);
    Behavior b;
    b.delay_ms = 300;
    auto srv = StartServer(grpc, b);
    EngineOptions eo = FastOptions();
    eo.senders = 1;
    eo.max_in_flight = 1;
    eo.batch_spans = 32;
    eo.queue_spans = 64;
    auto o = RunLoad(sc, Wire(grpc, *srv), eo);
    ASSERT_TRUE(o.status.ok());
    ExpectIdentity(o.rep);
    EXPECT_GT(o.rep.dropped_queue_full, 0u);
    EXPECT_EQ(srv->accepted_spans(), o.rep.accepted);
  }
}

// Paces `sc` at `spans_per_s` spans/s as `load --rate Nspans` does: the rate divided by the
// measured spans per trace; the engine options for it (a run of `duration` on `clock`).
EngineOptions AtSpanRate(scenarios::Scenario* sc, const std::string& spans_per_s,
                         sim::Duration duration, Clock* clock) {
  auto mean = MeasureMeanSpansPerTrace(sc->model, sc->workload, sc->seed, 200);
  EXPECT_TRUE(mean.ok());
  RateFlags f;
  f.rate = spans_per_s + "spans";
  auto plan = BuildLoadPlan(sc->workload, f, mean.ok() ? *mean : 1);
  EXPECT_TRUE(plan.ok()) << plan.status().message();
  if (plan.ok()) sc->workload = plan->workload;
  EngineOptions eo = FastOptions(clock);
  eo.duration = duration;
  eo.mean_spans_per_trace = mean.ok() ? *mean : 1;
  eo.rate_in_spans = true;
  return eo;
}

TEST(LoadEngineTest, PacingMatchesTheTargetPerSecond) {
  for (bool grpc : EngineWires()) {
    FakeClock clock;
    // 2000 spans/s: the rate in spans/s divided by the measured spans per trace.
    auto sc = TinyScenario(10);
    EngineOptions eo = AtSpanRate(&sc, "2000", sim::Duration::Seconds(4), &clock);
    auto srv = StartServer(grpc, {});
    auto o = RunLoad(sc, Wire(grpc, *srv), eo);
    ASSERT_TRUE(o.status.ok());
    ExpectIdentity(o.rep);
    ASSERT_GE(o.rep.seconds.size(), 4u);
    // Seconds 1..3 (second 0 ramps up while the first traces are still open): spans released by
    // the generator in those wall-clock seconds, against 2000/s.
    uint64_t got = 0;
    for (int s = 1; s <= 3; ++s) got += o.rep.seconds[s].generated_spans;
    EXPECT_NEAR(static_cast<double>(got), 6000.0, 60.0) << o.rep.ToJson();
    EXPECT_NEAR(o.rep.Metrics().at("achieved_rate"), 2000, 20);
    EXPECT_NEAR(o.rep.Metrics().at("target_rate"), 2000, 1);
    EXPECT_EQ(srv->accepted_spans(), o.rep.generated);
  }
}

// Issue 5: "the achieved rate within 1 % of the target". Every span ends ~300 ms after its trace
// arrives; over a 2 s run, spans ending in [0, 2 s) fall 15 % short of arrivals x spans/trace;
// over the steady window (RateMeter) the rate is the target. What the simulation scheduled is
// checked exactly (uniform arrivals, constant latencies: no timing involved); what the pacer
// released on the wall clock gets a bound generous enough for a loaded machine (a 16 ms stall at
// an edge of the 1.7 s window moves it by 1 %).
TEST(LoadEngineTest, AchievedRateIsTheTargetOverTheSteadyWindow) {
  for (bool grpc : EngineWires()) {
    FakeClock clock;
    auto sc = TinyScenario(10, "slow.yaml");
    EngineOptions eo = AtSpanRate(&sc, "6000", sim::Duration::Seconds(2), &clock);
    auto srv = StartServer(grpc, {});
    auto o = RunLoad(sc, Wire(grpc, *srv), eo);
    ASSERT_TRUE(o.status.ok());
    ExpectIdentity(o.rep);
    EXPECT_EQ(srv->accepted_spans(), o.rep.generated);
    // Every span ends 100-300 ms after its trace's arrival: the window starts at the p99 delay.
    EXPECT_NEAR(o.rep.arrival_delay_p99_ms, 300, 5);
    EXPECT_NEAR(o.rep.rate_from_seconds, 0.3, 0.01);
    EXPECT_DOUBLE_EQ(o.rep.rate_to_seconds, 2.0);
    EXPECT_NEAR(o.rep.target_span_rate, 6000, 1);
    EXPECT_NEAR(o.rep.scheduled_span_rate / o.rep.target_span_rate, 1.0, 0.005) << o.rep.ToJson();
    EXPECT_NEAR(o.rep.Metrics().at("achieved_ratio"), 1.0, 0.03) << o.rep.ToJson();
    // Spans released in wall seconds 0 and 1, the old measure, read ~85 % (never more: a late
    // release only moves spans out of the run's first two seconds).
    ASSERT_GE(o.rep.seconds.size(), 2u);
    double old =
        static_cast<double>(o.rep.seconds[0].generated_spans + o.rep.seconds[1].generated_spans);
    EXPECT_LT(old / (2 * 6000), 0.9) << o.rep.ToJson();
  }
}

TEST(LoadEngineTest, StopCounterStopsGeneratingAndFlushes) {
  for (bool grpc : EngineWires()) {
    FakeClock clock;
    auto sc = TinyScenario(300);
    auto srv = StartServer(grpc, {});
    std::atomic<int> stop{0};
    EngineOptions eo = FastOptions(&clock);
    eo.duration = sim::Duration::Seconds(60);
    // Stop after the first second (on the fake clock).
    auto o =
        RunLoad(sc, Wire(grpc, *srv), eo, &stop, nullptr, [&](const SecondStats&) { stop = 1; });
    ASSERT_TRUE(o.status.ok());
    ExpectIdentity(o.rep);
    EXPECT_TRUE(o.rep.interrupted);
    EXPECT_LT(o.rep.wall_seconds, 10);
    EXPECT_EQ(o.rep.accepted, o.rep.generated);  // the grace period flushed everything
    EXPECT_EQ(srv->accepted_spans(), o.rep.generated);
  }
}

TEST(LoadEngineTest, SecondStopSkipsTheGraceAndCountsShutdown) {
  for (bool grpc : EngineWires()) {
    FakeClock clock;
    auto sc = TinyScenario(300);
    Behavior b;
    b.kind = Behavior::Kind::kError;
    auto srv = StartServer(grpc, b);
    std::atomic<int> stop{0};
    EngineOptions eo = FastOptions(&clock);
    eo.duration = sim::Duration::Seconds(60);
    eo.retry.initial_backoff = milliseconds(5000);
    eo.retry.max_backoff = milliseconds(5000);
    eo.grace = milliseconds(30000);
    auto o =
        RunLoad(sc, Wire(grpc, *srv), eo, &stop, nullptr, [&](const SecondStats&) { stop = 2; });
    ASSERT_TRUE(o.status.ok());
    ExpectIdentity(o.rep);
    EXPECT_LT(o.rep.wall_seconds, 5);
    EXPECT_EQ(o.rep.dropped_shutdown, o.rep.generated) << o.rep.ToText();
  }
}

TEST(LoadEngineTest, MetricsEndpointServesTheAccounting) {
  for (bool grpc : EngineWires()) {
    FakeClock clock;
    auto sc = TinyScenario(100);
    auto srv = StartServer(grpc, {});
    metrics::MetricsRegistry reg;
    auto ms = MetricsServer::Start("127.0.0.1:0", &reg);
    ASSERT_TRUE(ms.ok());
    auto o = RunLoad(sc, Wire(grpc, *srv), FastOptions(&clock), nullptr, &reg);
    ASSERT_TRUE(o.status.ok());
    // Scrape it the way Prometheus does: GET /metrics over HTTP.
    boost::asio::io_context ioc;
    boost::beast::tcp_stream conn(ioc);
    conn.connect({boost::asio::ip::make_address("127.0.0.1"), (*ms)->port()});
    namespace http = boost::beast::http;
    http::request<http::string_body> req(http::verb::get, "/metrics", 11);
    req.set(http::field::host, "127.0.0.1");
    http::write(conn, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(conn, buf, res);
    ASSERT_EQ(res.result_int(), 200);
    EXPECT_NE(res[http::field::content_type].find("text/plain"), std::string::npos);
    std::string body = res.body();
    EXPECT_NE(body.find("tracesim_load_spans_generated_total " + std::to_string(o.rep.generated)),
              std::string::npos)
        << body;
    EXPECT_NE(body.find("tracesim_load_spans_accepted_total " + std::to_string(o.rep.accepted)),
              std::string::npos);
    EXPECT_NE(
        body.find("tracesim_load_export_duration_seconds_count " + std::to_string(o.rep.requests)),
        std::string::npos);
  }
}

// Forwards to a real transport and counts the requests that the thread which made it (the one
// that runs LoadEngine::Run below) handed over, and those that other threads (senders) did;
// with `keep_bodies`, keeps a copy of every request body too.
class NotingTransport final : public exporter::Transport {
 public:
  explicit NotingTransport(std::unique_ptr<exporter::Transport> inner, bool keep_bodies = false)
      : inner_(std::move(inner)), keep_bodies_(keep_bodies) {}
  void ExportAsync(exporter::ExportRequest request,
                   std::function<void(exporter::ExportResult)> done) override {
    (std::this_thread::get_id() == home_ ? from_home_ : from_others_).fetch_add(1);
    if (keep_bodies_) {
      std::lock_guard lk(mu_);
      bodies_.push_back(*request.body);
    }
    inner_->ExportAsync(std::move(request), std::move(done));
  }
  void Shutdown() override { inner_->Shutdown(); }
  uint64_t from_home() const { return from_home_.load(); }
  uint64_t from_others() const { return from_others_.load(); }
  std::vector<std::string> bodies() {
    std::lock_guard lk(mu_);
    return bodies_;
  }

 private:
  std::unique_ptr<exporter::Transport> inner_;
  const bool keep_bodies_;
  const std::thread::id home_ = std::this_thread::get_id();
  std::atomic<uint64_t> from_home_{0}, from_others_{0};
  std::mutex mu_;
  std::vector<std::string> bodies_;  // GUARDED_BY(mu_)
};

// Runs `sc` with LoadEngine::Run on this thread through a NotingTransport.
Outcome RunNotingThreads(const scenarios::Scenario& sc, const exporter::TransportOptions& topt,
                         const EngineOptions& eo, uint64_t* from_generator,
                         uint64_t* from_senders) {
  auto inner = exporter::CreateTransport(topt);
  if (!inner.ok()) return Outcome{{}, inner.status()};
  NotingTransport transport(std::move(inner).value());
  Outcome out = RunLoadThrough(sc, topt.protocol, &transport, eo);
  transport.Shutdown();
  *from_generator = transport.from_home();
  *from_senders = transport.from_others();
  return out;
}

// While the simulation keeps up with the clock, the generator thread encodes and sends a closed
// batch itself (no hand-off to a sender); a batch over the byte limit still sends its second
// half through the queue. Nothing is lost or counted twice either way.
TEST(LoadEngineTest, GeneratorSendsItselfWhileItKeepsUp) {
  for (bool grpc : EngineWires()) {
    auto sc = TinyScenario(200);
    auto srv = StartServer(grpc, {});
    uint64_t here = 0, senders = 0;
    auto o = RunNotingThreads(sc, Wire(grpc, *srv), FastOptions(), &here, &senders);
    ASSERT_TRUE(o.status.ok()) << o.status.message();
    ExpectIdentity(o.rep);
    EXPECT_EQ(o.rep.traces, 200u);
    EXPECT_EQ(o.rep.accepted, o.rep.generated);
    EXPECT_EQ(srv->accepted_spans(), o.rep.generated);
    EXPECT_EQ(here + senders, o.rep.requests);
    EXPECT_GT(here, senders) << "grpc=" << grpc << ": 200 traces/s leave the generator idle";
  }
  // Split batches: the generator sends the first half, a sender the rest.
  auto sc = TinyScenario(150);
  auto srv = testing::StartHttpServer({});
  EngineOptions opt = FastOptions();
  opt.batch_bytes = 1024;
  uint64_t here = 0, senders = 0;
  auto o = RunNotingThreads(sc, Http(*srv), opt, &here, &senders);
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  ExpectIdentity(o.rep);
  EXPECT_EQ(srv->accepted_spans(), o.rep.generated);
  EXPECT_GT(here, 0u);
  EXPECT_GT(senders, 0u);
}

// When the simulation falls behind the clock (a target this machine cannot reach), closed
// batches go to the sender threads, which encode while the generator simulates.
TEST(LoadEngineTest, SendersTakeTheBatchesWhileTheSimulationIsBehind) {
  auto sc = TinyScenario(10'000'000);  // 20 M spans/s: no build simulates that in real time
  auto srv = testing::StartHttpServer({});
  EngineOptions opt = FastOptions();
  opt.duration = sim::Duration::Millis(10);  // 200 k spans
  opt.batch_spans = 512;
  opt.max_in_flight = 8;
  opt.queue_spans = 1 << 20;
  uint64_t here = 0, senders = 0;
  auto o = RunNotingThreads(sc, Http(*srv), opt, &here, &senders);
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  ExpectIdentity(o.rep);                      // whether or not the grace let every request finish
  EXPECT_EQ(here + senders, o.rep.requests);  // every attempt, retries included, is answered
  EXPECT_GT(senders, here) << o.rep.ToText();
}

// Every span in `bodies` (serialized ExportTraceServiceRequests), by span id: its resource, its
// scope and the span message, serialized. Fails the test on a duplicate id or a bad body.
std::map<std::string, std::string> SpansById(const std::vector<std::string>& bodies) {
  namespace v1 = opentelemetry::proto::collector::trace::v1;
  std::map<std::string, std::string> out;
  for (const std::string& body : bodies) {
    v1::ExportTraceServiceRequest req;
    EXPECT_TRUE(req.ParseFromString(body));
    for (const auto& rs : req.resource_spans()) {
      for (const auto& ss : rs.scope_spans()) {
        for (const auto& span : ss.spans()) {
          std::string v = rs.resource().SerializeAsString() + "|" + ss.scope().SerializeAsString() +
                          "|" + span.SerializeAsString();
          EXPECT_TRUE(out.emplace(span.span_id(), std::move(v)).second) << "span sent twice";
        }
      }
    }
  }
  return out;
}

// The spans a load run of `sc` with `eo` simulates, as LoadEngine sets up its simulation (the
// arrivals up to eo.max_traces, numbered by position; spans dated from eo.start_at_unix_nanos),
// encoded as one request, and how many span events and links they hold.
struct Simulated {
  std::string body;
  size_t events = 0, links = 0;
};
Simulated SimulatedSpans(const scenarios::Scenario& sc, const EngineOptions& eo) {
  struct Numbered final : sim::ArrivalSource {
    sim::ArrivalSource* inner;
    uint64_t limit, n = 0;
    bool Next(sim::Arrival* out) noexcept override {
      out->index = sim::Arrival::kCounted;
      if (n >= limit || !inner->Next(out)) return false;
      if (out->index == sim::Arrival::kCounted) out->index = n;
      ++n;
      return true;
    }
  };
  struct Collect final : sim::SimulationObserver {
    sim::PackedSpans spans;
    std::vector<sim::SpanEvent> events;
    std::vector<sim::SpanLink> links;
    uint32_t Interests() const override { return kSpanEnd; }
    void OnSpanEnd(const sim::Model&, const sim::Span& span, std::span<const sim::SpanEvent> ev,
                   std::span<const sim::SpanLink> lk) noexcept override {
      sim::Span& s = spans.Append(span);
      s.first_event = static_cast<uint32_t>(events.size());
      s.first_link = static_cast<uint32_t>(links.size());
      events.insert(events.end(), ev.begin(), ev.end());
      links.insert(links.end(), lk.begin(), lk.end());
    }
  };
  auto workload = workloads::Workload::Create(sc.workload, sc.model, eo.seed, eo.duration);
  EXPECT_TRUE(workload.ok());
  Numbered arrivals;
  arrivals.inner = workload->get();
  arrivals.limit = eo.max_traces;
  sim::SimulationOptions so;
  so.seed = eo.seed;
  so.drain_limit = eo.drain_limit;
  so.hash_shapes = false;
  so.start_unix_nanos = eo.start_at_unix_nanos;
  sim::Simulation simulation(sc.model, so);
  Collect collect;
  EXPECT_TRUE(simulation.AddObserver(&collect).ok());
  EXPECT_TRUE(simulation.Run(&arrivals).ok());
  Simulated out;
  exporter::OtlpProtoEncoder(sc.model).Encode(collect.spans.view(), collect.events, collect.links,
                                              &out.body);
  out.events = collect.events.size();
  out.links = collect.links.size();
  return out;
}

// A system whose spans carry events (most of them, at start and at end) and links (a consumer's
// to the producer), so that a request holds many of each.
scenarios::Scenario EventfulScenario() {
  auto dir = testing::ProcessTempDir("tracesim_loadgen_test");
  std::ofstream(dir / "eventful.yaml") << R"(name: eventful
network_latency: 100us
services:
  - name: front
    operations:
      - name: GET /x
        events:
          - {name: cache.miss, probability: 0.7, attributes: {cache.key: "user"}}
          - {name: flushed, probability: 0.5, at: end}
        steps:
          - work: 2ms
          - call: back.Get
          - publish: viewed
  - name: back
    protocol: grpc
    operations:
      - name: Get
        work: 1ms
        events:
          - {name: retry, probability: 0.6}
  - name: worker
    operations:
      - name: process viewed
        kind: consumer
        consumes: viewed
        work: 1ms
dependencies:
  - name: kafka
    type: messaging
    system: kafka
    topics:
      - {name: viewed, publish_latency: 1ms, delivery_latency: {exponential: 5ms}}
)";
  auto sc = scenarios::LoadScenarioYaml(
      "name: eventful\ntopology: eventful.yaml\nduration: 10s\nseed: 7\nworkload:\n"
      "  process: uniform\n  rate: 200\n  mix:\n    - {operation: \"front.GET /x\"}\n",
      "eventful-scenario.yaml", dir.string());
  EXPECT_TRUE(sc.ok()) << sc.status().message();
  return std::move(sc).value();
}

// The requests carry exactly the spans the simulation made, every field, events and links
// included, whichever way a batch went: sent by the generator thread or queued for a sender,
// whole or split at the byte limit (batch_bytes 4 KiB). A span given another span's events or
// links (a range not re-based into its request) fails it.
TEST(LoadEngineTest, RequestsCarryExactlyTheSimulatedSpans) {
  const scenarios::Scenario sc = EventfulScenario();
  for (bool grpc : EngineWires()) {
    for (uint64_t batch_bytes : {uint64_t{4} << 20, uint64_t{4096}}) {
      SCOPED_TRACE(std::string(grpc ? "grpc" : "http") + " batch_bytes " +
                   std::to_string(batch_bytes));
      FakeClock clock;
      auto srv = StartServer(grpc, {});
      EngineOptions eo = FastOptions(&clock);
      eo.duration = sim::Duration::Seconds(3);
      eo.max_traces = 150;
      eo.batch_bytes = batch_bytes;
      eo.start_at_unix_nanos = clock.UnixNanos() + 1'000'000'000;
      const exporter::TransportOptions topt = Wire(grpc, *srv);
      auto inner = exporter::CreateTransport(topt);
      ASSERT_TRUE(inner.ok());
      NotingTransport transport(std::move(inner).value(), /*keep_bodies=*/true);
      Outcome o = RunLoadThrough(sc, topt.protocol, &transport, eo);
      transport.Shutdown();
      ASSERT_TRUE(o.status.ok()) << o.status.message();
      ExpectIdentity(o.rep);
      EXPECT_EQ(o.rep.traces, 150u);
      const std::vector<std::string> bodies = transport.bodies();
      EXPECT_GT(transport.from_home(), 0u);  // the generator thread sent some
      if (batch_bytes == 4096) {
        EXPECT_GT(bodies.size(), o.rep.generated / 64 + 1);  // split
        EXPECT_GT(transport.from_others(), 0u);              // the senders the second halves
      }
      const auto sent = SpansById(bodies);
      const Simulated sim = SimulatedSpans(sc, eo);
      EXPECT_GT(sim.events, 0u);
      EXPECT_GT(sim.links, 0u);
      const auto simulated = SpansById({sim.body});
      EXPECT_EQ(sent.size(), o.rep.generated);
      EXPECT_EQ(sent.size(), simulated.size());
      size_t differ = 0;
      for (const auto& [id, v] : simulated) {
        auto it = sent.find(id);
        if (it == sent.end() || it->second != v) ++differ;
      }
      EXPECT_EQ(differ, 0u) << "of " << simulated.size() << " spans";
    }
  }
}

TEST(LoadEngineTest, InvalidOptionsAreErrors) {
  auto sc = TinyScenario(10);
  auto srv = testing::StartGrpcServer({});
  EngineOptions eo = FastOptions();
  eo.queue_spans = 1;
  auto o = RunLoad(sc, Grpc(*srv), eo);
  EXPECT_FALSE(o.status.ok());
  EXPECT_NE(o.status.message().find("queue_spans"), std::string::npos);
}

TEST(LoadReportTest, JsonAndMetricsCarryEveryBucket) {
  LoadReport r;
  r.generated = 10;
  r.accepted = 5;
  r.rejected_partial = 1;
  r.rejected_fatal = 1;
  r.dropped_queue_full = 1;
  r.dropped_retries_exhausted = 1;
  r.dropped_shutdown = 1;
  r.errors["UNAVAILABLE"] = 3;
  EXPECT_TRUE(r.IdentityHolds());
  auto m = r.Metrics();
  // Without a target the collector_* metrics are absent (a threshold on one fails); with one
  // (CPU, RSS and queue known) every name is there.
  EXPECT_FALSE(m.count("collector_refused_ratio"));
  r.target = TargetSummary{};
  r.target->accepted = 9;
  r.target->has_cpu = r.target->has_rss = r.target->has_queue = true;
  m = r.Metrics();
  for (const std::string& n : ThresholdMetricNames()) EXPECT_TRUE(m.count(n)) << n;
  EXPECT_NE(r.ToJson().find("\"target\""), std::string::npos);
  EXPECT_DOUBLE_EQ(m["accepted_ratio"], 0.5);
  EXPECT_DOUBLE_EQ(m["dropped"], 3);
  std::string j = r.ToJson();
  EXPECT_NE(j.find("\"queue_full\": 1"), std::string::npos) << j;
  EXPECT_NE(j.find("\"UNAVAILABLE\": 3"), std::string::npos) << j;
  r.in_flight = 1;
  EXPECT_FALSE(r.IdentityHolds());
}

// Issue 15, load from many generators: the shards of a --traces run send the unsharded run's
// traces between them, each trace once. The tiny system has no queueing and constant latencies,
// so the counts are exact: traces and spans add up to the unsharded run's, and each shard's target
// is 1/N of it.
TEST(LoadEngineTest, ShardsSendTheUnshardedRunBetweenThem) {
  auto sc = TinyScenario(200);
  auto run = [&](uint32_t index, uint32_t count) {
    FakeClock clock;
    auto srv = testing::StartHttpServer({});
    EngineOptions eo = FastOptions(&clock);
    eo.duration = sim::Duration::Seconds(2);
    eo.max_traces = 301;
    eo.shard_index = index;
    eo.shard_count = count;
    auto o = RunLoad(sc, Http(*srv), eo);
    EXPECT_TRUE(o.status.ok()) << o.status.message();
    ExpectIdentity(o.rep);
    EXPECT_EQ(srv->accepted_spans(), o.rep.generated);
    return o.rep;
  };
  const LoadReport whole = run(0, 1);
  EXPECT_EQ(whole.traces, 301u);
  std::vector<LoadReport> shards = {run(0, 3), run(1, 3), run(2, 3)};
  EXPECT_EQ(shards[0].traces, 101u);  // arrivals 0, 3, ..., 300
  EXPECT_EQ(shards[1].traces, 100u);
  EXPECT_EQ(shards[2].traces, 100u);
  const LoadReport merged = MergeLoadReports(shards);
  EXPECT_EQ(merged.traces, whole.traces);
  EXPECT_EQ(merged.generated, whole.generated);
  EXPECT_EQ(merged.accepted, whole.accepted);
  EXPECT_TRUE(merged.IdentityHolds());
  EXPECT_NEAR(merged.target_trace_rate, whole.target_trace_rate, 1e-9 * whole.target_trace_rate);
  EXPECT_NEAR(shards[1].target_trace_rate * 3, whole.target_trace_rate, 1e-6);
}

TEST(LoadEngineTest, StartAtWaitsForTheAgreedInstantAndDatesSpansFromIt) {
  FakeClock clock;
  auto sc = TinyScenario(100);
  auto srv = testing::StartHttpServer({});
  EngineOptions eo = FastOptions(&clock);
  eo.start_at_unix_nanos = clock.UnixNanos() + 3'000'000'000;  // 3 s of virtual time ahead
  eo.max_traces = 20;
  const auto before = clock.Now();
  uint32_t first_second_with_spans = UINT32_MAX;
  auto o = RunLoad(sc, Http(*srv), eo, nullptr, nullptr, [&](const SecondStats& s) {
    if (s.generated_spans > 0)
      first_second_with_spans = std::min(first_second_with_spans, s.second);
  });
  ASSERT_TRUE(o.status.ok()) << o.status.message();
  EXPECT_EQ(o.rep.traces, 20u);
  EXPECT_GE(clock.Now() - before, std::chrono::seconds(3));
  EXPECT_EQ(first_second_with_spans, 0u);  // seconds count from the agreed instant
  // A stop during the wait ends it: nothing is generated.
  FakeClock clock2;
  std::atomic<int> stop{1};
  eo.clock = &clock2;
  eo.start_at_unix_nanos = clock2.UnixNanos() + 3'000'000'000;
  auto stopped = RunLoad(sc, Http(*srv), eo, &stop);
  ASSERT_TRUE(stopped.status.ok());
  EXPECT_TRUE(stopped.rep.interrupted);
  EXPECT_EQ(stopped.rep.generated, 0u);
}

TEST(LoadEngineTest, ShardOptionsAreChecked) {
  EngineOptions eo;
  eo.shard_count = 2;
  eo.shard_index = 2;
  EXPECT_FALSE(eo.Validate().ok());
  eo.shard_count = 0;
  eo.shard_index = 0;
  EXPECT_FALSE(eo.Validate().ok());
  eo.shard_count = 1025;
  EXPECT_FALSE(eo.Validate().ok());
  eo.shard_count = 1024;
  eo.shard_index = 1023;
  EXPECT_TRUE(eo.Validate().ok());
  eo.start_at_unix_nanos = -1;
  EXPECT_FALSE(eo.Validate().ok());
}

// A report with every field set, each to a different value.
LoadReport FullReport(uint64_t k) {
  LoadReport r;
  r.generated = 100 * k, r.traces = 10 * k, r.accepted = 90 * k, r.rejected_partial = 2 * k;
  r.rejected_fatal = k, r.dropped_queue_full = 3 * k, r.dropped_non_retryable = k;
  r.dropped_retries_exhausted = k, r.dropped_shutdown = k, r.in_flight = k;
  r.requests = 7 * k, r.failed_requests = 2 * k, r.retries = k, r.failed_attempt_spans = 5 * k;
  r.bytes_sent = 1000 * k;
  r.errors["UNAVAILABLE"] = k;
  r.errors["DEADLINE_EXCEEDED " + std::to_string(k)] = 1;
  r.window_seconds = 10 + 0.1 * k, r.wall_seconds = 12 + 0.1 * k, r.cpu_seconds = 0.5 * k;
  r.rate_from_seconds = 0.3 * k, r.rate_to_seconds = 10, r.arrival_delay_p99_ms = 30.5 * k;
  r.arrival_delay_mean_ms = 1.0 / 3 * k, r.target_trace_rate = 100.0 / 3 * k;
  r.achieved_trace_rate = 33.3 * k, r.target_span_rate = 1000.0 / 7 * k;
  r.achieved_span_rate = 142 * k, r.scheduled_span_rate = 141 * k;
  r.rate_in_spans = true, r.mean_spans_per_trace = 7.25, r.interrupted = k == 2;
  r.peak_queued_spans = 64 * k;
  for (int64_t v = 1; v < 1000; v += 7) r.export_latency.Record(v * 1000 * k, k);
  r.release_lag.Record(123456 * k);
  for (uint32_t s = 0; s < 2 + k; ++s) {
    SecondStats ss;
    ss.second = s, ss.target_traces = 33.5, ss.generated_spans = s * k, ss.accepted = k;
    ss.export_p99_ms = 1.5 * k, ss.last_error = k == 1 ? "" : "UNAVAILABLE: down";
    if (k == 2) ss.target = TargetSecond{true, 1, 2, 3, 4, 5, 6, 7, true, true, false};
    r.seconds.push_back(ss);
  }
  if (k == 2) {
    r.target = TargetSummary{};
    r.target->urls = {"http://127.0.0.1:8888/metrics"};
    r.target->accepted = 42, r.target->has_rss = true, r.target->peak_rss_mb = 99.5;
  }
  r.SetPercentiles();
  return r;
}

TEST(LoadReportTest, SavedAndLoadedExactly) {
  for (uint64_t k : {1, 2}) {
    const LoadReport r = FullReport(k);
    sim::StateWriter w;
    SaveLoadReport(r, w);
    sim::StateReader in(w.bytes());
    LoadReport back;
    ASSERT_TRUE(LoadLoadReport(in, &back));
    EXPECT_TRUE(in.at_end());
    EXPECT_EQ(back.ToJson(), r.ToJson());
    EXPECT_EQ(back.export_latency.Count(), r.export_latency.Count());
    EXPECT_EQ(back.Metrics(), r.Metrics());
    // Every shorter input is refused, never read past.
    for (size_t cut = 0; cut < w.bytes().size(); cut += 13) {
      sim::StateReader part(std::string_view(w.bytes()).substr(0, cut));
      LoadReport junk;
      EXPECT_FALSE(LoadLoadReport(part, &junk)) << cut;
    }
  }
}

TEST(LoadReportTest, MergedShardsAddUpAndPercentilesComeFromTheMergedHistograms) {
  const LoadReport a = FullReport(1), b = FullReport(2), c = FullReport(3);
  const LoadReport m = MergeLoadReports({a, b, c});
  EXPECT_EQ(m.generated, 600u);
  EXPECT_EQ(m.accepted, 540u);
  EXPECT_EQ(m.dropped(), a.dropped() + b.dropped() + c.dropped());
  EXPECT_EQ(m.errors.at("UNAVAILABLE"), 6u);
  EXPECT_EQ(m.errors.size(), 4u);
  EXPECT_DOUBLE_EQ(m.cpu_seconds, 3.0);
  EXPECT_DOUBLE_EQ(m.wall_seconds, c.wall_seconds);
  EXPECT_DOUBLE_EQ(m.target_trace_rate,
                   a.target_trace_rate + b.target_trace_rate + c.target_trace_rate);
  EXPECT_TRUE(m.interrupted);
  EXPECT_EQ(m.peak_queued_spans, 192u);
  metrics::Histogram all;
  for (const LoadReport* r : {&a, &b, &c}) all.Merge(r->export_latency);
  EXPECT_EQ(m.export_p99_ms, all.Percentile(99) / 1e6);
  EXPECT_EQ(m.export_max_ms, all.Max() / 1e6);
  ASSERT_EQ(m.seconds.size(), 5u);  // the longest shard's
  EXPECT_EQ(m.seconds[1].generated_spans, 1u + 2 + 3);
  EXPECT_DOUBLE_EQ(m.seconds[1].target_traces, 3 * 33.5);
  EXPECT_DOUBLE_EQ(m.seconds[1].export_p99_ms, 4.5);  // the slowest shard's
  EXPECT_EQ(m.seconds[4].generated_spans, 4u * 3);    // only shard 3 ran 5 seconds
  EXPECT_EQ(m.seconds[1].last_error, "UNAVAILABLE: down");
  ASSERT_TRUE(m.seconds[1].target.has_value());
  ASSERT_TRUE(m.target.has_value());
  EXPECT_EQ(m.target->accepted, 42);
  // One shard merges into itself.
  EXPECT_EQ(MergeLoadReports({b}).ToJson(), b.ToJson());
}

}  // namespace
}  // namespace tracesim::loadgen
