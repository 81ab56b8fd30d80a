#include "loadgen/target/target_monitor.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <thread>

#include "loadgen/metrics_server.h"
#include "metrics/prometheus.h"

namespace tracesim::loadgen {
namespace {

using std::chrono::milliseconds;

// A fake Collector: the real Collector's metric names, served by tracesim's own /metrics server.
struct FakeCollector {
  metrics::MetricsRegistry reg;
  metrics::Counter* accepted_grpc = nullptr;
  metrics::Counter* accepted_http = nullptr;
  metrics::Counter* refused = nullptr;
  metrics::Counter* failed = nullptr;
  metrics::Counter* sent = nullptr;
  metrics::Counter* send_failed = nullptr;
  metrics::Counter* cpu = nullptr;
  metrics::Gauge* rss = nullptr;
  metrics::Gauge* queue = nullptr;
  std::unique_ptr<MetricsServer> server;

  FakeCollector() {
    accepted_grpc =
        *reg.AddCounter("otelcol_receiver_accepted_spans", "a", {{"transport", "grpc"}});
    accepted_http =
        *reg.AddCounter("otelcol_receiver_accepted_spans", "a", {{"transport", "http"}});
    refused = *reg.AddCounter("otelcol_receiver_refused_spans_total", "r");  // suffixed form
    failed = *reg.AddCounter("otelcol_receiver_failed_spans", "f");
    sent = *reg.AddCounter("otelcol_exporter_sent_spans", "s", {{"exporter", "nop"}});
    send_failed = *reg.AddCounter("otelcol_exporter_send_failed_spans", "d", {{"exporter", "nop"}});
    cpu = *reg.AddCounter("otelcol_process_cpu_seconds", "c");
    rss = *reg.AddGauge("otelcol_process_memory_rss", "m");
    queue = *reg.AddGauge("otelcol_exporter_queue_size", "q", {{"exporter", "nop"}});
    accepted_grpc->Increment(1000);  // before the baseline: not part of the run
    rss->Set(100 * 1024 * 1024);
    server = std::move(MetricsServer::Start("127.0.0.1:0", &reg)).value();
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(server->port()); }
};

TEST(TargetMonitorTest, CountsWhatTheTargetDidDuringTheRunExactly) {
  FakeCollector c;
  TargetOptions o;
  o.urls = {c.url() + "/metrics"};
  o.interval = milliseconds(20);
  auto m = TargetMonitor::Start(o);
  ASSERT_TRUE(m.ok()) << m.status().message();
  c.accepted_grpc->Increment(300);
  c.accepted_http->Increment(200);
  c.refused->Increment(7);
  c.failed->Increment(3);
  c.sent->Increment(480);
  c.send_failed->Increment(20);
  c.cpu->Increment(0.5);
  c.rss->Set(300 * 1024 * 1024);
  c.queue->Set(64);
  std::this_thread::sleep_for(milliseconds(100));  // a few scrapes in between (any number will do)
  TargetSecond latest = (*m)->Latest();
  EXPECT_TRUE(latest.ok);
  EXPECT_TRUE(latest.has_rss && latest.has_cpu && latest.has_queue);
  TargetSummary s = (*m)->Finish();
  EXPECT_EQ(s.accepted, 500);
  EXPECT_EQ(s.refused, 10);  // refused + failed
  EXPECT_EQ(s.sent, 480);
  EXPECT_EQ(s.dropped, 20);
  EXPECT_DOUBLE_EQ(s.refused_ratio(), 10.0 / 510);
  EXPECT_DOUBLE_EQ(s.dropped_ratio(), 20.0 / 500);
  EXPECT_EQ(s.peak_rss_mb, 300);
  EXPECT_EQ(s.peak_queue_size, 64);
  EXPECT_EQ(s.scrape_errors, 0u);
  EXPECT_GE(s.scrapes, 2u);
  auto metrics = s.Metrics();
  for (const std::string& n : TargetMetricNames()) EXPECT_TRUE(metrics.count(n)) << n;
  EXPECT_EQ(metrics["collector_rss_mb"], 300);
  EXPECT_GT(metrics["collector_cpu_cores"], 0);
}

TEST(TargetMonitorTest, TwoUrlsAddCountersAndTakeTheLargestRss) {
  FakeCollector a, b;
  b.rss->Set(50 * 1024 * 1024);
  TargetOptions o;
  o.urls = {a.url(), "127.0.0.1:" + std::to_string(b.server->port())};  // bare HOST:PORT form
  o.interval = milliseconds(1000);
  auto m = TargetMonitor::Start(o);
  ASSERT_TRUE(m.ok()) << m.status().message();
  a.accepted_http->Increment(5);
  b.accepted_http->Increment(6);
  TargetSummary s = (*m)->Finish();
  EXPECT_EQ(s.accepted, 11);
  EXPECT_EQ(s.peak_rss_mb, 100);
}

TEST(TargetMonitorTest, PidGivesCpuAndRssFromProc) {
  auto self = ReadProcStats(::getpid());
  ASSERT_TRUE(self.ok()) << self.status().message();
  EXPECT_GT(self->rss_bytes, 1024 * 1024);
  FakeCollector c;
  TargetOptions o;
  o.urls = {c.url()};
  o.pid = ::getpid();
  o.interval = milliseconds(1000);
  auto m = TargetMonitor::Start(o);
  ASSERT_TRUE(m.ok()) << m.status().message();
  TargetSummary s = (*m)->Finish();
  EXPECT_TRUE(s.has_rss);
  EXPECT_NE(s.peak_rss_mb, 100);  // /proc's, not the URL's 100 MiB
  EXPECT_GT(s.peak_rss_mb, 1);
}

TEST(TargetMonitorTest, StartFailsNamingTheFlagAndTheSource) {
  // A port nobody listens on: bind one, note it, close it.
  uint16_t dead = 0;
  {
    boost::asio::io_context io;
    boost::asio::ip::tcp::acceptor acc(io, {boost::asio::ip::make_address("127.0.0.1"), 0});
    dead = acc.local_endpoint().port();
  }
  TargetOptions o;
  o.urls = {"http://127.0.0.1:" + std::to_string(dead) + "/metrics"};
  auto m = TargetMonitor::Start(o);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message().rfind("--target-metrics http://127.0.0.1:", 0), 0u)
      << m.status().message();
  EXPECT_NE(m.status().message().find("refused"), std::string::npos) << m.status().message();

  FakeCollector c;
  o.urls = {c.url() + "/other"};
  m = TargetMonitor::Start(o);
  ASSERT_FALSE(m.ok());
  EXPECT_NE(m.status().message().find("HTTP 404"), std::string::npos) << m.status().message();

  o.urls = {};
  o.pid = 0x7ffffff0;  // above pid_max
  m = TargetMonitor::Start(o);
  ASSERT_FALSE(m.ok());
  EXPECT_EQ(m.status().message(), "--target-pid 2147483632: no such process");
}

TEST(TargetMonitorTest, InvalidOptionsAreUsageErrors) {
  const char* bad[] = {"https://collector:8888/metrics",
                       "ftp://x:1/",
                       "http://:8888/metrics",
                       "http://host:0/metrics",
                       "http://host:99999/",
                       "http://host:8x/",
                       "http://[::1/metrics"};
  for (const char* u : bad) {
    TargetOptions o;
    o.urls = {u};
    sim::Status st = o.Validate();
    EXPECT_FALSE(st.ok()) << u;
    EXPECT_EQ(st.code(), sim::Status::Code::kInvalidArgument) << u;
    EXPECT_EQ(st.message().rfind(std::string("--target-metrics '") + u + "'", 0), 0u)
        << st.message();
  }
  TargetOptions o;
  o.pid = -1;
  EXPECT_EQ(o.Validate().message(), "--target-pid must be a positive process id, got -1");
  o.pid = 1;
  EXPECT_TRUE(o.Validate().ok());
  EXPECT_TRUE(o.enabled());
}

}  // namespace
}  // namespace tracesim::loadgen
