#include "sim/kernel/fault_index.h"

namespace tracesim::sim {

FaultIndex::FaultIndex(const Model& model, const FaultPlan* plan) : plan_(plan) {
  services_.resize(model.services.size());
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

uint64_t FaultIndex::TrafficMask(Time now) const {
  uint64_t mask = 0;
  for (uint32_t i : traffic_)
    if (at(i).ActiveAt(now)) mask |= uint64_t{1} << i;
  return mask;
}

}  // namespace tracesim::sim
