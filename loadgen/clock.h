// Clock: the load engine's only view of time (the wall clock seam).
//
// The engine reads Now() to pace releases, date batches and retries, and blocks in SleepUntil()
// (the pacer) or WaitUntil() (condition-variable waits with a deadline). RealClock is the
// process's steady clock and system clock; FakeClock is virtual time for tests, so timing logic
// (pacing, batch delay, retry backoff, grace) runs in milliseconds of real time.
//
// Thread-safety: every method may be called from any thread.
#ifndef TRACESIM_LOADGEN_CLOCK_H_
#define TRACESIM_LOADGEN_CLOCK_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

namespace tracesim::loadgen {

class Clock {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;

  virtual ~Clock() = default;
  // Monotonic now.
  virtual TimePoint Now() const = 0;
  // Wall-clock now, nanoseconds since the Unix epoch (span timestamps are dated from it).
  virtual int64_t UnixNanos() const = 0;
  // Blocks until Now() >= t.
  virtual void SleepUntil(TimePoint t) = 0;
  // REQUIRES: `lk` holds the mutex `cv` is used with. Blocks until `cv` is notified or Now() >=
  // deadline; spurious wakeups are allowed (callers re-check their condition).
  virtual void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lk,
                         TimePoint deadline) = 0;
  // As WaitUntil, for a wait on work that takes real time (an export in flight): a FakeClock
  // returns on a notification or after its `idle` of real time without moving the clock, so
  // virtual time never leaps over an answer that has not come yet, however slow the machine.
  virtual void WaitForRealWork(std::condition_variable& cv, std::unique_lock<std::mutex>& lk,
                               TimePoint deadline) = 0;

  // The process-wide real clock (never null, never destroyed).
  static Clock* Real();
};

// std::chrono::steady_clock and system_clock; sleeps and waits are real.
class RealClock final : public Clock {
 public:
  TimePoint Now() const override { return std::chrono::steady_clock::now(); }
  int64_t UnixNanos() const override;
  void SleepUntil(TimePoint t) override { std::this_thread::sleep_until(t); }
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lk,
                 TimePoint deadline) override {
    cv.wait_until(lk, deadline);
  }
  void WaitForRealWork(std::condition_variable& cv, std::unique_lock<std::mutex>& lk,
                       TimePoint deadline) override {
    cv.wait_until(lk, deadline);
  }
};

// Virtual time for tests. Time is driven by one thread, the one that constructed the clock (the
// test thread, which calls LoadEngine::Run): its SleepUntil(t) moves the clock to t at once, and
// its WaitUntil() moves the clock to the deadline when no notification came within `idle` of real
// time (so work the other threads still do on the real clock, such as a loopback export, lands
// before virtual time leaps over it). Other threads' waits only observe the clock: they return on
// a notification, when the clock has passed their deadline, or after `idle` of real time.
class FakeClock final : public Clock {
 public:
  // `unix_start_nanos`: UnixNanos() at construction. `idle`: see the class comment.
  explicit FakeClock(int64_t unix_start_nanos = int64_t{1700000000} * 1000000000,
                     std::chrono::microseconds idle = std::chrono::microseconds(500));

  TimePoint Now() const override { return TimePoint(std::chrono::nanoseconds(now_ns_.load())); }
  int64_t UnixNanos() const override { return unix_start_ + now_ns_.load(); }
  void SleepUntil(TimePoint t) override;
  void WaitUntil(std::condition_variable& cv, std::unique_lock<std::mutex>& lk,
                 TimePoint deadline) override;
  void WaitForRealWork(std::condition_variable& cv, std::unique_lock<std::mutex>& lk,
                       TimePoint deadline) override;

  // Moves the clock forward by `d` (from any thread).
  void Advance(std::chrono::nanoseconds d) { AdvanceTo(Now() + d); }

 private:
  void AdvanceTo(TimePoint t);
  bool IsDriver() const { return std::this_thread::get_id() == driver_; }

  const int64_t unix_start_;
  const std::chrono::microseconds idle_;
  const std::thread::id driver_;
  std::atomic<int64_t> now_ns_{0};
};

}  // namespace tracesim::loadgen

#endif  // TRACESIM_LOADGEN_CLOCK_H_
