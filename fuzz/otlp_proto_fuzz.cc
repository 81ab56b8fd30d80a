// OTLP/protobuf request bodies as `tracesim receive` gets them (gRPC and HTTP): optional gzip
// inflation with the size limit, protobuf decoding, the span checks, and the JSON re-encoding
// the receiver uses for --output.
#include <google/protobuf/stubs/logging.h>

#include <string>

#include "fuzz/fuzz_input.h"
#include "receiver/otlp_codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  // As `tracesim receive` does: no libprotobuf log line per malformed input (they made a third of
  // a campaign's time).
  static const google::protobuf::LogSilencer quiet;
  std::string_view body = tracesim::fuzz::AsText(data, size);
  std::string inflated;
  if (body.size() >= 2 && static_cast<uint8_t>(body[0]) == 0x1f &&
      static_cast<uint8_t>(body[1]) == 0x8b) {
    bool too_large = false;
    if (!tracesim::receiver::Gunzip(body, 1 << 20, &inflated, &too_large).ok()) return 0;
    body = inflated;
  }
  tracesim::receiver::ExportRequest request;
  if (!request.ParseFromArray(body.data(), static_cast<int>(body.size()))) return 0;
  std::string mask;
  tracesim::receiver::CheckSpans(request, &mask);
  std::string json = tracesim::receiver::ToOtlpJson(request);
  tracesim::receiver::ExportRequest again;
  (void)tracesim::receiver::ParseOtlpJson(json, &again);
  return 0;
}
