#include "scenarios/scenario.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "topologies/topology.h"
#include "workloads/workload.h"

namespace tracesim::scenarios {
namespace {

namespace fs = std::filesystem;
using sim::Duration;
using sim::Status;

// An entry operation of the built-in checkout topology.
constexpr char kCheckoutOp[] = "api-gateway.POST /checkout";

// A fresh temporary folder, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    path_ = fs::temp_directory_path() /
            ("tracesim_scenario_" + std::string(info->name()) + "_" + std::to_string(::getpid()));
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  ~TempDir() { fs::remove_all(path_); }
  const fs::path& path() const { return path_; }
  // Writes `text` to path()/rel (creating folders) and returns the full path.
  std::string Write(const std::string& rel, std::string_view text) const {
    fs::path p = path_ / rel;
    fs::create_directories(p.parent_path());
    std::ofstream(p, std::ios::binary) << text;
    return p.string();
  }

 private:
  fs::path path_;
};

std::string BuiltinTopologyText(std::string_view name) {
  const sim::EmbeddedFile* f = topologies::FindBuiltinTopology(name);
  EXPECT_NE(f, nullptr) << name;
  return f ? std::string(f->data, f->size) : std::string();
}

// A minimal valid scenario over the built-in checkout topology, plus `extra` lines.
std::string Minimal(std::string_view extra = "") {
  return std::string("topology: checkout.yaml\nworkload:\n  rate: 50\n  mix:\n    - \"") +
         kCheckoutOp + "\"\n" + std::string(extra);
}

sim::Result<Scenario> FromText(std::string_view yaml) {
  return LoadScenarioYaml(yaml, "t.yaml", "");
}

// The error message of loading `yaml`; fails the test if it loads.
std::string ErrorOf(std::string_view yaml) {
  sim::Result<Scenario> s = FromText(yaml);
  EXPECT_FALSE(s.ok()) << yaml;
  return s.ok() ? std::string() : s.status().message();
}

TEST(BuiltinScenarioTest, NamesListBothScenarios) {
  std::vector<std::string> names = BuiltinScenarioNames();
  EXPECT_NE(std::find(names.begin(), names.end(), "checkout"), names.end());
  EXPECT_NE(std::find(names.begin(), names.end(), "online-shop"), names.end());
  EXPECT_TRUE(std::is_sorted(names.begin(), names.end()));
}

TEST(BuiltinScenarioTest, EveryBuiltinLoadsAndRuns) {
  for (const std::string& name : BuiltinScenarioNames()) {
    sim::Result<Scenario> s = LoadBuiltinScenario(name);
    ASSERT_TRUE(s.ok()) << name << ": " << s.status().message();
    EXPECT_EQ(s->source, "builtin:" + name + ".yaml");
    EXPECT_EQ(s->name, name);
    EXPECT_FALSE(s->description.empty());
    EXPECT_EQ(s->model.source,
              "builtin:topologies/" + std::filesystem::path(s->topology_ref).filename().string());
    EXPECT_TRUE(s->workload.Validate().ok());
    auto w = workloads::Workload::Create(s->workload, s->model, s->seed, s->duration);
    ASSERT_TRUE(w.ok()) << w.status().message();
    sim::Arrival a;
    size_t n = 0;
    while ((*w)->Next(&a)) ++n;
    const double expected = (*w)->ExpectedArrivals();
    EXPECT_NEAR(static_cast<double>(n), expected, 5 * std::sqrt(expected)) << name;
  }
}

TEST(BuiltinScenarioTest, CheckoutIsTheDocumentedDefault) {
  sim::Result<Scenario> s = LoadBuiltinScenario("checkout");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->seed, 42u);
  EXPECT_EQ(s->duration, Duration::Seconds(60));
  EXPECT_EQ(s->start_unix_nanos, *sim::ParseRfc3339("2026-01-01T00:00:00Z"));
  EXPECT_EQ(s->workload.process, workloads::ArrivalProcess::kPoisson);
  const double rate = s->workload.MeanRate(s->duration);
  EXPECT_GE(rate, 50);
  EXPECT_LE(rate, 100);
  EXPECT_EQ(s->topology_ref, "../topologies/checkout.yaml");
}

TEST(BuiltinScenarioTest, NameWithOrWithoutExtension) {
  EXPECT_TRUE(LoadBuiltinScenario("checkout.yaml").ok());
  EXPECT_TRUE(LoadBuiltinScenario("online-shop").ok());
  sim::Result<Scenario> s = LoadBuiltinScenario("chekout");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kNotFound);
  EXPECT_NE(s.status().message().find("did you mean 'checkout'"), std::string::npos)
      << s.status().message();
  EXPECT_NE(s.status().message().find("built-ins: checkout, checkout-baseline,"), std::string::npos)
      << s.status().message();
}

TEST(ScenarioFileTest, RepositoryScenariosUseTheRepositoryTopologies) {
  for (const char* name : {"checkout", "online-shop"}) {
    const std::string path = std::string(TRACESIM_SOURCE_DIR) + "/scenarios/" + name + ".yaml";
    sim::Result<Scenario> s = LoadScenarioFile(path);
    ASSERT_TRUE(s.ok()) << s.status().message();
    EXPECT_EQ(s->source, path);
    EXPECT_EQ(
        fs::weakly_canonical(s->model.source),
        fs::weakly_canonical(std::string(TRACESIM_SOURCE_DIR) + "/topologies/" + name + ".yaml"));
  }
}

TEST(ScenarioFileTest, RelativeTopologyIsResolvedAgainstTheScenarioFolder) {
  TempDir dir;
  const std::string topo = dir.Write("sub/topo/shop.yaml", BuiltinTopologyText("online-shop.yaml"));
  const std::string path = dir.Write("sub/s.yaml",
                                     "topology: topo/shop.yaml\n"
                                     "workload:\n"
                                     "  rate: 5\n"
                                     "  mix: [\"frontend-proxy.GET /\"]\n");
  sim::Result<Scenario> s = LoadScenarioFile(path);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->model.source, topo);
  EXPECT_EQ(s->topology_ref, "topo/shop.yaml");
  EXPECT_EQ(s->name, "s");  // default: the file name
  EXPECT_NE(s->model.FindOperationRef("frontend-proxy.GET /"), sim::kNone);
}

TEST(ScenarioFileTest, FileWinsOverBuiltinOfTheSameName) {
  TempDir dir;
  // A file named checkout.yaml that holds the online-shop topology.
  const std::string topo = dir.Write("checkout.yaml", BuiltinTopologyText("online-shop.yaml"));
  const std::string path = dir.Write("s.yaml",
                                     "topology: checkout.yaml\n"
                                     "workload: {rate: 5, mix: [\"frontend-proxy.GET /\"]}\n");
  sim::Result<Scenario> s = LoadScenarioFile(path);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->model.source, topo);
}

TEST(ScenarioFileTest, FallsBackToBuiltinTopology) {
  TempDir dir;
  const std::string path = dir.Write("s.yaml", Minimal());
  sim::Result<Scenario> s = LoadScenarioFile(path);
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->model.source, "builtin:topologies/checkout.yaml");
  // By file name too, and without the extension.
  for (const char* ref : {"../../elsewhere/checkout.yaml", "checkout"}) {
    std::string yaml = Minimal();
    yaml.replace(yaml.find("checkout.yaml"), 13, ref);
    sim::Result<Scenario> t = LoadScenarioYaml(yaml, "t.yaml", dir.path().string());
    ASSERT_TRUE(t.ok()) << ref << ": " << t.status().message();
    EXPECT_EQ(t->model.source, "builtin:topologies/checkout.yaml");
  }
}

TEST(ScenarioFileTest, MissingTopologyNamesTheLine) {
  TempDir dir;
  const std::string path = dir.Write("s.yaml",
                                     "name: x\n"
                                     "topology: nope.yaml\n"
                                     "workload: {rate: 5, mix: [a.b]}\n");
  sim::Result<Scenario> s = LoadScenarioFile(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(s.status().message().rfind(path + ":2:1: topology: no file '", 0), 0u)
      << s.status().message();
  EXPECT_NE(s.status().message().find("no built-in topology 'nope.yaml'"), std::string::npos);
}

TEST(ScenarioFileTest, BrokenTopologyFileIsReported) {
  TempDir dir;
  dir.Write("bad.yaml", "services: [unclosed\n");
  const std::string path =
      dir.Write("s.yaml", "topology: bad.yaml\nworkload: {rate: 5, mix: [a.b]}\n");
  sim::Result<Scenario> s = LoadScenarioFile(path);
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message().rfind(path + ":1:1: topology: 'bad.yaml' does not load:\n", 0), 0u)
      << s.status().message();
  EXPECT_NE(s.status().message().find("bad.yaml:"), std::string::npos);
}

TEST(ScenarioFileTest, MissingFile) {
  sim::Result<Scenario> s = LoadScenarioFile("/nonexistent/s.yaml");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kNotFound);
}

TEST(LoadScenarioTest, PathOrBuiltinName) {
  TempDir dir;
  const std::string path = dir.Write("mine.yaml", Minimal("seed: 5\n"));
  sim::Result<Scenario> f = LoadScenario(path);
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->seed, 5u);
  EXPECT_EQ(f->source, path);
  sim::Result<Scenario> b = LoadScenario("online-shop");
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->source, "builtin:online-shop.yaml");
  sim::Result<Scenario> none = LoadScenario("onlineshop");
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(none.status().message().rfind(
                "'onlineshop' is neither a scenario file nor a built-in scenario (did you mean "
                "'online-shop'?) (built-ins: checkout, ",
                0),
            0u)
      << none.status().message();
}

TEST(ScenarioYamlTest, Defaults) {
  sim::Result<Scenario> s = FromText(Minimal());
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->name, "t");
  EXPECT_EQ(s->description, "");
  EXPECT_EQ(s->source, "t.yaml");
  EXPECT_EQ(s->seed, 1u);
  EXPECT_EQ(s->duration, Duration::Seconds(60));
  EXPECT_EQ(s->start_unix_nanos, 1767225600LL * 1000000000LL);  // 2026-01-01T00:00:00Z
  EXPECT_EQ(s->workload.process, workloads::ArrivalProcess::kPoisson);
  EXPECT_EQ(s->workload.shape.kind, workloads::ShapeKind::kConstant);
  EXPECT_EQ(s->workload.shape.rate, 50);
  ASSERT_EQ(s->workload.mix.size(), 1u);
  EXPECT_EQ(s->workload.mix[0].operation, kCheckoutOp);
  EXPECT_EQ(s->workload.mix[0].weight, 1);
}

TEST(ScenarioYamlTest, EveryTopLevelKey) {
  sim::Result<Scenario> s = FromText(
      "name: demo\n"
      "description: a demo\n"
      "topology: checkout.yaml\n"
      "duration: 1.5m\n"
      "seed: 18446744073709551615\n"
      "start_time: \"2026-03-04T05:06:07.5Z\"\n"
      "workload:\n"
      "  process: uniform\n"
      "  rate: 12.5\n"
      "  surges:\n"
      "    - {start: 10s, end: 20s, factor: 4}\n"
      "    - {end: 1s, factor: 0}\n"
      "  mix:\n"
      "    - {operation: \"api-gateway.POST /checkout\", weight: 2.5}\n");
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->name, "demo");
  EXPECT_EQ(s->description, "a demo");
  EXPECT_EQ(s->duration, Duration::Seconds(90));
  EXPECT_EQ(s->seed, 18446744073709551615ULL);
  EXPECT_EQ(s->start_unix_nanos, *sim::ParseRfc3339("2026-03-04T05:06:07.5Z"));
  EXPECT_EQ(s->workload.process, workloads::ArrivalProcess::kUniform);
  EXPECT_EQ(s->workload.shape.rate, 12.5);
  ASSERT_EQ(s->workload.surges.size(), 2u);
  EXPECT_EQ(s->workload.surges[0].start, sim::Time::Zero() + Duration::Seconds(10));
  EXPECT_EQ(s->workload.surges[0].factor, 4);
  EXPECT_EQ(s->workload.surges[1].start, sim::Time::Zero());
  EXPECT_EQ(s->workload.mix[0].weight, 2.5);
}

TEST(ScenarioYamlTest, Shapes) {
  auto shape = [](std::string_view lines) {
    std::string yaml = std::string("topology: checkout.yaml\nworkload:\n") + std::string(lines) +
                       "  mix: [\"" + kCheckoutOp + "\"]\n";
    sim::Result<Scenario> s = FromText(yaml);
    EXPECT_TRUE(s.ok()) << s.status().message();
    return s.ok() ? s->workload.shape : workloads::RateShape();
  };
  workloads::RateShape ramp = shape("  ramp: {from: 10, to: 100, over: 30s}\n");
  EXPECT_EQ(ramp.kind, workloads::ShapeKind::kRamp);
  EXPECT_EQ(ramp.from, 10);
  EXPECT_EQ(ramp.to, 100);
  EXPECT_EQ(ramp.over, Duration::Seconds(30));

  workloads::RateShape steps = shape(
      "  steps:\n"
      "    repeat: true\n"
      "    epochs:\n"
      "      - {duration: 10s, rate: 50}\n"
      "      - {duration: 500ms, rate: 0}\n");
  EXPECT_EQ(steps.kind, workloads::ShapeKind::kSteps);
  EXPECT_TRUE(steps.repeat);
  ASSERT_EQ(steps.epochs.size(), 2u);
  EXPECT_EQ(steps.epochs[1].duration, Duration::Millis(500));
  EXPECT_EQ(steps.epochs[0].rate, 50);

  workloads::RateShape list =
      shape("  steps: [{duration: 10s, rate: 5}, {duration: 5s, rate: 9}]\n");
  EXPECT_EQ(list.epochs.size(), 2u);
  EXPECT_FALSE(list.repeat);

  workloads::RateShape diurnal =
      shape("  diurnal: {mean: 80, amplitude: 0.25, period: 1h, phase: 15m}\n");
  EXPECT_EQ(diurnal.kind, workloads::ShapeKind::kDiurnal);
  EXPECT_EQ(diurnal.rate, 80);
  EXPECT_EQ(diurnal.amplitude, 0.25);
  EXPECT_EQ(diurnal.period, Duration::Seconds(3600));
  EXPECT_EQ(diurnal.phase, Duration::Seconds(900));

  workloads::RateShape bursts = shape("  bursts: {rate: 20, factor: 10, length: 2s, every: 30s}\n");
  EXPECT_EQ(bursts.kind, workloads::ShapeKind::kBursts);
  EXPECT_EQ(bursts.factor, 10);
  EXPECT_EQ(bursts.every, Duration::Seconds(30));
  workloads::RateShape at = shape("  bursts: {rate: 20, at: [5s, 1m]}\n");
  ASSERT_EQ(at.at.size(), 2u);
  EXPECT_EQ(at.at[1], sim::Time::Zero() + Duration::Seconds(60));
}

TEST(ScenarioYamlTest, UnknownKeyNamesLineAndSuggests) {
  EXPECT_EQ(ErrorOf(Minimal("sed: 4\n")),
            "t.yaml:6:1: sed: unknown key 'sed' (did you mean 'seed'?)");
  std::string msg = ErrorOf(
      "topology: checkout.yaml\n"
      "workload:\n"
      "  rat: 5\n"
      "  mix: [a.b]\n");
  EXPECT_NE(msg.find("t.yaml:3:3: workload.rat: unknown key 'rat' (did you mean 'rate'?)"),
            std::string::npos)
      << msg;
}

TEST(ScenarioYamlTest, BadDurationNamesLine) {
  EXPECT_EQ(ErrorOf(Minimal("duration: 60\n")),
            "t.yaml:6:1: duration: '60' is not a duration (expected a number and a unit: ns, us, "
            "ms, s, m, h)");
  EXPECT_EQ(ErrorOf(Minimal("duration: 0s\n")),
            "t.yaml:6:1: duration: must be > 0 (a time is required here), got '0s'");
  EXPECT_EQ(ErrorOf(Minimal("duration: -5s\n")),
            "t.yaml:6:1: duration: a duration must not be negative, got '-5s'");
  EXPECT_EQ(ErrorOf(Minimal("duration: [1]\n")),
            "t.yaml:6:1: duration: expected a duration such as 2ms, got a list");
  EXPECT_EQ(ErrorOf(Minimal("description: {a: 1}\n")),
            "t.yaml:6:1: description: expected a string, got a mapping");
  EXPECT_EQ(ErrorOf(Minimal("duration: 5 parsecs\n")).rfind("t.yaml:6:1: duration: ", 0), 0u);
}

TEST(ScenarioYamlTest, BadSeedNamesLine) {
  for (const char* seed : {"-1", "abc", "1.5", "18446744073709551616", "[1]"}) {
    std::string msg = ErrorOf(Minimal(std::string("seed: ") + seed + "\n"));
    EXPECT_EQ(msg.rfind("t.yaml:6:1: seed: must be an integer in [0, 18446744073709551615]", 0), 0u)
        << msg;
  }
}

TEST(ScenarioYamlTest, BadStartTimeNamesLine) {
  std::string msg = ErrorOf(Minimal("start_time: yesterday\n"));
  EXPECT_EQ(msg.rfind("t.yaml:6:1: start_time: ", 0), 0u) << msg;
  EXPECT_NE(msg.find("RFC 3339"), std::string::npos) << msg;
}

TEST(ScenarioYamlTest, UnknownMixOperationNamesLine) {
  sim::Result<Scenario> s = FromText(
      "topology: checkout.yaml\n"
      "workload:\n"
      "  rate: 5\n"
      "  mix:\n"
      "    - \"api-gateway.POST /checkout\"\n"
      "    - {operation: \"api-gateway.POST /chekout\", weight: 2}\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), Status::Code::kNotFound);
  EXPECT_EQ(s.status().message(),
            "t.yaml:6:8: workload.mix[1].operation: unknown operation 'api-gateway.POST /chekout' "
            "(did you mean 'api-gateway.POST /checkout'?)");
}

TEST(ScenarioYamlTest, SamplersMustBeAList) {
  std::string msg = ErrorOf(Minimal("samplers: {}\n"));
  EXPECT_NE(msg.find("t.yaml:6:"), std::string::npos) << msg;
  EXPECT_NE(msg.find("samplers: must be a non-empty list"), std::string::npos) << msg;
}

TEST(ScenarioYamlTest, WorkloadProblemsNameTheirKey) {
  EXPECT_EQ(ErrorOf("topology: checkout.yaml\n"
                    "duration: 60s\n"
                    "seed: 3\n"
                    "name: x\n"
                    "description: y\n"
                    "workload:\n"
                    "  rate: -5\n"
                    "  mix: [\"api-gateway.POST /checkout\"]\n"),
            "t.yaml:7:3: workload.rate: must be > 0, got -5");
  EXPECT_EQ(ErrorOf("topology: checkout.yaml\n"
                    "workload:\n"
                    "  diurnal: {mean: 5, amplitude: 2}\n"
                    "  mix: [\"api-gateway.POST /checkout\"]\n"),
            "t.yaml:3:22: workload.diurnal.amplitude: must be in [0, 1] (a fraction of the mean), "
            "got 2");
  EXPECT_EQ(ErrorOf("topology: checkout.yaml\n"
                    "workload:\n"
                    "  steps:\n"
                    "    - {duration: 10s, rate: 5}\n"
                    "    - {duration: 0s, rate: 5}\n"
                    "  mix: [\"api-gateway.POST /checkout\"]\n"),
            "t.yaml:5:8: workload.steps.epochs[1].duration: must be > 0, got 0s");
  EXPECT_EQ(ErrorOf("topology: checkout.yaml\n"
                    "workload:\n"
                    "  rate: 5\n"
                    "  mix: []\n"),
            "t.yaml:4:3: workload.mix: must list at least one entry operation");
  EXPECT_EQ(ErrorOf("topology: checkout.yaml\n"
                    "workload:\n"
                    "  rate: 5\n"
                    "  mix:\n"
                    "    - {operation: \"api-gateway.POST /checkout\", weight: 0}\n"),
            "t.yaml:5:49: workload.mix[0].weight: must be > 0, got 0");
}

TEST(ScenarioYamlTest, WorkloadStructureErrors) {
  EXPECT_EQ(ErrorOf("topology: checkout.yaml\nworkload:\n  mix: [a.b]\n"),
            "t.yaml:2:1: workload: needs a rate shape: one of rate (constant), ramp, steps, "
            "diurnal, bursts");
  EXPECT_EQ(ErrorOf("topology: checkout.yaml\n"
                    "workload:\n"
                    "  rate: 5\n"
                    "  ramp: {to: 5}\n"
                    "  mix: [\"api-gateway.POST /checkout\"]\n"),
            "t.yaml:4:3: workload.ramp: only one rate shape is allowed, and 'rate' is already "
            "given");
  EXPECT_EQ(ErrorOf("topology: checkout.yaml\nworkload:\n  rate: 5\n"),
            "t.yaml:2:1: workload: missing required key 'mix'");
  EXPECT_EQ(ErrorOf("topology: checkout.yaml\n"
                    "workload:\n"
                    "  rate: lots\n"
                    "  process: poison\n"
                    "  mix: [\"api-gateway.POST /checkout\"]\n"),
            "t.yaml:3:3: workload.rate: expected a number, got 'lots'\n"
            "t.yaml:4:3: workload.process: unknown value 'poison' (did you mean 'poisson'?); "
            "expected one of poisson, uniform");
  EXPECT_EQ(ErrorOf("topology: checkout.yaml\n"
                    "workload:\n"
                    "  ramp: {from: 5}\n"
                    "  mix: [\"api-gateway.POST /checkout\"]\n"),
            "t.yaml:3:3: workload.ramp: missing required key 'to'");
}

TEST(ScenarioYamlTest, CollectsEveryProblem) {
  std::string msg = ErrorOf(
      "topolgy: checkout.yaml\n"
      "duration: soon\n"
      "seed: x\n"
      "workload:\n"
      "  rate: -1\n"
      "  mix: [\"api-gateway.POST /checkout\"]\n");
  EXPECT_EQ(msg,
            "t.yaml:1:1: topolgy: unknown key 'topolgy' (did you mean 'topology'?)\n"
            "t.yaml:1:1: missing required key 'topology'\n"
            "t.yaml:2:1: duration: 'soon' is not a duration (expected a number and a unit: ns, "
            "us, ms, s, m, h)\n"
            "t.yaml:3:1: seed: must be an integer in [0, 18446744073709551615], got 'x'\n"
            "t.yaml:5:3: workload.rate: must be > 0, got -1");
}

// Issue 9: Finish() dropped the sampler problems when the scenario had problems of its own.
TEST(ScenarioYamlTest, Issue9SamplerProblemsAreKeptWithScenarioProblems) {
  std::string msg =
      ErrorOf(Minimal("duration: banana\n"
                      "samplers:\n"
                      "  - {name: a, head: {sampler: bogus_sampler}}\n"));
  EXPECT_NE(msg.find("t.yaml:6:1: duration: 'banana' is not a duration"), std::string::npos) << msg;
  EXPECT_NE(msg.find("bogus_sampler"), std::string::npos) << msg;
  // One problem per line, the scenario's own first.
  EXPECT_EQ(std::count(msg.begin(), msg.end(), '\n'), 1) << msg;
  EXPECT_LT(msg.find("duration:"), msg.find("bogus_sampler")) << msg;
}

// Issue 9: one Go-compatible duration grammar everywhere.
TEST(ScenarioYamlTest, Issue9GoDurations) {
  sim::Result<Scenario> s = FromText(Minimal("duration: 1m30s\n"));
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->duration, Duration::Seconds(90));
  // As Go: the unit runs to the next digit or '.', so "m " is an unknown unit.
  EXPECT_EQ(ErrorOf(Minimal("duration: 1m 30s\n")),
            "t.yaml:6:1: duration: duration '1m 30s' has unknown unit 'm ' (use ns, us, ms, s, m, "
            "h)");
}

// Issue 9: ${env:VAR} expansion as the Collector does it; an unset variable is named.
TEST(ScenarioYamlTest, Issue9EnvExpansion) {
  ::setenv("TRACESIM_TEST_DURATION", "1m30s", 1);
  ::unsetenv("TRACESIM_TEST_UNSET");
  sim::Result<Scenario> s =
      FromText(Minimal("duration: ${env:TRACESIM_TEST_DURATION}\n"
                       "description: \"$${env:literal} ${TRACESIM_TEST_UNSET:-x}\"\n"));
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->duration, Duration::Seconds(90));
  EXPECT_EQ(s->description, "${env:literal} ${TRACESIM_TEST_UNSET:-x}");  // escaped: search ends
  EXPECT_TRUE(s->warnings.empty());

  sim::Result<Scenario> w = FromText(Minimal("description: \"a${TRACESIM_TEST_UNSET}b\"\n"));
  ASSERT_TRUE(w.ok()) << w.status().message();
  EXPECT_EQ(w->description, "ab");
  ASSERT_EQ(w->warnings.size(), 1u);
  EXPECT_EQ(w->warnings[0].Format(),
            "t.yaml:6:14: description: warning: environment variable 'TRACESIM_TEST_UNSET' is not "
            "set; it expands to nothing (as in the Collector)");

  std::string msg = ErrorOf(Minimal("duration: ${env:TRACESIM_TEST_UNSET}\n"));
  EXPECT_NE(msg.find("environment variable 'TRACESIM_TEST_UNSET' is not set"), std::string::npos)
      << msg;
  EXPECT_NE(msg.find("t.yaml:6:1: duration: expected a duration such as 2ms, got nothing"),
            std::string::npos)
      << msg;
  EXPECT_NE(ErrorOf(Minimal("duration: ${env:1BAD}\n")).find("has invalid name"),
            std::string::npos);
  ::unsetenv("TRACESIM_TEST_DURATION");
}

// Issue 9: seeds are base 10 ("010" is ten), as on the command line.
TEST(ScenarioYamlTest, Issue9SeedIsBaseTen) {
  sim::Result<Scenario> s = FromText(Minimal("seed: 010\n"));
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->seed, 10u);
  EXPECT_NE(ErrorOf(Minimal("seed: 0x10\n")).find("seed:"), std::string::npos);
}

TEST(ScenarioYamlTest, UnknownOperationsAreReportedWithOtherProblems) {
  EXPECT_EQ(
      ErrorOf("topology: checkout.yaml\n"
              "workload:\n"
              "  rate: -2\n"
              "  mix:\n"
              "    - {operation: \"api-gateway.GET /\", weight: 0}\n"
              "    - postgres.UPDATE inventory\n"),
      "t.yaml:3:3: workload.rate: must be > 0, got -2\n"
      "t.yaml:5:8: workload.mix[0].operation: unknown operation 'api-gateway.GET /'\n"
      "t.yaml:5:40: workload.mix[0].weight: must be > 0, got 0\n"
      "t.yaml:6:7: workload.mix[1].operation: 'postgres.UPDATE inventory' is an operation of a "
      "dependency (database, cache, external API, broker), not an entry point");
}

TEST(ScenarioYamlTest, Issue13PricingBlock) {
  sim::Result<Scenario> s =
      FromText(Minimal("pricing:\n  preset: tiered\n  retention_days: {metadata: 30}\n"));
  ASSERT_TRUE(s.ok()) << s.status().message();
  EXPECT_EQ(s->pricing.preset, "tiered");
  EXPECT_EQ(s->pricing.traces_days, 7);
  EXPECT_EQ(s->pricing.metadata_days, 30);
  // Absent: the object-storage defaults.
  EXPECT_EQ(FromText(Minimal())->pricing.traces_days, 30);
  // A problem names the line and key, with the scenario's other problems.
  EXPECT_EQ(ErrorOf(Minimal("seed: x\npricing:\n  retention_days: {traces: -7}\n")),
            "t.yaml:6:1: seed: must be an integer in [0, 18446744073709551615], got 'x'\n"
            "t.yaml:8:28: pricing.retention_days.traces: must be >= 0, got '-7'");
}

TEST(ScenarioYamlTest, SyntaxErrorNamesLine) {
  sim::Result<Scenario> s = FromText("topology: checkout.yaml\nworkload: {rate: 5\n");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().message().rfind("t.yaml:", 0), 0u) << s.status().message();
  EXPECT_EQ(ErrorOf("- just\n- a list\n"), "t.yaml:1:1: a scenario must be a YAML mapping");
}

}  // namespace
}  // namespace tracesim::scenarios

namespace tracesim::scenarios {
namespace {

TEST(FaultsTest, EveryKindLoadsIntoThePlan) {
  sim::Result<Scenario> s = FromText(Minimal(R"(faults:
  - {id: pay-err, kind: error, target: payment.ProcessPayment, probability: 0.2, status: UNAVAILABLE,
     exception: {type: StripeException, message: card declined, stacktrace: "at Pay.charge"}}
  - {id: slow-cart, kind: latency, target: cart, multiplier: 3, latency: 20ms, start: 10s, duration: 30s}
  - {id: stripe-down, kind: outage, target: stripe, start: 1m, duration: 2m, connect_timeout: 3s}
  - {id: bad-pod, kind: degraded_instance, target: inventory, instance: 1, error_rate: 0.5, status: 13}
  - {id: pg-failover, kind: dependency_stall, target: postgres, latency: 200ms, start: 30s, duration: 60s}
  - {id: lost-ctx, kind: broken_propagation, target: inventory, probability: 0.3}
  - {id: sdk-drop, kind: span_loss, target: notification, probability: 1}
  - {id: ntp, kind: clock_skew, target: payment, offset: -250ms, drift_ppm: 50}
  - {id: lag, kind: consumer_lag, target: notification, delay: 30s, multiplier: 2}
  - {id: surge, kind: traffic, factor: 10, start: 20s, duration: 10s}
)"));
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  const sim::Model& m = s->model;
  const auto& f = s->faults.faults;
  ASSERT_EQ(f.size(), 10u);
  using K = sim::Fault::Kind;
  EXPECT_EQ(f[0].kind, K::kError);
  EXPECT_EQ(f[0].operation, m.FindOperationRef("payment.ProcessPayment"));
  EXPECT_EQ(f[0].status, 14);
  EXPECT_DOUBLE_EQ(f[0].probability, 0.2);
  EXPECT_EQ(m.strings.Get(f[0].exception_type), "StripeException");
  EXPECT_EQ(m.strings.Get(f[0].exception_stacktrace), "at Pay.charge");
  EXPECT_EQ(f[1].kind, K::kLatency);
  EXPECT_EQ(f[1].start.nanos(), 10'000'000'000);
  EXPECT_EQ(f[1].end.nanos(), 40'000'000'000);
  EXPECT_NEAR(f[1].extra_latency.Mean(), 20e6, 1);
  EXPECT_EQ(f[2].kind, K::kOutage);
  EXPECT_EQ(f[2].connect_timeout.nanos(), 3'000'000'000);
  EXPECT_EQ(f[2].service, m.FindService("stripe"));
  EXPECT_EQ(f[3].kind, K::kError);
  EXPECT_EQ(f[3].instance, 1u);
  EXPECT_DOUBLE_EQ(f[3].probability, 0.5);
  EXPECT_EQ(f[4].kind, K::kLatency);
  EXPECT_EQ(f[5].kind, K::kBrokenPropagation);
  EXPECT_EQ(f[6].kind, K::kSpanLoss);
  EXPECT_EQ(f[7].kind, K::kClockSkew);
  EXPECT_EQ(f[7].offset.nanos(), -250'000'000);
  EXPECT_EQ(f[7].end, sim::Time::Max()) << "no duration: always";
  EXPECT_EQ(f[8].kind, K::kConsumerLag);
  EXPECT_EQ(f[9].kind, K::kTraffic);
  ASSERT_EQ(s->workload.surges.size(), 1u) << "a traffic fault is also a workload surge";
  EXPECT_DOUBLE_EQ(s->workload.surges[0].factor, 10);
  EXPECT_EQ(m.strings.Get(f[9].tag_key), "tracesim.fault.surge");
}

TEST(FaultsTest, BadFaultsNameTheLine) {
  std::string msg = ErrorOf(Minimal(R"(faults:
  - {id: a, kind: error, target: paymnt}
  - {id: b, kind: latency, target: cart, duration: -5s, multiplier: 2}
  - {id: c, kind: error, target: cart, probability: 1.5}
  - {id: d, kind: explode, target: cart}
  - {id: a, kind: span_loss, target: cart}
  - {id: f, kind: dependency_stall, target: cart, latency: 1s}
  - {id: g, kind: degraded_instance, target: cart, latency: 1s}
  - {id: h, kind: degraded_instance, target: cart, instance: 7, latency: 1s}
  - {id: i, kind: latency, target: cart}
  - {id: j, kind: traffic, factor: 3}
  - {id: k, kind: clock_skew, target: auth, offset: 1s, start: 0s, duration: 1m}
  - {id: l, kind: clock_skew, target: auth, offset: 2s, start: 30s, duration: 1m}
  - {id: m, kind: latency, target: cart, multiplier: 2, wobble: 3}
  - {id: n, kind: consumer_lag, target: cart, delay: 1s}
  - {id: o, kind: error, target: cart, status: 700}
)"));
  auto expect = [&](int line, const std::string& text) {
    std::string prefix = "t.yaml:" + std::to_string(line) + ":";
    bool found = false;
    size_t pos = 0;
    while (pos < msg.size()) {
      size_t end = msg.find('\n', pos);
      std::string l = msg.substr(pos, end == std::string::npos ? std::string::npos : end - pos);
      if (l.rfind(prefix, 0) == 0 && l.find(text) != std::string::npos) found = true;
      if (end == std::string::npos) break;
      pos = end + 1;
    }
    EXPECT_TRUE(found) << "line " << line << " '" << text << "' in:\n" << msg;
  };
  expect(7, "faults[0].target: unknown target 'paymnt' (did you mean 'payment'?)");
  expect(8, "faults[1].duration: a duration must not be negative, got '-5s'");
  expect(9, "faults[2].probability: a probability must be within [0, 1], got 1.5");
  expect(10, "faults[3].kind: unknown fault kind 'explode'");
  expect(11, "faults[4].id: duplicate fault id 'a' (first at line 7)");
  expect(12, "faults[5].target: 'cart' is a service; dependency_stall targets a database");
  expect(13, "faults[6]: missing required key 'instance'");
  expect(14, "faults[7].instance: must be an instance index in [0, 1]");
  expect(15, "faults[8]: a latency fault needs 'latency'");
  expect(16, "faults[9]: missing required key 'duration'");
  expect(18, "faults[11]: overlaps fault 'k' (line 17)");
  expect(19, "faults[12].wobble: unknown key");
  expect(20, "faults[13].target: 'cart' consumes no topic");
  expect(21, "faults[14].status: must be an HTTP status");
}

}  // namespace
}  // namespace tracesim::scenarios
