#include "loadgen/target/prometheus_text.h"

#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>

namespace tracesim::loadgen {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

TEST(PrometheusTextTest, ParsesARealCollectorScrape) {
  // Scraped from peers/otelcol (v0.161.0) after 1 s of `tracesim load` at 500 spans/s (gRPC)
  // through memory_limiter -> tail_sampling -> batch -> file.
  std::string text = ReadFile(TRACESIM_SOURCE_DIR "/loadgen/target/testdata/otelcol-0.161.0.prom");
  ASSERT_FALSE(text.empty());
  auto samples = ParsePrometheusText(text);
  ASSERT_TRUE(samples.ok()) << samples.status().message();
  EXPECT_EQ(samples->size(), 136u);
  bool found = false;
  EXPECT_EQ(
      SumSamples(*samples, "otelcol_receiver_accepted_spans", {{"transport", "grpc"}}, &found),
      406);
  EXPECT_TRUE(found);
  EXPECT_EQ(SumSamples(*samples, "otelcol_exporter_sent_spans", {}, &found), 239);
  EXPECT_EQ(MaxSample(*samples, "otelcol_process_memory_rss", &found), 4.2672128e+07);
  EXPECT_DOUBLE_EQ(SumSamples(*samples, "otelcol_process_cpu_seconds"), 0.07);
  SumSamples(*samples, "otelcol_receiver_accepted_spans", {{"transport", "http"}}, &found);
  EXPECT_FALSE(found);
}

TEST(PrometheusTextTest, GrammarCorners) {
  auto s = ParsePrometheusText(
      "# HELP a_total help text with \\ and \"quotes\"\n"
      "# TYPE a_total counter\n"
      "\n"
      "   \t\n"
      "a_total 3\r\n"
      "b{x=\"1\",y=\"q\\\"\\\\\\n\"} 1.5e3 1700000000000\n"
      "c{ x = \"1\" , } -2\n"
      "d{} +Inf\n"
      "e -Inf\n"
      "f NaN\n"
      "g:h 1 # {trace_id=\"abc\"} 1.0\n"
      "  i\t7\n"
      "# EOF");
  ASSERT_TRUE(s.ok()) << s.status().message();
  ASSERT_EQ(s->size(), 8u);
  EXPECT_EQ((*s)[0].name, "a_total");
  EXPECT_EQ(SumSamples(*s, "a"), 3);  // the _total suffix matches the bare name
  ASSERT_EQ((*s)[1].labels.size(), 2u);
  EXPECT_EQ(*(*s)[1].Label("y"), "q\"\\\n");
  EXPECT_EQ((*s)[1].value, 1500);
  EXPECT_EQ((*s)[2].labels.size(), 1u);
  EXPECT_TRUE(std::isinf((*s)[3].value) && (*s)[3].value > 0);
  EXPECT_TRUE(std::isinf((*s)[4].value) && (*s)[4].value < 0);
  EXPECT_TRUE(std::isnan((*s)[5].value));
  EXPECT_EQ((*s)[6].name, "g:h");
  EXPECT_EQ((*s)[7].value, 7);
  EXPECT_EQ(SumSamples(*s, "f"), 0);  // NaN adds nothing
  EXPECT_TRUE(ParsePrometheusText("")->empty());
}

TEST(PrometheusTextTest, OverflowIsInfinityAsGoParsesIt) {
  auto s = ParsePrometheusText("a 1e400\n");
  ASSERT_TRUE(s.ok());
  EXPECT_TRUE(std::isinf((*s)[0].value));
}

// One negative case per rule; each message names the line and column.
TEST(PrometheusTextTest, RejectsMalformedLinesNamingLineAndColumn) {
  struct Case {
    const char* text;
    const char* message;
  };
  const Case cases[] = {
      {"ok 1\n1abc 2\n", "line 2, column 1: expected a metric name"},
      {"a{x=\"1\"}", "line 1, column 9: expected a space before the value"},
      {"a ", "line 1, column 3: expected a value"},
      {"a 1x", "line 1, column 3: invalid value '1x'"},
      {"a 0x10", "line 1, column 3: invalid value '0x10'"},
      {"a inf", "line 1, column 3: invalid value 'inf'"},
      {"a .", "line 1, column 3: invalid value '.'"},
      {"a 1 2.5", "line 1, column 5: the timestamp must be an integer"},
      {"a 1 2 3", "line 1, column 7: unexpected text after the sample"},
      {"a{1=\"\"} 1", "line 1, column 3: expected a label name or '}'"},
      {"a{x:y=\"\"} 1", "line 1, column 4: expected '=' after label 'x'"},
      {"a{x=1} 1", "line 1, column 5: expected '\"' to open the value of label 'x'"},
      {"a{x=\"1} 1", "line 1, column 10: unterminated label value"},
      {"a{x=\"\\", "line 1, column 7: unterminated label value"},
      {"a{x=\"\\t\"} 1", "line 1, column 6: invalid escape '\\t' in a label value"},
      {"a{x=\"1\" y=\"2\"} 1", "line 1, column 9: expected ',' or '}' after a label"},
      {"a{x=\"1\"", "line 1, column 8: expected ',' or '}' after a label"},
      {"  a{", "line 1, column 5: expected a label name or '}'"},
  };
  for (const Case& c : cases) {
    auto s = ParsePrometheusText(c.text);
    ASSERT_FALSE(s.ok()) << c.text;
    EXPECT_EQ(s.status().message(), c.message) << c.text;
  }
}

}  // namespace
}  // namespace tracesim::loadgen
