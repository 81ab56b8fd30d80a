#include "loadgen/clock.h"

namespace tracesim::loadgen {

Clock* Clock::Real() {
  static RealClock* const clock = new RealClock();
  return clock;
}

int64_t RealClock::UnixNanos() const {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

FakeClock::FakeClock(int64_t unix_start_nanos, std::chrono::microseconds idle)
    : unix_start_(unix_start_nanos), idle_(idle), driver_(std::this_thread::get_id()) {}

void FakeClock::AdvanceTo(TimePoint t) {
  int64_t target = t.time_since_epoch().count();
  int64_t cur = now_ns_.load();
  while (cur < target && !now_ns_.compare_exchange_weak(cur, target)) {
  }
}

void FakeClock::SleepUntil(TimePoint t) {
  if (IsDriver()) {
    AdvanceTo(t);
    std::this_thread::yield();  // let the other threads see the new time
    return;
  }
  while (Now() < t) std::this_thread::sleep_for(idle_);
}

void FakeClock::WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lk,
                          TimePoint deadline) {
  if (Now() >= deadline) return;
  if (cv.wait_for(lk, idle_) == std::cv_status::timeout && IsDriver()) AdvanceTo(deadline);
}

void FakeClock::WaitForRealWork(std::condition_variable& cv, std::unique_lock<std::mutex>& lk,
                                TimePoint deadline) {
  if (Now() >= deadline) return;
  cv.wait_for(lk, idle_);
}

}  // namespace tracesim::loadgen
