// End-to-end simulation throughput: spans simulated per second on one core, for the bundled
// scenarios, into the counting sink (no I/O), and with the RED metrics and OTLP/JSON encoding
// attached to show what each costs. items_per_second = spans per second.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <functional>
#include <map>
#include <string>

#include "exporter/encoding/otlp_json_file_sink.h"
#include "metrics/red_metrics.h"
#include "sampling/lab/lab.h"
#include "scenarios/scenario.h"
#include "sim/kernel/simulation.h"
#include "sim/kernel/sink.h"
#include "workloads/workload.h"

namespace tracesim {
namespace {

const scenarios::Scenario& Load(const char* name) {
  static std::map<std::string, scenarios::Scenario>* cache =
      new std::map<std::string, scenarios::Scenario>();
  auto it = cache->find(name);
  if (it == cache->end()) {
    auto s = scenarios::LoadBuiltinScenario(name);
    if (!s.ok()) {
      std::fprintf(stderr, "%s\n", s.status().ToString().c_str());
      std::abort();
    }
    it = cache->emplace(name, std::move(s).value()).first;
  }
  return it->second;
}

// Runs `seconds` of simulated time of the scenario into `sink` (and `lab`, when not null and not
// `sink`); returns spans emitted.
uint64_t RunOnce(const scenarios::Scenario& sc, sim::SimulationObserver* sink, double seconds,
                 uint64_t seed, const sim::FaultPlan* faults = nullptr,
                 sampling::SamplingLab* lab = nullptr) {
  sim::SimulationOptions opt;
  opt.seed = seed;
  opt.start_unix_nanos = sc.start_unix_nanos;
  opt.faults = faults;
  sim::Duration d = sim::Duration::FromSecondsF(seconds);
  auto w = workloads::Workload::Create(sc.workload, sc.model, seed, d);
  if (!w.ok()) std::abort();
  sim::Simulation s(sc.model, opt);
  if (!s.AddObserver(sink).ok()) std::abort();
  if (lab != nullptr && lab != sink && !s.AddObserver(lab).ok()) std::abort();
  if (!s.Run(w->get()).ok()) std::abort();
  if (lab != nullptr) lab->Finish(sc.start_unix_nanos + s.stats().end_time.nanos());
  return s.stats().spans;
}

// The checkout scenario with every timeout, retry and breaker removed: the cost of the
// resilience logic is the difference to BM_SimulateCounting/checkout.
const scenarios::Scenario& CheckoutWithoutResilience() {
  static scenarios::Scenario* sc = [] {
    auto s = scenarios::LoadBuiltinScenario("checkout");
    if (!s.ok()) std::abort();
    auto* out = new scenarios::Scenario(std::move(s).value());
    std::function<void(std::vector<sim::Step>&)> strip = [&](std::vector<sim::Step>& steps) {
      for (sim::Step& st : steps) {
        st.call.timeout = sim::Duration();
        st.call.retry = sim::RetryPolicy();
        st.call.breaker = sim::CircuitBreakerSpec();
        strip(st.children);
      }
    };
    for (sim::Operation& op : out->model.operations) strip(op.steps);
    out->model.Finalize();
    return out;
  }();
  return *sc;
}

// Faults on every service that are active the whole run but change nothing (latency x1, skew 0,
// loss, errors and outages with probability 0): the cost of consulting the fault timeline.
// `services` limits them to the first N services (the gateway first).
const sim::FaultPlan& NeutralFaults(const sim::Model& m, uint32_t services) {
  static std::map<uint32_t, sim::FaultPlan*> plans;
  sim::FaultPlan*& plan = plans[services];
  if (plan == nullptr)
    plan = [&] {
      auto* p = new sim::FaultPlan();
      for (uint32_t s = 0;
           s < m.services.size() && s < services && p->faults.size() + 5 <= sim::kMaxFaults; ++s) {
        std::string name(m.strings.Get(m.services[s].name));
        for (auto kind :
             {sim::Fault::Kind::kLatency, sim::Fault::Kind::kError, sim::Fault::Kind::kSpanLoss,
              sim::Fault::Kind::kClockSkew, sim::Fault::Kind::kOutage}) {
          if (m.services[s].kind != sim::ServiceKind::kService &&
              kind != sim::Fault::Kind::kLatency)
            continue;
          sim::Fault f;
          f.id = name + "-" + std::string(sim::FaultKindName(kind));
          f.kind = kind;
          f.service = s;
          f.multiplier = 1.0;
          f.probability = kind == sim::Fault::Kind::kLatency || kind == sim::Fault::Kind::kClockSkew
                              ? 1.0
                              : 0.0;
          p->faults.push_back(f);
        }
      }
      return p;
    }();
  return *plan;
}

void BM_SimulateCounting(benchmark::State& state, const char* scenario) {
  const auto& sc = Load(scenario);
  uint64_t spans = 0, seed = 1;
  for (auto _ : state) {
    sim::CountingSink sink;
    spans += RunOnce(sc, &sink, 10, seed++);
  }
  state.SetItemsProcessed(static_cast<int64_t>(spans));
}

void BM_SimulateWithRed(benchmark::State& state, const char* scenario) {
  const auto& sc = Load(scenario);
  uint64_t spans = 0, seed = 1;
  for (auto _ : state) {
    metrics::RedMetricsSink sink(sc.model);
    spans += RunOnce(sc, &sink, 10, seed++);
  }
  state.SetItemsProcessed(static_cast<int64_t>(spans));
}

void BM_CheckoutNoResilience(benchmark::State& state) {
  const auto& sc = CheckoutWithoutResilience();
  uint64_t spans = 0, seed = 1;
  for (auto _ : state) {
    sim::CountingSink sink;
    spans += RunOnce(sc, &sink, 10, seed++);
  }
  state.SetItemsProcessed(static_cast<int64_t>(spans));
}

void BM_CheckoutNeutralFaults(benchmark::State& state) {
  const auto& sc = Load("checkout");
  const sim::FaultPlan& plan = NeutralFaults(sc.model, static_cast<uint32_t>(state.range(0)));
  state.counters["faults"] = static_cast<double>(plan.faults.size());
  uint64_t spans = 0, seed = 1;
  for (auto _ : state) {
    sim::CountingSink sink;
    spans += RunOnce(sc, &sink, 10, seed++, &plan);
  }
  state.SetItemsProcessed(static_cast<int64_t>(spans));
}

// The six strategies of the checkout-sampling scenario scored on its traffic, against the same
// simulation into the counting sink (BM_SamplingBaseline).
void BM_SamplingBaseline(benchmark::State& state) {
  const auto& sc = Load("checkout-sampling");
  uint64_t spans = 0, seed = 1;
  for (auto _ : state) {
    sim::CountingSink sink;
    spans += RunOnce(sc, &sink, 60, seed++, &sc.faults);
  }
  state.SetItemsProcessed(static_cast<int64_t>(spans));
}

// `at_span_end`: every strategy hands each span to its Collector stages when it ends (`export:
// span_end`) instead of through the SDKs' BatchSpanProcessors (the default): the export model's
// cost, side by side.
void SamplingSix(benchmark::State& state, bool at_span_end) {
  const auto& sc = Load("checkout-sampling");
  std::vector<sampling::StrategyConfig> samplers = sc.samplers;
  for (sampling::StrategyConfig& c : samplers) c.export_at_span_end |= at_span_end;
  uint64_t spans = 0, seed = 1;
  for (auto _ : state) {
    sampling::LabOptions options;
    options.start_unix_nanos = sc.start_unix_nanos;  // tail stages tick on time, as in the CLI
    auto lab = sampling::SamplingLab::Create(sc.model, &sc.faults, samplers, options);
    if (!lab.ok()) std::abort();
    spans += RunOnce(sc, lab->get(), 60, seed++, &sc.faults);
    benchmark::DoNotOptimize((*lab)->Scores(60));
  }
  state.SetItemsProcessed(static_cast<int64_t>(spans));
}
void BM_SamplingSixStrategies(benchmark::State& state) { SamplingSix(state, false); }
void BM_SamplingSixStrategiesAtSpanEnd(benchmark::State& state) { SamplingSix(state, true); }

BENCHMARK_CAPTURE(BM_SimulateCounting, checkout, "checkout")->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CheckoutNoResilience)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_CheckoutNeutralFaults)->Arg(1)->Arg(100)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SamplingBaseline)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SamplingSixStrategies)->Unit(benchmark::kMillisecond);
BENCHMARK(BM_SamplingSixStrategiesAtSpanEnd)->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SimulateCounting, online_shop, "online-shop")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SimulateWithRed, checkout, "checkout")->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tracesim

BENCHMARK_MAIN();
