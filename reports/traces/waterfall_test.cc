// Waterfall and trace picker: unit tests on hand-built traces, and golden waterfalls of bundled
// scenarios (reports/traces/testdata/waterfall/*.txt; regenerate with TRACESIM_REGENERATE_GOLDEN=1
// and review `git diff reports/traces/testdata`).
#include "reports/traces/waterfall.h"

#include <gtest/gtest.h>

#include <sstream>

#include "reports/text/table.h"
#include "reports/traces/trace_picker.h"
#include "scenarios/scenario.h"
#include "sim/kernel/simulation.h"
#include "sim/model/test_model.h"
#include "tests/golden_file.h"
#include "workloads/workload.h"

namespace tracesim::reports {
namespace {

sim::Span MakeSpan(uint64_t id, uint64_t parent, int64_t start_ms, int64_t end_ms) {
  sim::Span s;
  s.span_id = id;
  s.parent_span_id = parent;
  s.start_unix_nano = start_ms * 1'000'000;
  s.end_unix_nano = end_ms * 1'000'000;
  s.service = 0;
  return s;
}

TEST(CriticalPathTest, FollowsTheLastFinishingChildThenWalksBack) {
  // root [0,100]: a [10,40], b [20,90] (ends last), c [50,60] runs inside b; b's child d [30,85].
  std::vector<sim::Span> spans = {MakeSpan(1, 0, 0, 100), MakeSpan(2, 1, 10, 40),
                                  MakeSpan(3, 1, 20, 90), MakeSpan(4, 1, 50, 60),
                                  MakeSpan(5, 3, 30, 85)};
  std::vector<bool> want = {true, true, true, false, true};
  EXPECT_EQ(CriticalPath(spans), want);
}

TEST(CriticalPathTest, ASkewedChildOutsideItsParentIsClippedNotFollowedPastIt) {
  // The child claims [150,250] under a root [0,100] (a skewed clock): nothing in the root's
  // window follows it, so only the root is on the path.
  std::vector<sim::Span> spans = {MakeSpan(1, 0, 0, 100), MakeSpan(2, 1, 150, 250)};
  std::vector<bool> want = {true, false};
  EXPECT_EQ(CriticalPath(spans), want);
}

TEST(CriticalPathTest, AnOrphanStartsItsOwnPath) {
  std::vector<sim::Span> spans = {MakeSpan(1, 0, 0, 100), MakeSpan(2, 99, 10, 20)};
  std::vector<bool> want = {true, true};
  EXPECT_EQ(CriticalPath(spans), want);
}

TEST(TracePickOptionsTest, ValidateRejectsBadCounts) {
  TracePickOptions o;
  o.limit = 0;
  EXPECT_FALSE(o.Validate().ok());
  o.limit = 3;
  EXPECT_TRUE(o.Validate().ok());
  o.filter = TracePickOptions::Filter::kId;
  EXPECT_FALSE(o.Validate().ok());
  WaterfallOptions w;
  w.width = 20;
  EXPECT_FALSE(w.Validate().ok());
}

TEST(TracePickerTest, ParsesHexIdsAndShapes) {
  sim::TraceId id;
  EXPECT_TRUE(ParseTraceIdHex("0123456789abcdef0011223344556677", &id));
  EXPECT_EQ(id.hi, 0x0123456789abcdefULL);
  EXPECT_EQ(id.lo, 0x0011223344556677ULL);
  EXPECT_FALSE(ParseTraceIdHex("0123", &id));
  EXPECT_FALSE(ParseTraceIdHex("0123456789abcdef001122334455667g", &id));
  uint64_t shape = 0;
  EXPECT_TRUE(ParseShapeHex("00000000000000fF", &shape));
  EXPECT_EQ(shape, 0xffu);
}

// Runs a scenario (built-in name or YAML text) for `seconds` and picks traces.
std::vector<PickedTrace> Pick(const scenarios::Scenario& sc, double seconds,
                              const TracePickOptions& options) {
  auto workload =
      workloads::Workload::Create(sc.workload, sc.model, sc.seed, sim::Duration::Seconds(seconds));
  EXPECT_TRUE(workload.ok()) << workload.status().ToString();
  TracePicker picker(options);
  sim::SimulationOptions opt;
  opt.seed = sc.seed;
  opt.start_unix_nanos = sc.start_unix_nanos;
  opt.faults = sc.faults.empty() ? nullptr : &sc.faults;
  sim::Simulation simulation(sc.model, opt);
  EXPECT_TRUE(simulation.AddObserver(&picker).ok());
  EXPECT_TRUE(simulation.Run(workload->get()).ok());
  return picker.Take();
}

scenarios::Scenario Load(const std::string& name) {
  auto sc = scenarios::LoadScenario(name);
  EXPECT_TRUE(sc.ok()) << sc.status().ToString();
  return std::move(sc).value();
}

std::string RenderAll(const std::vector<PickedTrace>& picked, const scenarios::Scenario& sc,
                      int width) {
  WaterfallOptions w;
  w.width = width;
  std::string out;
  for (const PickedTrace& p : picked)
    out += (out.empty() ? "" : "\n") + RenderPicked(p, sc.model, &sc.faults, w);
  return out;
}

::testing::AssertionResult MatchesGolden(const std::string& name, const std::string& actual) {
  return golden::MatchesGoldenFile(
      std::string(TRACESIM_SOURCE_DIR) + "/reports/traces/testdata/waterfall/" + name + ".txt",
      actual, "TRACESIM_REGENERATE_GOLDEN");
}

void ExpectFitsWidth(const std::string& text, size_t width) {
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) EXPECT_LE(DisplayWidth(line), width) << line;
  EXPECT_EQ(text.find('\x1b'), std::string::npos) << "colour in plain output";
}

TEST(WaterfallGoldenTest, SlowestCheckoutTraces) {
  scenarios::Scenario sc = Load("checkout");
  TracePickOptions o;
  o.limit = 2;
  auto picked = Pick(sc, 5, o);
  ASSERT_EQ(picked.size(), 2u);
  EXPECT_GE(picked[0].trace.truth.latency(), picked[1].trace.truth.latency());
  const std::string text = RenderAll(picked, sc, 120);
  ExpectFitsWidth(text, 120);
  EXPECT_TRUE(MatchesGolden("checkout-slowest", text));
}

TEST(WaterfallGoldenTest, PaymentOutageFaultTraceNamesTheFaultAndTheRootCause) {
  scenarios::Scenario sc = Load("checkout-payment-outage");
  TracePickOptions o;
  o.filter = TracePickOptions::Filter::kFault;
  o.fault_index = 0;
  auto picked = Pick(sc, 90, o);
  ASSERT_EQ(picked.size(), 1u);
  const std::string text = RenderAll(picked, sc, 100);
  ExpectFitsWidth(text, 100);
  EXPECT_NE(text.find("fault " + sc.faults.faults[0].id), std::string::npos) << text;
  EXPECT_TRUE(MatchesGolden("checkout-payment-outage-fault", text));
}

TEST(WaterfallGoldenTest, BrokenPropagationShowsTheFragments) {
  scenarios::Scenario sc = Load("checkout-broken-propagation");
  TracePickOptions o;
  o.filter = TracePickOptions::Filter::kFault;
  o.fault_index = 0;
  auto picked = Pick(sc, 90, o);
  ASSERT_EQ(picked.size(), 1u);
  const std::string text = RenderAll(picked, sc, 120);
  EXPECT_TRUE(MatchesGolden("checkout-broken-propagation", text));
}

TEST(WaterfallGoldenTest, ClockSkewIsMarkedAndClipped) {
  auto loaded = scenarios::LoadScenarioYaml(
      "name: skewed\n"
      "topology: checkout\n"
      "duration: 5s\n"
      "seed: 7\n"
      "workload:\n"
      "  process: poisson\n"
      "  rate: 20\n"
      "  mix:\n"
      "    - {operation: \"api-gateway.POST /checkout\", weight: 1}\n"
      "faults:\n"
      "  - id: cart-clock\n"
      "    kind: clock_skew\n"
      "    target: cart\n"
      "    offset: 5s\n",
      "skewed.yaml", "");
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  scenarios::Scenario sc = std::move(loaded).value();
  TracePickOptions o;
  o.filter = TracePickOptions::Filter::kFault;
  auto picked = Pick(sc, 5, o);
  ASSERT_EQ(picked.size(), 1u);
  const std::string text = RenderAll(picked, sc, 120);
  EXPECT_NE(text.find("clock skew: fault cart-clock"), std::string::npos) << text;
  EXPECT_NE(text.find("▶"), std::string::npos) << text;
  EXPECT_TRUE(MatchesGolden("clock-skew", text));
}

TEST(WaterfallTest, ColourOnlyWhenAsked) {
  scenarios::Scenario sc = Load("checkout");
  TracePickOptions o;
  auto picked = Pick(sc, 2, o);
  ASSERT_EQ(picked.size(), 1u);
  WaterfallOptions w;
  w.colour = true;
  EXPECT_NE(RenderPicked(picked[0], sc.model, &sc.faults, w).find("\x1b["), std::string::npos);
  for (int width : {60, 80, 200}) {
    w.colour = false;
    w.width = width;
    ExpectFitsWidth(RenderPicked(picked[0], sc.model, &sc.faults, w), width);
  }
}

}  // namespace
}  // namespace tracesim::reports
