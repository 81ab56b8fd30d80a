// Faults on a timeline, and the ground truth every trace carries about them.
//
// A FaultPlan is data, not code (SimGrid's profiles of dated values, not exceptions): each
// Fault has an id, a target (a service or dependency, optionally one operation or one instance),
// a window [start, end) of simulated time and a kind with its parameters. The Simulation
// consults the plan where each kind acts (a work step, an arrival at an instance, a call, a
// span's end, an export) and records, per trace, which faults touched it. The scenario loader
// builds the plan from YAML (doc/scenario.md#faults) and validates it there; Validate() here
// checks what the kernel relies on.
#ifndef TRACESIM_SIM_FAULTS_H_
#define TRACESIM_SIM_FAULTS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sim/base/distribution.h"
#include "sim/base/status.h"
#include "sim/base/time.h"
#include "sim/model/model.h"
#include "sim/model/span.h"

namespace tracesim::sim {

// At most this many faults per plan: a trace's touched set is a 64-bit mask.
inline constexpr size_t kMaxFaults = 64;

struct Fault {
  // NOTE: names appear in files and reports; do not renumber.
  enum class Kind : uint8_t {
    kError = 0,              // requests to the target fail with `status` and an exception
    kLatency = 1,            // the target's work takes longer (extra draw and/or multiplier)
    kOutage = 2,             // the target's instances are down: connections are refused
    kBrokenPropagation = 3,  // the target drops the trace context on outgoing calls/messages
    kSpanLoss = 4,           // the target does not export some or all of its spans
    kClockSkew = 5,          // the target's hosts report shifted (and drifting) timestamps
    kConsumerLag = 6,        // the target's consumers process messages slower / later
    kTraffic = 7,            // a load surge (the workload applies it; recorded for the truth)
  };

  std::string id;
  Kind kind = Kind::kError;
  // What the fault acts on. `service` is an index into Model::services (a service or a
  // dependency); `operation` narrows it to one operation of that service; `instance` to one
  // instance ("one bad pod"). kNone = all. kTraffic has no target.
  uint32_t service = kNone;
  uint32_t operation = kNone;
  uint32_t instance = kNone;
  // Active in [start, end). Default: always.
  Time start = Time::Zero();
  Time end = Time::Max();

  // kError, kBrokenPropagation, kSpanLoss: the fraction of requests/calls/spans affected.
  // kLatency/kOutage also use it (default 1: every request).
  double probability = 1.0;
  // kError: the status answered (HTTP code, or a gRPC code for gRPC operations; 0 = the
  // operation's own error_status), exception recorded on the span.
  int status = 0;
  StrId exception_type = kEmptyStr;
  StrId exception_message = kEmptyStr;
  StrId exception_stacktrace = kEmptyStr;
  // kLatency, kConsumerLag: extra time added to each work step (or delivery, for lag) and a
  // multiplier applied to the work drawn first.
  Distribution extra_latency;
  double multiplier = 1.0;
  // kOutage: callers fail after this long (a connect timeout) instead of at once (refused).
  Duration connect_timeout;
  // kClockSkew: timestamps shifted by offset + drift_ppm * 1e-6 * (t - start).
  Duration offset;
  double drift_ppm = 0;
  // kTraffic: arrival rate multiplier during the window.
  double traffic_factor = 1.0;

  // "tracesim.fault.<id>", the attribute --tag-ground-truth sets; interned by InternFaultTags().
  StrId tag_key = kEmptyStr;

  bool ActiveAt(Time t) const { return t >= start && t < end; }
  // Whether this fault targets (service, operation, instance).
  bool Targets(uint32_t s, uint32_t op, uint32_t inst) const {
    return service == s && (operation == kNone || operation == op) &&
           (instance == kNone || instance == inst);
  }
};

std::string_view FaultKindName(Fault::Kind kind);

struct FaultPlan {
  std::vector<Fault> faults;
  // REQUIRES nothing; checks ids unique and non-empty, at most kMaxFaults, targets in range for
  // `model`, windows non-empty, probabilities in [0, 1], multipliers >= 0.
  Status Validate(const Model& model) const;
  bool empty() const { return faults.empty(); }
};

// Interns each fault's tag_key into the model's strings (before the model is shared).
void InternFaultTags(FaultPlan* plan, Model* model);

// What really happened to one trace (or to one fragment of a trace whose context was lost):
// the simulator's truth, independent of what spans were exported.
struct TraceTruth {
  uint64_t sequence = 0;    // order of the trace's start in the run
  uint64_t fault_mask = 0;  // bit i: FaultPlan::faults[i] touched this trace
  Time start;               // simulated start and end of the entry request (unskewed)
  Time end;
  bool root_error = false;  // the entry request failed (a user-visible error)
  bool error = false;       // some span has status ERROR (root_error implies it)
  uint32_t error_spans = 0;
  uint32_t root_cause_service = kNone;  // where the first failure originated (kNone: no error)
  uint32_t root_cause_operation = kNone;
  uint32_t entry_operation = kNone;
  uint64_t shape = 0;       // stable hash of the span-name tree (service, name, kind); 0 when
                            // SimulationOptions::hash_shapes is off
  bool fragment = false;    // this trace started because an upstream service lost the context
  bool fragmented = false;  // part of this request's work continued in another trace
  TraceId parent_trace_id;  // fragment: the trace whose context was lost
  uint32_t spans = 0;       // spans created (exported + lost)
  uint32_t lost_spans = 0;  // spans not exported (span-loss faults)
  uint32_t retries = 0;     // retried call attempts in this trace
  uint32_t timeouts = 0;    // client timeouts in this trace
  Duration latency() const { return end - start; }
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_FAULTS_H_
