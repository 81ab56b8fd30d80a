// The sampling lab end to end: strategies scored against the ground truth on simulated incident
// traffic (issue #4's acceptance checks).
#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "sampling/lab/lab.h"
#include "sampling/lab/strategy_config.h"
#include "scenarios/scenario.h"
#include "sim/kernel/simulation.h"
#include "workloads/workload.h"

namespace tracesim {
namespace {

struct LabRun {
  std::vector<sampling::StrategyScore> scores;
  sim::SimulationStats stats;
};

// Runs the built-in checkout topology for `seconds` with an error fault on payment (20% of
// payments fail) and the strategies in `samplers_yaml`.
// A tap that counts the spans the strategies store.
struct StoredCount final : sampling::LabTap {
  void OnArrival(size_t, const sim::Span&, std::span<const sim::SpanEvent>,
                 std::span<const sim::SpanLink>, int64_t) override {}
  void OnStored(size_t, const sim::Span&) override { ++stored; }
  uint64_t stored = 0;
};

// `tap`, when set, observes the lab's stages (every stage then keeps whole spans).
LabRun RunLab(const std::string& samplers_yaml, double seconds = 60, uint64_t seed = 3,
              sampling::LabTap* tap = nullptr) {
  auto sc = scenarios::LoadBuiltinScenario("checkout");
  EXPECT_TRUE(sc.ok());
  sim::Fault f;
  f.id = "payment-errors";
  f.kind = sim::Fault::Kind::kError;
  f.service = sc->model.FindService("payment");
  f.probability = 0.2;
  sc->faults.faults.push_back(f);
  sim::InternFaultTags(&sc->faults, &sc->model);
  auto strategies = sampling::ParseStrategies(YAML::Load(samplers_yaml), "t.yaml", "");
  EXPECT_TRUE(strategies.ok()) << strategies.status().ToString();
  auto lab =
      sampling::SamplingLab::Create(sc->model, &sc->faults, *strategies, sampling::LabOptions{});
  EXPECT_TRUE(lab.ok()) << lab.status().ToString();
  if (tap != nullptr) (*lab)->SetTap(tap);
  sim::SimulationOptions opt;
  opt.seed = seed;
  opt.faults = &sc->faults;
  sim::Duration d = sim::Duration::FromSecondsF(seconds);
  auto w = workloads::Workload::Create(sc->workload, sc->model, seed, d);
  sim::Simulation s(sc->model, opt);
  s.AddObserver(lab->get());
  EXPECT_TRUE(s.Run(w->get()).ok());
  (*lab)->Finish(opt.start_unix_nanos + s.stats().end_time.nanos());
  return LabRun{(*lab)->Scores(seconds), s.stats()};
}

TEST(SamplingLabTest, AlwaysOnKeepsEverythingAlwaysOffNothing) {
  LabRun r = RunLab(R"(
- {name: on, head: {sampler: always_on}}
- {name: off, head: {sampler: always_off}}
- {name: none}
)");
  ASSERT_EQ(r.scores.size(), 3u);
  const auto& on = r.scores[0];
  EXPECT_GT(on.error_traces, 500u);
  EXPECT_EQ(on.traces_kept, on.traces);
  EXPECT_EQ(on.spans_kept, on.spans);
  EXPECT_DOUBLE_EQ(on.error_recall, 1.0);
  EXPECT_DOUBLE_EQ(on.rare_path_recall, 1.0);
  EXPECT_DOUBLE_EQ(on.completeness, 1.0);
  ASSERT_EQ(on.by_fault.size(), 1u);
  EXPECT_DOUBLE_EQ(on.by_fault[0].recall, 1.0);
  EXPECT_NEAR(on.est_error_rate, on.true_error_rate, 1e-12)
      << "nothing sampled: the estimate is the truth";
  const auto& off = r.scores[1];
  EXPECT_EQ(off.traces_kept, 0u);
  EXPECT_EQ(off.spans_kept, 0u);
  EXPECT_EQ(off.bytes_kept, 0u);
  EXPECT_DOUBLE_EQ(off.error_recall, 0.0);
  // No configuration at all is the SDK default: everything.
  EXPECT_EQ(r.scores[2].traces_kept, r.scores[2].traces);
  EXPECT_TRUE(on.pareto && off.pareto);
}

TEST(SamplingLabTest, TenPercentRatioRecallLiesInTheBinomialInterval) {
  LabRun r = RunLab(R"(
- {name: go, head: {sampler: parentbased_traceidratio, ratio: 0.1, algorithm: go}}
- {name: java, head: {sampler: parentbased_traceidratio, ratio: 0.1, algorithm: java}}
- {name: consistent, head: {sampler: parentbased_probability, ratio: 0.1}}
- {name: collector, probabilistic_sampler: {sampling_percentage: 10}}
)");
  for (const auto& s : r.scores) {
    double n = static_cast<double>(s.error_traces);
    double sigma = std::sqrt(n * 0.1 * 0.9);
    EXPECT_NEAR(static_cast<double>(s.error_traces_kept), n * 0.1, 4 * sigma) << s.name;
    EXPECT_NEAR(static_cast<double>(s.traces_kept), s.traces * 0.1, 4 * std::sqrt(s.traces * 0.09))
        << s.name;
    // ParentBased: a kept trace is kept whole.
    EXPECT_DOUBLE_EQ(s.completeness, 1.0) << s.name;
    // Adjusted counts (x10) estimate the request rate.
    EXPECT_NEAR(s.est_rate, s.true_rate, s.true_rate * 0.15) << s.name;
  }
}

TEST(SamplingLabTest, TailErrorPolicyKeepsEveryErrorTraceDecidedAfterItsSpans) {
  // decision_wait far above the longest trace: every span arrives before the decision.
  LabRun r = RunLab(R"(
- name: errors
  tail_sampling:
    decision_wait: 20s
    policies: [{name: errors, type: status_code, status_code: {status_codes: [ERROR]}}]
)");
  const auto& s = r.scores[0];
  EXPECT_GT(s.error_traces, 500u);
  EXPECT_EQ(s.error_traces_kept, s.error_traces);
  EXPECT_EQ(s.traces_kept, s.error_traces) << "only error traces";
  EXPECT_DOUBLE_EQ(s.completeness, 1.0);
  EXPECT_TRUE(s.has_tail);
  EXPECT_GT(s.peak_traces_buffered, 0u);
  EXPECT_GE(s.decision_latency_p50_s, 20.0);
  // With count 1 per kept trace the sample says almost everything fails: the classic bias.
  EXPECT_GT(s.est_error_rate, 0.9);
}

TEST(SamplingLabTest, ShortDecisionWaitMissesLateSpansAndFragmentsTraces) {
  // Stripe's p99 is above a second: with a 1 s wait, long traces are decided before their last
  // spans arrive, so some kept traces are incomplete.
  LabRun r = RunLab(R"(
- name: hasty
  tail_sampling:
    decision_wait: 1s
    policies: [{name: all, type: always_sample}]
)");
  const auto& s = r.scores[0];
  EXPECT_GT(s.late_spans, 0u);
  EXPECT_EQ(s.traces_kept, s.traces) << "always_sample keeps every trace, late spans included";
}

TEST(SamplingLabTest, PipelineStagesCompose) {
  LabRun r = RunLab(R"(
- {name: head25, head: {sampler: parentbased_traceidratio, ratio: 0.25}}
- name: head25-then-prob40
  head: {sampler: parentbased_traceidratio, ratio: 0.25}
  probabilistic_sampler: {sampling_percentage: 40, mode: proportional}
)");
  const auto& a = r.scores[0];
  const auto& b = r.scores[1];
  EXPECT_LT(b.traces_kept, a.traces_kept);
  EXPECT_NEAR(static_cast<double>(b.traces_kept) / a.traces_kept, 0.4, 0.06);
  EXPECT_NE(b.pipeline.find("probabilistic_sampler(40%)"), std::string::npos) << b.pipeline;
}

// Stacked probabilistic_sampler stages (processor/probabilisticsamplerprocessor, v0.161.0): a
// stage writes th/rv into the span's tracestate and the next stage reads them. hash_seed after
// hash_seed finds rv already set (kRandomnessInUse): with fail_closed (the default) it drops
// every span, without it it keeps every span the first stage kept. Confirmed by the oracle
// (peers/lab_oracle/agreement.sh: the upstream probabilistic_sampler config.yaml, proportional
// then hash_seed, keeps nothing in the Collector).
TEST(SamplingLabTest, StackedProbabilisticStagesSeeTheRewrittenTraceState) {
  const std::string dir = ::testing::TempDir();
  {
    std::ofstream f(dir + "/stacked.yaml");
    f << R"(processors:
  probabilistic_sampler/a: {mode: hash_seed, hash_seed: 22, sampling_percentage: 50}
  probabilistic_sampler/closed: {mode: hash_seed, hash_seed: 7, sampling_percentage: 50}
  probabilistic_sampler/open: {mode: hash_seed, hash_seed: 7, sampling_percentage: 50, fail_closed: false}
)";
  }
  LabRun r = RunLab(
      "- {name: one, collector: " + dir + R"(/stacked.yaml, processors: [probabilistic_sampler/a]}
- {name: closed, collector: )" +
      dir + R"(/stacked.yaml, processors: [probabilistic_sampler/a, probabilistic_sampler/closed]}
- {name: open, collector: )" +
      dir + R"(/stacked.yaml, processors: [probabilistic_sampler/a, probabilistic_sampler/open]}
)");
  ASSERT_EQ(r.scores.size(), 3u);
  EXPECT_NEAR(static_cast<double>(r.scores[0].traces_kept) / r.scores[0].traces, 0.5, 0.03);
  EXPECT_EQ(r.scores[1].spans_kept, 0u) << "fail_closed: rv in use drops the span";
  EXPECT_EQ(r.scores[2].spans_kept, r.scores[0].spans_kept) << "fail open: the error keeps it";
}

// Tail stages whose policies read no spans, last in their strategy, keep none (a kept trace is
// released as counts), and the SDK buffers in front of them store spans without attributes,
// events and links (doc/sampling-tail.md). A tap makes every stage keep whole spans: the scores
// must not change, with evictions (num_traces), late spans and a head sampler in front.
// Strategy k kept some but not all traces in `a`, and exactly what it kept in `b`.
void ExpectSameKept(const sampling::StrategyScore& a, const sampling::StrategyScore& b, size_t k) {
  EXPECT_GT(a.traces_kept, 0u) << k;
  EXPECT_LT(a.traces_kept, a.traces) << k;
  EXPECT_EQ(a.traces, b.traces) << k;
  EXPECT_EQ(a.traces_kept, b.traces_kept) << k;
  EXPECT_EQ(a.spans_kept, b.spans_kept) << k;
  EXPECT_EQ(a.bytes_kept, b.bytes_kept) << k;
  EXPECT_EQ(a.error_traces_kept, b.error_traces_kept) << k;
  EXPECT_EQ(a.slow_p99_kept, b.slow_p99_kept) << k;
  EXPECT_EQ(a.complete_kept, b.complete_kept) << k;
  EXPECT_EQ(a.fragmented_kept, b.fragmented_kept) << k;
  EXPECT_EQ(a.shapes_kept, b.shapes_kept) << k;
}

// Two strategies whose tail stages read no spans: they may only count what they store.
const char* const kCountingTails = R"(
- name: tail
  tail_sampling:
    decision_wait: 3s
    num_traces: 300
    policies:
      - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
      - {name: slow, type: latency, latency: {threshold_ms: 300}}
      - {name: some, type: probabilistic, probabilistic: {sampling_percentage: 10}}
- name: head-then-limits
  head: {sampler: parentbased_traceidratio, ratio: 0.3}
  tail_sampling:
    decision_wait: 1s
    policies:
      - {name: rate, type: rate_limiting, rate_limiting: {spans_per_second: 200}}
      - {name: big, type: and, and: {and_sub_policy: [
          {name: n, type: span_count, span_count: {min_spans: 12}},
          {name: b, type: bytes_limiting, bytes_limiting: {bytes_per_second: 100000}}]}}
)";

TEST(SamplingLabTest, TailStagesKeepingNoSpansScoreAsKeepingThem) {
  const std::string yaml = kCountingTails;
  StoredCount tap;
  const LabRun lean = RunLab(yaml, 40);
  const LabRun whole = RunLab(yaml, 40, 3, &tap);
  ASSERT_EQ(lean.scores.size(), 2u);
  ASSERT_EQ(whole.scores.size(), 2u);
  EXPECT_GT(tap.stored, 0u);
  for (size_t k = 0; k < 2; ++k) ExpectSameKept(lean.scores[k], whole.scores[k], k);
}

// A tap that reads only the scores (the HTML report's "kept by" notes) gets every scored trace
// and no span, and the stages count what they store as with no tap: the same scores.
TEST(SamplingLabTest, ScoreOnlyTapGetsEveryTraceAndNoSpan) {
  struct ScoreOnly final : sampling::LabTap {
    void OnArrival(size_t, const sim::Span&, std::span<const sim::SpanEvent>,
                   std::span<const sim::SpanLink>, int64_t) override {
      ++spans;
    }
    void OnStored(size_t, const sim::Span&) override { ++spans; }
    void OnScored(const sim::TraceId&, std::span<const uint32_t> kept) override {
      ++scored;
      for (uint32_t n : kept) kept_spans += n;
    }
    bool WantsSpans() const override { return false; }
    uint64_t spans = 0, scored = 0, kept_spans = 0;
  } tap;
  const LabRun lean = RunLab(kCountingTails, 40);
  const LabRun tapped = RunLab(kCountingTails, 40, 3, &tap);
  ASSERT_EQ(tapped.scores.size(), 2u);
  EXPECT_EQ(tap.spans, 0u);
  EXPECT_EQ(tap.scored, tapped.stats.traces_finished);
  EXPECT_EQ(tap.kept_spans, tapped.scores[0].spans_kept + tapped.scores[1].spans_kept);
  for (size_t k = 0; k < 2; ++k) ExpectSameKept(lean.scores[k], tapped.scores[k], k);
}

// With at most 32 strategies the lab carries each trace's pool slot in the spans' observer word;
// past that it looks the slot up by trace id. Both ways score alike: two strategies scored among
// 33 (31 copies of a third) equal the same two scored alone.
TEST(SamplingLabTest, ManyStrategiesScoreAsFew) {
  const std::string two = R"(
- name: head
  head: {sampler: parentbased_traceidratio, ratio: 0.3}
- name: tail
  export: span_end
  tail_sampling:
    decision_wait: 2s
    policies:
      - {name: errors, type: status_code, status_code: {status_codes: [ERROR]}}
      - {name: some, type: probabilistic, probabilistic: {sampling_percentage: 10}}
)";
  std::string many = two;
  for (int i = 0; i < 31; ++i)
    many += "- {name: all-" + std::to_string(i) + ", head: {sampler: parentbased_always_on}}\n";
  const LabRun alone = RunLab(two, 30);
  const LabRun among = RunLab(many, 30);
  ASSERT_EQ(alone.scores.size(), 2u);
  ASSERT_EQ(among.scores.size(), 33u);
  EXPECT_EQ(among.scores[2].spans_kept, among.scores[2].spans);
  for (size_t k = 0; k < 2; ++k) ExpectSameKept(alone.scores[k], among.scores[k], k);
}

// Upstream's tail_sampling decides on a ticker: a trace is decided decision_wait after its first
// span even when no other span arrives. With LabOptions::start_unix_nanos the lab asks the
// simulation for time advances and fires the ticks on time (before, only a later span or
// Finish() did).
TEST(SamplingLabTest, TailStagesTickOnTimeWithoutFurtherSpans) {
  auto sc = scenarios::LoadBuiltinScenario("checkout");
  ASSERT_TRUE(sc.ok());
  auto strategies = sampling::ParseStrategies(YAML::Load(R"(
- name: all
  export: span_end  # the span reaches the Collector as it ends
  tail_sampling: {decision_wait: 2s, policies: [{name: all, type: always_sample}]}
)"),
                                              "t.yaml", "");
  ASSERT_TRUE(strategies.ok());
  StoredCount tap;
  const int64_t start = 1'767'225'600'000'000'000;
  sampling::LabOptions options;
  options.start_unix_nanos = start;
  auto lab = sampling::SamplingLab::Create(sc->model, nullptr, *strategies, options);
  ASSERT_TRUE(lab.ok());
  sampling::SamplingLab& l = **lab;
  l.SetTap(&tap);
  ASSERT_TRUE(l.Interests() & sim::SimulationObserver::kTimeAdvance);
  sim::Span root;
  root.trace_id = sim::TraceId{1, 2};
  root.span_id = 1;
  root.service = 0;
  root.start_unix_nano = start + 100'000'000;
  root.end_unix_nano = start + 500'000'000;  // arrives at 0.5 s: the tail stage starts then
  root.observer_bits = l.OnSpanStart(sc->model, root, nullptr);
  l.OnSpanEnd(sc->model, root, {}, {});
  // The Collector starts with the run: the ticker fires at 1 s, 2 s, 3 s. decision_wait 2 s = 2
  // batches behind the current one (the batch the trace joined at 0.5 s closes at 1 s): decided
  // at the 3 s tick.
  std::vector<int64_t> wakes;
  while (wakes.size() < 4) {
    const sim::Time w = l.NextWakeup();
    wakes.push_back(w.nanos());
    l.OnTimeAdvance(w);
    if (tap.stored > 0) break;
  }
  EXPECT_EQ(tap.stored, 1u) << "decided at its tick, before Finish()";
  ASSERT_FALSE(wakes.empty());
  EXPECT_EQ(wakes, (std::vector<int64_t>{1'000'000'000, 2'000'000'000, 3'000'000'000}));
  // Without a start time the lab does not ask for time advances.
  auto plain = sampling::SamplingLab::Create(sc->model, nullptr, *strategies, {});
  ASSERT_TRUE(plain.ok());
  EXPECT_FALSE((*plain)->Interests() & sim::SimulationObserver::kTimeAdvance);
}

}  // namespace
}  // namespace tracesim

namespace tracesim {
namespace {

// Issue 13: intervals, slow recall on both bases, named fronts, the RED bias flag.
TEST(SamplingLabStatisticsTest, IntervalsSlowRecallFrontsAndBias) {
  LabRun r = RunLab(R"(
- {name: all, head: {sampler: always_on}}
- {name: ten, head: {sampler: traceidratio, ratio: 0.1}}
- name: errors
  tail_sampling:
    decision_wait: 12s  # past the SDKs' 5 s batch delay and the longest trace: every error kept
    policies: [{name: e, type: status_code, status_code: {status_codes: [ERROR]}}]
)");
  ASSERT_EQ(r.scores.size(), 3u);
  const auto& all = r.scores[0];
  const auto& ten = r.scores[1];
  const auto& err = r.scores[2];
  // Keep-all: every interval's top is 1, its bottom just below.
  EXPECT_EQ(all.kept_ci.high, 1);
  EXPECT_GT(all.kept_ci.low, 0.99);
  // The ratio sampler's interval holds its share and is narrow but not empty.
  EXPECT_LE(ten.error_recall_ci.low, ten.error_recall);
  EXPECT_GE(ten.error_recall_ci.high, ten.error_recall);
  EXPECT_LT(ten.error_recall_ci.high - ten.error_recall_ci.low, 0.1);
  // Eight slow recalls, root then trace, p90 p95 p99 threshold; the whole trace is never
  // shorter than the root, so its percentiles are at least the root's.
  ASSERT_EQ(all.slow.size(), 8u);
  EXPECT_EQ(all.slow[1].basis, "root");
  EXPECT_EQ(all.slow[1].at, "p95");
  EXPECT_EQ(all.slow[5].basis, "trace");
  for (int i = 0; i < 3; ++i) EXPECT_GE(all.slow[4 + i].threshold_ms, all.slow[i].threshold_ms);
  for (const auto& s : all.slow) EXPECT_EQ(s.kept, s.traces);
  EXPECT_NEAR(all.true_p95_ms, all.slow[1].threshold_ms, 1e-9);
  // Fronts: the error-only tail keeps every error for fewer bytes than keep-all, which it pushes
  // off the cost/error front.
  EXPECT_EQ(err.fronts.front(), "cost/error");
  EXPECT_TRUE(err.pareto);
  EXPECT_TRUE(std::find(all.fronts.begin(), all.fronts.end(), "cost/error") == all.fronts.end());
  EXPECT_FALSE(all.pareto);
  // Bias: the tail stage keeps every error and counts each trace once.
  EXPECT_TRUE(err.red_biased);
  EXPECT_GT(err.error_rate_bias, 0.5);
  EXPECT_LT(err.rate_bias, -0.5);
  EXPECT_FALSE(ten.red_biased);
  EXPECT_FALSE(all.red_biased);
}

}  // namespace
}  // namespace tracesim
