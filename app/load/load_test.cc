// RunLoad and LoadOptions against real loopback receivers (loadgen/testing/loopback.h): options
// reach the engine, the environment is read once through the injected getenv and overridden by
// the options, thresholds are evaluated, errors name the flag or variable.
#include "app/load/load.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "loadgen/testing/loopback.h"
#include "receiver/receiver.h"
#include "sim/base/sanitizer_skips.h"

namespace tracesim::app {
namespace {

namespace fs = std::filesystem;

scenarios::Scenario Tiny() {
  fs::path dir = fs::temp_directory_path() / ("tracesim_app_load_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto sc = scenarios::LoadScenarioFile(loadgen::testing::WriteTinyScenario(dir).string());
  EXPECT_TRUE(sc.ok()) << sc.status().message();
  return std::move(sc).value();
}

// An environment of its own, so the test does not depend on the process's.
std::function<const char*(const char*)> Env(std::map<std::string, std::string> vars) {
  auto held = std::make_shared<std::map<std::string, std::string>>(std::move(vars));
  return [held](const char* name) -> const char* {
    auto it = held->find(name);
    return it == held->end() ? nullptr : it->second.c_str();
  };
}

LoadOptions Quick(uint64_t traces) {
  LoadOptions o;
  o.max_traces = traces;
  o.rates.rate = "200";
  o.engine.batch_delay = std::chrono::milliseconds(50);
  o.getenv = Env({});
  return o;
}

TEST(LoadOptionsTest, ValidateNamesTheFlag) {
  EXPECT_TRUE(LoadOptions().Validate().ok());
  auto message = [](void (*edit)(LoadOptions*)) {
    LoadOptions o;
    edit(&o);
    return o.Validate().message();
  };
  EXPECT_NE(message([](LoadOptions* o) { o->engine.senders = 0; }).find("--senders"),
            std::string::npos);
  EXPECT_NE(message([](LoadOptions* o) { o->engine.batch_bytes = 10; }).find("--batch-bytes"),
            std::string::npos);
  EXPECT_NE(message([](LoadOptions* o) { o->engine.queue_spans = 1; }).find("--queue-spans"),
            std::string::npos);
  EXPECT_NE(message([](LoadOptions* o) {
              o->engine.retry.max_backoff = std::chrono::milliseconds(1);
            }).find("--retry-max must be a duration >= --retry-initial, got '1ms'"),
            std::string::npos);
  EXPECT_NE(message([](LoadOptions* o) { o->max_traces = 0; }).find("--traces"), std::string::npos);
  EXPECT_EQ(message([](LoadOptions* o) { o->metrics_linger = std::chrono::seconds(20); }),
            "--linger keeps /metrics up after the run: it needs --metrics-addr");
  EXPECT_NE(message([](LoadOptions* o) {
              o->metrics_addr = ":9464";
              o->metrics_linger = std::chrono::hours(2);
            }).find("--linger must be a duration in [0, 1h]"),
            std::string::npos);
  EXPECT_NE(message([](LoadOptions* o) { o->transport.connections = 65; }).find("--connections"),
            std::string::npos);
  EXPECT_NE(message([](LoadOptions* o) {
              o->transport.timeout = std::chrono::milliseconds(0);
            }).find("--timeout"),
            std::string::npos);
  EXPECT_EQ(message([](LoadOptions* o) { o->target.urls = {"https://c:8888/metrics"}; }),
            "--target-metrics 'https://c:8888/metrics': https is not supported, scrape over "
            "http://");
  // A collector_* threshold needs a target to measure.
  EXPECT_EQ(message([](LoadOptions* o) {
              o->thresholds.push_back(*loadgen::ParseThreshold("collector_rss_mb<800"));
            }),
            "--threshold 'collector_rss_mb<800' needs --target-metrics URL or --target-pid PID");
  LoadOptions with_pid;
  with_pid.target.pid = 1;
  with_pid.thresholds.push_back(*loadgen::ParseThreshold("collector_rss_mb<800"));
  EXPECT_TRUE(with_pid.Validate().ok());
}

TEST(RunLoadTest, SendsToTheEndpointAndEvaluatesThresholds) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  auto srv = loadgen::testing::StartGrpcServer({});
  LoadOptions o = Quick(30);
  o.transport.endpoint = srv->endpoint();
  o.thresholds = {*loadgen::ParseThreshold("dropped==0"),
                  *loadgen::ParseThreshold("export_p99_ms<0")};
  LoadStart seen;
  int seconds = 0;
  LoadCallbacks cb{
      [&](const LoadStart& s) { seen = s; }, [&](const loadgen::SecondStats&) { ++seconds; }, {}};
  auto r = RunLoad(Tiny(), o, cb);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(seen.protocol, "grpc");  // the load default when nothing says otherwise
  EXPECT_EQ(seen.endpoint, srv->endpoint());
  EXPECT_EQ(seen.seed, 7u);
  EXPECT_GT(seen.mean_spans_per_trace, 1);
  EXPECT_EQ(r->report.traces, 30u);
  EXPECT_EQ(r->report.accepted, srv->accepted_spans());
  ASSERT_EQ(r->thresholds.size(), 2u);
  EXPECT_TRUE(r->thresholds[0].passed);
  EXPECT_FALSE(r->thresholds[1].passed);
  EXPECT_FALSE(r->thresholds_passed());
}

// A `tracesim receive --collector-metrics` on free loopback ports (OTLP/HTTP and /metrics).
std::unique_ptr<receiver::Receiver> CollectorLikeReceiver() {
  receiver::ReceiverOptions ro;
  ro.grpc_address.clear();
  ro.http_address = "127.0.0.1:0";
  ro.metrics_address = "127.0.0.1:0";
  ro.collector_metrics = true;
  auto rx = receiver::Receiver::Start(ro);
  EXPECT_TRUE(rx.ok()) << rx.status().message();
  return rx.ok() ? std::move(rx).value() : nullptr;
}

// Load options sending OTLP/HTTP protobuf to `rx`.
LoadOptions QuickTo(const receiver::Receiver& rx, uint64_t traces) {
  LoadOptions o = Quick(traces);
  o.transport.protocol = exporter::WireProtocol::kHttpProtobuf;
  o.transport.endpoint = "http://127.0.0.1:" + std::to_string(rx.http_port()) + "/v1/traces";
  return o;
}

// RunLoad on another thread with /metrics on a free port and a long --linger; Start() returns
// once the run is over and the linger has begun; Stop() ends the linger and returns the outcome.
class LingeringLoad {
 public:
  bool Start(LoadOptions o) {
    port_ = loadgen::testing::UnusedPort();
    o.metrics_addr = "127.0.0.1:" + std::to_string(port_);
    o.metrics_linger = std::chrono::minutes(10);
    o.stop = &stop_;
    options_ = std::move(o);
    LoadCallbacks cb;
    cb.on_linger = [this] { lingering_ = true; };
    run_ = std::async(std::launch::async, [this, cb] { return RunLoad(Tiny(), options_, cb); });
    for (int i = 0; i < 3000 && !lingering_; ++i)  // at most 30 s
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return lingering_;
  }
  int port() const { return port_; }
  bool still_running() {
    return run_.wait_for(std::chrono::milliseconds(100)) == std::future_status::timeout;
  }
  sim::Result<LoadOutcome> Stop() {
    stop_ = 1;
    if (run_.wait_for(std::chrono::seconds(10)) != std::future_status::ready)
      return sim::Status::Internal("the linger did not end on the stop counter");
    return run_.get();
  }

 private:
  LoadOptions options_;
  int port_ = 0;
  std::atomic<int> stop_{0};
  std::atomic<bool> lingering_{false};
  std::future<sim::Result<LoadOutcome>> run_;
};

// `tracesim receive --collector-metrics` speaks the Collector's own telemetry: `load
// --target-metrics` scraping it counts exactly what the receiver accepted, and reads its CPU and
// RSS (OTLP/HTTP, so it runs in every build).
TEST(RunLoadTest, TargetMetricsOfAReceiverWithCollectorSeriesEqualItsCounts) {
  auto rx = CollectorLikeReceiver();
  ASSERT_NE(rx, nullptr);
  LoadOptions o = QuickTo(*rx, 200);
  o.target.urls = {"127.0.0.1:" + std::to_string(rx->metrics_port())};
  o.target.interval = std::chrono::milliseconds(100);
  o.thresholds = {*loadgen::ParseThreshold("collector_refused_ratio<0.001"),
                  *loadgen::ParseThreshold("collector_rss_mb<4096")};
  auto r = RunLoad(Tiny(), o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_TRUE(r->report.target.has_value());
  const loadgen::TargetSummary& t = *r->report.target;
  EXPECT_EQ(t.scrape_errors, 0u) << t.last_error;
  EXPECT_GT(r->report.accepted, 0u);
  EXPECT_EQ(static_cast<uint64_t>(t.accepted), r->report.accepted);
  EXPECT_EQ(static_cast<uint64_t>(t.accepted), rx->stats().Snapshot().spans_accepted);
  EXPECT_EQ(t.refused, 0);
  EXPECT_TRUE(t.has_rss);
  EXPECT_TRUE(t.has_cpu);
  EXPECT_GT(t.peak_rss_mb, 1);
  EXPECT_TRUE(r->thresholds_passed());
  ASSERT_TRUE(rx->Stop().ok());
}

// --linger: /metrics keeps the run's final values after the run, until the time is up or the
// stop counter moves.
TEST(RunLoadTest, LingerKeepsMetricsUpAfterTheRunUntilStopped) {
  auto srv = loadgen::testing::StartHttpServer({});
  LoadOptions o = Quick(20);
  o.transport.protocol = exporter::WireProtocol::kHttpProtobuf;
  o.transport.endpoint = srv->endpoint() + "/v1/traces";
  LingeringLoad load;
  ASSERT_TRUE(load.Start(o));
  // The run is over and /metrics still answers, with every accepted span.
  const std::string body = loadgen::testing::HttpGet(load.port(), "/metrics");
  EXPECT_NE(
      body.find("tracesim_load_spans_accepted_total " + std::to_string(srv->accepted_spans())),
      std::string::npos)
      << body;
  EXPECT_TRUE(load.still_running());
  auto r = load.Stop();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->report.accepted, srv->accepted_spans());
  EXPECT_FALSE(r->report.interrupted);  // the run itself ended on its own
}

// The metric families in a Prometheus text scrape (`# TYPE` lines).
std::set<std::string> Families(const std::string& scrape) {
  std::set<std::string> out;
  std::istringstream in(scrape);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("# TYPE ", 0) != 0) continue;
    out.insert(line.substr(7, line.find(' ', 7) - 7));
  }
  return out;
}

// doc/grafana/tracesim-dashboard.json queries only series the binaries serve (tracesim load's
// /metrics, tracesim receive's with --collector-metrics), and charts every tracesim series.
TEST(RunLoadTest, GrafanaDashboardQueriesOnlySeriesTheBinariesServe) {
  auto rx = CollectorLikeReceiver();
  ASSERT_NE(rx, nullptr);
  LingeringLoad load;
  ASSERT_TRUE(load.Start(QuickTo(*rx, 10)));
  std::set<std::string> served = Families(loadgen::testing::HttpGet(load.port(), "/metrics"));
  for (const std::string& f : Families(loadgen::testing::HttpGet(rx->metrics_port(), "/metrics")))
    served.insert(f);
  ASSERT_TRUE(load.Stop().ok());
  ASSERT_TRUE(rx->Stop().ok());
  ASSERT_TRUE(served.count("tracesim_load_spans_generated_total"));
  ASSERT_TRUE(served.count("otelcol_receiver_accepted_spans"));

  std::ifstream f(std::string(TRACESIM_SOURCE_DIR) + "/doc/grafana/tracesim-dashboard.json");
  const nlohmann::json dash = nlohmann::json::parse(f, nullptr, /*allow_exceptions=*/false);
  ASSERT_TRUE(dash.is_object()) << "doc/grafana/tracesim-dashboard.json is not JSON";
  const std::regex name("(tracesim|otelcol)_[a-z_]+");
  std::set<std::string> queried;
  size_t targets = 0;
  for (const auto& panel : dash.at("panels")) {
    if (panel.value("type", "") == "row") continue;
    ASSERT_FALSE(panel.at("targets").empty()) << panel.value("title", "");
    for (const auto& t : panel.at("targets")) {
      ++targets;
      const std::string expr = t.at("expr").get<std::string>();
      for (std::sregex_iterator it(expr.begin(), expr.end(), name), end; it != end; ++it) {
        std::string n = it->str();
        for (const char* suffix : {"_bucket", "_sum", "_count"})
          if (n.size() > std::strlen(suffix) &&
              n.compare(n.size() - std::strlen(suffix), std::string::npos, suffix) == 0)
            n.erase(n.size() - std::strlen(suffix));
        queried.insert(n);
        EXPECT_TRUE(served.count(n)) << n << " (panel '" << panel.value("title", "")
                                     << "') is not served by tracesim load or receive";
      }
    }
  }
  EXPECT_GE(targets, 15u);
  for (const std::string& f : served) {
    if (f.rfind("tracesim_", 0) == 0) {
      EXPECT_TRUE(queried.count(f)) << f << " has no panel";
    }
  }
}

TEST(RunLoadTest, TheEnvironmentChoosesUnlessAnOptionDoes) {
  auto srv = loadgen::testing::StartHttpServer({});
  LoadOptions o = Quick(10);
  o.getenv = Env({{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"},
                  {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", srv->endpoint() + "/v1/traces"}});
  auto r = RunLoad(Tiny(), o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->start.protocol, "http/json");
  EXPECT_EQ(r->start.endpoint, srv->endpoint() + "/v1/traces");
  EXPECT_EQ(r->report.accepted, srv->accepted_spans());

  // The option wins over the variable, which is then not even parsed.
  o.getenv = Env({{"OTEL_EXPORTER_OTLP_PROTOCOL", "carrier-pigeon"}});
  o.transport.protocol = exporter::WireProtocol::kHttpProtobuf;
  o.transport.endpoint = srv->endpoint() + "/v1/traces";
  r = RunLoad(Tiny(), o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->start.protocol, "http/protobuf");

  o.transport.protocol.reset();
  r = RunLoad(Tiny(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sim::Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("OTEL_EXPORTER_OTLP_PROTOCOL: 'carrier-pigeon'"),
            std::string::npos)
      << r.status().message();
}

TEST(RunLoadTest, ZipkinFromTheEnvironmentGetsTheZipkinDefaultEndpoint) {
  LoadOptions o = Quick(1);
  o.getenv = Env({{"OTEL_EXPORTER_OTLP_PROTOCOL", "zipkin"}});
  o.metrics_addr = "nonsense";  // fails after the transport is built, before any traffic
  auto r = RunLoad(Tiny(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--metrics-addr: "), std::string::npos);
  LoadStart seen;
  o.metrics_addr.clear();
  o.transport.endpoint = "http://127.0.0.1:" + std::to_string(loadgen::testing::UnusedPort());
  o.engine.retry.max_attempts = 1;
  o.engine.grace = std::chrono::milliseconds(0);
  r = RunLoad(Tiny(), o, {[&](const LoadStart& s) { seen = s; }, {}, {}});
  EXPECT_EQ(seen.protocol, "zipkin");
}

TEST(RunLoadTest, BadRateFlagsAreBadInput) {
  LoadOptions o = Quick(1);
  o.rates.ramp = "1:2";
  auto r = RunLoad(Tiny(), o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sim::Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("--ramp"), std::string::npos) << r.status().message();
}

}  // namespace
}  // namespace tracesim::app
