#include "sim/model/span.h"

namespace tracesim::sim {
namespace {
constexpr char kHex[] = "0123456789abcdef";
void U64ToHex(uint64_t v, char* out) {
  for (int i = 15; i >= 0; --i) {
    out[i] = kHex[v & 0xF];
    v >>= 4;
  }
}
}  // namespace

void TraceIdToHex(const TraceId& id, char out[32]) {
  U64ToHex(id.hi, out);
  U64ToHex(id.lo, out + 16);
}

void SpanIdToHex(uint64_t id, char out[16]) { U64ToHex(id, out); }

}  // namespace tracesim::sim
