// FaultIndex: the kernel's lookup of a FaultPlan (sim/model/faults.h) by service and kind. Every
// fault draw comes from the caller's stream, the trace's own "trace-faults" stream
// (TraceBuilder::fault_rng), so a plan never shifts the other streams. The plan stays data: the
// index only answers "which fault of this kind is active on (service, operation, instance) now",
// draws its probability, and applies latency and clock-skew faults to a value. It never writes the
// trace: every function that finds a fault touching the work reports it (a returned index or bits
// OR-ed into `*touched`), and the caller records it. Lookups scan only the faults of one kind on
// one service, so a run without faults pays one emptiness check per site. Not thread-safe.
#ifndef TRACESIM_SIM_FAULT_INDEX_H_
#define TRACESIM_SIM_FAULT_INDEX_H_

#include <cstdint>
#include <vector>

#include "sim/base/rng.h"
#include "sim/base/time.h"
#include "sim/model/faults.h"
#include "sim/model/model.h"

namespace tracesim::sim {

class FaultIndex {
 public:
  // `plan` may be null (no faults); it must outlive the index. Faults targeting a service index
  // out of range are ignored (FaultPlan::Validate rejects them first).
  FaultIndex(const Model& model, const FaultPlan* plan);

  // REQUIRES: i < plan size.
  const Fault& at(uint32_t i) const { return plan_->faults[i]; }
  size_t size() const { return plan_ == nullptr ? 0 : plan_->faults.size(); }

  // Whether any (non-traffic) fault targets service s; the kind-specific flags below.
  bool any(uint32_t s) const { return !services_[s].all.empty(); }
  bool has_skew(uint32_t s) const { return services_[s].has_skew; }
  bool has_loss(uint32_t s) const { return services_[s].has_loss; }
  bool has_broken(uint32_t s) const { return services_[s].has_broken; }
  // The first fault of `kind` active at `now` on (s, op, inst), or kNone. No draw.
  uint32_t Active(Fault::Kind kind, uint32_t s, uint32_t op, uint32_t inst, Time now) const {
    for (uint32_t i : services_[s].by_kind[static_cast<int>(kind)]) {
      const Fault& f = at(i);
      if (f.ActiveAt(now) && f.Targets(s, op, inst)) return i;
    }
    return kNone;
  }
  // As Active, then draws the fault's probability from `rng` (the trace's fault stream,
  // TraceBuilder::fault_rng): the fault that fires, or kNone.
  uint32_t Fires(Fault::Kind kind, uint32_t s, uint32_t op, uint32_t inst, Time now, Rng& rng) {
    uint32_t i = Active(kind, s, op, inst, now);
    if (i == kNone) return kNone;
    const Fault& f = at(i);
    if (f.probability < 1.0 && !rng.Bernoulli(f.probability)) return kNone;
    return i;
  }

  // The duration of a work step of `d` after the latency faults (and, for a consumer operation,
  // the consumer-lag faults) active on (s, op, inst), in plan order; probabilities and extra
  // latencies drawn from `rng` (the trace's fault stream).
  Duration ApplyLatency(uint32_t s, uint32_t op, uint32_t inst, bool consumer, Time now, Duration d,
                        uint64_t* touched, Rng& rng) {
    const PerService& ps = services_[s];
    if (ps.by_kind[static_cast<int>(Fault::Kind::kLatency)].empty() &&
        (!consumer || ps.by_kind[static_cast<int>(Fault::Kind::kConsumerLag)].empty()))
      return d;
    return ApplyLatencySlow(s, op, inst, consumer, now, d, touched, rng);
  }
  // The unix timestamp `unix_now` as host (s, inst) writes it at `now`, after its clock-skew
  // faults.
  int64_t Skew(uint32_t s, uint32_t inst, Time now, int64_t unix_now, uint64_t* touched) const {
    int64_t u = unix_now;
    for (uint32_t i : services_[s].by_kind[static_cast<int>(Fault::Kind::kClockSkew)]) {
      const Fault& f = at(i);
      if (f.kind != Fault::Kind::kClockSkew || !f.ActiveAt(now) || !f.Targets(s, kNone, inst))
        continue;
      double drift = f.drift_ppm * 1e-6 * static_cast<double>((now - f.start).nanos());
      u += f.offset.nanos() + static_cast<int64_t>(drift);
      *touched |= uint64_t{1} << i;
    }
    return u;
  }
  // The certain (probability 1) latency faults active on (s, op, inst): a request that reaches
  // a slowed target is touched by the slowdown even if it only waits in the queue it built.
  uint64_t CertainLatencyMask(uint32_t s, uint32_t op, uint32_t inst, Time now) const {
    uint64_t mask = 0;
    for (uint32_t i : services_[s].by_kind[static_cast<int>(Fault::Kind::kLatency)]) {
      const Fault& f = at(i);
      if (f.kind == Fault::Kind::kLatency && f.probability >= 1.0 && f.ActiveAt(now) &&
          f.Targets(s, op, inst))
        mask |= uint64_t{1} << i;
    }
    return mask;
  }
  // The traffic faults active at `now` (a trace started in a surge is touched by it).
  uint64_t TrafficMask(Time now) const;

 private:
  struct PerService {
    std::vector<uint32_t> all;         // indices of faults targeting this service
    std::vector<uint32_t> by_kind[8];  // the same, by Fault::Kind
    bool has_skew = false, has_loss = false, has_broken = false;
  };

  // (Inline with its callers: every work step and span on a service with such faults.)
  Duration ApplyLatencySlow(uint32_t s, uint32_t op, uint32_t inst, bool consumer, Time now,
                            Duration d, uint64_t* touched, Rng& rng) {
    const PerService& ps = services_[s];
    for (uint32_t i : ps.all) {
      const Fault& f = at(i);
      if (f.kind != Fault::Kind::kLatency && !(consumer && f.kind == Fault::Kind::kConsumerLag))
        continue;
      if (!f.ActiveAt(now) || !f.Targets(s, op, inst)) continue;
      if (f.probability < 1.0 && !rng.Bernoulli(f.probability)) continue;
      double ns = static_cast<double>(d.nanos()) * f.multiplier;
      if (f.kind == Fault::Kind::kLatency) ns += f.extra_latency.Sample(rng);
      d = Duration::Nanos(static_cast<int64_t>(ns + 0.5));
      *touched |= uint64_t{1} << i;
    }
    return d;
  }

  const FaultPlan* plan_;
  std::vector<PerService> services_;
  std::vector<uint32_t> traffic_;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_FAULT_INDEX_H_
