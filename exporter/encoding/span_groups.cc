#include "exporter/encoding/span_groups.h"

namespace tracesim::exporter {

SpanGrouper::SpanGrouper(const sim::Model& model) : model_(model), scopes_(model) {
  resource_slot_.assign(model.resources.size() + 1, 0);
  resource_stamp_.assign(model.resources.size() + 1, 0);
}

void SpanGrouper::Group(sim::SpanRecords spans) noexcept {
  // Pass 1: assign each span to a (resource, scope) group, in order of first appearance.
  ++stamp_;
  resource_groups_.clear();
  scope_groups_.clear();
  span_group_.resize(spans.size());
  const uint32_t none_slot = static_cast<uint32_t>(model_.resources.size());
  for (size_t i = 0; i < spans.size(); ++i) {
    const sim::Span& s = spans[i];
    const uint32_t slot = s.resource < none_slot ? s.resource : none_slot;
    if (resource_stamp_[slot] != stamp_) {
      resource_stamp_[slot] = stamp_;
      resource_slot_[slot] = static_cast<uint32_t>(resource_groups_.size());
      resource_groups_.push_back({slot == none_slot ? sim::kNone : slot, sim::kNone, sim::kNone});
    }
    ResourceGroup& rg = resource_groups_[resource_slot_[slot]];
    const auto [name, version] = ScopeOf(s);
    uint32_t g = rg.head;
    while (g != sim::kNone &&
           (scope_groups_[g].name != name || scope_groups_[g].version != version)) {
      g = scope_groups_[g].next;
    }
    if (g == sim::kNone) {
      g = static_cast<uint32_t>(scope_groups_.size());
      scope_groups_.push_back({name, version, 0, 0, sim::kNone});
      if (rg.tail == sim::kNone) {
        rg.head = g;
      } else {
        scope_groups_[rg.tail].next = g;
      }
      rg.tail = g;
    }
    ++scope_groups_[g].count;
    span_group_[i] = g;
  }
  // Pass 2: counting sort of span indices into group order (stable inside a group).
  uint32_t offset = 0;
  for (const ResourceGroup& rg : resource_groups_) {
    for (uint32_t g = rg.head; g != sim::kNone; g = scope_groups_[g].next) {
      scope_groups_[g].offset = offset;
      offset += scope_groups_[g].count;
    }
  }
  order_.resize(spans.size());
  for (size_t i = 0; i < spans.size(); ++i) {
    order_[scope_groups_[span_group_[i]].offset++] = static_cast<uint32_t>(i);
  }
  // Offsets now point at each group's end: move them back to the start.
  for (ScopeGroup& sg : scope_groups_) sg.offset -= sg.count;
}

}  // namespace tracesim::exporter
