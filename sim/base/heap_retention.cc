#include "sim/base/heap_retention.h"

#include <climits>
#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace tracesim::sim {

namespace {
constexpr size_t kMiB = size_t{1} << 20;
}  // namespace

Status HeapRetentionOptions::Validate() const {
  if (keep_free_bytes < kMiB || keep_free_bytes > static_cast<size_t>(INT_MAX)) {
    return Status::InvalidArgument(
        "heap retention: keep_free_bytes must be in [1 MiB, 2 GiB), got " +
        std::to_string(keep_free_bytes));
  }
  if (own_mapping_bytes < 128 * 1024 || own_mapping_bytes > 32 * kMiB) {
    return Status::InvalidArgument(
        "heap retention: own_mapping_bytes must be in [128 KiB, 32 MiB], got " +
        std::to_string(own_mapping_bytes));
  }
  return Status::Ok();
}

bool RetainFreedHeap(const HeapRetentionOptions& options) {
#if defined(__GLIBC__)
  // mallopt returns 1 on success; a sanitizer's interceptor returns 0 and changes nothing.
  // The mmap threshold first: setting either disables glibc's moving thresholds.
  if (mallopt(M_MMAP_THRESHOLD, static_cast<int>(options.own_mapping_bytes)) != 1) return false;
  return mallopt(M_TRIM_THRESHOLD, static_cast<int>(options.keep_free_bytes)) == 1;
#else
  static_cast<void>(options);
  return false;
#endif
}

}  // namespace tracesim::sim
