#include "receiver/receiver_stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <string>

namespace tracesim::receiver {
namespace {

std::string TraceId(uint64_t i) {
  std::string s(16, '\0');
  for (int b = 0; b < 8; ++b) s[8 + b] = static_cast<char>(i >> (8 * b));
  s[0] = 1;
  return s;
}

TEST(ReceiverStatsTest, CountsAndRendersSeries) {
  ReceiverStats stats;
  stats.AddRequest(Protocol::kGrpc, 0);
  stats.AddRequest(Protocol::kGrpc, 0);
  stats.AddRequest(Protocol::kGrpc, 14);
  stats.AddRequest(Protocol::kHttp, 200);
  stats.AddRequest(Protocol::kHttp, kDropped);
  stats.AddBytes(Protocol::kHttp, 100, 400);
  stats.AddSpans(Protocol::kHttp, 10, 2, 3, 4);
  StatsSnapshot s = stats.Snapshot();
  EXPECT_EQ(s.requests, 5u);
  EXPECT_EQ(s.requests_by_code.at("grpc:OK"), 2u);
  EXPECT_EQ(s.requests_by_code.at("grpc:UNAVAILABLE"), 1u);
  EXPECT_EQ(s.requests_by_code.at("http:200"), 1u);
  EXPECT_EQ(s.requests_by_code.at("http:dropped"), 1u);
  EXPECT_EQ(s.spans_received, 19u);
  EXPECT_EQ(s.bytes_wire, 100u);
  EXPECT_EQ(s.bytes_decoded, 400u);
  std::string text = stats.registry().Render();
  EXPECT_NE(text.find("tracesim_receiver_requests_total{code=\"UNAVAILABLE\",protocol=\"grpc\"} 1"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("tracesim_receiver_spans_total{result=\"accepted\"} 10"), std::string::npos);
}

TEST(ReceiverStatsTest, DistinctTracesAreEstimatedClosely) {
  ReceiverStats stats;
  for (uint64_t i = 0; i < 100; ++i) {
    stats.AddTraceId(TraceId(i));
    stats.AddTraceId(TraceId(i));  // duplicates do not count
  }
  EXPECT_NEAR(static_cast<double>(stats.TracesSeen()), 100, 1);
  for (uint64_t i = 100; i < 200000; ++i) stats.AddTraceId(TraceId(i));
  double est = static_cast<double>(stats.TracesSeen());
  EXPECT_LT(std::abs(est - 200000) / 200000, 0.03) << est;
  stats.RefreshGauges();
  EXPECT_NE(stats.registry().Render().find("tracesim_receiver_traces_seen "), std::string::npos);
}

}  // namespace
}  // namespace tracesim::receiver
