// Future-event-set throughput: the classic hold model (pop the earliest event, push one at
// now + Exp(1 us)) at 1 k, 100 k and 1 M pending events, for the 4-ary and the binary heap, and
// for the 4-ary heap in two steps (Take, then the Push fills the root: BM_HoldTake).
// Items/s = hold operations per second on one core.
#include <benchmark/benchmark.h>

#include "sim/base/rng.h"
#include "sim/kernel/event_queue.h"

namespace tracesim::sim {
namespace {

// kTake: hold as the simulation does it, in two steps (Take, handle, Push fills the root,
// FinishTake); else Pop then Push.
template <typename Q, bool kTake = false>
void BM_Hold(benchmark::State& state) {
  const int64_t pending = state.range(0);
  Q q;
  q.Reserve(static_cast<size_t>(pending) + 1);
  Rng rng(301);
  for (int64_t i = 0; i < pending; ++i)
    q.Push(Time::FromNanos(static_cast<int64_t>(rng.Exponential(1000.0 * pending))), 0, 0);
  for (auto _ : state) {
    Event e = kTake ? q.Take() : q.Pop();
    q.Push(e.time + Duration::Nanos(static_cast<int64_t>(rng.Exponential(1000.0 * pending))), 0,
           e.target);
    if constexpr (kTake) q.FinishTake();
  }
  state.SetItemsProcessed(state.iterations());
}

template <typename Q>
void BM_HoldTake(benchmark::State& state) {
  BM_Hold<Q, true>(state);
}

BENCHMARK(BM_HoldTake<QuaternaryHeapQueue>)->Arg(1'000)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_Hold<QuaternaryHeapQueue>)->Arg(1'000)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_Hold<BinaryHeapQueue>)->Arg(1'000)->Arg(100'000)->Arg(1'000'000);

}  // namespace
}  // namespace tracesim::sim

BENCHMARK_MAIN();
