// OTLP/protobuf request bodies as `tracesim receive` gets them (gRPC and HTTP): optional gzip
// inflation with the size limit, protobuf decoding (the scanner held to libprotobuf), the span
// checks, and the JSON re-encoding the receiver uses for --output.
#include <google/protobuf/stubs/logging.h>

#include <string>
#include <vector>

#include "fuzz/fuzz_input.h"
#include "receiver/otlp_codec.h"
#include "receiver/wire/otlp_scan.h"

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
  // The receiver's scanner (receiver/otlp_scan.h) must never accept what libprotobuf refuses, and
  // must read the same spans when it accepts.
  std::vector<tracesim::receiver::SpanIds> scanned, listed;
  const bool scanned_ok = tracesim::receiver::ScanExportRequest(body, &scanned);
  tracesim::receiver::ExportRequest request;
  if (!request.ParseFromArray(body.data(), static_cast<int>(body.size()))) {
    if (scanned_ok) __builtin_trap();
    return 0;
  }
  tracesim::receiver::ListSpans(request, &listed);
  if (scanned_ok) {
    if (scanned.size() != listed.size()) __builtin_trap();
    for (size_t i = 0; i < scanned.size(); ++i) {
      const auto &a = scanned[i], &b = listed[i];
      if (a.resource != b.resource || a.scope != b.scope || a.index != b.index ||
          a.trace_id != b.trace_id || a.span_id != b.span_id ||
          a.parent_span_id != b.parent_span_id)
        __builtin_trap();
    }
  }
  std::string mask;
  tracesim::receiver::CheckSpans(listed, &mask);
  std::string json = tracesim::receiver::ToOtlpJson(request);
  tracesim::receiver::ExportRequest again;
  (void)tracesim::receiver::ParseOtlpJson(json, &again);
  return 0;
}
