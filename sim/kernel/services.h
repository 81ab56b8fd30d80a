// Services: the service instances and the requests they serve. It owns the instances (busy worker
// slots, the FIFO queue, the rate limiter's bucket) and the request pool, and implements a
// request's life at its service: arrival (load balancing, outage faults, rate limit, worker slot or
// queue or rejection), start (SERVER/CONSUMER span, the operation's root frame), and finish (own
// errors and error faults, status propagation, the answer sent back to the caller's Call after the
// network delay). The operation's program itself runs in Frames (sim/kernel/frames.h).
//
// A request holds one reference on its trace from NewRequest until it is answered. Single-
// threaded; reads the kernel's clock and pushes events on the kernel's queue (sim/kernel/kernel.h).
#ifndef TRACESIM_SIM_SERVICES_H_
#define TRACESIM_SIM_SERVICES_H_

#include <cstdint>
#include <utility>
#include <vector>

#include "sim/base/rng.h"
#include "sim/base/time.h"
#include "sim/kernel/index_pool.h"
#include "sim/kernel/rate_limiter.h"
#include "sim/kernel/trace_builder.h"
#include "sim/model/model.h"
#include "sim/model/span.h"

namespace tracesim::sim {

struct Kernel;

struct Request {
  uint32_t trace = kNone;
  uint32_t op = kNone;
  uint32_t call = kNone;  // the Call waiting for the response; kNone for entries and messages
  uint64_t parent_span_id = 0;
  uint64_t link_span_id = 0;  // consumers: the producer span
  TraceId link_trace_id;      // consumers: the producer's trace (differs for fragments)
  uint32_t instance = kNone;
  Time enqueued;
  Time started;
  uint32_t span = kNone;          // index of the SERVER/CONSUMER span in the trace
  uint32_t parent_index = kNone;  // index of the parent span when it is in the same trace
  bool entry = false;             // the first request of its trace (or fragment)
};

// A FIFO of request indices that grows when needed (bounded by the service's queue capacity).
class RequestQueue {
 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void Push(uint32_t r) {
    if (size_ == buf_.size()) Grow();
    buf_[(head_ + size_) % buf_.size()] = r;
    ++size_;
  }
  // REQUIRES: !empty().
  uint32_t Pop() {
    uint32_t r = buf_[head_];
    head_ = (head_ + 1) % buf_.size();
    --size_;
    return r;
  }

 private:
  void Grow();
  std::vector<uint32_t> buf_;
  size_t head_ = 0, size_ = 0;
};

struct InstanceState {
  uint32_t busy = 0;  // worker slots in use
  RequestQueue queue;
  TokenBucket bucket;  // the service's rate limit, per instance
};

struct ServiceRuntime {
  uint32_t next_instance = 0;
  uint32_t instance_base = 0;  // global index of instance 0 (for events that name an instance)
  std::vector<InstanceState> instances;

  // The instance a new request goes to under `lb` (round robin, random from `rng` (the
  // request's trace's draws), or least outstanding = fewest busy + queued with round-robin
  // ties).
  uint32_t PickInstance(LoadBalancing lb, Rng& rng);
};

inline uint32_t ServiceRuntime::PickInstance(LoadBalancing lb, Rng& rng) {
  uint32_t n = static_cast<uint32_t>(instances.size());
  if (n == 1) return 0;
  switch (lb) {
    case LoadBalancing::kRoundRobin: {
      uint32_t i = next_instance;
      next_instance = (i + 1) % n;
      return i;
    }
    case LoadBalancing::kRandom:
      return static_cast<uint32_t>(rng.Below(n));
    case LoadBalancing::kLeastOutstanding: {
      // Fewest busy + queued; ties go round-robin so equal instances share the load.
      uint32_t start = next_instance;
      next_instance = (start + 1) % n;
      uint32_t best = start;
      size_t best_load = instances[start].busy + instances[start].queue.size();
      for (uint32_t k = 1; k < n; ++k) {
        uint32_t i = (start + k) % n;
        size_t load = instances[i].busy + instances[i].queue.size();
        if (load < best_load) {
          best = i;
          best_load = load;
        }
      }
      return best;
    }
  }
  return 0;
}

class Services {
 public:
  // REQUIRES: `traces` is k.traces.
  Services(Kernel& k, TraceBuilder& traces, const Model& model);

  ServiceRuntime& runtime(uint32_t s) { return services_[s]; }
  Request& request(uint32_t r) { return requests_[r]; }

  // A new request of `op` in trace t (takes a reference on t).
  uint32_t NewRequest(uint32_t t, uint32_t op) {
    uint32_t r = requests_.Alloc();
    Request& q = requests_[r];
    q.trace = t;
    q.op = op;
    traces_.Ref(t);
    return r;
  }
  // Request r reaches its service (event kEvRequestArrive, or directly).
  void Arrive(uint32_t r);
  // A worker slot of the instance with global index `global_instance` may take a queued request
  // (event kEvStartQueued).
  void StartQueued(uint32_t global_instance);
  // The request's root frame completed: its own outcome, the span's end, the answer.
  // `child_*` describe the failure that aborted the program, if any.
  void Finish(uint32_t r, bool child_failed, FailureClass child_class,
              uint32_t child_origin_service, uint32_t child_origin_op);
  // A network hop to (or back from) service s, drawn from trace t's stream.
  Duration NetworkDelay(uint32_t s, uint32_t t) {
    return m_.services[s].network_latency.SampleDuration(traces_.draws(t));
  }

 private:
  void Answer(uint32_t r, bool failed, int status, FailureClass cls, Duration delay,
              uint32_t origin_service, uint32_t origin_op);
  void FreeRequest(uint32_t r) {
    uint32_t t = requests_[r].trace;
    requests_.Free(r);
    traces_.Unref(t);
  }
  // Outage faults on arrival; true when they decided the request's fate.
  bool ArrivalFaults(uint32_t r);
  void Reject(uint32_t r);
  void Refuse(uint32_t r, uint32_t fault);
  void RateLimited(uint32_t r);
  void Start(uint32_t r);

  Kernel& k_;
  TraceBuilder& traces_;  // k_.traces, for the inline helpers above
  const Model& m_;
  std::vector<ServiceRuntime> services_;
  std::vector<std::pair<uint32_t, uint32_t>> instance_owner_;  // global -> (service, instance)
  IndexPool<Request> requests_;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_SERVICES_H_
