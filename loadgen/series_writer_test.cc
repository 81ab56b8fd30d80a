#include "loadgen/series_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace tracesim::loadgen {
namespace {

namespace fs = std::filesystem;

std::string Read(const fs::path& p) {
  std::ifstream f(p);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

fs::path Temp(const std::string& name) {
  fs::path dir = fs::temp_directory_path() / ("tracesim_series_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return dir / name;
}

std::vector<SecondStats> TwoSeconds() {
  SecondStats a;
  a.second = 0;
  a.target_traces = 10.5;
  a.generated_spans = 180;
  a.accepted = 170;
  a.rejected = 1;
  a.dropped = 2;
  a.requests = 3;
  a.failed_requests = 1;
  a.export_p50_ms = 1.23456;
  a.export_p99_ms = 9.5;
  a.queued_spans = 7;
  a.in_flight_spans = 8;
  SecondStats b = a;
  b.second = 1;
  TargetSecond t;
  t.ok = true;
  t.accepted_per_s = 171.25;
  t.rss_mb = 40.0001;
  t.has_rss = true;  // no CPU, no queue known
  b.target = t;
  return {a, b};
}

TEST(SeriesWriterTest, CsvHasAHeaderAndOneRowPerSecond) {
  fs::path p = Temp("s.csv");
  auto w = SeriesWriter::Open("csv=" + p.string(), /*with_target=*/true);
  ASSERT_TRUE(w.ok()) << w.status().message();
  for (const SecondStats& s : TwoSeconds()) (*w)->Write(s, 2.0);
  EXPECT_TRUE((*w)->Close());
  EXPECT_EQ(Read(p),
            "step,second,target_spans_per_s,generated_spans,accepted,rejected,dropped,requests,"
            "failed_requests,export_p50_ms,export_p99_ms,queued_spans,in_flight_spans,"
            "collector_ok,collector_accepted_per_s,collector_refused_per_s,collector_sent_per_s,"
            "collector_dropped_per_s,collector_queue_size,collector_cpu_cores,collector_rss_mb\n"
            "0,0,21,180,170,1,2,3,1,1.235,9.5,7,8,,,,,,,,\n"
            "0,1,21,180,170,1,2,3,1,1.235,9.5,7,8,true,171.25,0,0,0,,,40\n");
}

TEST(SeriesWriterTest, JsonIsOneObjectPerLineWithoutUnknowns) {
  fs::path p = Temp("s.jsonl");
  auto w = SeriesWriter::Open("json=" + p.string(), /*with_target=*/false);
  ASSERT_TRUE(w.ok()) << w.status().message();
  (*w)->set_step(3);
  (*w)->Write(TwoSeconds()[1], 2.0);
  EXPECT_TRUE((*w)->Close());
  EXPECT_EQ(Read(p),
            "{\"step\":3,\"second\":1,\"target_spans_per_s\":21,\"generated_spans\":180,"
            "\"accepted\":170,\"rejected\":1,\"dropped\":2,\"requests\":3,\"failed_requests\":1,"
            "\"export_p50_ms\":1.235,\"export_p99_ms\":9.5,\"queued_spans\":7,"
            "\"in_flight_spans\":8}\n");
}

TEST(SeriesWriterTest, BadSpecsAndPathsAreErrorsNamingTheFlag) {
  for (const char* bad : {"csv", "csv=", "xml=out.xml", "=x", "json"}) {
    auto w = SeriesWriter::Open(bad, false);
    ASSERT_FALSE(w.ok()) << bad;
    EXPECT_EQ(w.status().message(),
              std::string("--out must be csv=FILE or json=FILE, got '") + bad + "'");
  }
  auto w = SeriesWriter::Open("csv=/nonexistent-dir/x.csv", false);
  ASSERT_FALSE(w.ok());
  EXPECT_EQ(w.status().message().rfind("--out: cannot write '/nonexistent-dir/x.csv'", 0), 0u)
      << w.status().message();
}

}  // namespace
}  // namespace tracesim::loadgen
