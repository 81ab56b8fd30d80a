// Topology files (doc/topology.md): the whole loader (YAML, the compiler passes, the checks).
#include <string>

#include "fuzz/fuzz_input.h"
#include "topologies/topology.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)tracesim::topologies::LoadTopologyYaml(tracesim::fuzz::AsText(data, size), "fuzz.yaml");
  return 0;
}
