#include "reports/traces/rare_shapes.h"

#include <algorithm>

namespace tracesim::reports {

void RareShapePicker::OnTrace(const sim::TraceView& trace) noexcept {
  if (trace.truth == nullptr || trace.truth->fragment) return;
  ++traces_;
  auto [it, fresh] = shapes_.try_emplace(trace.truth->shape);
  Entry& e = it->second;
  if (fresh) {
    e.order = shapes_.size() - 1;
    if (kept_ < options_.max_kept) {
      e.first = std::make_unique<CapturedTrace>(CapturedTrace::From(trace));
      ++kept_;
    }
  }
  if (++e.count > options_.rare_max && e.first) {
    e.first.reset();  // no longer rare
    --kept_;
  }
}

void RareShapePicker::Merge(RareShapePicker&& other) {
  traces_ += other.traces_;
  std::vector<std::pair<uint64_t, Entry*>> theirs;
  for (auto& [shape, e] : other.shapes_) theirs.emplace_back(shape, &e);
  std::sort(theirs.begin(), theirs.end(),
            [](const auto& a, const auto& b) { return a.second->order < b.second->order; });
  for (auto& [shape, e] : theirs) {
    auto [it, fresh] = shapes_.try_emplace(shape);
    Entry& mine = it->second;
    if (fresh) {
      mine.order = shapes_.size() - 1;
      if (e->first && kept_ < options_.max_kept) {
        mine.first = std::move(e->first);
        ++kept_;
      }
    }
    mine.count += e->count;
    if (mine.count > options_.rare_max && mine.first) {
      mine.first.reset();
      --kept_;
    }
  }
  other.shapes_.clear();
  other.kept_ = 0;
}

bool RareShapePicker::Holds(uint64_t shape, const sim::TraceId& id) const noexcept {
  auto it = shapes_.find(shape);
  return it != shapes_.end() && it->second.first && it->second.first->trace_id == id;
}

void RareShapePicker::HeldIds(std::vector<sim::TraceId>* out) const {
  for (const auto& [shape, e] : shapes_)
    if (e.first) out->push_back(e.first->trace_id);
}

std::vector<RareShape> RareShapePicker::Take() {
  std::vector<std::pair<uint64_t, Entry*>> rare;
  for (auto& [shape, e] : shapes_)
    if (e.first) rare.emplace_back(shape, &e);
  std::sort(rare.begin(), rare.end(), [](const auto& a, const auto& b) {
    if (a.second->count != b.second->count) return a.second->count < b.second->count;
    return a.second->order < b.second->order;
  });
  std::vector<RareShape> out;
  for (size_t i = 0; i < rare.size() && i < options_.limit; ++i) {
    RareShape r;
    r.shape = rare[i].first;
    r.traces = rare[i].second->count;
    r.first.trace = std::move(*rare[i].second->first);
    rare[i].second->first.reset();
    out.push_back(std::move(r));
  }
  kept_ = 0;
  for (auto& [shape, e] : shapes_)
    if (e.first) ++kept_;
  return out;
}

}  // namespace tracesim::reports
