// jaeger-sampler-tags, jaeger-memory-store, refinery-max-keys: deployment facts of Jaeger and
// Refinery (issue 11) that change what a config keeps in production.
#include "lint/rules.h"

namespace tracesim::lint {

namespace {
using sampling::JaegerProviderConfig;
bool Adaptive(const sampling::StrategyConfig& st) {
  return st.jaeger.mode == JaegerProviderConfig::Mode::kAdaptive;
}
}  // namespace

void CheckJaegerSamplerTags(RuleContext& ctx, std::vector<Finding>* out) {
  for (size_t k = 0; k < ctx.scenario.samplers.size(); ++k) {
    const sampling::StrategyConfig& st = ctx.strategy(k);
    if (!Adaptive(st)) continue;
    Finding f = ctx.AtStrategy(k, {std::string("jaeger_adaptive")});
    f.rule = "jaeger-sampler-tags";
    f.severity = Severity::kWarning;
    f.message =
        "Jaeger's adaptive loop counts a root span only when it carries sampler.type and "
        "sampler.param tags; OpenTelemetry SDKs do not write them (Java only for rate limiting, "
        "Go contrib's jaegerremote as jaeger.sampler.* since late 2025), so a stock Jaeger fed by "
        "them never adapts and serves initial_sampling_probability " +
        Fixed(st.jaeger.adaptive.initial_sampling_probability, 6) +
        " for good; this run models SDKs that send the tags";
    f.fix =
        "check that your SDKs tag root spans (Jaeger clients, Go contrib jaegerremote), or "
        "serve a file strategy (jaeger: {strategies: FILE})";
    out->push_back(std::move(f));
  }
}

void CheckJaegerMemoryStore(RuleContext& ctx, std::vector<Finding>* out) {
  for (size_t k = 0; k < ctx.scenario.samplers.size(); ++k) {
    const sampling::StrategyConfig& st = ctx.strategy(k);
    if (!Adaptive(st)) continue;
    const sampling::JaegerAdaptiveOptions& a = st.jaeger.adaptive;
    const int64_t kept = a.aggregation_buckets * a.calculation_interval.nanos();
    Finding f = ctx.AtStrategy(k, {std::string("jaeger_adaptive")});
    f.severity = Severity::kWarning;
    if (kept <= a.calculation_delay.nanos()) {
      f = ctx.AtStrategy(k, {std::string("jaeger_adaptive"), std::string("aggregation_buckets")});
      f.severity = Severity::kWarning;
      f.rule = "jaeger-memory-store";
      f.message = "aggregation_buckets " + std::to_string(a.aggregation_buckets) +
                  " x calculation_interval " + Fixed(a.calculation_interval.seconds(), 0) +
                  " s <= calculation_delay " + Fixed(a.calculation_delay.seconds(), 0) +
                  " s: the memory store keeps only that many throughput rows, so no calculation "
                  "ever sees throughput and the probabilities never change";
      f.fix = "set aggregation_buckets: " +
              std::to_string(a.calculation_delay.nanos() / a.calculation_interval.nanos() + 2) +
              " or more, or use the badger, Cassandra or Elasticsearch store";
    } else {
      f.rule = "jaeger-memory-store";
      f.severity = Severity::kNote;
      f.message =
          "a single Jaeger >= 1.58 node with the memory or badger store is the leader: it loads "
          "the "
          "stored probabilities at start and serves them for good (only followers refresh, every "
          "20 s); this run serves each calculation at once";
      f.fix = "run Jaeger with followers, or expect the start-up probabilities on one node";
    }
    out->push_back(std::move(f));
  }
}

void CheckRefineryMaxKeys(RuleContext& ctx, std::vector<Finding>* out) {
  for (size_t k = 0; k < ctx.scenario.samplers.size(); ++k) {
    const sampling::StrategyConfig& st = ctx.strategy(k);
    for (size_t i = 0; i < st.stages.size(); ++i) {
      const auto* dyn = std::get_if<sampling::DynamicStageConfig>(&st.stages[i].config);
      if (dyn == nullptr) continue;
      const bool ema = dyn->kind == sampling::DynamicStageConfig::Kind::kEmaDynamic;
      const uint32_t max_keys = ema ? dyn->ema.max_keys : dyn->dynamic.max_keys;
      const uint64_t seen =
          k < ctx.evidence.dynamic_peak_keys.size() ? ctx.evidence.dynamic_peak_keys[k] : 0;
      if (max_keys == 0 || seen <= max_keys) continue;
      Finding f = ctx.AtStage(k, i, {std::string("max_keys")});
      f.rule = "refinery-max-keys";
      f.severity = Severity::kWarning;
      f.message = Count(seen) + " distinct keys in one window, over max_keys " + Count(max_keys) +
                  ": keys beyond the first " + Count(max_keys) +
                  " of a window are not counted and keep every trace (rate 1)";
      f.fix = "set max_keys: " + Count(RoundUpNice(static_cast<double>(seen) * 1.5)) +
              " or use fewer / coarser fields in field_list";
      out->push_back(std::move(f));
    }
  }
}

}  // namespace tracesim::lint
