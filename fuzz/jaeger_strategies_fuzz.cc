// Jaeger sampling strategies JSON (the file of --sampling.strategies-file) and a served
// strategy (the remote sampler's HTTP answer).
#include "fuzz/fuzz_input.h"
#include "sampling/jaeger/jaeger_strategies.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = tracesim::fuzz::AsText(data, size);
  (void)tracesim::sampling::ParseStrategiesJson(text, "fuzz.json");
  (void)tracesim::sampling::ParseServedStrategyJson(text, "fuzz.json");
  return 0;
}
