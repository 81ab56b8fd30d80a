// Kernel: the state the parts of one Simulation share, and the event types they schedule.
// Simulation::Impl (sim/kernel/simulation.cc) owns one Kernel and runs the event loop: it pops each
// event, sets `now`, and dispatches it by type to the part that owns it. The parts hold a
// reference to the Kernel and reach each other through it:
//
//   FaultIndex   (fault_index.h)   which fault is active where
//   TraceBuilder (trace_builder.h) traces in flight, spans, events, truth, trace completion
//   Services     (services.h)      instances, queues, rate limits, a request's life at a service
//   Frames       (frames.h)        the step interpreter
//   Calls        (calls.h)         calls with retries, timeouts and circuit breakers
//   Messaging    (messaging.h)     publish and delivery to consumer groups
//
// Everything is single-threaded and deterministic; only the loop advances `now`. Internal to
// sim/: callers use sim/kernel/simulation.h.
#ifndef TRACESIM_SIM_KERNEL_H_
#define TRACESIM_SIM_KERNEL_H_

#include <cstdint>

#include "sim/base/time.h"
#include "sim/kernel/calls.h"
#include "sim/kernel/event_queue.h"
#include "sim/kernel/fault_index.h"
#include "sim/kernel/frames.h"
#include "sim/kernel/messaging.h"
#include "sim/kernel/services.h"
#include "sim/kernel/simulation.h"
#include "sim/kernel/trace_builder.h"
#include "sim/model/model.h"

namespace tracesim::sim {

// Event types (Event::type); Event::target names the record the event is for. Simultaneous
// events run in the order they were scheduled; the numbering carries no priority.
enum EventType : uint32_t {
  kEvArrival = 0,        // the next workload arrival is due (target: operation)
  kEvRequestArrive = 1,  // a request reaches its service, after network latency (request)
  kEvFrameResume = 2,    // a work step (or a fallback) finished: advance and continue (frame)
  kEvResponse = 3,       // a response (or a refusal) reaches the caller (call)
  kEvProducerAck = 4,    // the broker acknowledged a publish (frame)
  kEvDeliver = 5,        // a message reaches its consumers (message)
  kEvStartQueued = 6,    // a freed worker slot picks the next queued request (global instance)
  kEvCallTimeout = 7,    // a client timeout expires (timeout FIFO)
  kEvRetry = 8,          // a retry backoff expired: send the next attempt (frame)
};

struct Kernel {
  // REQUIRES: `model` outlives the Kernel.
  Kernel(const Model& m, SimulationOptions o)
      : model(m),
        options(std::move(o)),
        faults(m, options.faults),
        traces(*this, m, options.seed),
        services(*this, traces, m),
        frames(*this, traces),
        calls(*this, m),
        messaging(*this) {
    stats.services.resize(m.services.size());
  }
  Kernel(const Kernel&) = delete;
  Kernel& operator=(const Kernel&) = delete;

  const Model& model;
  const SimulationOptions options;
  Time now;
  EventQueue queue;
  SimulationStats stats;
  FaultIndex faults;
  TraceBuilder traces;
  Services services;
  Frames frames;
  Calls calls;
  Messaging messaging;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_KERNEL_H_
