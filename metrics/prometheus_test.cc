#include "metrics/prometheus.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <thread>

namespace tracesim::metrics {
namespace {

TEST(PrometheusNamesTest, Validation) {
  EXPECT_TRUE(IsValidMetricName("http_requests_total"));
  EXPECT_TRUE(IsValidMetricName("ns:metric_1"));
  EXPECT_TRUE(IsValidMetricName("_x"));
  EXPECT_FALSE(IsValidMetricName(""));
  EXPECT_FALSE(IsValidMetricName("1abc"));
  EXPECT_FALSE(IsValidMetricName("a-b"));
  EXPECT_FALSE(IsValidMetricName("a b"));
  EXPECT_FALSE(IsValidMetricName("a.b"));
  EXPECT_TRUE(IsValidLabelName("service"));
  EXPECT_TRUE(IsValidLabelName("_a1"));
  EXPECT_FALSE(IsValidLabelName("a:b"));
  EXPECT_FALSE(IsValidLabelName("__name__"));
  EXPECT_FALSE(IsValidLabelName("9a"));
  EXPECT_FALSE(IsValidLabelName(""));
}

TEST(PrometheusNamesTest, SampleValues) {
  auto v = [](double d) {
    std::string s;
    AppendSampleValue(d, &s);
    return s;
  };
  EXPECT_EQ(v(3), "3");
  EXPECT_EQ(v(0.25), "0.25");
  EXPECT_EQ(v(-1.5), "-1.5");
  EXPECT_EQ(v(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(v(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(v(std::nan("")), "NaN");
}

TEST(MetricsRegistryTest, ExactTextForSmallRegistry) {
  MetricsRegistry r;
  auto ok = r.AddCounter("tracesim_spans_total", "Spans exported.", {{"service", "checkout"}});
  ASSERT_TRUE(ok.ok());
  (*ok)->Increment(3);
  (*r.AddCounter("tracesim_spans_total", "Spans exported.", {{"service", "api"}}))->Increment();
  (*r.AddGauge("tracesim_inflight", "Requests in flight."))->Set(2.5);
  auto h = r.AddHistogram("tracesim_latency_seconds", "Latency.", {0.1, 1},
                          {{"service", "api"}, {"code", "200"}});
  ASSERT_TRUE(h.ok());
  (*h)->Observe(0.05);
  (*h)->Observe(0.1);  // le is inclusive
  (*h)->Observe(0.5);
  (*h)->Observe(7);
  EXPECT_EQ(r.ContentType(), "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(r.RenderText(),
            "# HELP tracesim_inflight Requests in flight.\n"
            "# TYPE tracesim_inflight gauge\n"
            "tracesim_inflight 2.5\n"
            "# HELP tracesim_latency_seconds Latency.\n"
            "# TYPE tracesim_latency_seconds histogram\n"
            "tracesim_latency_seconds_bucket{code=\"200\",service=\"api\",le=\"0.1\"} 2\n"
            "tracesim_latency_seconds_bucket{code=\"200\",service=\"api\",le=\"1\"} 3\n"
            "tracesim_latency_seconds_bucket{code=\"200\",service=\"api\",le=\"+Inf\"} 4\n"
            "tracesim_latency_seconds_sum{code=\"200\",service=\"api\"} 7.65\n"
            "tracesim_latency_seconds_count{code=\"200\",service=\"api\"} 4\n"
            "# HELP tracesim_spans_total Spans exported.\n"
            "# TYPE tracesim_spans_total counter\n"
            "tracesim_spans_total{service=\"api\"} 1\n"
            "tracesim_spans_total{service=\"checkout\"} 3\n");
  EXPECT_EQ(r.Render(), r.RenderText());
}

TEST(MetricsRegistryTest, EscapingOfLabelValuesAndHelp) {
  MetricsRegistry r;
  auto c = r.AddCounter("c", "line1\nback\\slash \"q\"", {{"v", "a\\b\"c\nd"}});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(r.RenderText(),
            "# HELP c line1\\nback\\\\slash \"q\"\n"
            "# TYPE c counter\n"
            "c{v=\"a\\\\b\\\"c\\nd\"} 0\n");
}

TEST(MetricsRegistryTest, HistogramBucketsAreCumulativeAndEmptySeriesRender) {
  MetricsRegistry r;
  auto h = r.AddHistogram("h", "H.", {1, 2, 4});
  ASSERT_TRUE(h.ok());
  for (double v : {0.5, 1.5, 1.7, 3.0, 3.5, 3.9, 100.0}) (*h)->Observe(v);
  EXPECT_EQ(r.RenderText(),
            "# HELP h H.\n# TYPE h histogram\n"
            "h_bucket{le=\"1\"} 1\n"
            "h_bucket{le=\"2\"} 3\n"
            "h_bucket{le=\"4\"} 6\n"
            "h_bucket{le=\"+Inf\"} 7\n"
            "h_sum 114.1\n"
            "h_count 7\n");
  MetricsRegistry e;
  ASSERT_TRUE(e.AddHistogram("e", "E.", {}).ok());
  EXPECT_EQ(e.RenderText(),
            "# HELP e E.\n# TYPE e histogram\ne_bucket{le=\"+Inf\"} 0\ne_sum 0\ne_count 0\n");
}

TEST(MetricsRegistryTest, InvalidRegistrationsRejected) {
  MetricsRegistry r;
  auto bad = r.AddCounter("bad-name", "x");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), sim::Status::Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("bad-name"), std::string::npos);
  EXPECT_FALSE(r.AddGauge("9lives", "x").ok());
  EXPECT_FALSE(r.AddCounter("ok", "x", {{"bad.label", "v"}}).ok());
  EXPECT_FALSE(r.AddCounter("ok", "x", {{"__reserved", "v"}}).ok());
  EXPECT_FALSE(r.AddCounter("ok", "x", {{"a", "1"}, {"a", "2"}}).ok());
  EXPECT_FALSE(r.AddHistogram("h", "x", {1}, {{"le", "1"}}).ok());
  EXPECT_FALSE(r.AddHistogram("h", "x", {2, 1}).ok());
  EXPECT_FALSE(r.AddHistogram("h", "x", {1, std::numeric_limits<double>::infinity()}).ok());
  ASSERT_TRUE(r.AddCounter("dup", "help").ok());
  EXPECT_FALSE(r.AddGauge("dup", "help").ok());          // other type
  EXPECT_FALSE(r.AddCounter("dup", "other help").ok());  // other help
  ASSERT_TRUE(r.AddHistogram("hh", "x", {1, 2}).ok());
  EXPECT_FALSE(r.AddHistogram("hh", "x", {1, 3}, {{"a", "b"}}).ok());  // other bounds
  // Nothing invalid was registered.
  EXPECT_EQ(r.RenderText().find("ok"), std::string::npos);
}

TEST(MetricsRegistryTest, SameSeriesReturnsSameObjectWhateverLabelOrder) {
  MetricsRegistry r;
  auto a = r.AddCounter("c", "C.", {{"x", "1"}, {"y", "2"}});
  auto b = r.AddCounter("c", "C.", {{"y", "2"}, {"x", "1"}});
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_EQ(*a, *b);
}

TEST(MetricsRegistryTest, ConcurrentUpdates) {
  MetricsRegistry r;
  Counter* c = *r.AddCounter("c", "C.");
  BucketHistogram* h = *r.AddHistogram("h", "H.", {10});
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&r, c, h, t] {
      for (int i = 0; i < 10'000; ++i) {
        c->Increment();
        h->Observe(i % 20);
        if (i % 1000 == 0) {
          (*r.AddGauge("g", "G.", {{"t", std::to_string(t)}}))->Add(1);
          r.RenderText();
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(c->Value(), 40'000);
  auto counts = h->BucketCounts();
  EXPECT_EQ(counts[0] + counts[1], 40'000u);
  EXPECT_EQ(counts[0], 22'000u);  // 0..10 of every 20
  EXPECT_NE(r.RenderText().find("g{t=\"3\"} 10\n"), std::string::npos);
}

}  // namespace
}  // namespace tracesim::metrics
