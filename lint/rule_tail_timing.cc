// tail-decision-wait and tail-latency-threshold: are the tail_sampling processor's times where the
// traffic's durations are?
#include <cmath>

#include "lint/rules.h"

namespace tracesim::lint {

namespace {

std::string Ms(int64_t nanos) { return Fixed(static_cast<double>(nanos) / 1e6, 1) + " ms"; }

// "p97.3" style: the percentile at which a value falls.
std::string At(double pct) { return "p" + Fixed(pct, pct >= 99.95 || pct < 10 ? 2 : 1); }

// Calls fn(policy, key path under the stage) for every latency policy, nested ones included.
void ForEachLatency(const std::vector<sampling::TailPolicyConfig>& policies, const KeyPath& at,
                    const std::function<void(const sampling::TailPolicyConfig&, KeyPath)>& fn) {
  for (size_t i = 0; i < policies.size(); ++i) {
    const sampling::TailPolicyConfig& p = policies[i];
    KeyPath here = at;
    here.push_back(i);
    if (p.type == sampling::TailPolicyType::kLatency) fn(p, here);
    if (!p.sub_policies.empty()) {
      const std::string type(sampling::TailPolicyTypeName(p.type));  // and, drop, not, composite
      KeyPath nested = here;
      nested.push_back(type);
      nested.push_back(type + "_sub_policy");
      ForEachLatency(p.sub_policies, nested, fn);
    }
  }
}

// A trace's spans reach the Collector over its duration plus the SDKs' batch delay: with
// `export: batch` (the default) a span waits up to schedule_delay (+ an export call) in its
// instance's BatchSpanProcessor; at span end it does not wait.
int64_t ExportDelayNanos(const sampling::StrategyConfig& s) {
  return s.ExportsThroughBsp() ? s.bsp.MaxDelayNanos() : 0;
}

}  // namespace

void CheckTailDecisionWait(RuleContext& ctx, std::vector<Finding>* out) {
  const TrafficEvidence& ev = ctx.evidence;
  if (ev.trace_duration.Count() == 0) return;
  const int64_t p99 = ev.trace_duration.Percentile(99);
  ForEachTail(ctx, [&](size_t k, size_t stage, const sampling::TailSamplingConfig& c) {
    const int64_t delay = ExportDelayNanos(ctx.strategy(k));
    if (c.decision_wait_nanos >= p99 + delay) return;
    const double longer =
        100.0 - TrafficEvidence::PercentileOf(ev.trace_duration, c.decision_wait_nanos - delay);
    Finding f = ctx.AtStage(k, stage, {std::string("decision_wait")});
    f.rule = "tail-decision-wait";
    f.severity = Severity::kWarning;
    f.message = "decision_wait " + Ms(c.decision_wait_nanos) +
                " is shorter than the p99 whole-trace duration " + Ms(p99) +
                " (first span start to last span end, async work included; root p99 " +
                Ms(ev.root_latency.Percentile(99)) + ")" +
                (delay > 0 ? " plus the SDKs' batch delay " + Ms(delay) : std::string()) + ": " +
                Fixed(longer, 2) + " % of traces are decided before their last span arrives";
    if (const auto* s = ctx.score(k); s != nullptr && s->late_spans > 0)
      f.message += " (" + Count(s->late_spans) + " late spans in this run)";
    f.fix = "set decision_wait: " +
            std::to_string(static_cast<int64_t>(std::ceil(static_cast<double>(p99 + delay) / 1e9)) +
                           1) +
            (delay > 0 ? "s (p99 whole-trace duration + the SDKs' batch delay + 1 s)"
                       : "s (p99 whole-trace duration + 1 s)");
    out->push_back(std::move(f));
  });
}

void CheckTailLatencyThreshold(RuleContext& ctx, std::vector<Finding>* out) {
  const TrafficEvidence& ev = ctx.evidence;
  if (ev.trace_duration.Count() == 0) return;
  ForEachTail(ctx, [&](size_t k, size_t stage, const sampling::TailSamplingConfig& c) {
    ForEachLatency(
        c.policies, {std::string("policies")},
        [&](const sampling::TailPolicyConfig& p, KeyPath at) {
          const int64_t t = p.latency.threshold_ms * 1'000'000;
          const double root = TrafficEvidence::PercentileOf(ev.root_latency, t);
          const double whole = TrafficEvidence::PercentileOf(ev.trace_duration, t);
          const bool gap = std::abs(root - whole) >= 2.0;
          const bool never = whole >= 99.9;
          const bool most = whole < 50.0;
          if (!gap && !never && !most) return;
          at.push_back(std::string("latency"));
          at.push_back(std::string("threshold_ms"));
          Finding f = ctx.AtStage(k, stage, at);
          f.rule = "tail-latency-threshold";
          // A threshold that keeps almost nothing or most traces is a mistake; one that is only
          // at another percentile of root latency may be meant for whole traces (what
          // `tracesim advise` sets): a fact worth knowing.
          f.severity = never || most ? Severity::kWarning : Severity::kNote;
          f.message =
              "policy '" + p.name + "': threshold_ms " + std::to_string(p.latency.threshold_ms) +
              " falls at " + At(root) + " of root (entry) latency and at " + At(whole) +
              " of whole-trace duration, which is what the policy measures (first span start "
              "to last span end, async work included): it keeps " +
              Fixed(100.0 - whole, 2) + " % of traces as slow, not " + Fixed(100.0 - root, 2) +
              " %";
          if (never) f.message += "; almost no trace is that long";
          if (most) f.message += "; most traces are that long";
          const int64_t same = ev.trace_duration.Percentile(std::min(99.9, std::max(root, 50.0)));
          f.fix =
              "for the slowest " + Fixed(100.0 - std::min(99.9, std::max(root, 50.0)), 2) +
              " % of whole traces set threshold_ms: " +
              std::to_string(static_cast<int64_t>(std::llround(static_cast<double>(same) / 1e6)));
          out->push_back(std::move(f));
        });
  });
}

}  // namespace tracesim::lint
