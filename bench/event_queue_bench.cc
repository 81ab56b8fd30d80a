// Future-event-set throughput: the classic hold model (pop the earliest event, push one at
// now + Exp(1 us)) at 1 k, 100 k and 1 M pending events, for the 4-ary and the binary heap, and
// for the 4-ary heap in two steps (Take, then the Push fills the root: BM_HoldTake). The heap
// compares times first and full (time, sequence) keys only among children with equal times, so
// BM_HoldTakeTies<Q, kQuantum> rounds each delay down to a multiple of kQuantum ns: at 1 k pending
// (a mean gap of 1 us between event times) a 1 us quantum makes ties common and 100 us nearly
// universal, the heap's worst case (bench/README.md, "The event heap: times compared as 64-bit
// integers").
// Items/s = hold operations per second on one core.
#include <benchmark/benchmark.h>

#include "sim/base/rng.h"
#include "sim/kernel/event_queue.h"

namespace tracesim::sim {
namespace {

// kTake: hold as the simulation does it, in two steps (Take, handle, Push fills the root,
// FinishTake); else Pop then Push. Delays are rounded down to multiples of kQuantum ns.
template <typename Q, bool kTake = false, int64_t kQuantum = 1>
void BM_Hold(benchmark::State& state) {
  const int64_t pending = state.range(0);
  Q q;
  q.Reserve(static_cast<size_t>(pending) + 1);
  Rng rng(301);
  auto delay = [&rng, pending] {
    return static_cast<int64_t>(rng.Exponential(1000.0 * pending)) / kQuantum * kQuantum;
  };
  for (int64_t i = 0; i < pending; ++i) q.Push(Time::FromNanos(delay()), 0, 0);
  for (auto _ : state) {
    Event e = kTake ? q.Take() : q.Pop();
    q.Push(e.time + Duration::Nanos(delay()), 0, e.target);
    if constexpr (kTake) q.FinishTake();
  }
  state.SetItemsProcessed(state.iterations());
}

template <typename Q>
void BM_HoldTake(benchmark::State& state) {
  BM_Hold<Q, true>(state);
}

template <typename Q, int64_t kQuantum>
void BM_HoldTakeTies(benchmark::State& state) {
  BM_Hold<Q, true, kQuantum>(state);
}

BENCHMARK(BM_HoldTake<QuaternaryHeapQueue>)->Arg(1'000)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_HoldTakeTies<QuaternaryHeapQueue, 1'000>)->Arg(1'000);
BENCHMARK(BM_HoldTakeTies<QuaternaryHeapQueue, 100'000>)->Arg(1'000);
BENCHMARK(BM_Hold<QuaternaryHeapQueue>)->Arg(1'000)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_Hold<BinaryHeapQueue>)->Arg(1'000)->Arg(100'000)->Arg(1'000'000);

}  // namespace
}  // namespace tracesim::sim

BENCHMARK_MAIN();
