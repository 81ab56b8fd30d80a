// FindMax against a real loopback receiver (loadgen/testing/loopback.h): the search's steps, its
// answer and its evidence, with a criterion on the achieved rate so the break point is known.
#include "app/load/find_max.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "loadgen/testing/loopback.h"
#include "sim/base/sanitizer_skips.h"

namespace tracesim::app {
namespace {

namespace fs = std::filesystem;

scenarios::Scenario Tiny() {
  fs::path dir = fs::temp_directory_path() / ("tracesim_find_max_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  auto sc = scenarios::LoadScenarioFile(loadgen::testing::WriteTinyScenario(dir).string());
  EXPECT_TRUE(sc.ok()) << sc.status().message();
  return std::move(sc).value();
}

FindMaxOptions Base(const std::string& endpoint) {
  FindMaxOptions o;
  o.load.rates.rate = "100";
  o.load.transport.endpoint = endpoint;
  o.load.engine.batch_delay = std::chrono::milliseconds(50);
  o.load.getenv = [](const char*) -> const char* { return nullptr; };
  o.step_duration = sim::Duration::Seconds(1);
  return o;
}

TEST(FindMaxTest, GrowsThenBisectsToTheHighestPassingRate) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  auto srv = loadgen::testing::StartGrpcServer({});
  FindMaxOptions o = Base(srv->endpoint());
  // Breaks between 300 and 400 traces/s. A criterion on the target (the workload's expectation
  // over the step's steady window, exact for a constant rate) keeps the test independent of how
  // busy the machine is; a real search would use achieved_ratio, latency and losses.
  o.criteria = {*loadgen::ParseThreshold("target_rate<350"),
                *loadgen::ParseThreshold("accepted_ratio>=1")};
  o.precision = 0.5;
  std::vector<double> announced;
  FindMaxCallbacks cb;
  cb.on_step = [&](const FindMaxStep& s) { announced.push_back(s.rate); };
  auto r = FindMax(Tiny(), o, cb);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->steps.size(), 4u) << r->ToTable();
  EXPECT_EQ(announced, (std::vector<double>{100, 200, 400, 300}));
  EXPECT_EQ(r->steps[0].phase, "grow");
  EXPECT_EQ(r->steps[3].phase, "bisect");
  EXPECT_TRUE(r->steps[0].passed && r->steps[1].passed && r->steps[3].passed) << r->ToTable();
  EXPECT_FALSE(r->steps[2].passed) << r->ToTable();
  EXPECT_EQ(r->max_rate, 300);
  EXPECT_EQ(r->lowest_failing_rate, 400);
  EXPECT_TRUE(r->found());
  // The evidence: every step's accounting, and the receiver saw exactly what was accepted.
  uint64_t accepted = 0;
  for (const FindMaxStep& s : r->steps) {
    EXPECT_TRUE(s.report.IdentityHolds());
    accepted += s.report.accepted;
  }
  EXPECT_EQ(srv->accepted_spans(), accepted);
  std::string table = r->ToTable();
  EXPECT_NE(table.find("highest sustained rate: 300 traces/s (400 traces/s broke a criterion)"),
            std::string::npos)
      << table;
  EXPECT_NE(table.find("target_rate<350"), std::string::npos) << table;
  auto j = nlohmann::json::parse(r->ToJson());
  EXPECT_EQ(j["schema"], "tracesim.load.find_max/v1");
  EXPECT_EQ(j["max_rate"], 300);
  EXPECT_EQ(j["steps"].size(), 4u);
  EXPECT_EQ(j["steps"][2]["passed"], false);
  EXPECT_EQ(j["steps"][2]["criteria"][0]["passed"], false);
  EXPECT_EQ(j["criteria"][0], "target_rate<350");
}

TEST(FindMaxTest, NothingSustainedWhenEveryStepFails) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  loadgen::testing::Behavior b;
  b.kind = loadgen::testing::Behavior::Kind::kError;
  b.grpc_code = 3;  // INVALID_ARGUMENT: every span rejected
  auto srv = loadgen::testing::StartGrpcServer(b);
  FindMaxOptions o = Base(srv->endpoint());
  o.max_steps = 2;
  auto r = FindMax(Tiny(), o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->steps.size(), 2u);
  EXPECT_EQ(r->steps[1].rate, 50);  // below a failing start it keeps shrinking
  EXPECT_FALSE(r->found());
  EXPECT_NE(r->ToTable().find("no step passed"), std::string::npos);
  // The default criteria, stated.
  EXPECT_EQ(r->criteria.size(), 3u);
  EXPECT_EQ(r->criteria[0].text, "accepted_ratio>=0.999");
}

TEST(FindMaxTest, InvalidOptionsNameTheFlag) {
  auto message = [](void (*edit)(FindMaxOptions*)) {
    FindMaxOptions o = Base("127.0.0.1:1");
    edit(&o);
    return o.Validate().message();
  };
  EXPECT_TRUE(Base("127.0.0.1:1").Validate().ok());
  EXPECT_EQ(message([](FindMaxOptions* o) { o->load.rates.rate = ""; }),
            "--find-max needs a start rate: --rate R (e.g. 1000spans)");
  EXPECT_EQ(message([](FindMaxOptions* o) { o->load.rates.ramp = "1:2:3s"; }),
            "--find-max sets the rates itself: drop --ramp and --steps");
  EXPECT_EQ(message([](FindMaxOptions* o) { o->max_steps = 0; }),
            "--max-steps must be an integer in [1, 100], got '0'");
  EXPECT_EQ(message([](FindMaxOptions* o) { o->factor = 1; }),
            "--step-factor must be a number in (1, 100]");
  EXPECT_EQ(message([](FindMaxOptions* o) { o->precision = 0; }),
            "--precision must be a number in (0, 1]");
  EXPECT_EQ(message([](FindMaxOptions* o) { o->step_duration = sim::Duration::Seconds(0); }),
            "--step-duration must be a duration > 0");
  EXPECT_NE(message([](FindMaxOptions* o) { o->load.rates.rate = "fast"; }).find("--rate"),
            std::string::npos);
}

}  // namespace
}  // namespace tracesim::app
