#include "reports/text/truth_writer.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "sim/kernel/simulation.h"
#include "sim/model/test_model.h"

namespace tracesim::reports {
namespace {

using namespace sim;

TEST(TruthWriterTest, OneJsonRecordPerTraceWithTheDocumentedFields) {
  Model m;
  uint32_t front = AddService(m, "front", ServiceKind::kService, 1, 0, 0);
  uint32_t back = AddService(m, "back", ServiceKind::kService, 1, 0, 0);
  uint32_t back_op = AddOp(m, back, "GET /b", {Work(Distribution::Constant(10e6))});
  uint32_t entry = AddOp(m, front, "GET /", {CallTo(back_op)});
  m.Finalize();
  FaultPlan plan;
  Fault f;
  f.id = "lost \"ctx\"";
  f.kind = Fault::Kind::kBrokenPropagation;
  f.service = front;
  plan.faults.push_back(f);
  std::string path = (std::filesystem::temp_directory_path() /
                      (std::string("tracesim_truth_test.jsonl") + "." + std::to_string(::getpid())))
                         .string();
  auto sink = TruthFileSink::Open(path, m, &plan, 1'000'000'000);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  SimulationOptions opt;
  opt.faults = &plan;
  Simulation s(m, opt);
  s.AddObserver(sink->get());
  auto arrivals = EvenArrivals(Duration::Millis(100), Duration::Seconds(1), entry);
  ASSERT_TRUE(s.Run(&arrivals).ok());
  ASSERT_TRUE((*sink)->Close().ok());
  std::ifstream in(path);
  std::string line;
  int records = 0, fragments = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    ++records;
    EXPECT_EQ(j["trace_id"].get<std::string>().size(), 32u);
    EXPECT_TRUE(j["start_time_unix_nano"].is_string());
    EXPECT_EQ(j["faults"], nlohmann::json::array({"lost \"ctx\""}));
    EXPECT_EQ(j["shape"].get<std::string>().size(), 16u);
    if (j["fragment"]) {
      ++fragments;
      EXPECT_EQ(j["entry"], "back.GET /b");
      EXPECT_EQ(j["parent_trace_id"].get<std::string>().size(), 32u);
      EXPECT_EQ(j["spans"], 1);
      EXPECT_DOUBLE_EQ(j["latency_ms"].get<double>(), 10.0);
    } else {
      EXPECT_TRUE(j["fragmented"].get<bool>());
      EXPECT_EQ(j["entry"], "front.GET /");
      EXPECT_FALSE(j.contains("parent_trace_id"));
    }
    for (const char* key : {"sequence", "error", "root_error", "error_spans", "root_cause",
                            "exported_spans", "lost_spans", "retries", "timeouts"})
      EXPECT_TRUE(j.contains(key)) << key;
  }
  EXPECT_EQ(records, 20);
  EXPECT_EQ(fragments, 10);
  std::filesystem::remove(path);
}

TEST(TruthWriterTest, BadPathIsAClearError) {
  Model m;
  m.Finalize();
  auto sink = TruthFileSink::Open("/no/such/dir/truth.jsonl", m, nullptr, 0);
  ASSERT_FALSE(sink.ok());
  EXPECT_NE(sink.status().message().find("/no/such/dir"), std::string::npos);
}

TEST(TruthWriterTest, FullDiskSurfacesFromClose) {
  Model m;
  uint32_t s0 = AddService(m, "a", ServiceKind::kService, 1, 0, 0);
  uint32_t op = AddOp(m, s0, "GET /", {Work(Distribution::Constant(1e6))});
  m.Finalize();
  auto sink = TruthFileSink::Open("/dev/full", m, nullptr, 0);
  ASSERT_TRUE(sink.ok());
  Simulation s(m, SimulationOptions{});
  s.AddObserver(sink->get());
  auto arrivals = EvenArrivals(Duration::Millis(1), Duration::Seconds(20), op);
  ASSERT_TRUE(s.Run(&arrivals).ok());
  sim::Status st = (*sink)->Close();
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("/dev/full"), std::string::npos);
}

}  // namespace
}  // namespace tracesim::reports
