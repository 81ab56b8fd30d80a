// OTLP request decoding and checking for the receiver: OTLP/JSON <-> protobuf messages (hex ids,
// lowerCamelCase, enums as integers, 64-bit integers as strings or numbers, unknown fields
// ignored; doc: /work/shared/specs/otlp_w3c.md §3.5), span id validation, and gzip inflation
// with a size limit. Pure functions; thread-safe.
#ifndef TRACESIM_RECEIVER_OTLP_CODEC_H_
#define TRACESIM_RECEIVER_OTLP_CODEC_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/proto/trace_service.pb.h"
#include "receiver/wire/otlp_scan.h"
#include "sim/base/status.h"

namespace tracesim::receiver {

using ExportRequest = opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest;
using ExportResponse = opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse;

// Deepest nesting of JSON arrays and objects ParseOtlpJson accepts. A real OTLP request needs
// about 10 levels plus 3 per level of nested AnyValue; protobuf's JSON reader stops at 100.
// Checked by a linear scan before any recursive code sees the text (issue 16 item 1).
inline constexpr int kMaxJsonDepth = 64;

// Parses an OTLP/JSON ExportTraceServiceRequest into *out (cleared first). Errors
// (InvalidArgument) name the JSON position or the field path, e.g.
// "resourceSpans[0].scopeSpans[0].spans[2].traceId: 'xyz' is not a hex string", or the depth
// limit. Never throws: every exception of the JSON library becomes an error.
sim::Status ParseOtlpJson(std::string_view json, ExportRequest* out);

// Encodes a request as one line of OTLP/JSON (no newline): hex ids, enums as integers, 64-bit
// integers as decimal strings, lowerCamelCase keys.
std::string ToOtlpJson(const ExportRequest& request);

// Encodes an ExportTraceServiceResponse as OTLP/JSON ("{}" for full success).
std::string ResponseToJson(const ExportResponse& response);

// Lowercase hex of `bytes`.
std::string BytesToHex(std::string_view bytes);
// Decodes case-insensitive hex; false for odd length or a non-hex character.
bool HexToBytes(std::string_view hex, std::string* out);

// The result of checking the spans of a request.
struct SpanCheck {
  uint64_t spans = 0;         // all spans in the request
  uint64_t invalid = 0;       // spans with a bad trace id, span id or parent span id
  std::string first_problem;  // e.g. "resource_spans[0].scope_spans[1].spans[3]: trace_id ..."
};

// Every span of `request` in request order (*out cleared first; views into `request`).
void ListSpans(const ExportRequest& request, std::vector<SpanIds>* out);

// Checks every span: trace_id 16 bytes and not all zero, span_id 8 bytes and not all zero,
// parent_span_id empty or 8 bytes. When `invalid_mask` is not null it is resized to the span
// count and marks the invalid spans in request order.
SpanCheck CheckSpans(const std::vector<SpanIds>& spans, std::string* invalid_mask = nullptr);
// The same for a parsed request (ListSpans, then the checks).
SpanCheck CheckSpans(const ExportRequest& request, std::string* invalid_mask = nullptr);

// Inflates a gzip (or zlib) stream into *out. Fails with InvalidArgument for a corrupt or
// truncated stream; sets *too_large (and fails) when the output would exceed `limit` bytes.
// Memory: at most `limit` bytes while inflating, plus the output's size on success.
sim::Status Gunzip(std::string_view in, uint64_t limit, std::string* out, bool* too_large);

// Compresses `in` as gzip (used by tests and clients).
std::string Gzip(std::string_view in);

}  // namespace tracesim::receiver

#endif  // TRACESIM_RECEIVER_OTLP_CODEC_H_
