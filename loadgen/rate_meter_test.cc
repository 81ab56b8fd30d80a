// RateMeter on synthetic, exactly known schedules: no wall clock, no threads. A "pacer" here is
// the list of times the test says spans were released.
#include "loadgen/rate_meter.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace tracesim::loadgen {
namespace {

constexpr int64_t kMs = 1000000;
constexpr int64_t kStart = 1767225600LL * 1000000000LL;  // unix ns of simulated time 0

// One trace arriving at `arrival_ns`: a root ending `root_delay_ns` later and children ending
// `child_delays_ns` later.
std::vector<sim::Span> Trace(int64_t arrival_ns, int64_t root_delay_ns,
                             const std::vector<int64_t>& child_delays_ns) {
  std::vector<sim::Span> t;
  sim::Span root;
  root.span_id = 1;
  root.start_unix_nano = kStart + arrival_ns;
  root.end_unix_nano = kStart + arrival_ns + root_delay_ns;
  t.push_back(root);
  uint64_t id = 2;
  for (int64_t d : child_delays_ns) {
    sim::Span c;
    c.span_id = id++;
    c.parent_span_id = 1;
    c.start_unix_nano = kStart + arrival_ns + 1;
    c.end_unix_nano = kStart + arrival_ns + d;
    t.push_back(c);
  }
  return t;
}

// Records every span of `trace` as released `lag_ns` after its end time.
void ReleaseOnTime(RateMeter* m, const std::vector<sim::Span>& trace, int64_t lag_ns = 0) {
  for (const sim::Span& s : trace)
    m->RecordRelease(s.end_unix_nano - kStart + lag_ns, 1, s.parent_span_id == 0 ? 1 : 0);
}

// 1000 traces/s, uniform, for 2 s; three spans per trace ending 100, 300 and 500 ms after the
// arrival (the root last), released exactly at their end times: a perfect pacer.
TEST(RateMeterTest, PerfectPacerReadsExactlyTheTargetOverTheSteadyWindow) {
  const int64_t window = 2000 * kMs;
  RateMeter m(window, kStart);
  uint64_t released_in_window = 0;
  for (int64_t a = 0; a < window; a += kMs) {
    auto t = Trace(a, 500 * kMs, {100 * kMs, 300 * kMs});
    m.RecordTrace(t);
    ReleaseOnTime(&m, t);
    for (const auto& s : t) released_in_window += (s.end_unix_nano - kStart < window) ? 1 : 0;
  }
  auto r = m.Compute(window, [](double t) { return 1000.0 * t; });
  // Warm-up: the p99 delay, 500 ms (the histogram's resolution is < 1 %), bucket-aligned.
  EXPECT_NEAR(r.warmup_s, 0.5, 0.005);
  EXPECT_NEAR(r.mean_delay_s, 0.3, 0.003);
  EXPECT_GE(r.from_s, 0.5);
  EXPECT_LE(r.from_s, 0.505);
  EXPECT_DOUBLE_EQ(r.to_s, 2.0);
  EXPECT_DOUBLE_EQ(r.achieved_spans_per_s, 3000.0);
  EXPECT_DOUBLE_EQ(r.scheduled_spans_per_s, 3000.0);
  EXPECT_DOUBLE_EQ(r.achieved_traces_per_s, 1000.0);
  EXPECT_NEAR(r.target_traces_per_s, 1000.0, 1e-6);
  // The old definition (spans ending in [0, window) over the whole window) reads 85 %: the first
  // 0.5 s build up and 0.9 s of spans (0.1 + 0.3 + 0.5) end after the window.
  EXPECT_NEAR(static_cast<double>(released_in_window) / 2.0 / 3000.0, 0.85, 1e-9);
}

// The meter counts releases by wall time, not end times: a pacer that falls behind reads short.
TEST(RateMeterTest, LatePacerReadsShort) {
  const int64_t window = 2000 * kMs;
  RateMeter m(window, kStart);
  for (int64_t a = 0; a < window; a += kMs) {
    auto t = Trace(a, 500 * kMs, {100 * kMs, 300 * kMs});
    m.RecordTrace(t);
    // From 1.5 s on the generator is stuck: everything due then leaves after the window.
    for (const sim::Span& s : t) {
      int64_t due = s.end_unix_nano - kStart;
      m.RecordRelease(due < 1500 * kMs ? due : window + kMs, 1, s.parent_span_id == 0 ? 1 : 0);
    }
  }
  auto r = m.Compute(window, [](double t) { return 1000.0 * t; });
  double ratio = r.achieved_spans_per_s / (r.target_traces_per_s * 3);
  EXPECT_LT(ratio, 0.70);
  EXPECT_GT(ratio, 0.60);
  EXPECT_DOUBLE_EQ(r.scheduled_spans_per_s, 3000.0);  // the simulation asked for the full rate
}

// A run shorter than twice its traces' duration: the warm-up is capped at half the run.
TEST(RateMeterTest, ShortRunCapsTheWarmupAtHalf) {
  const int64_t window = 600 * kMs;
  RateMeter m(window, kStart);
  for (int64_t a = 0; a < window; a += kMs) {
    auto t = Trace(a, 500 * kMs, {});
    m.RecordTrace(t);
    ReleaseOnTime(&m, t);
  }
  auto r = m.Compute(window, [](double t) { return 1000.0 * t; });
  EXPECT_NEAR(r.warmup_s, 0.5, 0.005);
  EXPECT_DOUBLE_EQ(r.from_s, 0.3);
  EXPECT_DOUBLE_EQ(r.to_s, 0.6);
  // Only the traces that arrived in [0, 0.1) have ended by 0.6 s.
  EXPECT_NEAR(r.achieved_traces_per_s, 100 / 0.3, 1e-6);
}

// A ramp, 1000 -> 3000 traces/s over 2 s, every span ending 200 ms after its arrival: the target
// is taken over arrivals 200 ms earlier, so a perfect pacer still reads its target.
TEST(RateMeterTest, RampTargetIsShiftedByTheMeanDelay) {
  const int64_t window = 2000 * kMs;
  RateMeter m(window, kStart);
  auto expected = [](double t) { return 1000.0 * t + 500.0 * t * t; };
  for (int k = 0;; ++k) {
    double t = (-1000.0 + std::sqrt(1e6 + 2000.0 * k)) / 1000.0;  // expected(t) == k
    int64_t a = static_cast<int64_t>(t * 1e9);
    if (a >= window) break;
    auto tr = Trace(a, 200 * kMs, {200 * kMs});
    m.RecordTrace(tr);
    ReleaseOnTime(&m, tr);
  }
  auto r = m.Compute(window, expected);
  EXPECT_NEAR(r.mean_delay_s, 0.2, 0.002);
  EXPECT_NEAR(r.achieved_traces_per_s / r.target_traces_per_s, 1.0, 0.005);
  // Unshifted, the target would read ~10 % high (the rate grows by 1000/s each second).
  double unshifted = (expected(r.to_s) - expected(r.from_s)) / (r.to_s - r.from_s);
  EXPECT_GT(unshifted / r.achieved_traces_per_s, 1.03);
}

TEST(RateMeterTest, NothingReleasedIsZeroNotNan) {
  RateMeter m(1000 * kMs, kStart);
  auto r = m.Compute(1000 * kMs, [](double t) { return 10.0 * t; });
  EXPECT_EQ(r.spans, 0u);
  EXPECT_EQ(r.achieved_spans_per_s, 0);
  EXPECT_NEAR(r.target_traces_per_s, 10.0, 1e-9);
  EXPECT_EQ(m.last_arrival_ns(), -1);
}

// A --traces run without --duration has a 24 h arrival window and may end after half a second:
// the meter keeps 1 ms buckets for what the run really used (a bucket sized from the window,
// 864 ms, read 0 spans/s with every span delivered).
TEST(RateMeterTest, AHugeWindowThatEndsEarlyStillMeasures) {
  constexpr int64_t kDay = 24LL * 3600 * 1000 * kMs;
  RateMeter m(kDay, kStart);
  // 100 traces/s for 0.5 s, each a root 10 ms after its arrival.
  for (int k = 0; k < 50; ++k) {
    auto t = Trace(k * 10 * kMs, 10 * kMs, {});
    m.RecordTrace(t);
    ReleaseOnTime(&m, t);
  }
  EXPECT_EQ(m.bucket_ns(), kMs);
  auto r = m.Compute(m.last_arrival_ns(), [](double t) { return 100 * t; });
  EXPECT_GT(r.to_s, r.from_s);
  EXPECT_NEAR(r.achieved_traces_per_s, 100, 5);
  EXPECT_NEAR(r.target_traces_per_s, 100, 1e-9);
}

// Past 100,000 buckets the resolution halves; no release is lost.
TEST(RateMeterTest, LongRunsCoarsenTheBucketsKeepingEveryCount) {
  RateMeter m(1000LL * 1000 * kMs, kStart);  // 1,000 s
  uint64_t total = 0;
  for (int64_t t = 0; t < 250LL * 1000 * kMs; t += 7 * kMs) {  // 250 s
    m.RecordRelease(t, 3, 1);
    total += 3;
  }
  EXPECT_EQ(m.bucket_ns(), 4 * kMs);  // 250 s / 100,000 > 2 ms
  auto r = m.Compute(250LL * 1000 * kMs, [](double) { return 0.0; });
  EXPECT_EQ(r.from_s, 0);  // no trace recorded: no warm-up
  EXPECT_EQ(r.spans, total);
}

}  // namespace
}  // namespace tracesim::loadgen
