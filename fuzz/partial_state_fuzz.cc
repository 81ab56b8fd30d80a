// Partial results (`tracesim merge FILE...`, `run --shards mpi`; app/partial.h) come from files:
// the state readers of a shard's tallies must refuse what they cannot take and never crash, hang
// or allocate without bound. app/ links the exporter, which this preset cannot build
// (fuzz/README.md), so the harness drives the readers below it, in the partial's order: the RED
// and ground-truth tallies and the sampling lab of a real 5 s `checkout-sampling` run, saved once.
// Each input edits that state (a cut, then byte overwrites at offsets) and the result is loaded
// into fresh tallies; what loads is merged and scored, as `tracesim merge` does next.
//
// Input: 4 bytes of cut (little-endian: the state is cut to that many bytes when shorter), then
// 5-byte edits (a 4-byte offset modulo the cut state's size, a byte to write there).
#include <cstring>
#include <memory>
#include <string>

#include "fuzz/fuzz_input.h"
#include "metrics/red_metrics.h"
#include "metrics/truth_metrics.h"
#include "sampling/lab/lab.h"
#include "scenarios/scenario.h"
#include "sim/base/state_io.h"
#include "sim/kernel/simulation.h"
#include "sim/kernel/sink.h"
#include "workloads/workload.h"

namespace tracesim::fuzz {
namespace {

struct Baseline {
  scenarios::Scenario scenario;
  const sim::FaultPlan* plan = nullptr;
  std::string state;  // RED, truth, lab: SaveState of each, in that order
};

std::unique_ptr<sampling::SamplingLab> MakeLab(const Baseline& b) {
  auto lab = sampling::SamplingLab::Create(b.scenario.model, b.plan, b.scenario.samplers, {});
  if (!lab.ok()) __builtin_trap();
  return std::move(lab).value();
}

const Baseline& Base() {
  static const Baseline* base = [] {
    auto* b = new Baseline;
    auto sc = scenarios::LoadScenario("checkout-sampling");
    if (!sc.ok()) __builtin_trap();
    b->scenario = std::move(sc).value();
    b->plan = b->scenario.faults.empty() ? nullptr : &b->scenario.faults;
    const sim::Duration d = sim::Duration::Seconds(5);
    auto workload =
        workloads::Workload::Create(b->scenario.workload, b->scenario.model, b->scenario.seed, d);
    if (!workload.ok()) __builtin_trap();
    metrics::RedMetricsSink red(b->scenario.model);
    metrics::TruthMetricsSink truth(b->scenario.model, b->plan);
    std::unique_ptr<sampling::SamplingLab> lab = MakeLab(*b);
    sim::TeeSink tee;
    tee.Add(&red);
    tee.Add(&truth);
    sim::SimulationOptions opt;
    opt.seed = b->scenario.seed;
    opt.start_unix_nanos = b->scenario.start_unix_nanos;
    opt.faults = b->plan;
    sim::Simulation simulation(b->scenario.model, opt);
    if (!simulation.AddObserver(&tee).ok() || !simulation.AddObserver(lab.get()).ok() ||
        !simulation.Run(workload->get()).ok())
      __builtin_trap();
    lab->Finish(opt.start_unix_nanos + simulation.stats().end_time.nanos());
    sim::StateWriter out;
    red.SaveState(out);
    truth.SaveState(out);
    lab->SaveState(out);
    b->state = out.Take();
    return b;
  }();
  return *base;
}

uint32_t Le32(const uint8_t* p) {
  uint32_t v;
  std::memcpy(&v, p, 4);
  return v;
}

}  // namespace
}  // namespace tracesim::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace tracesim;
  const fuzz::Baseline& b = fuzz::Base();
  // Labs are made once: LoadState replaces what a lab holds (a lab per input ran at 40 inputs/s).
  static sampling::SamplingLab* const lab = fuzz::MakeLab(b).release();
  static sampling::SamplingLab* const other = fuzz::MakeLab(b).release();
  if (size < 4) return 0;
  std::string state = b.state.substr(0, fuzz::Le32(data));
  for (size_t at = 4; at + 5 <= size && !state.empty(); at += 5)
    state[fuzz::Le32(data + at) % state.size()] = static_cast<char>(data[at + 4]);
  sim::StateReader in(state);
  metrics::RedMetricsSink red(b.scenario.model);
  metrics::TruthMetricsSink truth(b.scenario.model, b.plan);
  if (!red.LoadState(in) || !truth.LoadState(in) || !lab->LoadState(in)) return 0;
  // Loaded: the merge adds it to the other shards' tallies and scores the result.
  sim::StateReader clean(b.state);
  metrics::RedMetricsSink other_red(b.scenario.model);
  metrics::TruthMetricsSink other_truth(b.scenario.model, b.plan);
  if (!other_red.LoadState(clean) || !other_truth.LoadState(clean) || !other->LoadState(clean))
    __builtin_trap();  // the unedited state always loads
  other_red.Merge(red);
  other_truth.Merge(truth);
  other->Merge(*lab);
  (void)other->Scores(5.0);
  return 0;
}
