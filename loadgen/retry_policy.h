// RetryPolicy: when to try a failed export again, as the OTLP exporter spec asks: retry only
// transient failures, honour the server's throttling delay (gRPC RetryInfo, HTTP Retry-After),
// otherwise back off exponentially with random jitter, and give up after a bounded number of
// attempts or elapsed time.
//
// Defaults follow the OpenTelemetry Java SDK's RetryPolicy (initial 1s, max 5s, multiplier 1.5,
// 5 attempts) plus the Go SDK's bound on total elapsed time (1 minute). Plain data plus pure
// functions; thread-compatible.
#ifndef TRACESIM_LOADGEN_RETRY_POLICY_H_
#define TRACESIM_LOADGEN_RETRY_POLICY_H_

#include <chrono>
#include <cstdint>
#include <optional>

#include "sim/base/rng.h"
#include "sim/base/status.h"

namespace tracesim::loadgen {

struct RetryPolicy {
  // First backoff (before jitter). Default: 1s.
  std::chrono::milliseconds initial_backoff{1000};
  // Largest backoff (before jitter). Default: 5s.
  std::chrono::milliseconds max_backoff{5000};
  // Growth per attempt. Default: 1.5.
  double multiplier = 1.5;
  // Attempts in all, the first one included; 1 disables retries. Default: 5.
  uint32_t max_attempts = 5;
  // No retry is scheduled past this much time after the first attempt started. Default: 60s.
  std::chrono::milliseconds max_elapsed{60000};
  // Full jitter fraction: the delay is drawn uniformly in [d * (1 - jitter), d]. Default: 0.2.
  double jitter = 0.2;

  sim::Status Validate() const;

  // The delay before attempt `attempt + 1` after attempt `attempt` (1-based) failed retryably.
  // A server-given `retry_after` wins (no jitter, not capped by max_backoff: the server asked for
  // it); otherwise initial * multiplier^(attempt-1), capped at max_backoff, jittered with `rng`.
  std::chrono::nanoseconds Delay(uint32_t attempt,
                                 std::optional<std::chrono::milliseconds> retry_after,
                                 sim::Rng& rng) const noexcept;

  // True when another attempt is allowed: attempt < max_attempts and the next one would start
  // within max_elapsed of the first (`elapsed` is time since the first attempt started).
  bool ShouldRetry(uint32_t attempt, std::chrono::nanoseconds elapsed,
                   std::chrono::nanoseconds delay) const noexcept;
};

}  // namespace tracesim::loadgen

#endif  // TRACESIM_LOADGEN_RETRY_POLICY_H_
