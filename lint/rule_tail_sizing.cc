// tail-num-traces, tail-final-flush, tail-expected-rate: is the tail_sampling processor's trace
// map big enough for the traffic it gets?
#include <cmath>

#include "lint/rules.h"

namespace tracesim::lint {

namespace {
constexpr double kTickS = 1.0;          // the processor decides on a 1 s ticker
constexpr double kBurstHeadroom = 1.5;  // recommended num_traces: 50 % over the peak need
std::string Seconds(int64_t nanos) { return Fixed(static_cast<double>(nanos) / 1e9, 0) + " s"; }
}  // namespace

void CheckTailNumTraces(RuleContext& ctx, std::vector<Finding>* out) {
  ForEachTail(ctx, [&](size_t k, size_t stage, const sampling::TailSamplingConfig& c) {
    const double pass = ctx.PassFraction(k, stage);
    const double peak = static_cast<double>(ctx.evidence.PeakNewTracesPerSecond()) * pass;
    const double mean = ctx.evidence.MeanNewTracesPerSecond() * pass;
    const double wait_s = static_cast<double>(c.decision_wait_nanos) / 1e9 + kTickS;
    const double needed = std::ceil(peak * wait_s);
    if (static_cast<double>(c.num_traces) >= needed * 1.2 || needed <= 0) return;
    Finding f = ctx.AtStage(k, stage, {std::string("num_traces")});
    f.rule = "tail-num-traces";
    f.severity = static_cast<double>(c.num_traces) < needed ? Severity::kError : Severity::kWarning;
    f.message = "num_traces " + Count(c.num_traces) +
                " is below what this traffic needs: " + Fixed(peak, 0) +
                " new traces/s at peak (mean " + Fixed(mean, 1) + ") each held for decision_wait " +
                Seconds(c.decision_wait_nanos) +
                " + the 1 s tick = " + Count(static_cast<uint64_t>(needed)) + " traces";
    if (f.severity == Severity::kWarning) f.message += ", with under 20 % headroom for bursts";
    if (const auto* s = ctx.score(k); s != nullptr && s->evicted_before_decision > 0) {
      f.message += "; this run evicted " + OfTotal(s->evicted_before_decision, s->traces) +
                   " traces before deciding them";
    }
    f.fix = "set num_traces: " + Count(RoundUpNice(needed * kBurstHeadroom)) +
            " (peak x (decision_wait + 1 s) + 50 % for bursts; memory grows with it)";
    out->push_back(std::move(f));
  });
}

void CheckTailFinalFlush(RuleContext& ctx, std::vector<Finding>* out) {
  ForEachTail(ctx, [&](size_t k, size_t stage, const sampling::TailSamplingConfig&) {
    const auto* s = ctx.score(k);
    if (s == nullptr || s->traces_kept == 0 || s->evicted_before_decision == 0) return;
    // Only the first tail stage of a strategy reports (the figures are the strategy's).
    for (size_t i = 0; i < stage; ++i)
      if (ctx.strategy(k).stages[i].kind() == sampling::CollectorStage::Kind::kTail) return;
    if (s->kept_at_shutdown * 4 < s->traces_kept) return;  // under a quarter: a normal tail
    Finding f = ctx.AtStage(k, stage, {std::string("num_traces")});
    f.rule = "tail-final-flush";
    f.severity = Severity::kWarning;
    f.message = OfTotal(s->kept_at_shutdown, s->traces_kept) +
                " kept traces were decided only by the final flush at shutdown: the rest were "
                "evicted before a decision, so error recall (" +
                OfTotal(s->error_traces_kept, s->error_traces) +
                ") is the share of the run's last traces and falls as the run gets longer; a "
                "Collector that keeps running never decides them";
    f.fix = "size num_traces first (tail-num-traces); compare recall on runs of two lengths";
    out->push_back(std::move(f));
  });
}

void CheckTailExpectedRate(RuleContext& ctx, std::vector<Finding>* out) {
  ForEachTail(ctx, [&](size_t k, size_t stage, const sampling::TailSamplingConfig& c) {
    if (c.expected_new_traces_per_sec == 0) return;
    const double pass = ctx.PassFraction(k, stage);
    const double peak = static_cast<double>(ctx.evidence.PeakNewTracesPerSecond()) * pass;
    const double mean = ctx.evidence.MeanNewTracesPerSecond() * pass;
    const double expected = static_cast<double>(c.expected_new_traces_per_sec);
    if (expected >= 0.5 * mean && expected <= 2 * peak) return;
    Finding f = ctx.AtStage(k, stage, {std::string("expected_new_traces_per_sec")});
    f.rule = "tail-expected-rate";
    f.severity = Severity::kWarning;
    f.message = "expected_new_traces_per_sec " + Count(c.expected_new_traces_per_sec) +
                " but this stage gets " + Fixed(mean, 1) + " new traces/s (peak " + Fixed(peak, 0) +
                "); the Collector sizes its trace map's initial capacity from it";
    f.fix = "set expected_new_traces_per_sec: " + Count(RoundUpNice(peak));
    out->push_back(std::move(f));
  });
}

}  // namespace tracesim::lint
