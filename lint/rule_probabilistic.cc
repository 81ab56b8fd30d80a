// stacked-probabilistic and head-below-tail: probability layers that multiply, and an SDK ratio
// that caps what tail policies downstream can find.
#include <algorithm>

#include "lint/rules.h"

namespace tracesim::lint {

namespace {

using sampling::CollectorStage;
using sampling::ProbabilisticMode;
using sampling::ProbabilisticSamplerConfig;

bool Consistent(sampling::HeadSamplerKind k) {
  return k == sampling::HeadSamplerKind::kProbability ||
         k == sampling::HeadSamplerKind::kParentBasedProbability;
}

std::string Pct(double fraction) { return Fixed(100.0 * fraction, fraction < 0.01 ? 3 : 1) + "%"; }

}  // namespace

void CheckStackedProbabilistic(RuleContext& ctx, std::vector<Finding>* out) {
  for (size_t k = 0; k < ctx.scenario.samplers.size(); ++k) {
    const sampling::StrategyConfig& st = ctx.strategy(k);
    const double head = HeadRatio(ctx, k);
    std::vector<std::string> layers;
    double product = 1, smallest = 1;
    if (head < 1) {
      layers.push_back("SDK ratio " + Fixed(head, 4));
      product *= head;
      smallest = head;
    }
    size_t last = 0;
    double last_p = 1;
    bool equalizing = true;
    for (size_t i = 0; i < st.stages.size(); ++i) {
      const auto* prob = std::get_if<ProbabilisticSamplerConfig>(&st.stages[i].config);
      if (prob == nullptr || prob->sampling_percentage >= 100) continue;
      const double p = static_cast<double>(prob->sampling_percentage) / 100.0;
      layers.push_back(st.stages[i].id + " " + Fixed(prob->sampling_percentage, 2) + "%");
      product *= p;
      smallest = std::min(smallest, p);
      last = i;
      last_p = p;
      equalizing &= prob->EffectiveMode() == ProbabilisticMode::kEqualizing;
    }
    if (layers.size() < 2) continue;
    // Consistent head thresholds with equalizing stages keep the smallest, not the product.
    if (equalizing && (head == 1 || Consistent(st.head.sampler.kind))) continue;
    Finding f = ctx.AtStage(k, last, {std::string("sampling_percentage")});
    f.rule = "stacked-probabilistic";
    f.severity = Severity::kWarning;
    std::string list;
    for (const std::string& l : layers) list += (list.empty() ? "" : " x ") + l;
    f.message = "probabilistic layers stack: " + list + " keep " + Pct(product) +
                " of traces, not " + Pct(smallest);
    if (const auto* s = ctx.score(k))
      f.message += " (this run kept " + OfTotal(s->traces_kept, s->traces) + " traces)";
    f.fix =
        "sample in one place; to keep " + Pct(smallest) + " overall with this chain, set " +
        "sampling_percentage: " + Fixed(100.0 * std::min(1.0, smallest / (product / last_p)), 2) +
        " here, or use mode: equalizing with a consistent (probability) SDK sampler";
    out->push_back(std::move(f));
  }
}

void CheckHeadBelowTail(RuleContext& ctx, std::vector<Finding>* out) {
  ForEachTail(ctx, [&](size_t k, size_t stage, const sampling::TailSamplingConfig& c) {
    const double pass = ctx.PassFraction(k, stage);
    if (pass >= 1) return;
    std::string names;
    for (const sampling::TailPolicyConfig& p : c.policies) {
      const bool errors = p.type == sampling::TailPolicyType::kStatusCode;
      const bool slow = p.type == sampling::TailPolicyType::kLatency;
      if (errors || slow) names += (names.empty() ? "'" : ", '") + p.name + "'";
    }
    if (names.empty()) return;
    Finding f = ctx.HeadRatioAt(k);
    f.rule = "head-below-tail";
    f.severity = Severity::kWarning;
    f.message = "tail_sampling policies " + names + " see only " + Pct(pass) +
                " of the traces (decided before any error or latency is known, and a trace the "
                "SDK drops is never exported): their recall is at most " +
                Pct(pass);
    if (const auto* s = ctx.score(k))
      f.message +=
          "; this run kept " + OfTotal(s->error_traces_kept, s->error_traces) + " error traces";
    f.fix =
        "sample 100 % in the SDKs (parentbased_always_on) and let tail_sampling decide; its "
        "probabilistic baseline replaces the SDK ratio";
    out->push_back(std::move(f));
  });
}

}  // namespace tracesim::lint
