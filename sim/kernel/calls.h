// Calls: synchronous calls from a frame's current kCall step to another operation, with the
// call site's client timeout, retry policy and circuit breaker (CallSpec in sim/model/model.h). An
// attempt passes the breaker (or fails at once, never retried), starts the CLIENT span, arms
// the timeout, drops the context when a broken-propagation fault fires (the callee then starts a
// fragment), and sends the request after the network delay. The outcome (the callee's answer
// or the timeout, whichever comes first) ends the CLIENT span, feeds the breaker, and then
// retries with backoff, falls back, propagates the failure, repeats the step or moves on.
//
// A call holds one reference on its trace until its outcome is delivered; its slot is reused
// once both of its events (response and timeout) have been handled. Timeouts of one duration
// expire in arming order, so each distinct duration gets a FIFO and the event queue holds one
// event per non-empty FIFO (most timeouts are disarmed by their response and never reach the
// heap). Single-threaded (sim/kernel/kernel.h).
#ifndef TRACESIM_SIM_CALLS_H_
#define TRACESIM_SIM_CALLS_H_

#include <cstdint>
#include <deque>
#include <utility>
#include <vector>

#include "sim/base/time.h"
#include "sim/kernel/circuit_breaker.h"
#include "sim/kernel/index_pool.h"
#include "sim/kernel/trace_builder.h"
#include "sim/model/model.h"
#include "sim/model/span.h"

namespace tracesim::sim {

struct Kernel;

struct Call {
  ExceptionInfo span_exception;  // a span-less dependency's own exception, recorded by the client
  uint32_t trace = kNone;
  uint32_t frame = kNone;  // the caller's frame, resumed by the outcome
  uint32_t span = kNone;   // the CLIENT span
  uint32_t target = kNone;
  int status = 0;
  FailureClass cls = FailureClass::kNone;
  bool failed = false;
  bool completed = false;      // the outcome (response or timeout) was delivered to the caller
  uint8_t pending_events = 0;  // response and timeout events still to come
  uint32_t origin_service = kNone, origin_op = kNone;  // where a failure answered here began
  Time started;                                        // when the attempt left the caller
};

class Calls {
 public:
  Calls(Kernel& k, const Model& model);

  Call& operator[](uint32_t c) { return calls_[c]; }

  // Makes the current attempt of frame f's current call step, through its circuit breaker
  // (also event kEvRetry).
  void StartAttempt(uint32_t f);
  // The callee's answer (stored in the Call by Services) reaches the caller (event kEvResponse).
  void OnResponse(uint32_t c) {
    if (!calls_[c].completed) CompleteCall(c);
    ReleaseEvent(c);
  }
  // The head of timeout FIFO `qi` is due (event kEvCallTimeout).
  void FireTimeouts(uint32_t qi);

 private:
  struct TimerFifo {
    std::deque<std::pair<Time, uint32_t>> entries;  // (deadline, call)
    bool armed = false;
  };

  void StartCall(uint32_t f, const CallSpec& spec);
  void CompleteCall(uint32_t c);
  void AfterCall(uint32_t f, bool failed, FailureClass cls, bool retryable, uint32_t origin_service,
                 uint32_t origin_op);
  // Schedules the next attempt after the backoff; false when the policy allows no retry.
  bool Retry(uint32_t f, const CallSpec& spec, FailureClass cls);
  void ReleaseEvent(uint32_t c) {
    if (--calls_[c].pending_events == 0) calls_.Free(c);
  }
  void ArmTimeout(Duration d, uint32_t call);
  void OnTimeout(uint32_t c);

  Kernel& k_;
  const Model& m_;
  IndexPool<Call> calls_;
  std::vector<CircuitBreaker> breakers_;  // by CallSpec::breaker_index
  std::vector<TimerFifo> timers_;
  std::vector<int64_t> timer_index_;  // timers_[i] holds the timeouts of timer_index_[i] nanos
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_CALLS_H_
