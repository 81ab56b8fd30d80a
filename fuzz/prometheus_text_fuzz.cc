// `tracesim load --target-metrics`: the Prometheus text a scraped collector answers.
#include "fuzz/fuzz_input.h"
#include "loadgen/target/prometheus_text.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto samples = tracesim::loadgen::ParsePrometheusText(tracesim::fuzz::AsText(data, size));
  if (samples.ok()) {
    bool found = false;
    (void)tracesim::loadgen::SumSamples(*samples, "otelcol_receiver_accepted_spans",
                                        {{"transport", "grpc"}}, &found);
    (void)tracesim::loadgen::MaxSample(*samples, "otelcol_process_memory_rss", &found);
  }
  return 0;
}
