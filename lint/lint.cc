#include "lint/lint.h"

#include "app/run.h"
#include "lint/locate.h"
#include "lint/rules.h"

namespace tracesim::lint {

namespace {
bool HasBytesLimiting(const std::vector<sampling::TailPolicyConfig>& policies) {
  for (const sampling::TailPolicyConfig& p : policies) {
    if (p.type == sampling::TailPolicyType::kBytesLimiting) return true;
    if (HasBytesLimiting(p.sub_policies)) return true;
  }
  return false;
}
}  // namespace

sim::Status LintOptions::Validate() const {
  if (duration && duration->nanos() <= 0)
    return sim::Status::InvalidArgument("--duration: must be > 0");
  return sim::Status::Ok();
}

std::unique_ptr<EvidenceSink> MakeEvidenceSink(const scenarios::Scenario& scenario,
                                               int64_t start_unix_nanos) {
  bool bytes = false;
  for (const sampling::StrategyConfig& st : scenario.samplers)
    for (const sampling::CollectorStage& s : st.stages)
      if (const auto* tail = std::get_if<sampling::TailSamplingConfig>(&s.config))
        bytes |= HasBytesLimiting(tail->policies);
  return std::make_unique<EvidenceSink>(scenario.model, start_unix_nanos, bytes, scenario.samplers);
}

std::vector<Finding> Check(const scenarios::Scenario& scenario, const TrafficEvidence& evidence,
                           const std::vector<sampling::StrategyScore>& scores) {
  std::vector<Finding> findings;
  if (scenario.samplers.empty()) return findings;
  Locator locator;
  RuleContext ctx{scenario, evidence, scores, locator};
  for (const RuleInfo& rule : AllRules()) rule.fn(ctx, &findings);
  SortFindings(&findings);
  return findings;
}

sim::Result<LintReport> LintScenario(const scenarios::Scenario& scenario,
                                     const LintOptions& options) {
  TRACESIM_RETURN_IF_ERROR(options.Validate());
  app::RunOptions run;
  run.seed = options.seed;
  run.duration = options.duration;
  auto sink = MakeEvidenceSink(scenario, scenario.start_unix_nanos);
  run.sinks.push_back(sink.get());
  auto outcome = app::RunScenario(scenario, run);
  if (!outcome.ok()) return outcome.status();
  LintReport report;
  report.evidence = sink->Take(outcome->run.duration.seconds());
  report.scores = outcome->report.sampling;
  report.findings = Check(scenario, report.evidence, report.scores);
  return report;
}

}  // namespace tracesim::lint
