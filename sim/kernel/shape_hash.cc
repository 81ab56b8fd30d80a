#include "sim/kernel/shape_hash.h"

namespace tracesim::sim {

ShapeHasher::ShapeHasher(const Model& model) : m_(model) {
  name_hash_.assign(m_.strings.size(), 0);
}

}  // namespace tracesim::sim
