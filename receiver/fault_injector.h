// FaultInjector: the deterministic fault decisions of the receiver (see FaultOptions).
//
// Decision i is a pure function of (seed, i), where i is the request's arrival index, so the
// same seed and arrival order give the same answers. Thread-safe: Next() takes the next index
// atomically; RejectSpan() is const.
#ifndef TRACESIM_RECEIVER_FAULT_INJECTOR_H_
#define TRACESIM_RECEIVER_FAULT_INJECTOR_H_

#include <atomic>
#include <cstdint>

#include "receiver/receiver_options.h"

namespace tracesim::receiver {

// NOTE: names appear in summaries and docs; do not renumber.
enum class FaultAction : uint8_t {
  kNone = 0,
  kDrop = 1,
  kUnavailable = 2,
  kThrottle = 3,
  kReject = 4,
};

struct FaultDecision {
  FaultAction action = FaultAction::kNone;
  bool slow = false;
  uint64_t index = 0;  // the request's arrival index (seeds the per-span draws)
};

class FaultInjector {
 public:
  // REQUIRES: options.Validate().ok().
  explicit FaultInjector(const FaultOptions& options) : options_(options) {}

  // The decision for the next request.
  FaultDecision Next() noexcept;
  // The decision for arrival index `index` (what Next() returns for it).
  FaultDecision At(uint64_t index) const noexcept;
  // True when span `span_index` of request `request_index` is rejected by the partial fault.
  bool RejectSpan(uint64_t request_index, uint64_t span_index) const noexcept;

  const FaultOptions& options() const { return options_; }

 private:
  // Uniform in [0,1) from (seed, a, b, stream).
  double Uniform(uint64_t a, uint64_t b, uint64_t stream) const noexcept;

  FaultOptions options_;
  std::atomic<uint64_t> next_{0};
};

}  // namespace tracesim::receiver

#endif  // TRACESIM_RECEIVER_FAULT_INJECTOR_H_
