#include "receiver/fault_injector.h"

namespace tracesim::receiver {
namespace {

uint64_t SplitMix(uint64_t x) noexcept {
  x += 0x9e3779b97f4a7c15ull;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ull;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebull;
  return x ^ (x >> 31);
}

}  // namespace

double FaultInjector::Uniform(uint64_t a, uint64_t b, uint64_t stream) const noexcept {
  uint64_t h = SplitMix(options_.seed ^ SplitMix(stream));
  h = SplitMix(h ^ a);
  h = SplitMix(h ^ b);
  return static_cast<double>(h >> 11) * 0x1.0p-53;
}

FaultDecision FaultInjector::At(uint64_t index) const noexcept {
  FaultDecision d;
  d.index = index;
  if (!options_.Any()) return d;
  double u = Uniform(index, 0, 1);
  double edge = options_.drop;
  if (u < edge) {
    d.action = FaultAction::kDrop;
  } else if (u < (edge += options_.unavailable)) {
    d.action = FaultAction::kUnavailable;
  } else if (u < (edge += options_.throttle)) {
    d.action = FaultAction::kThrottle;
  } else if (u < (edge += options_.reject)) {
    d.action = FaultAction::kReject;
  }
  d.slow = options_.slow > 0 && Uniform(index, 0, 2) < options_.slow;
  return d;
}

FaultDecision FaultInjector::Next() noexcept {
  return At(next_.fetch_add(1, std::memory_order_relaxed));
}

bool FaultInjector::RejectSpan(uint64_t request_index, uint64_t span_index) const noexcept {
  return options_.partial > 0 && Uniform(request_index, span_index, 3) < options_.partial;
}

}  // namespace tracesim::receiver
