#include "sim/shape_hash.h"

#include "sim/rng.h"

namespace tracesim::sim {
namespace {

// A stable 64-bit mix for combining shape hashes.
inline uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

ShapeHasher::ShapeHasher(const Model& model) : m_(model) {
  name_hash_.assign(m_.strings.size(), 0);
}

// inline: called only in this file, twice per span.
inline uint64_t ShapeHasher::NameHash(StrId id) {
  if (id >= name_hash_.size()) return Fnv1a64(m_.strings.Get(id));
  uint64_t& h = name_hash_[id];
  if (h == 0) h = Fnv1a64(m_.strings.Get(id)) | 1;
  return h;
}

uint64_t ShapeHasher::Hash(std::span<const Span> spans) {
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

}  // namespace tracesim::sim
