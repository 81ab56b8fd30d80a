#include "sampling/core/credit_rate_limiter.h"

namespace tracesim::sampling {
namespace {

// Go's time.Duration.Seconds(): whole seconds plus the nanosecond remainder / 1e9.
double GoSeconds(int64_t nanos) {
  int64_t sec = nanos / 1000000000;
  int64_t nsec = nanos % 1000000000;
  return static_cast<double>(sec) + static_cast<double>(nsec) / 1e9;
}

}  // namespace

CreditRateLimiter::CreditRateLimiter(double credits_per_second, double max_balance,
                                     std::optional<int64_t> start_unix_nano,
                                     bool full_at_zero_rate) noexcept
    : credits_per_second_(credits_per_second),
      balance_(credits_per_second == 0 && !full_at_zero_rate ? 0 : max_balance),
      max_balance_(max_balance),
      has_last_tick_(start_unix_nano.has_value()),
      last_tick_(start_unix_nano.value_or(0)) {}

void CreditRateLimiter::UpdateBalance(int64_t now) noexcept {
  if (!has_last_tick_) {
    has_last_tick_ = true;
    last_tick_ = now;
  }
  // Real clocks are monotonic; simulated calls out of time order add nothing and do not move
  // the tick backwards.
  if (now < last_tick_) return;
  double elapsed = GoSeconds(now - last_tick_);
  last_tick_ = now;
  balance_ += elapsed * credits_per_second_;
  if (balance_ > max_balance_) balance_ = max_balance_;
}

bool CreditRateLimiter::CheckCredit(double cost, int64_t now) noexcept {
  if (!has_last_tick_) {
    has_last_tick_ = true;
    last_tick_ = now;
  }
  if (balance_ >= cost) {
    balance_ -= cost;
    return true;
  }
  UpdateBalance(now);
  if (balance_ >= cost) {
    balance_ -= cost;
    return true;
  }
  return false;
}

void CreditRateLimiter::Update(double credits_per_second, double max_balance,
                               int64_t now) noexcept {
  UpdateBalance(now);
  if (max_balance_ > 0) balance_ = balance_ * max_balance / max_balance_;
  credits_per_second_ = credits_per_second;
  max_balance_ = max_balance;
}

}  // namespace tracesim::sampling
