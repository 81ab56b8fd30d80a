// HugePageAllocator: a std::allocator for the large tables of a long run (the trace-id maps, the
// per-trace pools), whose lookups land on random pages: past 2 MiB an allocation is aligned to
// 2 MiB and marked MADV_HUGEPAGE, so that the kernel backs it with transparent huge pages where
// their mode is "madvise" (Debian's default), and one TLB entry covers 2 MiB instead of 4 KiB:
// 6-7 % less CPU for the day-scale scenario, whose tables hold hundreds of thousands of traces,
// at the price of whole 2 MiB pages resident (bench/README.md, "A branchless event heap, the
// trace tables on huge pages"). Smaller allocations, and systems without THP, get ordinary
// memory. Contents and results are unchanged.
#ifndef TRACESIM_SIM_BASE_HUGE_PAGES_H_
#define TRACESIM_SIM_BASE_HUGE_PAGES_H_

#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace tracesim::sim {

inline constexpr size_t kHugePageBytes = size_t{2} << 20;

// Allocates `bytes`: huge-page aligned and advised past kHugePageBytes, else operator new.
inline void* AllocateMaybeHuge(size_t bytes) {
  if (bytes < kHugePageBytes) return ::operator new(bytes);
  const size_t rounded = (bytes + kHugePageBytes - 1) / kHugePageBytes * kHugePageBytes;
  void* p = std::aligned_alloc(kHugePageBytes, rounded);
  if (p == nullptr) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  madvise(p, rounded, MADV_HUGEPAGE);  // a hint: failure leaves ordinary pages
#endif
  return p;
}
// Frees what AllocateMaybeHuge(bytes) returned, `bytes` being the same.
inline void FreeMaybeHuge(void* p, size_t bytes) noexcept {
  if (bytes < kHugePageBytes) {
    ::operator delete(p);
  } else {
    std::free(p);
  }
}

template <typename T>
struct HugePageAllocator {
  // The small path is plain operator new, which aligns to the default only.
  static_assert(alignof(T) <= __STDCPP_DEFAULT_NEW_ALIGNMENT__, "over-aligned T");
  using value_type = T;
  HugePageAllocator() noexcept = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}  // NOLINT: rebinding
  T* allocate(size_t n) { return static_cast<T*>(AllocateMaybeHuge(n * sizeof(T))); }
  void deallocate(T* p, size_t n) noexcept { FreeMaybeHuge(p, n * sizeof(T)); }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const noexcept {
    return true;
  }
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_BASE_HUGE_PAGES_H_
