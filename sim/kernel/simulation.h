// Simulation: runs a Model under a stream of arrivals and shows its spans, finished traces and
// simulated time to SimulationObservers (sim/kernel/observer.h).
//
// The kernel is single-threaded and deterministic: the same Model, options and arrivals produce
// the same events, the same spans and the same bytes downstream. Services run on instances with
// limited worker slots and a bounded FIFO queue: a request waits for a slot (so latency grows
// with load), a full queue rejects it (HTTP 503 / gRPC UNAVAILABLE on the caller's CLIENT span).
// A worker is held for the whole operation, including while it waits for its own callees, as in
// a thread-per-request server. Only in-flight work is kept in memory: each trace is handed to the
// observers and recycled as soon as its last span ends.
//
// Usage:
//   Simulation sim(model, options);
//   TRACESIM_RETURN_IF_ERROR(sim.AddObserver(&sink));
//   Status st = sim.Run(&arrivals);
// Not thread-safe; one Simulation per thread. The Model must outlive the Simulation.
#ifndef TRACESIM_SIM_SIMULATION_H_
#define TRACESIM_SIM_SIMULATION_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "sim/base/status.h"
#include "sim/base/time.h"
#include "sim/kernel/observer.h"
#include "sim/kernel/sink.h"  // CountingSink, InMemorySink, TeeSink for callers
#include "sim/model/arrivals.h"
#include "sim/model/faults.h"
#include "sim/model/model.h"

namespace tracesim::sim {

struct SimulationOptions {
  // Seed of every random stream: each trace draws from its own streams, keyed by this seed and
  // its arrival's index (Arrival::index). Default: 1.
  uint64_t seed = 1;
  // Unix time of simulated time 0, in nanoseconds. Default: 2026-01-01T00:00:00Z.
  int64_t start_unix_nanos = 1767225600LL * 1000'000'000;
  // After the last arrival, in-flight work may run this much longer before the run stops; traces
  // still open then are dropped and counted in SimulationStats::traces_unfinished. Default: 5m.
  Duration drain_limit = Duration::Seconds(300);
  // Called about every `progress_every` events with the current simulated time (for progress
  // bars). Default: none.
  std::function<void(Time)> progress;
  uint64_t progress_every = 1 << 16;
  // Faults on the timeline; must outlive the Simulation and be valid for the model
  // (FaultPlan::Validate). Default: none.
  const FaultPlan* faults = nullptr;
  // Adds the ground truth to each trace's root span as tracesim.* debug attributes
  // (error, root_error, root_cause, fragment, tracesim.fault.<id>). Default: false.
  bool tag_ground_truth = false;
  // Computes TraceTruth::shape for each finished trace. A consumer that never reads shapes (the
  // load generator) turns it off: the hash reads every span of the trace again, ~1.6 % of
  // `tracesim load`'s CPU. Off, every shape is 0. Default: true.
  bool hash_shapes = true;
  // Sizes each exported span once, into Span::exported_size (SpanSizeModel, observer.h); must
  // outlive the Simulation. Default: none (every exported_size stays kNone).
  SpanSizeModel* span_sizes = nullptr;
  // Observation window (sharded runs, doc/scale.md): only traces whose entry arrival time is in
  // [observe_from, observe_until) are shown to the span and trace observers (a fragment follows
  // the trace it split from); the others are simulated all the same (they load the queues) but
  // are invisible. The kernel's counters (SimulationStats) count every trace. Time-advance and
  // run-end callbacks are unaffected. Default: every trace.
  Time observe_from = Time::FromNanos(0);
  Time observe_until = Time::Max();

  Status Validate() const;
};

// Per-service counters kept by the kernel (the truth, independent of what spans are exported).
struct ServiceStats {
  uint64_t arrivals = 0;          // requests that reached the service
  uint64_t started = 0;           // requests that got a worker slot
  uint64_t rejected = 0;          // requests refused by a full queue
  uint64_t completed = 0;         // requests that finished (ok or error)
  uint64_t errors = 0;            // finished with an error status
  uint64_t queued = 0;            // requests that waited for a slot
  int64_t queue_wait_nanos = 0;   // total time requests spent waiting for a slot
  int64_t busy_nanos = 0;         // total worker-slot time used
  uint32_t max_queue_length = 0;  // largest per-instance queue seen
};

struct SimulationStats {
  uint64_t events = 0;
  uint64_t retries = 0;             // retried call attempts
  uint64_t timeouts = 0;            // client timeouts
  uint64_t breaker_opens = 0;       // circuit breaker transitions to open
  uint64_t breaker_rejections = 0;  // calls refused by an open breaker
  uint64_t rate_limited = 0;        // requests answered 429 / RESOURCE_EXHAUSTED by a rate limit
  uint64_t refused = 0;             // connections refused by an outage
  uint64_t fragments = 0;           // traces started because a context was lost
  uint64_t lost_spans = 0;          // spans not exported (span loss)
  uint64_t traces_started = 0;
  uint64_t traces_finished = 0;
  uint64_t traces_unfinished = 0;  // still open at the drain limit, dropped
  uint64_t spans = 0;              // spans emitted in finished traces
  uint64_t peak_open_traces = 0;
  uint64_t peak_pending_events = 0;
  Time last_arrival;
  Time end_time;                       // simulated time when the run stopped
  std::vector<ServiceStats> services;  // indexed like Model::services
};

class Simulation {
 public:
  // REQUIRES: model finalized (Model::Finalize()); it outlives the Simulation.
  Simulation(const Model& model, SimulationOptions options);
  ~Simulation();
  Simulation(const Simulation&) = delete;
  Simulation& operator=(const Simulation&) = delete;

  // Runs until arrivals are exhausted and in-flight work has drained (or the drain limit).
  // Returns an error for invalid options or an arrival naming an unknown operation.
  Status Run(ArrivalSource* arrivals);

  // Incremental form, for pacing against a real clock (the load generator): Start() once, then
  // RunUntil(t) processes every event at or before simulated time t, calls the observers'
  // wake-ups before t (OnTimeAdvance) and returns. finished() is true once all work drained (or
  // the drain limit passed). Run(a) == Start(a) + RunUntil(max), and any sequence of RunUntil
  // calls gives the same callbacks with the same arguments.
  Status Start(ArrivalSource* arrivals);
  Status RunUntil(Time limit);
  bool finished() const;
  // Simulated time of the last processed event (or the last RunUntil limit).
  Time now() const;

  const SimulationStats& stats() const;

  // Adds an observer for the callbacks named by its Interests() (read once, here). Observers
  // see each callback in the order they were added. Errors: a null observer, a call after
  // Start/Run, or a second observer wanting kSpanStart (the observer word has one owner); the
  // first error is also returned by Start/Run. REQUIRES: before Start/Run; the observer outlives
  // the run.
  Status AddObserver(SimulationObserver* observer);

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_SIMULATION_H_
