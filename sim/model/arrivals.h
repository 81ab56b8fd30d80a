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
  Time time;
  uint32_t operation = 0xFFFFFFFFu;  // entry operation, index into Model::operations
};

class ArrivalSource {
 public:
  virtual ~ArrivalSource() = default;
  // Writes the next arrival; false when there is none. Times never decrease.
  virtual bool Next(Arrival* out) noexcept = 0;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_ARRIVALS_H_
