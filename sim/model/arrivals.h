// ArrivalSource: where a Simulation's new traces come from.
//
// workloads/ implements it (Poisson, ramps, diurnal, ...); the kernel only pulls the next
// arrival. Times are non-decreasing; Next() returns false when no arrival remains.
#ifndef TRACESIM_SIM_ARRIVALS_H_
#define TRACESIM_SIM_ARRIVALS_H_

#include <cstdint>

#include "sim/base/time.h"

namespace tracesim::sim {

struct Arrival {
  // `index` left at kCounted: the kernel numbers the arrivals it is given 0, 1, 2, ...
  static constexpr uint64_t kCounted = ~uint64_t{0};

  Time time;
  uint32_t operation = 0xFFFFFFFFu;  // entry operation, index into Model::operations
  // The arrival's position in the run's arrival stream: the key of its trace's random streams
  // (sim/kernel/trace_builder.h), so a source that skips arrivals (a shard's window,
  // app/run_internal.h) keeps the traces of the arrivals it passes on.
  uint64_t index = kCounted;
};

class ArrivalSource {
 public:
  virtual ~ArrivalSource() = default;
  // Writes the next arrival; false when there is none. Times never decrease.
  virtual bool Next(Arrival* out) noexcept = 0;
  // A hint that the caller skips every arrival before `t`: a source may jump ahead without
  // drawing them, as long as the arrivals it then gives from `t` on are the ones it would have
  // given. Arrivals before `t` may still come (the caller skips them). Default: nothing.
  virtual void SkipTo(Time /*t*/) noexcept {}
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_ARRIVALS_H_
