// TailDecisionCache and TailIdBatcher (tail_id_sets.h).
#include "sampling/collector/tail_sampling/tail_id_sets.h"

namespace tracesim::sampling {

// --- TailDecisionCache ------------------------------------------------------------------------

void TailDecisionCache::Unlink(uint32_t i) {
  Node& n = nodes_[i];
  if (n.prev != UINT32_MAX) nodes_[n.prev].next = n.next;
  if (n.next != UINT32_MAX) nodes_[n.next].prev = n.prev;
  if (head_ == i) head_ = n.next;
  if (tail_ == i) tail_ = n.prev;
  n.prev = n.next = UINT32_MAX;
}

void TailDecisionCache::PushFront(uint32_t i) {
  nodes_[i].prev = UINT32_MAX;
  nodes_[i].next = head_;
  if (head_ != UINT32_MAX) nodes_[head_].prev = i;
  head_ = i;
  if (tail_ == UINT32_MAX) tail_ = i;
}

bool TailDecisionCache::Contains(const sim::TraceId& id) {
  if (cap_ == 0) return false;
  const uint32_t i = index_.Find(id);
  if (i == sim::TraceIdMap::kMissing) return false;
  Unlink(i);
  PushFront(i);
  return true;
}

void TailDecisionCache::Put(const sim::TraceId& id) {
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

// --- TailIdBatcher ----------------------------------------------------------------------------

std::vector<sim::TraceId>* TailIdBatcher::Ids(uint64_t b) noexcept {
  if (b == take_id_ + num_batches_) return &current_;
  if (b >= take_id_ && b < take_id_ + num_batches_) return &batches_[b % num_batches_];
  return nullptr;
}

void TailIdBatcher::Remove(const sim::TraceId& id, Place at) noexcept {
  std::vector<sim::TraceId>* ids = Ids(at.batch);
  if (ids != nullptr && at.pos < ids->size() && (*ids)[at.pos] == id) {
    (*ids)[at.pos] = sim::TraceId{};
  }
}

TailIdBatcher::Place TailIdBatcher::MoveEarlier(const sim::TraceId& id, Place from,
                                                uint64_t batches_ahead, bool may_repeat) noexcept {
  const uint64_t proposed = take_id_ + batches_ahead;
  if (proposed >= from.batch) return from;  // then proposed < take_id_ + N: a ring batch below
  Remove(id, from);
  std::vector<sim::TraceId>& to = batches_[proposed % num_batches_];
  to.push_back(id);
  if (may_repeat) may_repeat_[proposed % num_batches_] = 1;
  return Place{proposed, static_cast<uint32_t>(to.size() - 1)};
}

void TailIdBatcher::CloseCurrentAndTakeFirst(std::vector<sim::TraceId>* read,
                                             bool* may_repeat) noexcept {
  const size_t k = take_id_ % num_batches_;
  read->clear();
  read->swap(batches_[k]);     // the ring slot gets the last read batch's storage
  batches_[k].swap(current_);  // ... and passes it on as the new current batch
  *may_repeat = may_repeat_[k] != 0;
  may_repeat_[k] = current_may_repeat_ ? 1 : 0;
  current_may_repeat_ = false;
  ++take_id_;
}

const std::vector<sim::TraceId>& TailIdBatcher::Remaining(uint64_t k,
                                                          bool* may_repeat) const noexcept {
  if (k >= num_batches_) {
    *may_repeat = current_may_repeat_;
    return current_;
  }
  const size_t i = (take_id_ + k) % num_batches_;
  *may_repeat = may_repeat_[i] != 0;
  return batches_[i];
}

void TailIdBatcher::Clear() noexcept {
  for (auto& b : batches_) b.clear();
  current_.clear();
}

}  // namespace tracesim::sampling
