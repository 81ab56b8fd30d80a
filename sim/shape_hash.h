// ShapeHasher: the shape hash of a trace (TraceTruth::shape): a 64-bit hash of the span tree by
// (span name, service name, span kind), independent of sibling order and of every id, time and
// attribute. Two traces with the same tree of (name, service, kind) get the same hash. Spans
// whose parent is not in the list count as roots. Name hashes are cached per StrId, so after
// warm-up a hash allocates nothing. Not thread-safe.
#ifndef TRACESIM_SIM_SHAPE_HASH_H_
#define TRACESIM_SIM_SHAPE_HASH_H_

#include <cstdint>
#include <span>
#include <vector>

#include "sim/model.h"
#include "sim/span.h"

namespace tracesim::sim {

class ShapeHasher {
 public:
  // REQUIRES: `model` outlives the hasher.
  explicit ShapeHasher(const Model& model);

  // REQUIRES: each span's parent_index is kNone or the index of its parent in `spans`, and a
  // parent comes before its children (the kernel's order).
  uint64_t Hash(std::span<const Span> spans);

 private:
  uint64_t NameHash(StrId id);

  const Model& m_;
  std::vector<uint64_t> name_hash_;  // StrId -> FNV hash (0 = not computed yet)
  std::vector<uint64_t> scratch_;    // per span: the sum of its children's hashes
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_SHAPE_HASH_H_
