#include "metrics/red_metrics.h"

#include <algorithm>
#include <tuple>

namespace tracesim::metrics {
namespace {

bool IsLeaf(sim::ServiceKind k) {
  return k == sim::ServiceKind::kDatabase || k == sim::ServiceKind::kCache ||
         k == sim::ServiceKind::kExternal || k == sim::ServiceKind::kMessaging;
}

}  // namespace

RedMetricsSink::RedMetricsSink(const sim::Model& model) : model_(model) {
  services_.resize(model.services.size());
  dep_slot_.assign(model.services.size(), sim::kNone);
  for (uint32_t s = 0; s < model.services.size(); ++s) {
    if (IsLeaf(model.services[s].kind)) {
      dep_slot_[s] = static_cast<uint32_t>(dep_service_.size());
      dep_service_.push_back(s);
    }
  }
  dependencies_.resize(dep_service_.size());
  for (uint32_t i = 0; i < model.operations.size(); ++i) {
    const sim::Operation& op = model.operations[i];
    if (!op.emits_span) continue;
    model_rank_.emplace(OpKey{op.service, op.span_name, op.kind}, i);
  }
}

uint32_t RedMetricsSink::NewOp(const OpKey& key, size_t free) {
  // The only allocations, once per key.
  auto rank = model_rank_.find(key);
  const uint32_t slot = static_cast<uint32_t>(ops_.size());
  ops_.push_back(OpSlot{key, rank == model_rank_.end() ? sim::kNone : rank->second, Red{}});
  if (ops_.size() * 2 <= op_index_.size()) {
    op_index_[free] = OpIndexEntry{key, slot};
    return slot;
  }
  // Grow: every key placed again.
  op_index_.assign(op_index_.size() * 2, OpIndexEntry{});
  const size_t mask = op_index_.size() - 1;
  for (uint32_t s = 0; s < ops_.size(); ++s) {
    size_t j = OpKeyHash{}(ops_[s].key) & mask;
    while (op_index_[j].slot != sim::kNone) j = (j + 1) & mask;
    op_index_[j] = OpIndexEntry{ops_[s].key, s};
  }
  return slot;
}

void RedMetricsSink::OnTrace(const sim::TraceView& trace) noexcept {
  if (trace.spans.empty()) return;  // nothing was exported (refused at the edge, all spans lost)
  ++totals_.traces;
  bool error = false;
  for (const sim::Span& s : trace.spans) {
    ++totals_.spans;
    const auto kind = static_cast<size_t>(s.kind);
    if (kind < totals_.spans_by_kind.size()) ++totals_.spans_by_kind[kind];
    if (s.status == sim::StatusCode::kError) error = true;
    if ((s.kind == sim::SpanKind::kServer || s.kind == sim::SpanKind::kConsumer) &&
        s.service < services_.size()) {
      services_[s.service].Add(s);
    }
    if ((s.kind == sim::SpanKind::kClient || s.kind == sim::SpanKind::kProducer) &&
        s.peer < dep_slot_.size() && dep_slot_[s.peer] != sim::kNone) {
      dependencies_[dep_slot_[s.peer]].Add(s);
    }
    ops_[OpSlotFor(s)].red.Add(s);
  }
  if (error) ++totals_.error_traces;
}

void RedMetricsSink::Merge(const RedMetricsSink& other) {
  auto add = [](const Red& from, Red* into) {
    into->requests += from.requests;
    into->errors += from.errors;
    into->latency.Merge(from.latency);
  };
  for (size_t i = 0; i < services_.size() && i < other.services_.size(); ++i)
    add(other.services_[i], &services_[i]);
  for (size_t i = 0; i < dependencies_.size() && i < other.dependencies_.size(); ++i)
    add(other.dependencies_[i], &dependencies_[i]);
  for (const OpSlot& slot : other.ops_) add(slot.red, &ops_[OpSlotFor(slot.key)].red);
  totals_.traces += other.totals_.traces;
  totals_.spans += other.totals_.spans;
  totals_.error_traces += other.totals_.error_traces;
  for (size_t k = 0; k < totals_.spans_by_kind.size(); ++k)
    totals_.spans_by_kind[k] += other.totals_.spans_by_kind[k];
}

namespace {

void SaveRedCounts(sim::StateWriter& out, uint64_t requests, uint64_t errors, const Histogram& h) {
  out.U64(requests);
  out.U64(errors);
  h.Save(out);
}

}  // namespace

void RedMetricsSink::SaveState(sim::StateWriter& out) const {
  out.U64(services_.size());
  for (const Red& r : services_) SaveRedCounts(out, r.requests, r.errors, r.latency);
  out.U64(dependencies_.size());
  for (const Red& r : dependencies_) SaveRedCounts(out, r.requests, r.errors, r.latency);
  out.U64(ops_.size());
  for (const OpSlot& slot : ops_) {
    out.U64(slot.key.service);
    out.U64(slot.key.name);
    out.U64(static_cast<uint64_t>(slot.key.kind));
    SaveRedCounts(out, slot.red.requests, slot.red.errors, slot.red.latency);
  }
  out.U64(totals_.traces);
  out.U64(totals_.spans);
  out.U64(totals_.error_traces);
  for (uint64_t n : totals_.spans_by_kind) out.U64(n);
}

bool RedMetricsSink::LoadState(sim::StateReader& in) {
  auto load = [&in](Red* r) {
    r->requests = in.U64();
    r->errors = in.U64();
    return r->latency.Load(in);
  };
  if (in.U64() != services_.size()) return false;
  for (Red& r : services_)
    if (!load(&r)) return false;
  if (in.U64() != dependencies_.size()) return false;
  for (Red& r : dependencies_)
    if (!load(&r)) return false;
  for (OpSlot& slot : ops_) slot.red = Red();  // registered model operations keep their slots
  const uint64_t ops = in.Count(24);
  for (uint64_t k = 0; k < ops && in.ok(); ++k) {
    OpKey key;
    key.service = static_cast<uint32_t>(in.U64());
    key.name = static_cast<sim::StrId>(in.U64());
    key.kind = static_cast<sim::SpanKind>(in.U64());
    if (key.service >= model_.services.size()) return false;
    if (!load(&ops_[OpSlotFor(key)].red)) return false;
  }
  totals_.traces = in.U64();
  totals_.spans = in.U64();
  totals_.error_traces = in.U64();
  for (uint64_t& n : totals_.spans_by_kind) n = in.U64();
  return in.ok();
}

std::vector<ServiceRed> RedMetricsSink::Services() const {
  std::vector<ServiceRed> out(services_.size());
  for (size_t i = 0; i < services_.size(); ++i) {
    out[i].name = std::string(model_.strings.Get(model_.services[i].name));
    out[i].kind = model_.services[i].kind;
    out[i].requests = services_[i].requests;
    out[i].errors = services_[i].errors;
    out[i].latency = services_[i].latency;
  }
  return out;
}

std::vector<OperationRed> RedMetricsSink::Operations() const {
  std::vector<const OpSlot*> sorted;
  sorted.reserve(ops_.size());
  for (const OpSlot& s : ops_) sorted.push_back(&s);
  std::sort(sorted.begin(), sorted.end(), [this](const OpSlot* a, const OpSlot* b) {
    auto key = [this](const OpSlot* s) {
      return std::make_tuple(s->key.service, s->model_rank, static_cast<int>(s->key.kind),
                             model_.strings.Get(s->key.name));
    };
    return key(a) < key(b);
  });
  std::vector<OperationRed> out(sorted.size());
  for (size_t i = 0; i < sorted.size(); ++i) {
    const OpSlot& s = *sorted[i];
    out[i].service = s.key.service < model_.services.size()
                         ? std::string(model_.strings.Get(model_.services[s.key.service].name))
                         : std::string();
    out[i].name = std::string(model_.strings.Get(s.key.name));
    out[i].kind = s.key.kind;
    out[i].requests = s.red.requests;
    out[i].errors = s.red.errors;
    out[i].latency = s.red.latency;
  }
  return out;
}

std::vector<DependencyRed> RedMetricsSink::Dependencies() const {
  std::vector<DependencyRed> out(dependencies_.size());
  for (size_t i = 0; i < dependencies_.size(); ++i) {
    const sim::Service& svc = model_.services[dep_service_[i]];
    out[i].name = std::string(model_.strings.Get(svc.name));
    out[i].kind = svc.kind;
    out[i].requests = dependencies_[i].requests;
    out[i].errors = dependencies_[i].errors;
    out[i].latency = dependencies_[i].latency;
  }
  return out;
}

}  // namespace tracesim::metrics
