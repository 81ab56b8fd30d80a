// Scenario files (doc/scenario.md): the whole loader with the built-in topologies (workload,
// faults, samplers: head, tail, Collector, Jaeger and Refinery blocks, OTTL conditions).
#include <string>

#include "fuzz/fuzz_input.h"
#include "scenarios/scenario.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)tracesim::scenarios::LoadScenarioYaml(tracesim::fuzz::AsText(data, size), "fuzz.yaml", "");
  return 0;
}
