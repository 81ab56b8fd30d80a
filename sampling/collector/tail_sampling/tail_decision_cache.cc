// TailSamplingStats' quantiles and the decision caches (TailSamplingProcessor::IdLru) of
// tail_processor.h, apart from the processor's ingest and tick logic (tail_processor.cc).
#include <algorithm>

#include "sampling/collector/tail_sampling/tail_processor.h"

namespace tracesim::sampling {

// --- stats ------------------------------------------------------------------------------------

double TailSamplingStats::DecisionLatencyQuantileMs(double q) const {
  uint64_t total = 0;
  for (uint64_t c : decision_latency_ms) total += c;
  if (total == 0) return -1;
  q = std::clamp(q, 0.0, 1.0);
  uint64_t rank = static_cast<uint64_t>(q * static_cast<double>(total));
  if (rank >= total) rank = total - 1;
  uint64_t seen = 0;
  for (size_t i = 0; i < decision_latency_ms.size(); ++i) {
    seen += decision_latency_ms[i];
    if (seen > rank) return static_cast<double>(i + 1);
  }
  return static_cast<double>(decision_latency_ms.size());
}

// --- IdLru ------------------------------------------------------------------------------------

void TailSamplingProcessor::IdLru::Unlink(uint32_t i) {
  Node& n = nodes_[i];
  if (n.prev != UINT32_MAX) nodes_[n.prev].next = n.next;
  if (n.next != UINT32_MAX) nodes_[n.next].prev = n.prev;
  if (head_ == i) head_ = n.next;
  if (tail_ == i) tail_ = n.prev;
  n.prev = n.next = UINT32_MAX;
}

void TailSamplingProcessor::IdLru::PushFront(uint32_t i) {
  nodes_[i].prev = UINT32_MAX;
  nodes_[i].next = head_;
  if (head_ != UINT32_MAX) nodes_[head_].prev = i;
  head_ = i;
  if (tail_ == UINT32_MAX) tail_ = i;
}

bool TailSamplingProcessor::IdLru::Contains(const sim::TraceId& id) {
  if (cap_ == 0) return false;
  const uint32_t i = index_.Find(id);
  if (i == sim::TraceIdMap::kMissing) return false;
  Unlink(i);
  PushFront(i);
  return true;
}

void TailSamplingProcessor::IdLru::Put(const sim::TraceId& id) {
  if (cap_ == 0) return;
  const uint32_t found = index_.Find(id);
  if (found != sim::TraceIdMap::kMissing) {
    Unlink(found);
    PushFront(found);
    return;
  }
  uint32_t i;
  if (nodes_.size() < cap_) {
    i = static_cast<uint32_t>(nodes_.size());
    nodes_.push_back(Node{id, UINT32_MAX, UINT32_MAX});
  } else {
    i = tail_;
    index_.Erase(nodes_[i].id);
    Unlink(i);
    nodes_[i].id = id;
  }
  PushFront(i);
  index_.Put(id, i);
}

}  // namespace tracesim::sampling
