// IndexPool<T>: a pool of T addressed by uint32_t index, for the kernel's in-flight records
// (requests, calls, frames, messages). Freed slots are reused last-in first-out and reset to T()
// on reuse, so a steady-state run allocates nothing. Indices stay valid until freed; references
// into the pool are invalidated by Alloc (the vector may grow). Not thread-safe.
#ifndef TRACESIM_SIM_INDEX_POOL_H_
#define TRACESIM_SIM_INDEX_POOL_H_

#include <cstddef>
#include <cstdint>
#include <vector>

namespace tracesim::sim {

template <typename T>
class IndexPool {
 public:
  // Returns the index of a slot holding T().
  uint32_t Alloc() {
    if (!free_.empty()) {
      uint32_t i = free_.back();
      free_.pop_back();
      items_[i] = T();
      return i;
    }
    items_.emplace_back();
    return static_cast<uint32_t>(items_.size() - 1);
  }
  // REQUIRES: i is live (allocated and not freed since).
  void Free(uint32_t i) { free_.push_back(i); }
  T& operator[](uint32_t i) { return items_[i]; }
  const T& operator[](uint32_t i) const { return items_[i]; }
  size_t live() const { return items_.size() - free_.size(); }

 private:
  std::vector<T> items_;
  std::vector<uint32_t> free_;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_INDEX_POOL_H_
