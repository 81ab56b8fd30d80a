// TokenBucket: the rate limiter of one service instance (a limit in the service's middleware).
// The bucket starts full at its first use, refills continuously at `rps` tokens per simulated
// second up to `burst`, and each admitted request takes one token. Pure arithmetic on simulated
// time: no randomness, no allocation. Not thread-safe.
#ifndef TRACESIM_SIM_RATE_LIMITER_H_
#define TRACESIM_SIM_RATE_LIMITER_H_

#include <algorithm>

#include "sim/base/time.h"

namespace tracesim::sim {

class TokenBucket {
 public:
  // The bucket size of a limit of `rps` with configured burst `burst` (0 = rps / 10, at least 1).
  static double Burst(double rps, double burst) {
    return burst > 0 ? burst : std::max(1.0, rps / 10);
  }

  // Refills the bucket up to `now` and takes one token. Returns false (taking nothing) when less
  // than one token is left. REQUIRES: rps > 0; `now` never goes back between calls.
  bool Take(double rps, double burst, Time now) {
    if (!init_) {
      init_ = true;
      tokens_ = burst;
      refilled_ = now;
    }
    tokens_ = std::min(burst, tokens_ + (now - refilled_).seconds() * rps);
    refilled_ = now;
    if (tokens_ < 1.0) return false;
    tokens_ -= 1.0;
    return true;
  }

  double tokens() const { return tokens_; }

 private:
  double tokens_ = 0;
  Time refilled_;
  bool init_ = false;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_RATE_LIMITER_H_
