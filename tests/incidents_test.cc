// The shipped incident scenarios, end to end: each fault's effect emerges in the spans, the
// kernel's own counters and the ground truth.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "metrics/truth_metrics.h"
#include "scenarios/scenario.h"
#include "sim/kernel/simulation.h"
#include "sim/kernel/sink.h"
#include "workloads/workload.h"

namespace tracesim {
namespace {

struct Outcome {
  sim::SimulationStats stats;
  uint32_t inventory = 0, postgres = 0;
};

Outcome RunScenario(const std::string& name) {
  auto sc = scenarios::LoadBuiltinScenario(name);
  EXPECT_TRUE(sc.ok()) << sc.status().ToString();
  sim::SimulationOptions opt;
  opt.seed = sc->seed;
  opt.faults = sc->faults.empty() ? nullptr : &sc->faults;
  auto w = workloads::Workload::Create(sc->workload, sc->model, sc->seed, sc->duration);
  sim::CountingSink sink;
  sim::Simulation s(sc->model, opt);
  s.AddObserver(&sink);
  EXPECT_TRUE(s.Run(w->get()).ok());
  return Outcome{s.stats(), sc->model.FindService("inventory"), sc->model.FindService("postgres")};
}

double MeanQueueMs(const sim::ServiceStats& st) {
  return st.started ? static_cast<double>(st.queue_wait_nanos) / st.started / 1e6 : 0;
}

TEST(IncidentScenariosTest, RetryStormCascadeEmergesAtTheCaller) {
  Outcome base = RunScenario("checkout-baseline");
  Outcome storm = RunScenario("checkout-retry-storm");
  // Nothing in the scenario scripts queueing at inventory: only postgres is slowed. Timeouts and
  // retries pile load on postgres, inventory's workers wait, its queue grows.
  double base_q = MeanQueueMs(base.stats.services[base.inventory]);
  double storm_q = MeanQueueMs(storm.stats.services[storm.inventory]);
  EXPECT_GT(storm_q, 20 * std::max(base_q, 0.01))
      << "baseline " << base_q << " ms, storm " << storm_q << " ms";
  EXPECT_GT(storm.stats.timeouts, 1000u);
  EXPECT_GT(storm.stats.retries, 1000u);
  // Retries add load to the callees: a large share of what reaches postgres and inventory in the
  // storm is retried attempts, against almost none in the baseline.
  uint64_t storm_calls = storm.stats.services[storm.postgres].arrivals +
                         storm.stats.services[storm.inventory].arrivals;
  uint64_t base_calls =
      base.stats.services[base.postgres].arrivals + base.stats.services[base.inventory].arrivals;
  EXPECT_GT(static_cast<double>(storm.stats.retries), 0.15 * storm_calls);
  EXPECT_LT(static_cast<double>(base.stats.retries), 0.01 * base_calls);
}

TEST(IncidentScenariosTest, PaymentOutageOpensTheBreakerAndFailsFast) {
  Outcome o = RunScenario("checkout-payment-outage");
  EXPECT_GT(o.stats.refused, 0u);
  EXPECT_GE(o.stats.breaker_opens, 1u);
  EXPECT_GT(o.stats.breaker_rejections, 1000u);
}

TEST(IncidentScenariosTest, BlackFridaySaturatesQueues) {
  Outcome o = RunScenario("checkout-black-friday");
  uint64_t rejected = 0;
  for (const auto& s : o.stats.services) rejected += s.rejected;
  EXPECT_GT(rejected, 1000u);
}

// The truth file of a run through the CLI, one JSON object per trace.
std::vector<nlohmann::json> TruthOf(const std::string& scenario) {
  std::string path =
      (std::filesystem::temp_directory_path() / ("tracesim_truth_" + scenario + ".jsonl")).string();
  std::ostringstream out, err;
  int code = cli::Main({"tracesim", "run", scenario, "--duration", "90s", "--truth-out", path,
                        "--no-progress", "--format", "json"},
                       out, err);
  EXPECT_EQ(code, 0) << err.str();
  std::vector<nlohmann::json> records;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) records.push_back(nlohmann::json::parse(line));
  std::filesystem::remove(path);
  return records;
}

TEST(IncidentScenariosTest, OutageTruthNamesTheFaultAndRootCause) {
  auto records = TruthOf("checkout-payment-outage");
  int touched = 0;
  for (const auto& r : records) {
    bool hit = !r["faults"].empty();
    if (!hit || !r["root_error"].get<bool>()) continue;
    ++touched;
    EXPECT_EQ(r["faults"][0], "stripe-outage");
    EXPECT_TRUE(r["error"].get<bool>());
    ASSERT_TRUE(r["root_cause"].is_object());
    EXPECT_EQ(r["root_cause"]["service"], "stripe");
  }
  EXPECT_GT(touched, 1000);
}

TEST(IncidentScenariosTest, BrokenPropagationFragmentsPointAtTheirParents) {
  auto records = TruthOf("checkout-broken-propagation");
  std::map<std::string, const nlohmann::json*> by_id;
  for (const auto& r : records) by_id[r["trace_id"]] = &r;
  int fragments = 0;
  for (const auto& r : records) {
    if (!r["fragment"].get<bool>()) continue;
    ++fragments;
    auto parent = by_id.find(r["parent_trace_id"]);
    ASSERT_NE(parent, by_id.end());
    EXPECT_TRUE((*parent->second)["fragmented"].get<bool>());
    EXPECT_EQ(r["faults"][0], "stripped-headers");
  }
  EXPECT_GT(fragments, 500);
}

TEST(IncidentScenariosTest, TagGroundTruthPutsDebugAttributesOnRoots) {
  std::string path = (std::filesystem::temp_directory_path() /
                      (std::string("tracesim_tagged.jsonl") + "." + std::to_string(::getpid())))
                         .string();
  std::ostringstream out, err;
  ASSERT_EQ(cli::Main({"tracesim", "run", "checkout-payment-outage", "--duration", "70s",
                       "--spans-out", path, "--tag-ground-truth", "--no-progress"},
                      out, err),
            0)
      << err.str();
  std::ifstream in(path);
  std::string line;
  int tagged = 0;
  while (std::getline(in, line)) {
    auto j = nlohmann::json::parse(line);
    for (const auto& rs : j["resourceSpans"])
      for (const auto& ss : rs["scopeSpans"])
        for (const auto& s : ss["spans"])
          for (const auto& a : s["attributes"])
            if (a["key"] == "tracesim.fault.stripe-outage") ++tagged;
  }
  std::filesystem::remove(path);
  EXPECT_GT(tagged, 100);
}

}  // namespace
}  // namespace tracesim
