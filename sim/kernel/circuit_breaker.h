// CircuitBreaker: the state of one client-side circuit breaker (CircuitBreakerSpec in
// sim/model/model.h). Closed, it counts the outcomes of the last `window` calls and opens when at
// least `minimum_calls` were seen and the failed fraction reaches `failure_threshold`. Open, it
// refuses every call until `open_duration` has passed, then goes half-open and lets
// `half_open_calls` trial calls through: one failed trial opens it again, all of them succeeding
// closes it. It also remembers the faults behind the failures of the current opening
// (cause_mask), so a call it refuses is attributed to them. Deterministic, no randomness.
#ifndef TRACESIM_SIM_CIRCUIT_BREAKER_H_
#define TRACESIM_SIM_CIRCUIT_BREAKER_H_

#include <cstdint>
#include <vector>

#include "sim/base/time.h"
#include "sim/model/model.h"

namespace tracesim::sim {

class CircuitBreaker {
 public:
  enum class State : uint8_t { kClosed, kOpen, kHalfOpen };

  // Whether a call may go out at `now` (an open breaker past its open time becomes half-open;
  // a half-open one counts the trial it lets through).
  bool Allows(const CircuitBreakerSpec& cfg, Time now);
  // Records a call's outcome (`fault_mask`: the faults that touched its trace). Returns true when
  // this outcome opened the breaker. Outcomes of calls sent before an opening are ignored.
  bool Record(const CircuitBreakerSpec& cfg, bool failed, uint64_t fault_mask, Time now);

  State state() const { return state_; }
  // The faults behind the failed calls since the breaker last closed.
  uint64_t cause_mask() const { return cause_mask_; }

 private:
  void Open(const CircuitBreakerSpec& cfg, Time now);

  State state_ = State::kClosed;
  std::vector<uint8_t> ring_;  // last outcomes in the closed state (1 = failure)
  uint32_t pos_ = 0, filled_ = 0, failures_ = 0;
  Time open_until_;
  uint32_t trials_started_ = 0, trials_ok_ = 0;
  uint64_t cause_mask_ = 0;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_CIRCUIT_BREAKER_H_
