// ScanExportRequest: the receiver's fast path for OTLP/protobuf bodies. It walks the protobuf
// wire format of an ExportTraceServiceRequest in place, without building messages (libprotobuf
// parsing with its arena and string allocations was most of the receiver's CPU), and lists what
// the receiver reads of each span: its trace id, span id and parent span id.
//
// It is strict by construction: it accepts a body only when every field is one of the OTLP trace
// protos' (exporter/proto/*.proto) with its declared wire type, every varint is canonical in
// length (at most 10 bytes, fitting 64 bits), every length fits, every `string` field is valid
// UTF-8, and messages nest at most kMaxScanDepth deep. Such a body is one libprotobuf parses too,
// with the same spans in the same order (a repeated singular field: the last one counts, as in
// libprotobuf). Anything else (unknown fields, groups, invalid UTF-8, a truncated body) returns
// false, and the caller parses with libprotobuf, which decides between a valid request and an
// invalid one: so the receiver's answers do not depend on which path read the body. The fuzz
// harness fuzz/otlp_proto_fuzz.cc and receiver/wire/otlp_scan_test.cc hold the two paths to that.
// Pure functions; thread-safe.
#ifndef TRACESIM_RECEIVER_WIRE_OTLP_SCAN_H_
#define TRACESIM_RECEIVER_WIRE_OTLP_SCAN_H_

#include <cstdint>
#include <string_view>
#include <vector>

namespace tracesim::receiver {

// What the receiver reads of one span: where it is (resource_spans[resource].scope_spans[scope]
// .spans[index]) and its ids (views into the request message or the body it was scanned from).
struct SpanIds {
  uint32_t resource = 0, scope = 0, index = 0;
  std::string_view trace_id, span_id, parent_span_id;
};

// Nesting the scanner follows (request, resource spans, scope spans, span, key-values, nested
// AnyValues); deeper bodies go to libprotobuf (its limit is 100).
inline constexpr int kMaxScanDepth = 32;

// Scans `wire` (a whole ExportTraceServiceRequest) into *spans (cleared first; the views point
// into `wire`). True when the scanner read the whole body; see the file comment.
bool ScanExportRequest(std::string_view wire, std::vector<SpanIds>* spans);

}  // namespace tracesim::receiver

#endif  // TRACESIM_RECEIVER_WIRE_OTLP_SCAN_H_
