// OTLP/JSON request bodies as `tracesim receive` gets them on POST /v1/traces
// (application/json): decoding with the depth limit, the span checks, and re-encoding.
#include <string>

#include "fuzz/fuzz_input.h"
#include "receiver/otlp_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  tracesim::receiver::ExportRequest request;
  if (!tracesim::receiver::ParseOtlpJson(tracesim::fuzz::AsText(data, size), &request).ok()) {
    return 0;
  }
  tracesim::receiver::CheckSpans(request);
  (void)tracesim::receiver::ToOtlpJson(request);
  return 0;
}
