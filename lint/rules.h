// The lint rules. Each rule is one function in its own rule_*.cc: it reads the scenario's
// sampling configs, the simulated traffic's evidence and (when the run scored them) the lab's
// scores, and appends findings that name the config value (file:line:key), a severity, the
// run's figures and a fix. doc/lint.md lists every rule with its trigger and fix.
#ifndef TRACESIM_LINT_RULES_H_
#define TRACESIM_LINT_RULES_H_

#include <functional>
#include <string>
#include <vector>

#include "lint/evidence.h"
#include "lint/finding.h"
#include "lint/locate.h"
#include "sampling/lab/lab.h"
#include "scenarios/scenario.h"

namespace tracesim::lint {

// What a rule reads. `scores` is in samplers: order, or empty when no lab ran.
struct RuleContext {
  const scenarios::Scenario& scenario;
  const TrafficEvidence& evidence;
  const std::vector<sampling::StrategyScore>& scores;
  Locator& locator;

  const sampling::StrategyConfig& strategy(size_t k) const { return scenario.samplers[k]; }
  const sampling::StrategyScore* score(size_t k) const {
    return k < scores.size() ? &scores[k] : nullptr;
  }
  // A finding at `rest` under strategy k's entry in the scenario (samplers[k].rest...).
  Finding AtStrategy(size_t k, const KeyPath& rest) const;
  // A finding at `rest` under stage `stage` of strategy k: in the scenario for an inline stage,
  // in the Collector config file (processors.ID.rest...) for a tail_sampling stage read from one,
  // at the scenario's `collector` key for other stages read from one.
  Finding AtStage(size_t k, size_t stage, const KeyPath& rest) const;
  // A finding at strategy k's SDK ratio: samplers[k].head.ratio, or env.OTEL_TRACES_SAMPLER_ARG.
  Finding HeadRatioAt(size_t k) const;
  // The fraction of the traffic's traces that reach stage `stage` of strategy k: the SDK's
  // ratio (entry service) times the probabilistic stages before it.
  double PassFraction(size_t k, size_t stage) const;
};

// Calls `fn(k, stage, config)` for every tail_sampling stage of every strategy.
void ForEachTail(
    const RuleContext& ctx,
    const std::function<void(size_t, size_t, const sampling::TailSamplingConfig&)>& fn);
// The SDK ratio of strategy k's entry service when it is a probability (ratio kinds), else 1.
double HeadRatio(const RuleContext& ctx, size_t k);
// Number formatting for messages: "2,000", "4.9", "97.3".
std::string Count(uint64_t n);
std::string Fixed(double v, int decimals);
// "2 of 141 (1.4%)".
std::string OfTotal(uint64_t part, uint64_t total);
// A round number >= v for a recommended setting (two significant digits).
uint64_t RoundUpNice(double v);

using RuleFn = void (*)(RuleContext&, std::vector<Finding>*);
struct RuleInfo {
  const char* id;
  const char* summary;  // one line, for `tracesim lint --list-rules` and doc/lint.md
  RuleFn fn;
};
// Every rule, in the order they run.
const std::vector<RuleInfo>& AllRules();

// The rules (rule_*.cc).
void CheckTailNumTraces(RuleContext& ctx, std::vector<Finding>* out);
void CheckTailFinalFlush(RuleContext& ctx, std::vector<Finding>* out);
void CheckTailExpectedRate(RuleContext& ctx, std::vector<Finding>* out);
void CheckTailDecisionWait(RuleContext& ctx, std::vector<Finding>* out);
void CheckTailLatencyThreshold(RuleContext& ctx, std::vector<Finding>* out);
void CheckLimiterBelowErrors(RuleContext& ctx, std::vector<Finding>* out);
void CheckStackedProbabilistic(RuleContext& ctx, std::vector<Finding>* out);
void CheckHeadBelowTail(RuleContext& ctx, std::vector<Finding>* out);
void CheckJaegerSamplerTags(RuleContext& ctx, std::vector<Finding>* out);
void CheckJaegerMemoryStore(RuleContext& ctx, std::vector<Finding>* out);
void CheckRefineryMaxKeys(RuleContext& ctx, std::vector<Finding>* out);

}  // namespace tracesim::lint

#endif  // TRACESIM_LINT_RULES_H_
