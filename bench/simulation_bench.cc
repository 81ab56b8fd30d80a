// End-to-end simulation throughput: spans simulated per second on one core, for the bundled
// scenarios, into the counting sink (no I/O), and with the RED metrics and OTLP/JSON encoding
// attached to show what each costs. items_per_second = spans per second.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <map>
#include <string>

#include "exporter/otlp_json_file_sink.h"
#include "metrics/red_metrics.h"
#include "scenarios/scenario.h"
#include "sim/simulation.h"
#include "sim/sink.h"
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

// Runs `seconds` of simulated time of the scenario into `sink`; returns spans emitted.
uint64_t RunOnce(const scenarios::Scenario& sc, sim::SpanSink* sink, double seconds,
                 uint64_t seed) {
  sim::SimulationOptions opt;
  opt.seed = seed;
  opt.start_unix_nanos = sc.start_unix_nanos;
  sim::Duration d = sim::Duration::FromSecondsF(seconds);
  auto w = workloads::Workload::Create(sc.workload, sc.model, seed, d);
  if (!w.ok()) std::abort();
  sim::Simulation s(sc.model, opt, sink);
  if (!s.Run(w->get()).ok()) std::abort();
  return s.stats().spans;
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

BENCHMARK_CAPTURE(BM_SimulateCounting, checkout, "checkout")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SimulateCounting, online_shop, "online-shop")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_SimulateWithRed, checkout, "checkout")->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace tracesim

BENCHMARK_MAIN();
