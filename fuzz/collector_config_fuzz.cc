// OpenTelemetry Collector configuration files: the whole file (CollectorConfig), the
// tail_sampling block reader and the probabilistic_sampler processor blocks.
#include <string>

#include "config/diagnostics.h"
#include "fuzz/fuzz_input.h"
#include "sampling/collector/collector_config.h"
#include "sampling/collector/probabilistic_processor.h"
#include "sampling/collector/tail_sampling/config/tail_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = tracesim::fuzz::AsText(data, size);
  (void)tracesim::sampling::LoadTailSamplingConfigString(text, "", "fuzz.yaml");
  tracesim::config::Diagnostics diag("fuzz.yaml");
  auto doc = tracesim::sampling::CollectorConfig::Parse(text, diag);
  if (!doc) return 0;  // the loader reported the YAML syntax or shape
  (void)tracesim::sampling::ParseCollectorProbabilisticSamplers(*doc, diag);
  return 0;
}
