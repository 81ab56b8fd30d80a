#include "app/load/load_outputs.h"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tracesim::app {
namespace {

loadgen::SecondStats Second(uint32_t second, uint64_t accepted, uint64_t failed) {
  loadgen::SecondStats s;
  s.second = second;
  s.accepted = accepted;
  s.requests = accepted > 0 ? 1 + failed : failed;
  s.failed_requests = failed;
  if (failed > 0) s.last_error = "UNAVAILABLE: connection refused";
  return s;
}

LoadStart Start() {
  LoadStart s;
  s.scenario = "checkout";
  s.protocol = "grpc";
  s.endpoint = "127.0.0.1:1";
  s.tls_reason = "no --tls, no https://";
  return s;
}

TEST(ExportFailFastTest, TripsAfterTheWindowWhenNothingIsAcceptedAndStopsTheRunAtOnce) {
  std::atomic<int> stop{0};
  ExportFailFast f(&stop, true);
  f.Observe(Second(0, 0, 3));
  EXPECT_FALSE(f.tripped());  // the first second is not the window yet
  EXPECT_EQ(stop.load(), 0);
  f.Observe(Second(1, 0, 2));
  EXPECT_TRUE(f.tripped());
  EXPECT_EQ(stop.load(), 2);  // no grace period
  const std::string d = f.Diagnosis(Start());
  EXPECT_NE(d.find("5 of 5 export attempts failed in the first 2 s"), std::string::npos) << d;
  EXPECT_NE(d.find("grpc 127.0.0.1:1, TLS off (no --tls, no https://)"), std::string::npos) << d;
  EXPECT_NE(d.find("UNAVAILABLE: connection refused"), std::string::npos) << d;
}

TEST(ExportFailFastTest, NeverTripsOnceSomethingWasAcceptedOrWhenDisabled) {
  std::atomic<int> stop{0};
  ExportFailFast some(&stop, true);
  some.Observe(Second(0, 10, 1));
  some.Observe(Second(1, 0, 5));
  EXPECT_FALSE(some.tripped());
  ExportFailFast off(&stop, false);
  off.Observe(Second(0, 0, 3));
  off.Observe(Second(1, 0, 3));
  EXPECT_FALSE(off.tripped());
  EXPECT_EQ(stop.load(), 0);
  loadgen::LoadReport none;
  none.generated = 10;
  none.failed_requests = 1;
  EXPECT_FALSE(off.Failed(none));
}

TEST(ExportFailFastTest, ARunShorterThanTheWindowWithNothingAcceptedFailed) {
  ExportFailFast f(nullptr, true);
  loadgen::LoadReport r;
  r.generated = 10;
  r.failed_requests = 1;
  EXPECT_TRUE(f.Failed(r));
  r.accepted = 1;
  EXPECT_FALSE(f.Failed(r));
}

TEST(LoadSummaryJsonTest, RecordsTheRunAndRoundsFloatsToSixDigits) {
  LoadOutcome o;
  o.start = Start();
  o.start.seed = 7;
  o.start.mean_spans_per_trace = 8.123456789;
  o.start.start_unix_ms = 1'764'900'000'000;
  loadgen::ThresholdOutcome t;
  t.threshold.text = "accepted_ratio>0.99";
  t.actual = std::numeric_limits<double>::quiet_NaN();
  o.thresholds.push_back(t);
  LoadOptions opts;
  opts.rates.rate = "1000";
  const nlohmann::json j = nlohmann::json::parse(LoadSummaryJson(o, opts));
  EXPECT_EQ(j["run"]["scenario"], "checkout");
  EXPECT_EQ(j["run"]["seed"], 7);
  EXPECT_EQ(j["run"]["start_time"], "2025-12-05T02:00:00Z");
  EXPECT_EQ(j["run"]["rate_plan"]["rate"], "1000");
  EXPECT_DOUBLE_EQ(j["run"]["rate_plan"]["mean_spans_per_trace"].get<double>(), 8.12346);
  EXPECT_TRUE(j["thresholds"][0]["actual"].is_null());  // not finite: null, never NaN text
  EXPECT_EQ(j["thresholds"][0]["passed"], false);
}

TEST(SeriesOutputsTest, ABadSpecIsAUsageErrorBeforeAnyRun) {
  SeriesOutputs s;
  sim::Status st = s.Open({"xml=out.xml"}, false);
  EXPECT_EQ(st.code(), sim::Status::Code::kInvalidArgument) << st.message();
}

TEST(SeriesOutputsTest, WritesEverySecondToEachFile) {
  const auto dir = std::filesystem::temp_directory_path() / "tracesim_series_outputs_test";
  std::filesystem::create_directories(dir);
  const std::string csv = (dir / "s.csv").string();
  SeriesOutputs s;
  ASSERT_TRUE(s.Open({"csv=" + csv}, false).ok());
  s.set_mean_spans(8);
  s.Write(Second(0, 80, 0));
  s.Write(Second(1, 80, 0));
  std::ostringstream err;
  EXPECT_TRUE(s.Close(err)) << err.str();
  std::ifstream in(csv);
  std::string line;
  int lines = 0;
  while (std::getline(in, line)) ++lines;
  EXPECT_EQ(lines, 3);  // header + two seconds
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tracesim::app
