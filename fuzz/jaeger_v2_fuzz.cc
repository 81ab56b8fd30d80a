// Jaeger v2 configuration YAML (the remote_sampling extension, file and adaptive blocks).
#include "fuzz/fuzz_input.h"
#include "sampling/jaeger/jaeger_strategies.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)tracesim::sampling::ParseJaegerV2SamplingYaml(tracesim::fuzz::AsText(data, size),
                                                      "fuzz.yaml");
  return 0;
}
