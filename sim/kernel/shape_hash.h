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

#include "sim/base/rng.h"
#include "sim/model/model.h"
#include "sim/model/span.h"

namespace tracesim::sim {

class ShapeHasher {
 public:
  // REQUIRES: `model` outlives the hasher.
  explicit ShapeHasher(const Model& model);

  // REQUIRES: each span's parent_index is kNone or the index of its parent in `spans`, and a
  // parent comes before its children (the kernel's order).
  // (Inline: once per finished trace, on the hot path.)
  uint64_t Hash(std::span<const Span> spans) {
    scratch_.assign(spans.size(), 0);
    uint64_t roots = 0;
    for (size_t k = spans.size(); k-- > 0;) {
      const Span& s = spans[k];
      uint64_t base = NameHash(s.name) * 31 + NameHash(m_.services[s.service].name) * 7 +
                      static_cast<uint64_t>(s.kind);
      uint64_t h = Mix64(base + scratch_[k]);
      if (s.parent_index != kNone && s.parent_index < spans.size()) {
        scratch_[s.parent_index] += Mix64(h ^ 0x5bd1e995);
      } else {
        roots += h;
      }
    }
    return Mix64(roots);
  }

  // A stable 64-bit mix for combining shape hashes.
  static uint64_t Mix64(uint64_t z) {
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }

 private:
  uint64_t NameHash(StrId id) {
    if (id >= name_hash_.size()) return Fnv1a64(m_.strings.Get(id));
    uint64_t& h = name_hash_[id];
    if (h == 0) h = Fnv1a64(m_.strings.Get(id)) | 1;
    return h;
  }

  const Model& m_;
  std::vector<uint64_t> name_hash_;  // StrId -> FNV hash (0 = not computed yet)
  std::vector<uint64_t> scratch_;    // per span: the sum of its children's hashes
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_SHAPE_HASH_H_
