#include "sampling/collector/tail_sampling/tail_processor.h"

#include <gtest/gtest.h>

#include <array>
#include <map>
#include <string>

#include "sampling/collector/tail_sampling/config/tail_config.h"
#include "sampling/collector/tail_sampling/tail_size.h"
#include "sampling/collector/tail_sampling/tail_test_model.h"
#include "sim/base/rng.h"
#include "sim/base/shared_testdata.h"

namespace tracesim::sampling {
namespace {

using testing::CollectingListener;
using testing::MakeSpan;
using testing::MakeTailModel;
using testing::Tid;

constexpr int64_t kSec = 1'000'000'000;
constexpr int64_t kT0 = 1'700'000'000 * kSec;  // processor start, on a whole second

class TailProcessorTest : public ::testing::Test {
 protected:
  TailProcessorTest() : model_(MakeTailModel()) {}

  // `inverted`: the deprecated InvertSampled/InvertNotSampled of releases before v0.161.0.
  std::unique_ptr<TailSamplingProcessor> Make(const std::string& block_yaml, int64_t start = kT0,
                                              bool inverted = false) {
    auto cfg = LoadTailSamplingConfigString(block_yaml, "", "proc.yaml");
    EXPECT_TRUE(cfg.ok()) << cfg.status().message();
    if (!cfg.ok()) return nullptr;
    TailSamplingProcessor::Options opt;
    opt.start_unix_nano = start;
    opt.policy.disable_invert_decisions = !inverted;
    auto p = TailSamplingProcessor::Create(*cfg, model_, opt);
    EXPECT_TRUE(p.ok()) << p.status().message();
    if (!p.ok()) return nullptr;
    (*p)->SetDownstream(&out_);
    return std::move(p).value();
  }

  // Sends span `span_id` of `trace` arriving at `at`.
  void Send(TailSamplingProcessor& p, uint64_t trace, uint64_t span_id, uint64_t parent,
            int64_t at) {
    sim::Span s = MakeSpan(trace, span_id, parent, at - 1'000'000, 1'000'000);
    p.OnSpan(s, {}, {}, at);
  }

  sim::Model model_;
  CollectingListener out_;
};

TEST_F(TailProcessorTest, DecisionWaitOnWholeSecondTicks) {
  auto p = Make("policies: [{name: a, type: always_sample}]\ndecision_wait: 3s\n");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->num_batches(), 3u);
  Send(*p, 1, 1, 0, kT0 + kSec / 2);  // batch closed by tick 0 (T0+1s), decided at tick 3
  Send(*p, 2, 1, 0, kT0 + kSec);      // tick 0 fires first: batch of tick 1, decided at tick 4
  p->AdvanceTo(kT0 + 4 * kSec - 1);
  EXPECT_EQ(out_.items.size(), 0u);
  p->AdvanceTo(kT0 + 4 * kSec);
  EXPECT_EQ(out_.CountTrace(1), 1u);
  EXPECT_EQ(out_.CountTrace(2), 0u);
  p->AdvanceTo(kT0 + 5 * kSec);
  EXPECT_EQ(out_.CountTrace(2), 1u);
  // Latencies 3.5 s and 4 s: decided N..N+1 s after the first span.
  EXPECT_EQ(p->stats().DecisionLatencyQuantileMs(0.0), 3501);
  EXPECT_EQ(p->stats().DecisionLatencyQuantileMs(1.0), 4001);
}

// processTrace upstream takes one trace's spans of a request at once: the size cap is checked
// after the whole group (sized as one ResourceSpans), and a late group records one late-span age.
TEST_F(TailProcessorTest, TraceGroupIsOneArrival) {
  auto p = Make("policies: [{name: a, type: always_sample}]\ndecision_wait: 1s\n");
  ASSERT_NE(p, nullptr);
  const sim::Span a = MakeSpan(1, 1, 0, kT0, 1000), b = MakeSpan(1, 2, 1, kT0, 1000);
  SpanSizer sizer(model_);
  const SizedSpan group[] = {{&a, {}, {}, sizer.SpanSize(a, {}, {})},
                             {&b, {}, {}, sizer.SpanSize(b, {}, {})}};
  p->OnTraceGroup(group, kT0 + 100);
  EXPECT_EQ(p->stats().traces_seen, 1u);
  EXPECT_EQ(p->stats().spans_received, 2u);
  p->AdvanceTo(kT0 + 2 * kSec);
  EXPECT_EQ(out_.CountTrace(1), 2u);
  const sim::Span c = MakeSpan(1, 3, 1, kT0, 1000), d = MakeSpan(1, 4, 1, kT0, 1000);
  const SizedSpan late[] = {{&c, {}, {}, sizer.SpanSize(c, {}, {})},
                            {&d, {}, {}, sizer.SpanSize(d, {}, {})}};
  p->OnTraceGroup(late, kT0 + 2 * kSec + 1);
  EXPECT_EQ(p->stats().late_spans_inherited, 2u);
  EXPECT_EQ(p->stats().late_span_ages, 1u);
  EXPECT_EQ(out_.CountTrace(1), 4u);

  // maximum_trace_size_bytes between one and two single-span ResourceSpans: the group (the
  // resource and scope once) fits, the same spans one by one do not.
  const uint32_t one = sizer.ResourceSpansSize(a, group[0].size);
  const uint32_t both = sizer.GroupResourceSpansSize(group);
  ASSERT_LT(both, 2 * one);
  const std::string cap =
      "policies: [{name: a, type: always_sample}]\ndecision_wait: 1s\n"
      "maximum_trace_size_bytes: " +
      std::to_string(both) + "\n";
  auto grouped = Make(cap);
  grouped->OnTraceGroup(group, kT0 + 100);
  EXPECT_EQ(grouped->stats().traces_dropped_too_large, 0u);
  auto single = Make(cap);
  single->OnSpan(a, {}, {}, kT0 + 100);
  single->OnSpan(b, {}, {}, kT0 + 100);
  EXPECT_EQ(single->stats().traces_dropped_too_large, 1u);
}

TEST_F(TailProcessorTest, SubSecondDecisionWaitIsOneBatchAndPhaseFollowsFirstSpan) {
  auto p = Make("policies: [{name: a, type: always_sample}]\ndecision_wait: 500ms\n", -1);
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->num_batches(), 1u);  // max(1, floor(0.5))
  const int64_t first = kT0 + 123'456'789;
  Send(*p, 1, 1, 0, first);
  EXPECT_EQ(p->next_tick_unix_nano(), first + kSec);
  p->AdvanceTo(first + kSec);  // tick 0 only closes the batch
  EXPECT_EQ(out_.items.size(), 0u);
  p->AdvanceTo(first + 2 * kSec);
  EXPECT_EQ(out_.items.size(), 1u);
  EXPECT_EQ(p->stats().traces_sampled, 1u);
}

TEST_F(TailProcessorTest, FullMapEvictsOldestTraceDecidedOrNot) {
  auto p = Make("policies: [{name: a, type: always_sample}]\ndecision_wait: 5s\nnum_traces: 3\n");
  ASSERT_NE(p, nullptr);
  for (uint64_t t = 1; t <= 3; ++t) Send(*p, t, 1, 0, kT0 + 100 * static_cast<int64_t>(t));
  EXPECT_EQ(p->stats().traces_in_memory, 3u);
  Send(*p, 4, 1, 0, kT0 + 500);  // evicts trace 1, undecided
  EXPECT_EQ(p->stats().traces_in_memory, 3u);
  Send(*p, 5, 1, 0, kT0 + 600);  // evicts trace 2
  // Counted when their batch's tick does not find them (idNotFoundOnMapCount), not at eviction.
  EXPECT_EQ(p->stats().traces_dropped_too_early, 0u);
  p->AdvanceTo(kT0 + 6 * kSec - 1);
  EXPECT_EQ(p->stats().traces_dropped_too_early, 0u);
  p->AdvanceTo(kT0 + 6 * kSec);
  EXPECT_EQ(p->stats().traces_dropped_too_early, 2u);
  EXPECT_EQ(out_.CountTrace(1), 0u);
  EXPECT_EQ(out_.CountTrace(2), 0u);
  EXPECT_EQ(out_.CountTrace(3), 1u);
  EXPECT_EQ(out_.CountTrace(4), 1u);
  EXPECT_EQ(out_.CountTrace(5), 1u);
  // Decided traces stay in memory (no cache) and are evicted without a too-early count.
  EXPECT_EQ(p->stats().traces_in_memory, 3u);
  Send(*p, 6, 1, 0, kT0 + 7 * kSec);
  EXPECT_EQ(p->stats().traces_dropped_too_early, 2u);
  EXPECT_EQ(p->stats().peak_traces_in_memory, 3u);
}

TEST_F(TailProcessorTest, TracesLeavingViaCacheFreeRoomWithoutEvictions) {
  auto p = Make(R"(decision_wait: 1s
num_traces: 3
decision_cache: {sampled_cache_size: 100}
policies: [{name: s, type: span_count, span_count: {min_spans: 2}}]
)");
  ASSERT_NE(p, nullptr);
  Send(*p, 1, 1, 0, kT0 + 10);  // will not be sampled: stays in memory
  Send(*p, 2, 1, 0, kT0 + 20);  // two spans: sampled, then removed (cached)
  Send(*p, 2, 2, 1, kT0 + 21);
  Send(*p, 3, 1, 0, kT0 + 30);  // not sampled: stays
  p->AdvanceTo(kT0 + 2 * kSec);
  EXPECT_EQ(p->stats().traces_in_memory, 2u);
  Send(*p, 4, 1, 0, kT0 + 3 * kSec);  // room left: nobody is evicted
  EXPECT_EQ(p->stats().traces_in_memory, 3u);
  Send(*p, 5, 1, 0, kT0 + 3 * kSec + 1);  // full: the oldest in memory (trace 1) goes
  EXPECT_EQ(p->stats().traces_in_memory, 3u);
  Send(*p, 1, 2, 1, kT0 + 3 * kSec + 2);  // trace 1 is gone: a new (split) trace evicting 3
  EXPECT_EQ(p->stats().split_traces, 1u);
  EXPECT_EQ(p->stats().traces_dropped_too_early, 0u);  // traces 1 and 3 were decided
  Send(*p, 3, 2, 1, kT0 + 3 * kSec + 3);  // trace 3 again: evicts trace 4, still pending
  EXPECT_EQ(p->stats().split_traces, 2u);
  EXPECT_EQ(p->stats().traces_dropped_too_early, 0u);
  p->AdvanceTo(kT0 + 5 * kSec);  // trace 4's tick (its batch is 4): not in memory
  EXPECT_EQ(p->stats().traces_dropped_too_early, 1u);
}

// Upstream (v0.161.0 processor.go): a batch is a set of trace ids. A trace evicted by num_traces
// and recreated by a later span is found by its *old* batch's tick and decided then; the id's
// second batch finds it decided (skipped) or, with a decision cache, gone (dropped too early).
TEST_F(TailProcessorTest, EvictedAndRecreatedTraceIsDecidedAtItsOldBatchTick) {
  for (bool cache : {false, true}) {
    out_.items.clear();
    auto p = Make(std::string("decision_wait: 5s\nnum_traces: 2\n") +
                  (cache ? "decision_cache: {sampled_cache_size: 10}\n" : "") +
                  "policies: [{name: a, type: always_sample}]\n");
    ASSERT_NE(p, nullptr);
    Send(*p, 1, 1, 0, kT0 + 100);  // batch 5 (read at T0+6s)
    Send(*p, 2, 1, 0, kT0 + 200);
    Send(*p, 3, 1, 0, kT0 + 300);             // evicts trace 1, pending
    Send(*p, 1, 2, 1, kT0 + 2 * kSec + 500);  // recreates it in batch 7, evicting trace 2
    EXPECT_EQ(p->stats().split_traces, 1u);
    p->AdvanceTo(kT0 + 6 * kSec);
    EXPECT_EQ(out_.CountTrace(1), 1u) << cache;  // decided at the old batch's tick
    EXPECT_EQ(out_.CountTrace(3), 1u);
    EXPECT_EQ(out_.CountTrace(2), 0u);
    EXPECT_EQ(p->stats().traces_dropped_too_early, 1u);  // trace 2
    p->AdvanceTo(kT0 + 8 * kSec);                        // batch 7 holds trace 1's id again
    EXPECT_EQ(out_.CountTrace(1), 1u);
    EXPECT_EQ(p->stats().traces_sampled, 2u);
    EXPECT_EQ(p->stats().traces_dropped_too_early, cache ? 2u : 1u) << cache;
  }
}

// An id evicted and recreated within one batch is in that batch once (a set): one decision,
// no too-early count for it.
TEST_F(TailProcessorTest, RecreatedWithinOneBatchIsCountedOnce) {
  auto p = Make(
      "decision_wait: 1s\nnum_traces: 1\ndecision_cache: {sampled_cache_size: 10}\n"
      "policies: [{name: a, type: always_sample}]\n");
  ASSERT_NE(p, nullptr);
  Send(*p, 1, 1, 0, kT0 + 100);
  Send(*p, 2, 1, 0, kT0 + 200);  // evicts 1
  Send(*p, 1, 2, 1, kT0 + 300);  // recreates 1, evicts 2; batch 1 holds 1, 2, 1
  p->AdvanceTo(kT0 + 2 * kSec);
  EXPECT_EQ(p->stats().traces_sampled, 1u);
  EXPECT_EQ(p->stats().traces_dropped_too_early, 1u);  // trace 2 only
}

// block_on_overflow (v0.161.0 waitForSpace): a new trace that finds the map full waits for the
// ticks that free room; it and the arrivals behind it are processed when ingestion resumes.
TEST_F(TailProcessorTest, BlockOnOverflowWaitsForRoom) {
  auto p = Make(R"(decision_wait: 1s
num_traces: 2
block_on_overflow: true
decision_cache: {sampled_cache_size: 10}
policies: [{name: a, type: always_sample}]
)");
  ASSERT_NE(p, nullptr);
  Send(*p, 1, 1, 0, kT0 + 10);
  Send(*p, 2, 1, 0, kT0 + 20);
  Send(*p, 3, 1, 0, kT0 + 30);  // full: waits for the tick at T0+2s (traces 1, 2 leave)
  EXPECT_EQ(p->now(), kT0 + 2 * kSec);
  EXPECT_EQ(p->stats().overflow_waits, 1u);
  EXPECT_EQ(out_.CountTrace(1), 1u);
  EXPECT_EQ(out_.CountTrace(2), 1u);
  EXPECT_EQ(p->stats().traces_in_memory, 1u);
  Send(*p, 4, 1, 0, kT0 + 40);  // held behind trace 3: processed at T0+2s too
  EXPECT_EQ(p->now(), kT0 + 2 * kSec);
  p->AdvanceTo(kT0 + 4 * kSec);  // batch 3 (added after the tick at T0+2s)
  EXPECT_EQ(out_.CountTrace(3), 1u);
  EXPECT_EQ(out_.CountTrace(4), 1u);
  EXPECT_EQ(p->stats().traces_dropped_too_early, 0u);
  EXPECT_EQ(p->stats().spans_refused_stalled, 0u);
}

// Without a decision cache a decided trace never leaves memory: once every trace in the full map
// is decided, upstream's loop waits forever; tracesim refuses every later span.
TEST_F(TailProcessorTest, BlockOnOverflowWithoutRoomStalls) {
  auto p = Make(R"(decision_wait: 1s
num_traces: 2
block_on_overflow: true
policies: [{name: a, type: always_sample}]
)");
  ASSERT_NE(p, nullptr);
  Send(*p, 1, 1, 0, kT0 + 10);
  Send(*p, 2, 1, 0, kT0 + 20);
  Send(*p, 3, 1, 0, kT0 + 30);
  EXPECT_EQ(out_.CountTrace(1), 1u);  // decided while waiting, but still in memory
  EXPECT_EQ(p->stats().spans_refused_stalled, 1u);
  Send(*p, 1, 2, 1, kT0 + 40);  // even a late span of a trace in memory
  EXPECT_EQ(p->stats().spans_refused_stalled, 2u);
  EXPECT_EQ(p->stats().spans_received, 2u);
}

TEST_F(TailProcessorTest, LateSpansInheritWhileInMemory) {
  auto p = Make(R"(decision_wait: 1s
policies:
  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
)");
  ASSERT_NE(p, nullptr);
  sim::Span err = MakeSpan(1, 1, 0, kT0, 1000);
  err.status = sim::StatusCode::kError;
  p->OnSpan(err, {}, {}, kT0 + 100);
  Send(*p, 2, 1, 0, kT0 + 100);
  p->AdvanceTo(kT0 + 2 * kSec);
  EXPECT_EQ(out_.CountTrace(1), 1u);
  Send(*p, 1, 2, 1, kT0 + 3 * kSec);  // late span of a kept trace: forwarded at once
  Send(*p, 2, 2, 1, kT0 + 3 * kSec);  // late span of a dropped trace: dropped
  EXPECT_EQ(out_.CountTrace(1), 2u);
  EXPECT_EQ(out_.CountTrace(2), 0u);
  EXPECT_EQ(p->stats().late_spans_inherited, 2u);
  // An error arriving after the decision cannot rescue trace 2 (split-trace pitfall).
  sim::Span late_err = MakeSpan(2, 3, 1, kT0, 1000);
  late_err.status = sim::StatusCode::kError;
  p->OnSpan(late_err, {}, {}, kT0 + 4 * kSec);
  p->AdvanceTo(kT0 + 10 * kSec);
  EXPECT_EQ(out_.CountTrace(2), 0u);
}

TEST_F(TailProcessorTest, LateSpanAfterEvictionIsDecidedAfresh) {
  auto p = Make(R"(decision_wait: 1s
num_traces: 2
policies:
  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
)");
  ASSERT_NE(p, nullptr);
  Send(*p, 1, 1, 0, kT0 + 100);  // not an error: not sampled
  p->AdvanceTo(kT0 + 2 * kSec);
  EXPECT_EQ(p->stats().traces_not_sampled, 1u);
  Send(*p, 2, 1, 0, kT0 + 2 * kSec + 1);
  Send(*p, 3, 1, 0, kT0 + 2 * kSec + 2);  // evicts decided trace 1
  sim::Span late_err = MakeSpan(1, 2, 1, kT0, 1000);
  late_err.status = sim::StatusCode::kError;
  p->OnSpan(late_err, {}, {}, kT0 + 2 * kSec + 3);  // looks like a new trace
  EXPECT_EQ(p->stats().split_traces, 1u);
  EXPECT_EQ(p->stats().late_spans_after_eviction, 1u);
  p->AdvanceTo(kT0 + 5 * kSec);
  // Decided again on partial data: the error span is kept, the first part was dropped.
  EXPECT_EQ(out_.CountTrace(1), 1u);
  EXPECT_EQ(p->stats().traces_seen, 4u);
}

TEST_F(TailProcessorTest, DecisionCachesRemoveTracesAndDecideLateSpans) {
  auto p = Make(R"(decision_wait: 1s
decision_cache: {sampled_cache_size: 1, non_sampled_cache_size: 5}
policies:
  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
)");
  ASSERT_NE(p, nullptr);
  sim::Span err1 = MakeSpan(1, 1, 0, kT0, 1000);
  err1.status = sim::StatusCode::kError;
  sim::Span err2 = MakeSpan(2, 1, 0, kT0, 1000);
  err2.status = sim::StatusCode::kError;
  p->OnSpan(err1, {}, {}, kT0 + 10);
  Send(*p, 3, 1, 0, kT0 + 20);
  p->AdvanceTo(kT0 + 2 * kSec);
  EXPECT_EQ(p->stats().traces_in_memory, 0u);  // deleted from the map after release
  Send(*p, 1, 2, 1, kT0 + 3 * kSec);
  Send(*p, 3, 2, 1, kT0 + 3 * kSec);
  EXPECT_EQ(p->stats().late_spans_cached_sampled, 1u);
  EXPECT_EQ(p->stats().late_spans_cached_not_sampled, 1u);
  EXPECT_EQ(out_.CountTrace(1), 2u);
  EXPECT_EQ(out_.CountTrace(3), 0u);
  // The sampled LRU holds one id: trace 2's decision pushes trace 1 out.
  p->OnSpan(err2, {}, {}, kT0 + 3 * kSec + 1);
  p->AdvanceTo(kT0 + 5 * kSec);
  EXPECT_EQ(out_.CountTrace(2), 1u);
  Send(*p, 1, 3, 1, kT0 + 6 * kSec);  // no longer cached: a new (split) trace
  EXPECT_EQ(p->stats().late_spans_cached_sampled, 1u);
  EXPECT_EQ(p->stats().split_traces, 1u);
  EXPECT_EQ(p->stats().traces_in_memory, 1u);
}

// rate_limiting is a token bucket on the processor clock (v0.161.0: x/time/rate, burst 2 x
// spans_per_second, starting full): the decision tick's time refills it, not span timestamps.
TEST_F(TailProcessorTest, RateLimitingTokenBucketOnDecisionTime) {
  auto p = Make(R"(decision_wait: 1s
policies:
  - {name: rl, type: rate_limiting, rate_limiting: {spans_per_second: 5}}
)");
  ASSERT_NE(p, nullptr);
  // Ten 2-span traces arrive in the first second: all are decided at tick 1 (T0+2s).
  for (uint64_t t = 1; t <= 10; ++t) {
    Send(*p, t, 1, 0, kT0 + 10 * static_cast<int64_t>(t));
    Send(*p, t, 2, 1, kT0 + 10 * static_cast<int64_t>(t) + 1);
  }
  // Ten more in the next second, decided at T0+3s: one second refills 5 tokens.
  for (uint64_t t = 11; t <= 20; ++t) {
    Send(*p, t, 1, 0, kT0 + kSec + 10 * static_cast<int64_t>(t));
    Send(*p, t, 2, 1, kT0 + kSec + 10 * static_cast<int64_t>(t) + 1);
  }
  p->AdvanceTo(kT0 + 2 * kSec);
  EXPECT_EQ(p->stats().traces_sampled, 5u);  // the full burst of 10 spans
  EXPECT_EQ(out_.CountTrace(1) + out_.CountTrace(5) + out_.CountTrace(6), 4u);
  p->AdvanceTo(kT0 + 3 * kSec);
  EXPECT_EQ(p->stats().traces_sampled, 7u);  // 5 tokens: two traces, 1 token left
  EXPECT_EQ(out_.CountTrace(11) + out_.CountTrace(12) + out_.CountTrace(13), 4u);
  EXPECT_EQ(p->stats().policies[0].sampled, 7u);
  EXPECT_EQ(p->stats().policies[0].not_sampled, 13u);
}

TEST_F(TailProcessorTest, CompositeBudgetsResetEachDecisionSecond) {
  auto p = Make(R"(decision_wait: 1s
policies:
  - name: c
    type: composite
    composite:
      max_total_spans_per_second: 4
      composite_sub_policy:
        - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
        - {name: rest, type: always_sample}
      rate_allocation: [{policy: errors, percent: 50}, {policy: rest, percent: 50}]
)");
  ASSERT_NE(p, nullptr);
  EXPECT_EQ(p->composite_allocations(0), (std::vector<int64_t>{2, 2}));
  // Second 1: three error traces and three others, 1 span each, all decided at T0+2s.
  for (uint64_t t = 1; t <= 6; ++t) {
    sim::Span s = MakeSpan(t, 1, 0, kT0, 1000);
    if (t <= 3) s.status = sim::StatusCode::kError;
    p->OnSpan(s, {}, {}, kT0 + 10 * static_cast<int64_t>(t));
  }
  // Second 2: two more others, decided at T0+3s with fresh budgets.
  for (uint64_t t = 7; t <= 8; ++t) Send(*p, t, 1, 0, kT0 + kSec + static_cast<int64_t>(t));
  p->AdvanceTo(kT0 + 3 * kSec);
  // Traces are decided in arrival order within a batch: errors 1,2 fit, 3 does not (and does
  // not fall through to `rest`); others 4,5 fit, 6 does not; 7,8 fit in the next second.
  for (uint64_t t : {1, 2, 4, 5, 7, 8}) EXPECT_EQ(out_.CountTrace(t), 1u) << t;
  for (uint64_t t : {3, 6}) EXPECT_EQ(out_.CountTrace(t), 0u) << t;
}

// Policies producing each decision on a frontend span with no attributes (the last two: the
// inverted decisions of older releases; plain Sampled and NotSampled at v0.161.0).
const char* kDecisionPolicy[5] = {
    "{name: s, type: always_sample}",  // Sampled
    "{name: ns, type: numeric_attribute, numeric_attribute: {key: key1, min_value: 1}}",
    "{name: d, type: drop, drop: {drop_sub_policy: [{name: x, type: always_sample}]}}",
    "{name: is, type: string_attribute, string_attribute: {key: key2, values: [v], invert_match: "
    "true}}",
    "{name: ins, type: string_attribute, string_attribute: {key: service.name, values: "
    "[frontend], invert_match: true}}",
};

TEST_F(TailProcessorTest, PrecedenceTruthTableThroughTheProcessor) {
  for (int combo = 2; combo < 64; ++combo) {
    const int mask = combo >> 1;
    const bool inverted = combo & 1;
    std::string yaml = "decision_wait: 1s\npolicies:\n";
    for (int i = 0; i < 5; ++i)
      if (mask >> i & 1) yaml += "  - " + std::string(kDecisionPolicy[i]) + "\n";
    out_.items.clear();
    auto p = Make(yaml, kT0, inverted);
    ASSERT_NE(p, nullptr);
    Send(*p, 1, 1, 0, kT0 + 10);
    p->AdvanceTo(kT0 + 2 * kSec);
    const bool s = mask & 1, ns = mask & 2, d = mask & 4, is = mask & 8, ins = mask & 16;
    // v0.161.0: Dropped, then any Sampled. Before: InvertNotSampled vetoes, InvertSampled keeps
    // only without a NotSampled.
    const bool kept = inverted ? !d && !ins && (s || (is && !ns)) : !d && (s || is);
    EXPECT_EQ(out_.items.size(), kept ? 1u : 0u) << "mask " << mask << "\n" << yaml;
    EXPECT_EQ(p->stats().traces_dropped, d ? 1u : 0u) << "mask " << mask;
    if (d) {
      // The drop policy runs first and breaks: no other policy votes.
      for (const auto& ps : p->stats().policies) {
        EXPECT_EQ(ps.sampled + ps.not_sampled + ps.dropped, ps.name == "d" ? 1u : 0u);
      }
    }
  }
}

TEST_F(TailProcessorTest, SampleOnFirstMatchStopsBeforeAVeto) {
  const std::string policies = "policies:\n  - " + std::string(kDecisionPolicy[0]) + "\n  - " +
                               std::string(kDecisionPolicy[4]) + "\n";
  auto off = Make("decision_wait: 1s\n" + policies, kT0, /*inverted=*/true);
  Send(*off, 1, 1, 0, kT0 + 10);
  off->AdvanceTo(kT0 + 2 * kSec);
  EXPECT_EQ(off->stats().traces_not_sampled, 1u);  // InvertNotSampled vetoes
  auto on = Make("decision_wait: 1s\nsample_on_first_match: true\n" + policies, kT0, true);
  Send(*on, 1, 1, 0, kT0 + 10);
  on->AdvanceTo(kT0 + 2 * kSec);
  EXPECT_EQ(on->stats().traces_sampled, 1u);
  EXPECT_EQ(on->stats().policies[1].not_sampled + on->stats().policies[1].sampled, 0u);
  EXPECT_EQ(on->stats().policies[0].credited, 1u);
}

TEST_F(TailProcessorTest, DecisionWaitAfterRootReceived) {
  auto p = Make(R"(decision_wait: 10s
decision_wait_after_root_received: 2s
policies: [{name: a, type: always_sample}]
)");
  ASSERT_NE(p, nullptr);
  Send(*p, 1, 2, 1, kT0 + 100);  // child first
  Send(*p, 1, 1, 0, kT0 + 200);  // root: moved to batch take_id + 2 = 2
  Send(*p, 2, 2, 1, kT0 + 300);  // no root: full decision_wait
  p->AdvanceTo(kT0 + 3 * kSec - 1);
  EXPECT_EQ(out_.items.size(), 0u);
  p->AdvanceTo(kT0 + 3 * kSec);
  EXPECT_EQ(out_.CountTrace(1), 2u);
  p->AdvanceTo(kT0 + 11 * kSec - 1);
  EXPECT_EQ(out_.CountTrace(2), 0u);
  p->AdvanceTo(kT0 + 11 * kSec);
  EXPECT_EQ(out_.CountTrace(2), 1u);
  EXPECT_EQ(p->stats().traces_sampled, 2u);  // trace 1 is not decided twice
}

TEST_F(TailProcessorTest, SubSecondRootWaitDecidesAtTheNextTick) {
  // uint64(wait.Seconds()) = 0 batches from now: the batch the next tick takes.
  auto p = Make(R"(decision_wait: 10s
decision_wait_after_root_received: 500ms
policies: [{name: a, type: always_sample}]
)");
  ASSERT_NE(p, nullptr);
  Send(*p, 1, 1, 0, kT0 + 900'000'000);
  p->AdvanceTo(kT0 + kSec);
  EXPECT_EQ(out_.CountTrace(1), 1u);
  EXPECT_EQ(p->stats().DecisionLatencyQuantileMs(1.0), 101);
}

TEST_F(TailProcessorTest, MaximumTraceSizeDropsBeforeDecision) {
  // The cap counts ResourceSpansSize of every arriving batch (here: one span each).
  const sim::Span r = MakeSpan(1, 1, 0, kT0 - 1'000'000, 1'000'000);
  const sim::Span c = MakeSpan(1, 2, 1, kT0 - 1'000'000, 1'000'000);
  const uint64_t root = OtlpResourceSpansSize(model_, r, OtlpSpanSize(model_, r, {}, {}));
  const uint64_t child = OtlpResourceSpansSize(model_, c, OtlpSpanSize(model_, c, {}, {}));
  EXPECT_EQ(child, root + 10);  // parent_span_id
  const uint64_t root_mem = LengthDelimitedSize(OtlpSpanSize(model_, r, {}, {}));
  const uint64_t child_mem = LengthDelimitedSize(OtlpSpanSize(model_, c, {}, {}));
  auto p = Make("decision_wait: 1s\nmaximum_trace_size_bytes: " + std::to_string(root + child) +
                "\npolicies: [{name: a, type: always_sample}]\n");
  ASSERT_NE(p, nullptr);
  Send(*p, 1, 1, 0, kT0 + 10);
  Send(*p, 1, 2, 1, kT0 + 20);
  EXPECT_EQ(p->stats().bytes_buffered, root_mem + child_mem);  // at the cap: kept
  EXPECT_EQ(p->stats().traces_dropped_too_large, 0u);
  Send(*p, 1, 3, 1, kT0 + 30);  // over the cap
  EXPECT_EQ(p->stats().traces_dropped_too_large, 1u);
  EXPECT_EQ(p->stats().bytes_buffered, 0u);
  Send(*p, 1, 4, 1, kT0 + 40);  // late: follows the drop
  Send(*p, 2, 1, 0, kT0 + 50);
  p->AdvanceTo(kT0 + 3 * kSec);
  EXPECT_EQ(out_.CountTrace(1), 0u);
  EXPECT_EQ(out_.CountTrace(2), 1u);
  EXPECT_EQ(p->stats().peak_bytes_buffered, root_mem + 2 * child_mem);
}

TEST_F(TailProcessorTest, ShutdownDecidesOrDropsPendingTraces) {
  auto p = Make("decision_wait: 30s\npolicies: [{name: a, type: always_sample}]\n");
  Send(*p, 1, 1, 0, kT0 + 10);
  Send(*p, 2, 1, 0, kT0 + 5 * kSec);
  p->Shutdown(kT0 + 6 * kSec);
  EXPECT_EQ(out_.items.size(), 2u);
  EXPECT_EQ(p->stats().traces_sampled, 2u);
  out_.items.clear();
  auto q = Make(
      "decision_wait: 30s\ndrop_pending_traces_on_shutdown: true\n"
      "policies: [{name: a, type: always_sample}]\n");
  Send(*q, 1, 1, 0, kT0 + 10);
  q->Shutdown(kT0 + 6 * kSec);
  EXPECT_EQ(out_.items.size(), 0u);
  EXPECT_EQ(q->stats().traces_dropped_on_shutdown, 1u);
  EXPECT_EQ(q->stats().spans_buffered, 0u);
}

TEST_F(TailProcessorTest, UnsupportedModesAreRejectedClearly) {
  for (const char* extra : {"num_shards: 2\n", "sampling_strategy: span-ingest\n"}) {
    auto cfg = LoadTailSamplingConfigString(
        std::string(extra) + "policies: [{name: a, type: always_sample}]\n", "", "u.yaml");
    ASSERT_TRUE(cfg.ok()) << cfg.status().message();
    auto p = TailSamplingProcessor::Create(*cfg, model_);
    ASSERT_FALSE(p.ok()) << extra;
    EXPECT_EQ(p.status().code(), sim::Status::Code::kUnsupported);
    EXPECT_NE(p.status().message().find("u.yaml"), std::string::npos);
  }
}

TEST_F(TailProcessorTest, MemoryIsBoundedByNumTraces) {
  auto p = Make(R"(decision_wait: 5s
num_traces: 50
policies:
  - {name: p, type: probabilistic, probabilistic: {sampling_percentage: 30}}
)");
  ASSERT_NE(p, nullptr);
  sim::Rng rng(301);
  int64_t t = kT0;
  uint64_t sent = 0;
  for (int i = 0; i < 20000; ++i) {
    t += static_cast<int64_t>(rng.Below(2'000'000));                   // ~1000 spans/s
    uint64_t trace = 1 + rng.Below(static_cast<uint64_t>(i / 5 + 1));  // revisits old ids
    Send(*p, trace, static_cast<uint64_t>(i) + 1, rng.Below(4), t);
    ++sent;
    ASSERT_LE(p->stats().traces_in_memory, 50u);
  }
  p->Shutdown(t + kSec);
  const TailSamplingStats& s = p->stats();
  EXPECT_EQ(s.spans_received, sent);
  EXPECT_LE(s.peak_traces_in_memory, 50u);
  EXPECT_GT(s.traces_dropped_too_early, 0u);            // 50 traces cannot hold 5 s of traffic
  EXPECT_EQ(s.spans_released + s.spans_dropped, sent);  // every span accounted for
  EXPECT_EQ(s.spans_released, out_.items.size());
  EXPECT_EQ(s.spans_buffered, 0u);
}

TEST_F(TailProcessorTest, ReleasedSpansKeepEventsAndByteAccounting) {
  auto p = Make("decision_wait: 1s\npolicies: [{name: a, type: always_sample}]\n");
  sim::Span s = MakeSpan(1, 1, 0, kT0, 1000);
  s.first_event = 77;  // index in the caller's array: ignored
  sim::SpanEvent ev[2];
  ev[0].name = model_.strings.Find("exception");
  ev[1].name = model_.strings.Find("exception");
  p->OnSpan(s, ev, {}, kT0 + 10);
  const uint64_t expect = LengthDelimitedSize(OtlpSpanSize(model_, s, ev, {}));
  EXPECT_EQ(p->stats().bytes_buffered, expect);
  EXPECT_EQ(p->stats().spans_buffered, 1u);
  p->AdvanceTo(kT0 + 2 * kSec);
  ASSERT_EQ(out_.items.size(), 1u);
  EXPECT_EQ(out_.items[0].events, 2u);
  EXPECT_EQ(p->stats().bytes_buffered, 0u);
  EXPECT_EQ(p->stats().peak_bytes_buffered, expect);
}

}  // namespace
}  // namespace tracesim::sampling

namespace tracesim::sampling {
namespace {

// The 2022 blog config end to end. Its num_traces: 100 holds only ~9 traces/s for a 10 s wait:
// at 200 traces/s almost everything is evicted before a decision (issue #29024); at 8 traces/s
// every error trace is kept and about a quarter of the others.
uint64_t RunBlog(const sim::Model& model, CollectingListener* out, int64_t gap_ns,
                 TailSamplingStats* stats, uint64_t* errors) {
  auto cfg = LoadTailSamplingConfigFile(tracesim::testing::SharedDir() +
                                        "/testdata/otel-io-blog/tail_sampling_2022_blog.yaml");
  EXPECT_TRUE(cfg.ok()) << cfg.status().message();
  TailSamplingProcessor::Options opt;
  opt.start_unix_nano = kT0;
  auto p = TailSamplingProcessor::Create(*cfg, model, opt);
  EXPECT_TRUE(p.ok()) << p.status().message();
  (*p)->SetDownstream(out);
  sim::Rng rng(42);
  int64_t t = kT0;
  *errors = 0;
  const uint64_t kTraces = 4000;
  for (uint64_t trace = 1; trace <= kTraces; ++trace) {
    t += gap_ns;
    const bool is_error = rng.Below(20) == 0;
    *errors += is_error;
    const sim::TraceId id{trace * 0x9E3779B97F4A7C15ull, rng.Next()};
    for (uint64_t s = 1; s <= 3; ++s) {
      sim::Span span = MakeSpan(trace, s, s == 1 ? 0 : 1, t - 1'000'000, 1'000'000);
      span.trace_id = id;
      if (s == 3 && is_error) span.status = sim::StatusCode::kError;
      (*p)->OnSpan(span, {}, {}, t + static_cast<int64_t>(s));
    }
  }
  (*p)->Shutdown(t + 40 * kSec);
  *stats = (*p)->stats();
  return kTraces;
}

TEST_F(TailProcessorTest, BlogConfigAtHighRateEvictsBeforeDeciding) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  TailSamplingStats st;
  uint64_t errors = 0;
  RunBlog(model_, &out_, 5'000'000, &st, &errors);  // 200 traces/s
  EXPECT_GT(st.traces_dropped_too_early, 3000u);
  EXPECT_LT(st.policies[0].credited, errors / 4);  // most error traces are lost
  EXPECT_EQ(st.peak_traces_in_memory, 100u);
}

TEST_F(TailProcessorTest, BlogConfigKeepsErrorsAndAQuarter) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  TailSamplingStats st;
  uint64_t errors = 0;
  const uint64_t n = RunBlog(model_, &out_, 125'000'000, &st, &errors);  // 8 traces/s
  EXPECT_EQ(st.traces_seen, n);
  EXPECT_EQ(st.traces_dropped_too_early, 0u);
  EXPECT_GT(errors, 100u);
  EXPECT_EQ(st.policies[0].credited, errors);  // errors-policy credited for every error trace
  const double others_kept =
      static_cast<double>(st.traces_sampled - errors) / static_cast<double>(n - errors);
  EXPECT_NEAR(others_kept, 0.25, 0.03);
  EXPECT_EQ(out_.items.size(), 3 * st.traces_sampled);  // whole traces kept
  // decision_wait: 10s => decided 10..11 s after the first span.
  EXPECT_GE(st.DecisionLatencyQuantileMs(0.0), 10000);
  EXPECT_LE(st.DecisionLatencyQuantileMs(1.0), 11001);
}

}  // namespace
}  // namespace tracesim::sampling

namespace tracesim::sampling {
namespace {

// Spans are buffered as packed records (their used part only): every field and every dynamic
// attribute must come back out unchanged, whatever the attribute count, through the policies
// (an attribute policy reads them) and the release; the release listener gets the same sizes.
class SizedCollector final : public TailReleaseListener {
 public:
  void OnRelease(const sim::Span& span, std::span<const sim::SpanEvent> events,
                 std::span<const sim::SpanLink>, uint32_t span_size) noexcept override {
    spans.push_back(span);
    sizes.push_back(span_size);
    event_counts.push_back(events.size());
  }
  std::vector<sim::Span> spans;
  std::vector<uint32_t> sizes;
  std::vector<size_t> event_counts;
};

TEST(TailProcessorPackingTest, ReleasedSpansEqualTheArrivedOnes) {
  sim::Model model = testing::MakeTailModel();
  const sim::StrId key = model.strings.Intern("key1");
  auto cfg = LoadTailSamplingConfigString(
      "decision_wait: 1s\npolicies: [{name: a, type: string_attribute, string_attribute: "
      "{key: key1, values: [value1]}}]\n",
      "", "proc.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  TailSamplingProcessor::Options opt;
  opt.start_unix_nano = kT0;
  auto p = TailSamplingProcessor::Create(*cfg, model, opt);
  ASSERT_TRUE(p.ok());
  SizedCollector out;
  (*p)->SetReleaseListener(&out);
  std::vector<sim::Span> sent;
  sim::SpanEvent event;
  event.name = model.strings.Intern("exception");
  for (int n = 0; n <= sim::kMaxDynamicAttrs; ++n) {
    sim::Span s = MakeSpan(1, 100 + n, n == 0 ? 0 : 100, kT0 + n, 1000);
    for (int a = 0; a < n; ++a)
      s.AddAttr(model.strings.Intern("k" + std::to_string(a)), sim::AttrValue::Int(a * 1000 + n));
    // Only one late span carries the matching attribute (as its 14th): the policy must read
    // past the earlier, differently sized records to find it.
    if (n == sim::kMaxDynamicAttrs - 1) {
      s.SetAttr(key, sim::AttrValue::String(model.strings.Intern("value1")));
    }
    sent.push_back(s);
    const bool with_event = n % 3 == 0;
    (*p)->OnSpan(
        s,
        with_event ? std::span<const sim::SpanEvent>(&event, 1) : std::span<const sim::SpanEvent>(),
        {}, kT0 + 10 + n);
  }
  (*p)->AdvanceTo(kT0 + 3 * kSec);
  ASSERT_EQ(out.spans.size(), sent.size());
  for (size_t i = 0; i < sent.size(); ++i) {
    const sim::Span& a = sent[i];
    const sim::Span& b = out.spans[i];
    EXPECT_EQ(b.span_id, a.span_id);
    EXPECT_EQ(b.parent_span_id, a.parent_span_id);
    EXPECT_EQ(b.start_unix_nano, a.start_unix_nano);
    EXPECT_EQ(b.end_unix_nano, a.end_unix_nano);
    ASSERT_EQ(b.dynamic_count, a.dynamic_count);
    for (int k = 0; k < a.dynamic_count; ++k) {
      EXPECT_EQ(b.dynamic_attrs[k].key, a.dynamic_attrs[k].key);
      EXPECT_TRUE(b.dynamic_attrs[k].value == a.dynamic_attrs[k].value);
    }
    EXPECT_EQ(out.event_counts[i], i % 3 == 0 ? 1u : 0u);
    const std::span<const sim::SpanEvent> ev =
        i % 3 == 0 ? std::span<const sim::SpanEvent>(&event, 1) : std::span<const sim::SpanEvent>();
    EXPECT_EQ(out.sizes[i], OtlpSpanSize(model, a, ev, {}));
  }
  EXPECT_EQ((*p)->stats().spans_buffered, 0u);
  EXPECT_EQ((*p)->stats().bytes_buffered, 0u);
}

// A release listener that only counts (NeedsSpans false), or that reads every span.
class CountingReleases final : public TailReleaseListener {
 public:
  explicit CountingReleases(bool needs_spans) : needs_spans_(needs_spans) {}
  bool NeedsSpans() const noexcept override { return needs_spans_; }
  void OnRelease(const sim::Span& span, std::span<const sim::SpanEvent>,
                 std::span<const sim::SpanLink>, uint32_t span_size) noexcept override {
    ++span_calls;
    Count(span.trace_id, 1, span_size, span.observed ? 1 : 0, span.observed ? span_size : 0);
  }
  void OnReleaseCounts(const sim::TraceId& trace, uint64_t spans, uint64_t bytes,
                       uint64_t observed_spans, uint64_t observed_bytes) noexcept override {
    ++count_calls;
    Count(trace, spans, bytes, observed_spans, observed_bytes);
  }
  // Per trace (low id word): spans, bytes, observed spans, observed bytes.
  std::map<uint64_t, std::array<uint64_t, 4>> per_trace;
  uint64_t span_calls = 0, count_calls = 0;

 private:
  void Count(const sim::TraceId& t, uint64_t n, uint64_t b, uint64_t on, uint64_t ob) {
    auto& r = per_trace[t.lo];
    r[0] += n;
    r[1] += b;
    r[2] += on;
    r[3] += ob;
  }
  bool needs_spans_;
};

// Feeds a seeded stream of traces (some with an error span, some slow, some in the warm-up, some
// late) to `p`; returns the stats.
TailSamplingStats FeedMixedTraffic(TailSamplingProcessor& p, const sim::Model& model) {
  sim::Rng rng(7);
  SpanSizer sizer(model);
  for (uint64_t t = 1; t <= 400; ++t) {
    const int64_t at = kT0 + static_cast<int64_t>(t) * (kSec / 40);
    const int spans = 1 + static_cast<int>(rng.Next() % 6);
    const int64_t dur = (rng.Next() % 10 == 0 ? 2000 : 20) * 1'000'000;
    for (int i = 0; i < spans; ++i) {
      sim::Span s = MakeSpan(t, 100 + i, i == 0 ? 0 : 100, at - dur, i == 0 ? dur : dur / 2);
      s.status = rng.Next() % 25 == 0 ? sim::StatusCode::kError : sim::StatusCode::kUnset;
      s.observed = t > 40;
      p.OnSpan(s, {}, {}, at + (i == spans - 1 && t % 7 == 0 ? 2 * kSec : 0),
               sizer.SpanSize(s, {}, {}));
    }
  }
  p.Shutdown(kT0 + 30 * kSec);
  return p.stats();
}

// A processor whose policies and listener read no spans keeps none: its decisions, figures and
// released counts equal those of one that keeps them.
TEST(TailProcessorCountingTest, KeepsNoSpansWhenNothingReadsThem) {
  sim::Model model = testing::MakeTailModel();
  const std::string yaml =
      "decision_wait: 2s\npolicies:\n"
      "  - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}\n"
      "  - {name: slow, type: latency, latency: {threshold_ms: 1500}}\n"
      "  - {name: some, type: and, and: {and_sub_policy: [\n"
      "      {name: p, type: probabilistic, probabilistic: {sampling_percentage: 30}},\n"
      "      {name: n, type: span_count, span_count: {min_spans: 2}}]}}\n";
  auto cfg = LoadTailSamplingConfigString(yaml, "", "proc.yaml");
  ASSERT_TRUE(cfg.ok()) << cfg.status().message();
  TailSamplingProcessor::Options opt;
  opt.start_unix_nano = kT0;
  std::map<uint64_t, std::array<uint64_t, 4>> released[2];
  TailSamplingStats stats[2];
  for (int needs = 0; needs < 2; ++needs) {
    auto p = TailSamplingProcessor::Create(*cfg, model, opt);
    ASSERT_TRUE(p.ok());
    CountingReleases out(needs == 1);
    (*p)->SetReleaseListener(&out);
    stats[needs] = FeedMixedTraffic(**p, model);
    released[needs] = out.per_trace;
    // Counting: one call per kept trace (late spans of kept traces still come one by one).
    if (needs == 0) {
      EXPECT_GT(out.count_calls, 20u);
      EXPECT_LT(out.span_calls, 40u);
    } else {
      EXPECT_EQ(out.count_calls, 0u);
    }
  }
  EXPECT_EQ(released[0], released[1]);
  EXPECT_GT(released[0].size(), 30u);
  EXPECT_EQ(stats[0].traces_sampled, stats[1].traces_sampled);
  EXPECT_EQ(stats[0].spans_released, stats[1].spans_released);
  EXPECT_EQ(stats[0].spans_dropped, stats[1].spans_dropped);
  EXPECT_EQ(stats[0].late_spans_inherited, stats[1].late_spans_inherited);
  EXPECT_EQ(stats[0].peak_bytes_buffered, stats[1].peak_bytes_buffered);
  for (size_t i = 0; i < stats[0].policies.size(); ++i)
    EXPECT_EQ(stats[0].policies[i].sampled, stats[1].policies[i].sampled) << i;
}

// A policy that reads spans makes the processor keep them, whatever the listener needs.
TEST(TailProcessorCountingTest, APolicyReadingSpansKeepsThem) {
  sim::Model model = testing::MakeTailModel();
  for (const char* policy :
       {"{name: a, type: string_attribute, string_attribute: {key: k, values: [v]}}",
        "{name: a, type: latency, latency: {threshold_ms: 1, upper_threshold_ms: 5000}}",
        "{name: a, type: not, not: {not_sub_policy: {name: t, type: trace_flags}}}"}) {
    auto cfg = LoadTailSamplingConfigString(
        std::string("decision_wait: 1s\npolicies: [") + policy + "]\n", "", "proc.yaml");
    ASSERT_TRUE(cfg.ok()) << policy << ": " << cfg.status().message();
    TailSamplingProcessor::Options opt;
    opt.start_unix_nano = kT0;
    auto p = TailSamplingProcessor::Create(*cfg, model, opt);
    ASSERT_TRUE(p.ok()) << policy;
    CountingReleases out(false);
    (*p)->SetReleaseListener(&out);
    FeedMixedTraffic(**p, model);
    EXPECT_EQ(out.count_calls, 0u) << policy;
  }
}

}  // namespace
}  // namespace tracesim::sampling
