#include "lint/rules.h"

#include <cmath>
#include <cstdio>

namespace tracesim::lint {

namespace {
KeyPath Join(KeyPath head, const KeyPath& rest) {
  head.insert(head.end(), rest.begin(), rest.end());
  return head;
}
Finding FromLocation(const Location& loc) {
  Finding f;
  f.file = loc.file;
  f.line = loc.line;
  f.col = loc.col;
  f.key = loc.key;
  return f;
}
}  // namespace

Finding RuleContext::AtStrategy(size_t k, const KeyPath& rest) const {
  Finding f = FromLocation(locator.Find(scenario.source, Join({std::string("samplers"), k}, rest)));
  f.strategy = strategy(k).name;
  return f;
}

Finding RuleContext::AtStage(size_t k, size_t stage, const KeyPath& rest) const {
  const sampling::CollectorStage& s = strategy(k).stages[stage];
  Finding f;
  if (const auto* tail = std::get_if<sampling::TailSamplingConfig>(&s.config)) {
    if (tail->source != scenario.source) {
      f = FromLocation(locator.Find(tail->source, Join({std::string("processors"), s.id}, rest)));
      f.strategy = strategy(k).name;
      return f;
    }
    return AtStrategy(k, Join({std::string("tail_sampling")}, rest));
  }
  const bool inline_stage = s.id == "probabilistic_sampler" || s.id == "dynamic";
  if (inline_stage && s.kind() == sampling::CollectorStage::Kind::kDynamic)
    return AtStrategy(k, Join({std::string("dynamic")}, rest));
  // The last probabilistic stage is the inline one when the scenario writes one.
  size_t last_prob = stage;
  for (size_t i = stage + 1; i < strategy(k).stages.size(); ++i)
    if (strategy(k).stages[i].kind() == sampling::CollectorStage::Kind::kProbabilistic)
      last_prob = i;
  const KeyPath inline_prob = {std::string("samplers"), k, std::string("probabilistic_sampler")};
  if (inline_stage && last_prob == stage && locator.Find(scenario.source, inline_prob).exact)
    return AtStrategy(k, Join({std::string("probabilistic_sampler")}, rest));
  f = AtStrategy(k, {std::string("collector")});
  f.key += " (processors." + s.id + ")";
  return f;
}

Finding RuleContext::HeadRatioAt(size_t k) const {
  const KeyPath env = {std::string("env"), std::string("OTEL_TRACES_SAMPLER_ARG")};
  if (locator.Find(scenario.source, Join({std::string("samplers"), k}, env)).exact)
    return AtStrategy(k, env);
  return AtStrategy(k, {std::string("head"), std::string("ratio")});
}

double HeadRatio(const RuleContext& ctx, size_t k) {
  const sampling::StrategyConfig& st = ctx.strategy(k);
  if (!st.has_head) return 1.0;
  // The workload's first entry service decides the root (its override, else the default).
  const sampling::HeadSamplerSpec* spec = &st.head.sampler;
  if (!ctx.scenario.workload.mix.empty()) {
    const std::string& op = ctx.scenario.workload.mix.front().operation;
    spec = &st.head.ForService(op.substr(0, op.find('.')));
  }
  return sampling::KindUsesRatio(spec->kind) ? spec->ratio : 1.0;
}

double RuleContext::PassFraction(size_t k, size_t stage) const {
  double p = HeadRatio(*this, k);
  const auto& stages = strategy(k).stages;
  for (size_t i = 0; i < stage && i < stages.size(); ++i) {
    if (const auto* prob = std::get_if<sampling::ProbabilisticSamplerConfig>(&stages[i].config))
      p *= std::min(1.0, static_cast<double>(prob->sampling_percentage) / 100.0);
  }
  return p;
}

void ForEachTail(
    const RuleContext& ctx,
    const std::function<void(size_t, size_t, const sampling::TailSamplingConfig&)>& fn) {
  for (size_t k = 0; k < ctx.scenario.samplers.size(); ++k) {
    const auto& stages = ctx.strategy(k).stages;
    for (size_t i = 0; i < stages.size(); ++i) {
      if (const auto* tail = std::get_if<sampling::TailSamplingConfig>(&stages[i].config))
        fn(k, i, *tail);
    }
  }
}

std::string Count(uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string OfTotal(uint64_t part, uint64_t total) {
  std::string s = Count(part) + " of " + Count(total);
  if (total > 0) s += " (" + Fixed(100.0 * part / total, 1) + "%)";
  return s;
}

uint64_t RoundUpNice(double v) {
  if (!(v > 0)) return 0;
  double scale = std::pow(10.0, std::floor(std::log10(v)) - 1);  // two significant digits
  return static_cast<uint64_t>(std::ceil(std::ceil(v / scale - 1e-9) * scale - 1e-9));
}

const std::vector<RuleInfo>& AllRules() {
  static const std::vector<RuleInfo> rules = {
      {"tail-num-traces",
       "tail_sampling num_traces below peak new traces/s x (decision_wait + 1 s tick)",
       CheckTailNumTraces},
      {"tail-final-flush", "kept traces that only the final flush (shutdown) decided",
       CheckTailFinalFlush},
      {"tail-expected-rate", "expected_new_traces_per_sec far from the observed rate",
       CheckTailExpectedRate},
      {"tail-decision-wait", "decision_wait shorter than the p99 whole-trace duration",
       CheckTailDecisionWait},
      {"tail-latency-threshold",
       "latency threshold_ms at different percentiles of root latency and whole-trace duration",
       CheckTailLatencyThreshold},
      {"limiter-below-errors",
       "rate_limiting / bytes_limiting / composite budget below the error traces' volume",
       CheckLimiterBelowErrors},
      {"stacked-probabilistic", "probabilistic samplers stacked: kept fractions multiply",
       CheckStackedProbabilistic},
      {"head-below-tail", "an SDK ratio in front of tail policies caps their recall",
       CheckHeadBelowTail},
      {"jaeger-sampler-tags",
       "Jaeger adaptive sampling needs sampler.type/param tags OpenTelemetry SDKs do not send",
       CheckJaegerSamplerTags},
      {"jaeger-memory-store",
       "Jaeger adaptive on one node or the memory store: probabilities never served or computed",
       CheckJaegerMemoryStore},
      {"refinery-max-keys", "Refinery dynamic sampler keys beyond max_keys in a window",
       CheckRefineryMaxKeys},
  };
  return rules;
}

}  // namespace tracesim::lint
