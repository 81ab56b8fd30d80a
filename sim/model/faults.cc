#include "sim/model/faults.h"

#include <set>

namespace tracesim::sim {

std::string_view FaultKindName(Fault::Kind kind) {
  switch (kind) {
    case Fault::Kind::kError:
      return "error";
    case Fault::Kind::kLatency:
      return "latency";
    case Fault::Kind::kOutage:
      return "outage";
    case Fault::Kind::kBrokenPropagation:
      return "broken_propagation";
    case Fault::Kind::kSpanLoss:
      return "span_loss";
    case Fault::Kind::kClockSkew:
      return "clock_skew";
    case Fault::Kind::kConsumerLag:
      return "consumer_lag";
    case Fault::Kind::kTraffic:
      return "traffic";
  }
  return "?";
}

void InternFaultTags(FaultPlan* plan, Model* model) {
  for (Fault& f : plan->faults) f.tag_key = model->strings.Intern("tracesim.fault." + f.id);
}

Status FaultPlan::Validate(const Model& model) const {
  if (faults.size() > kMaxFaults) {
    return Status::InvalidArgument("at most " + std::to_string(kMaxFaults) +
                                   " faults per scenario, got " + std::to_string(faults.size()));
  }
  std::set<std::string> ids;
  for (size_t i = 0; i < faults.size(); ++i) {
    const Fault& f = faults[i];
    std::string where = "faults[" + std::to_string(i) + "]";
    if (f.id.empty()) return Status::InvalidArgument(where + ": id is empty");
    if (!ids.insert(f.id).second)
      return Status::InvalidArgument(where + ": duplicate fault id '" + f.id + "'");
    if (f.kind != Fault::Kind::kTraffic) {
      if (f.service >= model.services.size())
        return Status::InvalidArgument(where + ": target service out of range");
      if (f.operation != kNone && (f.operation >= model.operations.size() ||
                                   model.operations[f.operation].service != f.service)) {
        return Status::InvalidArgument(
            where + ": target operation is not an operation of the target service");
      }
      if (f.instance != kNone && f.instance >= model.services[f.service].instances) {
        return Status::InvalidArgument(where + ": instance " + std::to_string(f.instance) +
                                       " does not exist");
      }
    }
    if (!(f.end > f.start))
      return Status::InvalidArgument(where + ": the window is empty (end <= start)");
    if (!(f.probability >= 0 && f.probability <= 1)) {
      return Status::InvalidArgument(where + ": probability must be in [0, 1]");
    }
    if (!(f.multiplier >= 0)) return Status::InvalidArgument(where + ": multiplier must be >= 0");
    if (!(f.traffic_factor >= 0)) return Status::InvalidArgument(where + ": factor must be >= 0");
  }
  return Status::Ok();
}

}  // namespace tracesim::sim
