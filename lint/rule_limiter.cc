// limiter-below-errors: a rate_limiting / bytes_limiting / composite budget that error traces
// must share, smaller than the error traces' own volume at peak.
#include <algorithm>
#include <cmath>

#include "lint/rules.h"

namespace tracesim::lint {

namespace {

using sampling::TailPolicyConfig;
using sampling::TailPolicyType;

bool KeepsErrors(const TailPolicyConfig& p) {
  if (p.type != TailPolicyType::kStatusCode) return false;
  const auto& codes = p.status_code.status_codes;
  return std::find(codes.begin(), codes.end(), "ERROR") != codes.end();
}

// One budget error traces are held to: spans/s (bytes = false) or bytes/s.
struct Budget {
  KeyPath key;       // the limiting value, under the stage
  std::string what;  // "and policy 'errors-capped': rate_limiting spans_per_second 100"
  double per_second = 0;
  bool bytes = false;
};

void AndBudgets(const TailPolicyConfig& p, size_t i, std::vector<Budget>* out) {
  if (std::none_of(p.sub_policies.begin(), p.sub_policies.end(), KeepsErrors)) return;
  for (size_t j = 0; j < p.sub_policies.size(); ++j) {
    const TailPolicyConfig& s = p.sub_policies[j];
    KeyPath at = {std::string("policies"), i, std::string("and"), std::string("and_sub_policy"), j};
    if (s.type == TailPolicyType::kRateLimiting) {
      at.insert(at.end(), {std::string("rate_limiting"), std::string("spans_per_second")});
      out->push_back({at,
                      "and policy '" + p.name + "': rate_limiting spans_per_second " +
                          Count(s.rate_limiting.spans_per_second),
                      static_cast<double>(s.rate_limiting.spans_per_second), false});
    } else if (s.type == TailPolicyType::kBytesLimiting) {
      at.insert(at.end(), {std::string("bytes_limiting"), std::string("bytes_per_second")});
      out->push_back({at,
                      "and policy '" + p.name + "': bytes_limiting bytes_per_second " +
                          Count(s.bytes_limiting.bytes_per_second),
                      static_cast<double>(s.bytes_limiting.bytes_per_second), true});
    }
  }
}

void CompositeBudgets(const TailPolicyConfig& p, size_t i, std::vector<Budget>* out) {
  for (const TailPolicyConfig& s : p.sub_policies) {
    if (!KeepsErrors(s)) continue;
    int64_t percent = 0;
    for (const auto& [name, pct] : p.composite.rate_allocation)
      if (name == s.name) percent = pct;
    const double budget =
        static_cast<double>(p.composite.max_total_spans_per_second) * percent / 100.0;
    out->push_back({{std::string("policies"), i, std::string("composite"),
                     std::string("max_total_spans_per_second")},
                    "composite policy '" + p.name + "': sub-policy '" + s.name + "' gets " +
                        std::to_string(percent) + " % of max_total_spans_per_second " +
                        Count(p.composite.max_total_spans_per_second) + " = " + Fixed(budget, 0) +
                        " spans/s",
                    budget,
                    false});
  }
}

// The stage's only way to keep a trace is a top-level limiter: errors share its budget.
void OnlyLimiters(const std::vector<TailPolicyConfig>& policies, std::vector<Budget>* out) {
  for (const TailPolicyConfig& p : policies) {
    if (p.type != TailPolicyType::kRateLimiting && p.type != TailPolicyType::kBytesLimiting) return;
  }
  for (size_t i = 0; i < policies.size(); ++i) {
    const TailPolicyConfig& p = policies[i];
    const bool bytes = p.type == TailPolicyType::kBytesLimiting;
    const std::string block = bytes ? "bytes_limiting" : "rate_limiting";
    const std::string field = bytes ? "bytes_per_second" : "spans_per_second";
    const int64_t v = bytes ? p.bytes_limiting.bytes_per_second : p.rate_limiting.spans_per_second;
    out->push_back({{std::string("policies"), i, block, field},
                    "policy '" + p.name + "' (the only policies are limiters): " + block + " " +
                        field + " " + Count(v),
                    static_cast<double>(v),
                    bytes});
  }
}

uint64_t Sum(const std::vector<uint64_t>& v) {
  uint64_t s = 0;
  for (uint64_t x : v) s += x;
  return s;
}

}  // namespace

void CheckLimiterBelowErrors(RuleContext& ctx, std::vector<Finding>* out) {
  const TrafficEvidence& ev = ctx.evidence;
  if (ev.error_traces == 0) return;
  ForEachTail(ctx, [&](size_t k, size_t stage, const sampling::TailSamplingConfig& c) {
    std::vector<Budget> budgets;
    for (size_t i = 0; i < c.policies.size(); ++i) {
      const TailPolicyConfig& p = c.policies[i];
      if (p.type == TailPolicyType::kAnd) AndBudgets(p, i, &budgets);
      if (p.type == TailPolicyType::kComposite) CompositeBudgets(p, i, &budgets);
    }
    OnlyLimiters(c.policies, &budgets);
    const double pass = ctx.PassFraction(k, stage);
    for (const Budget& b : budgets) {
      const double need = pass * static_cast<double>(b.bytes ? ev.PeakErrorBytesPerSecond()
                                                             : ev.PeakErrorSpansPerSecond());
      const double mean = pass *
                          static_cast<double>(Sum(b.bytes ? ev.error_bytes : ev.error_spans)) /
                          std::max(1.0, ev.duration_s);
      if (b.per_second >= need) continue;
      const std::string unit = b.bytes ? " bytes/s" : " spans/s";
      Finding f = ctx.AtStage(k, stage, b.key);
      f.rule = "limiter-below-errors";
      f.severity = Severity::kError;
      f.message = b.what + " is below the " + Fixed(need, 0) + unit +
                  " of error traces at peak (mean " + Fixed(mean, 0) + unit +
                  "): error traces beyond the budget are not kept";
      if (const auto* s = ctx.score(k))
        f.message += "; error recall in this run " + OfTotal(s->error_traces_kept, s->error_traces);
      f.fix = "give error traces a budget of at least " + Count(RoundUpNice(need * 1.2)) + unit +
              " (peak + 20 %), or keep them with a status_code policy outside the limiter";
      out->push_back(std::move(f));
    }
  });
}

}  // namespace tracesim::lint
