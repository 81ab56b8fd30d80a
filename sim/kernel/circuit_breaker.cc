#include "sim/kernel/circuit_breaker.h"

#include <algorithm>

namespace tracesim::sim {

bool CircuitBreaker::Allows(const CircuitBreakerSpec& cfg, Time now) {
  if (state_ == State::kOpen) {
    if (now < open_until_) return false;
    state_ = State::kHalfOpen;
    trials_started_ = trials_ok_ = 0;
  }
  if (state_ == State::kHalfOpen) {
    if (trials_started_ >= std::max<uint32_t>(1, cfg.half_open_calls)) return false;
    ++trials_started_;
  }
  return true;
}

bool CircuitBreaker::Record(const CircuitBreakerSpec& cfg, bool failed, uint64_t fault_mask,
                            Time now) {
  if (failed) cause_mask_ |= fault_mask;
  switch (state_) {
    case State::kOpen:
      return false;  // a call sent before the breaker opened
    case State::kHalfOpen:
      if (failed) {
        Open(cfg, now);
        return true;
      }
      if (++trials_ok_ >= std::max<uint32_t>(1, cfg.half_open_calls))
        *this = CircuitBreaker();  // closed, with an empty window and no cause
      return false;
    case State::kClosed: {
      uint32_t window = std::max<uint32_t>(1, cfg.window);
      if (ring_.size() != window) ring_.assign(window, 0);
      if (filled_ == window) {
        failures_ -= ring_[pos_];
      } else {
        ++filled_;
      }
      ring_[pos_] = failed ? 1 : 0;
      failures_ += failed ? 1 : 0;
      pos_ = (pos_ + 1) % window;
      if (filled_ >= cfg.minimum_calls &&
          static_cast<double>(failures_) >= cfg.failure_threshold * static_cast<double>(filled_)) {
        Open(cfg, now);
        return true;
      }
      return false;
    }
  }
  return false;
}

void CircuitBreaker::Open(const CircuitBreakerSpec& cfg, Time now) {
  state_ = State::kOpen;
  open_until_ = now + cfg.open_duration;
  pos_ = filled_ = failures_ = 0;
  std::fill(ring_.begin(), ring_.end(), 0);
}

}  // namespace tracesim::sim
