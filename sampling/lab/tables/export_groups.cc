#include "sampling/lab/tables/export_groups.h"

#include <utility>

#include "sim/model/span.h"

namespace tracesim::sampling {

void ExportGroups::Group(std::span<const SizedSpan> spans) {
  size_t cap = 16;
  while (cap < spans.size() * 2) cap *= 2;
  if (table_.size() < cap) {
    table_.assign(cap, Slot{});
    gen_ = 0;
  }
  ++gen_;
  const size_t mask = table_.size() - 1;
  group_of_.clear();
  groups_.clear();
  for (const SizedSpan& s : spans) {
    const sim::TraceId& id = s.span->trace_id;
    size_t h = sim::TraceIdHash{}(id)&mask;
    while (table_[h].gen == gen_ && !(table_[h].id == id)) h = (h + 1) & mask;
    Slot& slot = table_[h];
    if (slot.gen != gen_) {
      slot = Slot{id, gen_, static_cast<uint32_t>(groups_.size())};
      groups_.emplace_back(0, 0);
    }
    ++groups_[slot.group].second;
    group_of_.push_back(slot.group);
  }
  uint32_t begin = 0;
  for (auto& [b, count] : groups_) {
    b = begin;
    begin += count;
    count = 0;
  }
  grouped_.resize(spans.size());
  for (size_t j = 0; j < spans.size(); ++j) {
    auto& [b, count] = groups_[group_of_[j]];
    grouped_[b + count++] = spans[j];
  }
}

void ExportGroups::Shuffle() noexcept {
  for (size_t g = groups_.size(); g > 1; --g) {
    rng_ += 0x9E3779B97F4A7C15ULL;
    uint64_t z = rng_;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    z ^= z >> 31;
    std::swap(groups_[g - 1], groups_[z % g]);
  }
}

}  // namespace tracesim::sampling
