// RetainFreedHeap: keeps the memory a server frees for its next request instead of handing it
// back to the kernel at once.
//
// glibc's malloc gives the free top of an arena back to the kernel once it passes the trim
// threshold, which by default moves with the sizes freed (twice the last chunk freed that had a
// mapping of its own). A process that allocates and frees request-sized buffers (~100 KiB to a
// few MiB) on several threads, as `tracesim receive` does through gRPC, then pays one page fault
// and one page zeroing per 4 KiB of each buffer on the next request: over OTLP/gRPC its receiver
// took 185-219 k minor faults in 6 s at 1 M spans/s, and about 40 % of its CPU was system time
// (bench/README.md, "The gRPC receiver keeps its freed memory").
//
// Raising the trim threshold and fixing the mmap threshold keeps that memory in the arenas, where
// the next request reuses it. What stays is memory the process had in use at its peak, so it does
// not grow with the run; the resident size stays nearer that peak (the receiver above: 25-27 MiB
// before, 30-32 MiB after) and the faults stop (3-4 k in those 6 s).
// Process-wide: for an executable's command (e.g. `tracesim receive`), never a library.
#ifndef TRACESIM_SIM_BASE_HEAP_RETENTION_H_
#define TRACESIM_SIM_BASE_HEAP_RETENTION_H_

#include <cstddef>

#include "sim/base/status.h"

namespace tracesim::sim {

struct HeapRetentionOptions {
  // Free memory at the top of an arena that malloc keeps before returning any to the kernel
  // (glibc M_TRIM_THRESHOLD). Default: 64 MiB.
  size_t keep_free_bytes = size_t{64} << 20;
  // Allocations of at least this size get their own mapping, unmapped when freed (glibc
  // M_MMAP_THRESHOLD): fixed, so that it no longer moves with the sizes freed. Default: 32 MiB,
  // the largest glibc accepts on 64-bit systems.
  size_t own_mapping_bytes = size_t{32} << 20;

  // keep_free_bytes >= 1 MiB; own_mapping_bytes in [128 KiB, 32 MiB] (glibc's range).
  Status Validate() const;
};

// Applies `options` to the process's malloc. False when the allocator does not take them (not
// glibc, or a sanitizer's allocator, which replaces malloc): then nothing changed, which is not
// an error. REQUIRES: options.Validate() is ok.
bool RetainFreedHeap(const HeapRetentionOptions& options);

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_BASE_HEAP_RETENTION_H_
