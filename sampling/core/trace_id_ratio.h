// Go's TraceIDRatioBased rule (OTel Go sdk/trace/sampling.go), the one copy of it: the SDK's
// TraceIdRatioBased (RatioAlgorithm::kGo, head/) and the Jaeger remote sampler's probabilistic
// delegates (jaeger/) decide with it.
//
// traceIDUpperBound = uint64(fraction * 2^63); keep iff (bytes 8..15 big-endian >> 1) < bound.
// fraction >= 1 keeps everything (Go returns AlwaysSample); <= 0, and NaN, keeps nothing.
#ifndef TRACESIM_SAMPLING_CORE_TRACE_ID_RATIO_H_
#define TRACESIM_SAMPLING_CORE_TRACE_ID_RATIO_H_

#include <cstdint>

#include "sim/model/span.h"

namespace tracesim::sampling {

// The bound the keep test compares with.
constexpr uint64_t GoTraceIdRatioBound(double fraction) noexcept {
  if (fraction >= 1) return ~uint64_t{0};
  if (!(fraction > 0)) return 0;
  return static_cast<uint64_t>(fraction * 0x1p63);
}

// Keep test against a precomputed bound.
constexpr bool GoTraceIdRatioKeepBound(const sim::TraceId& id, uint64_t bound) noexcept {
  return (id.lo >> 1) < bound;
}

// Keep test for `fraction` (the bound computed on the spot).
constexpr bool GoTraceIdRatioKeep(const sim::TraceId& id, double fraction) noexcept {
  return GoTraceIdRatioKeepBound(id, GoTraceIdRatioBound(fraction));
}

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_CORE_TRACE_ID_RATIO_H_
