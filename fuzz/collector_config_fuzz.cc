// OpenTelemetry Collector configuration files: the whole file (CollectorConfig), the
// tail_sampling block reader and the probabilistic_sampler processor blocks.
#include <yaml-cpp/yaml.h>

#include <string>

#include "fuzz/fuzz_input.h"
#include "sampling/collector/collector_config.h"
#include "sampling/collector/probabilistic_processor.h"
#include "sampling/collector/tail_sampling/tail_config.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = tracesim::fuzz::AsText(data, size);
  (void)tracesim::sampling::CollectorConfig::LoadString(text, "fuzz.yaml");
  (void)tracesim::sampling::LoadTailSamplingConfigString(text, "", "fuzz.yaml");
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception&) {
    return 0;  // the YAML syntax itself: the loaders above report it
  }
  (void)tracesim::sampling::ParseCollectorProbabilisticSamplers(root, "fuzz.yaml");
  return 0;
}
