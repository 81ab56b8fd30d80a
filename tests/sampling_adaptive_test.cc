// The sampling lab's feedback-driven strategies end to end, on the real Simulation: Jaeger remote
// sampling fed by a strategies file or by Jaeger's adaptive loop, and the Refinery-style dynamic
// samplers (issue #4: "Adaptive: converges to the target rate within a bounded number of
// intervals on steady traffic and re-converges after a x10 surge").
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>

#include "sampling/lab/adaptive/lab_adaptive.h"
#include "sampling/lab/lab.h"
#include "scenarios/scenario.h"
#include "sim/kernel/simulation.h"
#include "workloads/workload.h"

namespace tracesim {
namespace {

namespace fs = std::filesystem;

// A two-operation front end: GET /a calls back.Get (3 spans), GET /b answers alone (1 span).
fs::path TestDir() {
  fs::path dir = fs::temp_directory_path() / (std::string("tracesim_sampling_adaptive_test") + "." +
                                              std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "tiny.yaml") << R"(name: tiny
network_latency: 100us
services:
  - name: front
    operations:
      - name: GET /a
        work: 2ms
        calls:
          - back.Get
      - {name: GET /b, work: 1ms}
  - name: back
    protocol: grpc
    operations:
      - {name: Get, work: 1ms}
)";
  return dir;
}

struct AdaptiveRun {
  std::unique_ptr<sampling::SamplingLab> lab;
  std::vector<sampling::StrategyScore> scores;
  double seconds = 0;
  int64_t start = 0;
};

// Loads `scenario_yaml` (its topology and files relative to TestDir()) and runs it with the lab.
AdaptiveRun RunScenario(const std::string& scenario_yaml) {
  const fs::path dir = TestDir();
  auto sc = scenarios::LoadScenarioYaml(scenario_yaml, (dir / "s.yaml").string(), dir.string());
  EXPECT_TRUE(sc.ok()) << sc.status().ToString();
  if (!sc.ok()) return {};
  auto lab =
      sampling::SamplingLab::Create(sc->model, &sc->faults, sc->samplers, sampling::LabOptions{});
  EXPECT_TRUE(lab.ok()) << lab.status().ToString();
  if (!lab.ok()) return {};
  sim::SimulationOptions opt;
  opt.seed = sc->seed;
  opt.start_unix_nanos = sc->start_unix_nanos;
  opt.faults = &sc->faults;
  auto w = workloads::Workload::Create(sc->workload, sc->model, sc->seed, sc->duration);
  EXPECT_TRUE(w.ok());
  sim::Simulation s(sc->model, opt);
  s.AddObserver(lab->get());
  EXPECT_TRUE(s.Run(w->get()).ok());
  (*lab)->Finish(opt.start_unix_nanos + s.stats().end_time.nanos());
  AdaptiveRun r;
  r.seconds = sc->duration.seconds();
  r.start = sc->start_unix_nanos;
  r.scores = (*lab)->Scores(r.seconds);
  r.lab = std::move(lab).value();
  return r;
}

// Sampled root spans of `op` per second in each aggregation interval (the throughput the
// adaptive processor wrote to its store), in time order.
std::vector<double> SampledPerSecond(const sampling::JaegerAdaptiveSampling& a,
                                     const std::string& op) {
  std::map<int64_t, double> by_time;
  for (const auto& rec : a.throughput_store()) {
    double& c = by_time[rec.time.nanos()];
    if (rec.throughput.operation == op) c += static_cast<double>(rec.throughput.count);
  }
  std::vector<double> out;
  const double width = a.options().calculation_interval.seconds();
  for (const auto& [t, c] : by_time) out.push_back(c / width);
  return out;
}

double Mean(const std::vector<double>& v, size_t from, size_t to) {
  double s = 0;
  for (size_t i = from; i < to && i < v.size(); ++i) s += v[i];
  return to > from ? s / static_cast<double>(to - from) : 0;
}

// The first interval from which `n` consecutive intervals average within `tol` of `target`.
size_t SettledAt(const std::vector<double>& v, size_t from, double target, double tol,
                 size_t n = 3) {
  for (size_t i = from; i + n <= v.size(); ++i) {
    if (std::abs(Mean(v, i, i + n) - target) <= tol * target) return i;
  }
  return v.size();
}

// Steady Poisson traffic: GET /a at 50/s, GET /b at 10/s for 20 minutes, then x10 for 20
// minutes. Target 1 sampled root/s per operation; the loop runs on 20 s intervals (calculation,
// delay and SDK polling), a third of Jaeger's defaults, to keep the run short.
TEST(SamplingAdaptiveTest, JaegerAdaptiveConvergesAndReconvergesAfterSurge) {
  AdaptiveRun r = RunScenario(R"(
name: adaptive
topology: tiny.yaml
duration: 40m
seed: 11
workload:
  rate: 60
  surges: [{start: 20m, end: 40m, factor: 10}]
  mix:
    - {operation: "front.GET /a", weight: 5}
    - {operation: "front.GET /b", weight: 1}
samplers:
  - name: adaptive
    sdk: jaeger-client           # writes sampler.type / sampler.param: Jaeger counts the roots
    jaeger_adaptive:
      target_samples_per_second: 1
      calculation_interval: 20s
      calculation_delay: 20s
      polling_interval: 20s
      role: ideal                # serves each calculation at once (no v1.75.0 node does)
      poll_phase: lockstep
      write_strategies: adaptive-out.json
  - name: keep-all
)");
  ASSERT_TRUE(r.lab);
  const sampling::LabAdaptive* ext = r.lab->adaptive();
  ASSERT_NE(ext, nullptr);
  const sampling::JaegerAdaptiveSampling* a = ext->adaptive(0);
  ASSERT_NE(a, nullptr);
  // Two SDKs (front, back) every 20 s over 40 minutes, the first at the first span.
  EXPECT_EQ(ext->polls(0), 2 * 120);
  EXPECT_TRUE(r.scores[0].notes.empty());
  EXPECT_GE(a->calculations(), 119);  // + the tick at the end, when the run lasts past it
  ASSERT_EQ(r.scores[0].pipeline,
            "SDK parentbased_jaeger_remote(adaptive 1/s per op, every 20s, poll 20s)");

  // Intervals 0..59 are the steady 20 minutes, 60..119 the surge.
  for (const char* op : {"GET /a", "GET /b"}) {
    SCOPED_TRACE(op);
    std::vector<double> per_s = SampledPerSecond(*a, op);
    ASSERT_GE(per_s.size(), 119u);
    // The initial probability (0.001) samples far below the target.
    EXPECT_LT(Mean(per_s, 0, 3), 0.2);
    // Probabilities at most double per interval and the loop lags by delay + interval + poll:
    // from 0.001 to 1/50 takes 5 doublings, so settled within 20 intervals.
    const size_t settled = SettledAt(per_s, 0, 1.0, 0.3);
    EXPECT_LE(settled, 20u);
    const double steady = Mean(per_s, 30, 60);
    EXPECT_NEAR(steady, 1.0, 0.25);
    // x10 surge: oversampled until the delayed loop catches up, then back at the target
    // (decreases apply in full: a few intervals).
    EXPECT_GT(Mean(per_s, 60, 62), 3.0);
    const size_t resettled = SettledAt(per_s, 60, 1.0, 0.3);
    EXPECT_LE(resettled, 60u + 8u);
    const double after = Mean(per_s, 80, 119);
    EXPECT_NEAR(after, 1.0, 0.25);
    RecordProperty(std::string(op) + " settled_interval", std::to_string(settled));
    RecordProperty(std::string(op) + " steady_per_s", std::to_string(steady));
    RecordProperty(std::string(op) + " surge_first_2_per_s", std::to_string(Mean(per_s, 60, 62)));
    RecordProperty(std::string(op) + " after_per_s", std::to_string(after));
    RecordProperty(std::string(op) + " resettled_interval", std::to_string(resettled - 60));
  }
  // The SDK applies what the provider serves: per-operation probabilities near target/rate.
  // The last probability is one step of a noisy loop (about 20 sampled traces per interval):
  // over seeds 1-12 it lies within 0.65-1.55x of target/rate for both operations.
  const sampling::JaegerRemoteSampler* sdk = ext->sdk(0, 0);
  ASSERT_NE(sdk, nullptr);
  EXPECT_EQ(sdk->mode(), sampling::JaegerRemoteSampler::Mode::kPerOp);
  EXPECT_NEAR(sdk->ProbabilityFor("GET /a"), 1.0 / 500, 0.0012);
  EXPECT_NEAR(sdk->ProbabilityFor("GET /b"), 1.0 / 100, 0.006);
  // Adjusted counts use the applied probability: the estimated request rate is close.
  const sampling::StrategyScore& s = r.scores[0];
  EXPECT_NEAR(s.est_rate / s.true_rate, 1.0, 0.15) << s.est_rate << " vs " << s.true_rate;
  EXPECT_EQ(s.fragmented_kept, 0u);  // parent-based: whole traces
  RecordProperty("traces", std::to_string(s.traces));
  RecordProperty("est_rate_over_true", std::to_string(s.est_rate / s.true_rate));

  // write_strategies: the probabilities as a strategies file, readable back.
  ASSERT_TRUE(r.lab->WriteOutputs().ok());
  auto back = sampling::LoadStrategiesFile((TestDir() / "adaptive-out.json").string());
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  ASSERT_EQ(back->service_strategies.size(), 1u);
  EXPECT_EQ(back->service_strategies[0].service, "front");
  EXPECT_EQ(back->service_strategies[0].operation_strategies.size(), 2u);
}

// The same with Jaeger's defaults (calculation every 1m on the throughput 2m old, SDKs polling
// every 60 s): 40 minutes steady, 40 minutes at x10.
TEST(SamplingAdaptiveTest, JaegerAdaptiveWithJaegerDefaults) {
  AdaptiveRun r = RunScenario(R"(
name: adaptive-defaults
topology: tiny.yaml
duration: 80m
seed: 12
workload:
  rate: 60
  surges: [{start: 40m, end: 80m, factor: 10}]
  mix:
    - {operation: "front.GET /a", weight: 5}
    - {operation: "front.GET /b", weight: 1}
samplers:
  - {name: adaptive, sdk: jaeger-client, jaeger_adaptive: {role: ideal}}
)");
  ASSERT_TRUE(r.lab);
  const sampling::JaegerAdaptiveSampling* a = r.lab->adaptive()->adaptive(0);
  ASSERT_NE(a, nullptr);
  for (const char* op : {"GET /a", "GET /b"}) {
    SCOPED_TRACE(op);
    std::vector<double> per_s = SampledPerSecond(*a, op);
    ASSERT_GE(per_s.size(), 79u);
    // With a 2-interval delay the newest bucket still reports an older probability, so the
    // operation does not count as "using adaptive" and Jaeger keeps the probability: it doubles
    // only every ~3 intervals. GET /b needs 7 doublings (0.001 -> 0.1).
    const size_t settled = SettledAt(per_s, 0, 1.0, 0.3);
    EXPECT_LE(settled, 25u);
    EXPECT_NEAR(Mean(per_s, 28, 40), 1.0, 0.25);
    EXPECT_GT(Mean(per_s, 40, 42), 3.0);  // the loop lags ~4 minutes behind the surge
    // Seeds 1-6 and 12 resettle 4-10 intervals after the surge (GET /a; GET /b in 4).
    const size_t resettled = SettledAt(per_s, 40, 1.0, 0.3);
    EXPECT_LE(resettled, 40u + 12u);
    EXPECT_NEAR(Mean(per_s, 55, 79), 1.0, 0.25);
    RecordProperty(std::string(op) + " settled_interval", std::to_string(settled));
    RecordProperty(std::string(op) + " resettled_interval", std::to_string(resettled - 40));
    RecordProperty(std::string(op) + " surge_first_2_per_s", std::to_string(Mean(per_s, 40, 42)));
  }
}

// The file provider: per-operation and service probabilities from a strategies file reach the
// SDKs and the kept fraction matches them.
TEST(SamplingAdaptiveTest, JaegerFileProbabilitiesAreApplied) {
  std::ofstream(TestDir() / "strategies.json") << R"({
  "service_strategies": [
    {"service": "front", "type": "probabilistic", "param": 0.2,
     "operation_strategies": [{"operation": "GET /b", "type": "probabilistic", "param": 0.5}]}
  ],
  "default_strategy": {"type": "probabilistic", "param": 0.05}
})";
  std::ofstream(TestDir() / "jaeger.yaml") << R"(
extensions:
  remote_sampling:
    file: {path: strategies.json}
service:
  extensions: [remote_sampling]
)";
  AdaptiveRun r = RunScenario(R"(
name: file
topology: tiny.yaml
duration: 10m
seed: 5
workload:
  rate: 60
  mix:
    - {operation: "front.GET /a", weight: 5}
    - {operation: "front.GET /b", weight: 1}
samplers:
  - name: file
    jaeger: {strategies: strategies.json, polling_interval: 30s}
  - name: v2-config
    jaeger: {config: jaeger.yaml}
  - name: no-server
    head: {sampler: parentbased_jaeger_remote}
)");
  ASSERT_TRUE(r.lab);
  // GET /a at 0.2 (the service's rate), GET /b at 0.5: (50 x 0.2 + 10 x 0.5) / 60 = 0.25.
  for (int k : {0, 1}) {
    const sampling::StrategyScore& s = r.scores[k];
    SCOPED_TRACE(s.name);
    ASSERT_GT(s.traces, 30000u);
    const double n = static_cast<double>(s.traces);
    const double p = 0.25;
    const double kept = static_cast<double>(s.traces_kept) / n;
    EXPECT_NEAR(kept, p, 4 * std::sqrt(p * (1 - p) / n));  // 4-sigma binomial interval
    EXPECT_NEAR(s.est_rate / s.true_rate, 1.0, 0.05);
    EXPECT_EQ(s.complete_kept, s.traces_kept);
    RecordProperty(s.name + " kept", std::to_string(kept));
    RecordProperty(s.name + " est_rate_over_true", std::to_string(s.est_rate / s.true_rate));
  }
  EXPECT_EQ(r.scores[0].pipeline, "SDK parentbased_jaeger_remote(file strategies.json, poll 30s)");
  EXPECT_EQ(r.scores[1].pipeline, "SDK parentbased_jaeger_remote(file jaeger.yaml, poll 60s)");
  // Each of the two SDKs: the start-up strategy, then every 30 s from its own phase.
  EXPECT_GE(r.lab->adaptive()->polls(0), 2 * 20);
  EXPECT_LE(r.lab->adaptive()->polls(0), 2 * 21);
  // Without a provider the SDK stays on its initial TraceIdRatioBased(0.001).
  const double n = static_cast<double>(r.scores[2].traces);
  EXPECT_LE(r.scores[2].traces_kept, static_cast<uint64_t>(0.001 * n + 4 * std::sqrt(0.001 * n)));
}

// Jaeger v1.75.0 as deployed by default (issue 11): one node with the memory store (the leader,
// which serves what it loaded at start) fed by OpenTelemetry Go SDKs (no sampler.type tags):
// at 60 roots/s the SDKs keep the initial 0.1 % (plus the 1/60 per second lower bound per
// operation), not the target, and the summary says why. jaeger-client roots are counted, but the
// leader still serves its start-up probabilities; a Python service has no remote sampler.
TEST(SamplingAdaptiveTest, JaegerAsDeployedDoesNotAdaptAndSaysWhy) {
  AdaptiveRun r = RunScenario(R"(
name: deployed
topology: tiny.yaml
duration: 10m
seed: 13
workload:
  rate: 60
  mix:
    - {operation: "front.GET /a", weight: 5}
    - {operation: "front.GET /b", weight: 1}
samplers:
  - {name: go-sdks, jaeger_adaptive: {}}
  - {name: jaeger-client, sdk: jaeger-client, jaeger_adaptive: {}}
  - {name: python-front, sdk: {default: go, services: {front: python}}, jaeger_adaptive: {}}
  - {name: ideal, sdk: jaeger-client, jaeger_adaptive: {role: ideal}}
)");
  ASSERT_TRUE(r.lab);
  const sampling::StrategyScore& go = r.scores[0];
  const double n = static_cast<double>(go.traces);
  ASSERT_GT(n, 30000);
  // 0.001 of 60/s plus at most 1/60 per second for each of the two operations.
  const double expected = 0.001 * n + 2.0 / 60 * 600;
  EXPECT_LE(static_cast<double>(go.traces_kept), expected + 4 * std::sqrt(expected));
  EXPECT_GE(static_cast<double>(go.traces_kept), 0.001 * n - 4 * std::sqrt(0.001 * n));
  ASSERT_EQ(go.notes.size(), 2u);
  EXPECT_NE(go.notes[0].find("counted none of the"), std::string::npos) << go.notes[0];
  EXPECT_NE(go.notes[0].find("go 1.46.0 (jaegerremote v0.37.2)"), std::string::npos);
  EXPECT_NE(go.notes[1].find("leader"), std::string::npos) << go.notes[1];
  EXPECT_GE(r.lab->adaptive()->adaptive(0)->calculations(), 9);
  EXPECT_TRUE(r.lab->adaptive()->adaptive(0)->probabilities().empty());
  // jaeger-client: counted and calculated, never served.
  const sampling::StrategyScore& jc = r.scores[1];
  EXPECT_LE(static_cast<double>(jc.traces_kept), expected + 4 * std::sqrt(expected));
  ASSERT_EQ(jc.notes.size(), 1u);
  EXPECT_NE(jc.notes[0].find("leader"), std::string::npos);
  EXPECT_FALSE(r.lab->adaptive()->adaptive(1)->probabilities().empty());
  // Python at the front: parentbased_always_on keeps everything.
  const sampling::StrategyScore& py = r.scores[2];
  EXPECT_EQ(py.traces_kept, py.traces);
  ASSERT_EQ(py.notes.size(), 3u);
  EXPECT_NE(py.notes[0].find("front: the Python SDK 1.45.2 has no Jaeger remote sampler"),
            std::string::npos)
      << py.notes[0];
  // The ideal deployment adapts towards 1 sampled root per second and operation.
  const sampling::StrategyScore& ideal = r.scores[3];
  EXPECT_GT(ideal.traces_kept, jc.traces_kept * 2);
  EXPECT_TRUE(ideal.notes.empty());
  RecordProperty("go kept", std::to_string(go.traces_kept) + " of " + std::to_string(go.traces));
  RecordProperty("ideal kept", std::to_string(ideal.traces_kept));
}

// Refinery-style samplers keyed on the trace's status codes: the frequent all-OK key is
// downsampled towards the goal rate while the rare error key is kept.
TEST(SamplingAdaptiveTest, DynamicSamplersKeepRareKeysAndDownsampleFrequentOnes) {
  AdaptiveRun r = RunScenario(R"(
name: dynamic
topology: tiny.yaml
duration: 10m
seed: 9
workload:
  rate: 60
  mix:
    - {operation: "front.GET /a", weight: 5}
    - {operation: "front.GET /b", weight: 1}
faults:
  - {id: back-errors, kind: error, target: back, probability: 0.01}
samplers:
  - name: dynamic
    dynamic: {sampler: dynamic, sample_rate: 10, field_list: [status_code], clear_frequency: 30s}
  - name: ema
    dynamic: {sampler: ema_dynamic, goal_sample_rate: 10, field_list: [status_code],
              adjustment_interval: 15s}
  - name: head-then-dynamic
    head: {sampler: parentbased_traceidratio, ratio: 0.5}
    dynamic: {sampler: dynamic, sample_rate: 5, field_list: [status_code]}
)");
  ASSERT_TRUE(r.lab);
  for (int k : {0, 1}) {
    const sampling::StrategyScore& s = r.scores[k];
    SCOPED_TRACE(s.name);
    ASSERT_GT(s.error_traces, 200u);
    // The error key is rare: kept after the first window (before it, everyone gets the goal).
    EXPECT_GT(s.error_recall, 0.9);
    // Non-error traces (~99%) are downsampled: overall about 1 in 10 to 1 in 20 (the rare
    // key's unused share of the goal raises the frequent key's rate above 10).
    const double kept = static_cast<double>(s.traces_kept) / static_cast<double>(s.traces);
    EXPECT_GT(kept, 1.0 / 25);
    EXPECT_LT(kept, 1.0 / 6);
    EXPECT_EQ(s.complete_kept, s.traces_kept);  // whole traces or nothing
    // Spans and bytes are those of the kept traces.
    EXPECT_GT(s.spans_kept, s.traces_kept);
    EXPECT_GT(s.bytes_kept, 100 * s.spans_kept);
    RecordProperty(s.name + " kept", std::to_string(kept));
    RecordProperty(s.name + " error_recall", std::to_string(s.error_recall));
    RecordProperty(s.name + " error_traces", std::to_string(s.error_traces));
  }
  RecordProperty("head-then-dynamic error_recall", std::to_string(r.scores[2].error_recall));
  EXPECT_EQ(r.scores[0].pipeline, "SDK always_on -> dynamic(goal 1/10, key status_code)");
  EXPECT_EQ(r.scores[1].pipeline, "SDK always_on -> ema_dynamic(goal 1/10, key status_code)");
  // After a 50% head sampler the dynamic stage sees half the traffic and keeps its errors.
  const sampling::StrategyScore& h = r.scores[2];
  EXPECT_NEAR(h.error_recall, 0.5, 0.1);
  EXPECT_LT(h.traces_kept, r.scores[0].traces_kept);
}

}  // namespace
}  // namespace tracesim
