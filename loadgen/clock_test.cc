#include "loadgen/clock.h"

#include <gtest/gtest.h>

#include <thread>

namespace tracesim::loadgen {
namespace {

using std::chrono::milliseconds;

TEST(FakeClockTest, DriverSleepMovesTimeAtOnce) {
  FakeClock clock(1000);
  Clock::TimePoint t0 = clock.Now();
  clock.SleepUntil(t0 + milliseconds(5000));
  EXPECT_EQ(clock.Now() - t0, milliseconds(5000));
  EXPECT_EQ(clock.UnixNanos(), 1000 + 5000000000);
  clock.SleepUntil(t0 + milliseconds(10));  // never backwards
  EXPECT_EQ(clock.Now() - t0, milliseconds(5000));
}

TEST(FakeClockTest, DriverIdleWaitMovesTimeToTheDeadline) {
  FakeClock clock;
  std::mutex mu;
  std::condition_variable cv;
  std::unique_lock lk(mu);
  Clock::TimePoint t0 = clock.Now();
  clock.WaitUntil(cv, lk, t0 + milliseconds(20));
  EXPECT_EQ(clock.Now() - t0, milliseconds(20));
}

TEST(FakeClockTest, OtherThreadsOnlyObserveTime) {
  FakeClock clock;
  Clock::TimePoint t0 = clock.Now();
  std::thread other([&] {
    std::mutex mu;
    std::condition_variable cv;
    std::unique_lock lk(mu);
    clock.WaitUntil(cv, lk, t0 + milliseconds(20));  // returns after the idle poll
  });
  other.join();
  EXPECT_EQ(clock.Now(), t0);
  // A non-driver sleeper returns once the driver has moved the clock past its deadline.
  std::thread sleeper([&] { clock.SleepUntil(t0 + milliseconds(30)); });
  clock.Advance(milliseconds(40));
  sleeper.join();
  EXPECT_EQ(clock.Now() - t0, milliseconds(40));
}

TEST(RealClockTest, SleepsOnTheWallClock) {
  Clock* c = Clock::Real();
  Clock::TimePoint t0 = c->Now();
  c->SleepUntil(t0 + milliseconds(2));
  EXPECT_GE(c->Now() - t0, milliseconds(2));
  EXPECT_GT(c->UnixNanos(), int64_t{1600000000} * 1000000000);
}

}  // namespace
}  // namespace tracesim::loadgen
