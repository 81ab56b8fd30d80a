#include "sim/fault_index.h"

#include "sim/rng.h"

namespace tracesim::sim {

FaultIndex::FaultIndex(const Model& model, const FaultPlan* plan, uint64_t seed) : plan_(plan) {
  services_.resize(model.services.size());
  for (size_t i = 0; i < model.services.size(); ++i) {
    uint64_t key = Fnv1a64(model.strings.Get(model.services[i].name));
    services_[i].stream = Rng::Derive(seed, "faults", key);
  }
  if (plan == nullptr) return;
  for (uint32_t i = 0; i < plan->faults.size(); ++i) {
    const Fault& f = plan->faults[i];
    if (f.kind == Fault::Kind::kTraffic) {
      traffic_.push_back(i);
      continue;
    }
    if (f.service >= services_.size()) continue;
    PerService& ps = services_[f.service];
    ps.all.push_back(i);
    ps.by_kind[static_cast<int>(f.kind)].push_back(i);
    ps.has_skew |= f.kind == Fault::Kind::kClockSkew;
    ps.has_loss |= f.kind == Fault::Kind::kSpanLoss;
    ps.has_broken |= f.kind == Fault::Kind::kBrokenPropagation;
  }
}

Duration FaultIndex::ApplyLatencySlow(uint32_t s, uint32_t op, uint32_t inst, bool consumer,
                                      Time now, Duration d, uint64_t* touched) {
  PerService& ps = services_[s];
  for (uint32_t i : ps.all) {
    const Fault& f = at(i);
    if (f.kind != Fault::Kind::kLatency && !(consumer && f.kind == Fault::Kind::kConsumerLag))
      continue;
    if (!f.ActiveAt(now) || !f.Targets(s, op, inst)) continue;
    if (f.probability < 1.0 && !ps.stream.Bernoulli(f.probability)) continue;
    double ns = static_cast<double>(d.nanos()) * f.multiplier;
    if (f.kind == Fault::Kind::kLatency) ns += f.extra_latency.Sample(ps.stream);
    d = Duration::Nanos(static_cast<int64_t>(ns + 0.5));
    *touched |= uint64_t{1} << i;
  }
  return d;
}

int64_t FaultIndex::Skew(uint32_t s, uint32_t inst, Time now, int64_t unix_now,
                         uint64_t* touched) const {
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

uint64_t FaultIndex::TrafficMask(Time now) const {
  uint64_t mask = 0;
  for (uint32_t i : traffic_)
    if (at(i).ActiveAt(now)) mask |= uint64_t{1} << i;
  return mask;
}

}  // namespace tracesim::sim
