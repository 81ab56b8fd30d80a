#include "reports/text/run_report.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "sim/kernel/simulation.h"

namespace tracesim::reports {
namespace {

// Two services and a database, driven by evenly spaced arrivals.
class EvenArrivals : public sim::ArrivalSource {
 public:
  EvenArrivals(int n, uint32_t op) : n_(n), op_(op) {}
  bool Next(sim::Arrival* out) noexcept override {
    if (i_ >= n_) return false;
    out->time = sim::Time::FromNanos(static_cast<int64_t>(i_++) * 10'000'000);
    out->operation = op_;
    return true;
  }

 private:
  int n_, i_ = 0;
  uint32_t op_;
};

sim::Model SmallModel(uint32_t* entry) {
  sim::Model m;
  auto add_service = [&](const char* name, sim::ServiceKind kind, uint32_t conc) {
    sim::Service s;
    s.name = m.strings.Intern(name);
    s.kind = kind;
    s.concurrency = conc;
    s.queue_capacity = 100;
    s.resources.push_back(static_cast<uint32_t>(m.resources.size()));
    m.resources.push_back(
        sim::Resource{static_cast<uint32_t>(m.services.size()), 0, sim::kEmptyStr, {}});
    m.services.push_back(s);
    return static_cast<uint32_t>(m.services.size() - 1);
  };
  uint32_t front = add_service("front", sim::ServiceKind::kService, 4);
  uint32_t db = add_service("db", sim::ServiceKind::kDatabase, 0);
  auto add_op = [&](uint32_t svc, const char* name, std::vector<sim::Step> steps, bool span) {
    sim::Operation o;
    o.name = m.strings.Intern(name);
    o.span_name = o.name;
    o.client_span_name = o.name;
    o.service = svc;
    o.emits_span = span;
    o.protocol = span ? sim::Protocol::kHttp : sim::Protocol::kDb;
    o.steps = std::move(steps);
    m.services[svc].operations.push_back(static_cast<uint32_t>(m.operations.size()));
    m.operations.push_back(std::move(o));
    return static_cast<uint32_t>(m.operations.size() - 1);
  };
  sim::Step work;
  work.kind = sim::Step::Kind::kWork;
  work.work = sim::Distribution::Constant(2e6);
  uint32_t q = add_op(db, "SELECT", {work}, false);
  sim::Step call;
  call.kind = sim::Step::Kind::kCall;
  call.call.target = q;
  *entry = add_op(front, "GET /", {work, call}, true);
  m.Finalize();
  return m;
}

TEST(RunReportTest, TableAndJsonCarryTheRun) {
  uint32_t entry = 0;
  sim::Model m = SmallModel(&entry);
  metrics::RedMetricsSink red(m);
  sim::Simulation s(m, sim::SimulationOptions{});
  s.AddObserver(&red);
  EvenArrivals arrivals(100, entry);
  ASSERT_TRUE(s.Run(&arrivals).ok());
  RunReport r;
  r.version = "test";
  r.scenario = "small";
  r.seed = 1;
  FillFromRun(m, s.stats(), red, 1.0, &r);
  ASSERT_EQ(r.services.size(), 1u);
  EXPECT_EQ(r.traces, 100u);
  EXPECT_EQ(r.spans, 200u);
  EXPECT_EQ(r.services[0].requests, 100u);
  EXPECT_NEAR(r.services[0].p50_ms, 4.0, 0.05);  // 2 ms work + 2 ms query, no network latency
  ASSERT_EQ(r.dependencies.size(), 1u);
  EXPECT_EQ(r.dependencies[0].name, "db");
  EXPECT_NEAR(r.dependencies[0].p99_ms, 2.0, 0.03);

  std::string table = RenderRunTable(r);
  EXPECT_NE(table.find("front"), std::string::npos);
  EXPECT_NE(table.find("db (database)"), std::string::npos);

  auto j = nlohmann::json::parse(RenderRunJson(r));
  EXPECT_EQ(j["traces"], 100);
  EXPECT_EQ(j["spans"], 200);
  EXPECT_EQ(j["services"][0]["name"], "front");
  EXPECT_EQ(j["services"][0]["requests"], 100);
  EXPECT_TRUE(j["services"][0].contains("p50_ms"));
  EXPECT_TRUE(j["services"][0].contains("p99_ms"));
  EXPECT_TRUE(j.contains("host"));
  EXPECT_FALSE(nlohmann::json::parse(RenderRunJson(r, false)).contains("host"));
}

// Regression (issue 9): with every trace touched by a fault there is no baseline, and the incident
// header said `p50 0.00 ms, p99 0.00 ms` as if untouched traces had been measured.
TEST(RunReportTest, IncidentBaselineSaysNoneWhenEveryTraceWasTouched) {
  RunReport r;
  r.truth.traces = 40;
  r.truth.touched = 40;
  IncidentRow row;
  row.id = "everything";
  row.kind = "latency";
  row.target = "db";
  row.end_s = -1;
  row.traces = 40;
  r.incidents.push_back(row);
  std::string table = RenderRunTable(r);
  EXPECT_NE(table.find("incidents (ground truth; baseline = traces no fault touched: none)\n"),
            std::string::npos)
      << table;
  EXPECT_EQ(table.find("p50 0.00 ms"), std::string::npos) << table;

  r.truth.touched = 39;  // one untouched trace: its percentiles are the baseline
  r.truth.baseline_p50_ms = 12.5;
  r.truth.baseline_p99_ms = 12.5;
  EXPECT_NE(
      RenderRunTable(r).find("baseline = traces no fault touched: p50 12.50 ms, p99 12.50 ms)"),
      std::string::npos);
}

}  // namespace
}  // namespace tracesim::reports
