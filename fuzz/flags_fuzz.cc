// The value grammars of the CLI flags and config keys. The first byte picks the parser:
// durations (ours, Go's, Jaeger's), byte sizes, seeds, rates and the ramp/steps plans,
// RFC 3339 start times (with the range check a run applies), OTEL_TRACES_SAMPLER(_ARG),
// ${env:VAR} expansion, and `--pricing PRESET --price KEY=VALUE...` (first line the preset, one
// setting per further line).
#include <optional>
#include <string>
#include <vector>

#include "config/env_expand.h"
#include "config/grammar.h"
#include "fuzz/fuzz_input.h"
#include "loadgen/load_plan.h"
#include "sampling/collector/collector_config.h"
#include "sampling/head/otel_env.h"
#include "sampling/jaeger/jaeger_strategies.h"
#include "sampling/lab/pricing/pricing.h"
#include "sim/base/time.h"

namespace {

void RunPlan(std::string_view text, int which) {
  tracesim::workloads::WorkloadSpec base;
  tracesim::loadgen::RateFlags flags;
  (which == 0 ? flags.rate : which == 1 ? flags.ramp : flags.steps) = std::string(text);
  (void)tracesim::loadgen::BuildLoadPlan(base, flags, 7.5);
}

void RunPricing(std::string_view text) {
  std::vector<std::string> lines;
  size_t at = 0;
  while (at <= text.size()) {
    const size_t nl = text.find('\n', at);
    lines.emplace_back(text.substr(at, nl == std::string_view::npos ? text.npos : nl - at));
    if (nl == std::string_view::npos) break;
    at = nl + 1;
  }
  const std::string preset = lines.front();
  lines.erase(lines.begin());
  auto p = tracesim::sampling::ResolvePricing(tracesim::sampling::PricingOptions{}, preset, lines);
  if (p.ok()) (void)tracesim::sampling::PricingLabel(*p);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = tracesim::fuzz::AsText(data, size);
  uint8_t selector = 0;
  if (!tracesim::fuzz::TakeSelector(&text, &selector)) return 0;
  switch (selector % 12) {
    case 0:
    case 5:  // were the Collector's and Jaeger's own duration parsers: one grammar now (issue 9)
    case 6:
      if (auto d = tracesim::sim::ParseDuration(text); d.ok()) {
        (void)tracesim::sim::FormatDuration(*d);
      }
      break;
    case 1:
      if (auto b = tracesim::config::ParseByteSize(text); b.ok()) {
        (void)tracesim::config::FormatByteSize(*b);
      }
      break;
    case 2:
      (void)tracesim::config::ParseSeed(text);
      break;
    case 3:
      (void)tracesim::loadgen::ParseRate(text);
      break;
    case 4:
      if (auto t = tracesim::sim::ParseRfc3339(text); t.ok()) {
        (void)tracesim::sim::FormatRfc3339(*t);
        (void)tracesim::sim::CheckUnixRange(*t,
                                            tracesim::sim::Duration::Nanos(3600LL * 1000000000));
      }
      break;
    case 7:
    case 8:
    case 9:
      RunPlan(text, selector % 12 - 7);
      break;
    case 11:
      RunPricing(text);
      break;
    default: {
      auto mid = text.find('\n');
      std::optional<std::string_view> sampler = text.substr(0, mid), arg;
      if (mid != std::string_view::npos) arg = text.substr(mid + 1);
      (void)tracesim::sampling::ParseOtelTracesSamplerEnv(sampler, arg);
      (void)tracesim::config::ExpandString(
          text, [](const std::string& name) -> std::optional<std::string> {
            return name.size() % 2 ? std::optional<std::string>(name + name) : std::nullopt;
          });
      break;
    }
  }
  return 0;
}
