// `tracesim load --threshold` expressions ("p99_latency_ms<250", ...).
#include "fuzz/fuzz_input.h"
#include "loadgen/target/threshold.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  (void)tracesim::loadgen::ParseThreshold(tracesim::fuzz::AsText(data, size));
  return 0;
}
