// CreditRateLimiter: the Jaeger client / OTel Go contrib credit rate limiter
// (jaeger-client-go utils/rate_limiter.go, OTel Go contrib samplers/jaegerremote
// internal/utils/rate_limiter.go), on simulated time. The one limiter of the sampling layer: the
// SDK rate-limiting sampler (head/) and the Jaeger remote sampler's rate-limiting and
// lower-bound delegates (jaeger/) both use it.
//
// The balance starts full at max_balance, except that a limiter of 0 credits per second starts
// empty (OTel Go contrib since samplers/jaegerremote v0.10.0, "Fix rate limiting sampler to drop
// trace when lower bound is zero", #3604; jaeger-client-go v2.30.0 starts it full: pass
// `full_at_zero_rate`). A request costing c passes when balance >= c, else
// the balance is topped up by elapsed.Seconds() * credits_per_second (capped at max_balance) and
// tested again. Time is simulated unix nanoseconds. Not thread-safe.
#ifndef TRACESIM_SAMPLING_CORE_CREDIT_RATE_LIMITER_H_
#define TRACESIM_SAMPLING_CORE_CREDIT_RATE_LIMITER_H_

#include <cstdint>
#include <optional>

namespace tracesim::sampling {

class CreditRateLimiter {
 public:
  // `start_unix_nano`: when the limiter was created (the first top-up counts from there).
  // std::nullopt: at the first CheckCredit() call.
  // `full_at_zero_rate`: start full even at 0 credits per second (jaeger-client-go).
  CreditRateLimiter(double credits_per_second, double max_balance,
                    std::optional<int64_t> start_unix_nano = std::nullopt,
                    bool full_at_zero_rate = false) noexcept;

  // Spends `cost` if the balance (topped up for the time since the last top-up) allows.
  bool CheckCredit(double cost, int64_t now_unix_nano) noexcept;
  // Changes the rate and cap, keeping the balance pro-rated to the new cap (as Update() does).
  void Update(double credits_per_second, double max_balance, int64_t now_unix_nano) noexcept;
  double balance() const { return balance_; }

 private:
  void UpdateBalance(int64_t now_unix_nano) noexcept;

  double credits_per_second_;
  double balance_;
  double max_balance_;
  bool has_last_tick_;
  int64_t last_tick_;
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_CORE_CREDIT_RATE_LIMITER_H_
