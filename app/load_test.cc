// RunLoad and LoadOptions against real loopback receivers (loadgen/test_loopback.h): options
// reach the engine, the environment is read once through the injected getenv and overridden by
// the options, thresholds are evaluated, errors name the flag or variable.
#include "app/load.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>

#include "loadgen/test_loopback.h"
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
  LoadCallbacks cb{[&](const LoadStart& s) { seen = s; },
                   [&](const loadgen::SecondStats&) { ++seconds; }};
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
  r = RunLoad(Tiny(), o, {[&](const LoadStart& s) { seen = s; }, {}});
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
