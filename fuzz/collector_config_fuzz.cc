// OpenTelemetry Collector configuration files: the whole file (CollectorConfig), the
// tail_sampling block reader and the probabilistic_sampler processor blocks.
//
// The document is parsed once and handed to both block readers. LoadTailSamplingConfigString is
// FindTailSamplingConfig over CollectorConfig::Parse, so calling it here parsed every input twice,
// and the YAML parse is most of an input's cost.
#include <string>

#include "config/diagnostics.h"
#include "fuzz/fuzz_input.h"
#include "sampling/collector/collector_config.h"
#include "sampling/collector/probabilistic_processor.h"
#include "sampling/collector/tail_sampling/config/tail_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = tracesim::fuzz::AsText(data, size);
  tracesim::config::Diagnostics diag("fuzz.yaml");
  auto doc = tracesim::sampling::CollectorConfig::Parse(text, diag);
  if (!doc) return 0;  // the loader reported the YAML syntax or shape
  tracesim::config::Diagnostics tail_diag("fuzz.yaml");
  (void)tracesim::sampling::FindTailSamplingConfig(*doc, "", tail_diag);
  (void)tail_diag.ToStatus();  // the messages as the edge formats them
  (void)tail_diag.Warnings();
  (void)tracesim::sampling::ParseCollectorProbabilisticSamplers(*doc, diag);
  (void)diag.ToStatus();
  return 0;
}
