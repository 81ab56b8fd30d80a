#include "loadgen/retry_policy.h"

#include <algorithm>
#include <cmath>
#include <string>

namespace tracesim::loadgen {

sim::Status RetryPolicy::Validate() const {
  if (initial_backoff.count() <= 0)
    return sim::Status::InvalidArgument("retry.initial_backoff must be > 0");
  if (max_backoff < initial_backoff)
    return sim::Status::InvalidArgument("retry.max_backoff must be >= retry.initial_backoff");
  if (!(multiplier >= 1.0) || multiplier > 100)
    return sim::Status::InvalidArgument("retry.multiplier must be in [1, 100], got " +
                                        std::to_string(multiplier));
  if (max_attempts < 1) return sim::Status::InvalidArgument("retry.max_attempts must be >= 1");
  if (max_elapsed.count() < 0)
    return sim::Status::InvalidArgument("retry.max_elapsed must be >= 0");
  if (!(jitter >= 0 && jitter <= 1))
    return sim::Status::InvalidArgument("retry.jitter must be in [0, 1]");
  return sim::Status::Ok();
}

std::chrono::nanoseconds RetryPolicy::Delay(uint32_t attempt,
                                            std::optional<std::chrono::milliseconds> retry_after,
                                            sim::Rng& rng) const noexcept {
  if (retry_after.has_value() && retry_after->count() >= 0) return *retry_after;
  double d = static_cast<double>(std::chrono::nanoseconds(initial_backoff).count()) *
             std::pow(multiplier, static_cast<double>(attempt > 0 ? attempt - 1 : 0));
  d = std::min(d, static_cast<double>(std::chrono::nanoseconds(max_backoff).count()));
  double u = static_cast<double>(rng.Next() >> 11) * 0x1.0p-53;  // [0, 1)
  d *= 1.0 - jitter * u;
  return std::chrono::nanoseconds(static_cast<int64_t>(d));
}

bool RetryPolicy::ShouldRetry(uint32_t attempt, std::chrono::nanoseconds elapsed,
                              std::chrono::nanoseconds delay) const noexcept {
  if (attempt >= max_attempts) return false;
  return elapsed + delay <= std::chrono::nanoseconds(max_elapsed);
}

}  // namespace tracesim::loadgen
