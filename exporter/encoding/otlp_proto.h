// OTLP protobuf encoding of simulated spans: one ExportTraceServiceRequest per call, written
// directly in protobuf wire format (no message objects), byte-identical to what libprotobuf
// serializes for the same request.
//
// Content and grouping match OtlpJsonEncoder exactly (SpanGrouper: by resource, then scope, in
// order of first appearance): ids, flags, kind, fixed64 times (negative clamp to 0), attributes of
// every AttrValue kind (kPrefixedInt as a string, kNone as an empty AnyValue), dropped attribute
// counts, events, links, status, trace_state, resource attributes and scope. Fields holding the
// proto3 default are omitted, as libprotobuf does; strings are UTF-8 sanitized (each invalid byte
// becomes U+FFFD). Output is a pure function of the model and the batch.
//
// BuildOtlpRequest() is the slow reference: the same request built as libprotobuf messages. Tests
// pin the two against each other; the fast encoder is what the exporters use.
//
// Not thread-safe: an encoder owns scratch buffers reused between calls (no per-span allocation
// once they have grown to the largest batch). Use one encoder per thread.
//
// An operation's static attributes (Span::static_attrs, a template the model owns) encode to the
// same bytes on every span, so the encoder writes each template once and copies its bytes after
// that (StaticAttrBlocks): a span's attributes were half of the encoder's time.
#ifndef TRACESIM_EXPORTER_OTLP_PROTO_H_
#define TRACESIM_EXPORTER_OTLP_PROTO_H_

#include <span>
#include <string>
#include <vector>

#include "exporter/encoding/span_groups.h"
#include "exporter/encoding/static_attr_blocks.h"
#include "sim/model/model.h"
#include "sim/model/span.h"
#include "sim/model/span_records.h"

namespace opentelemetry::proto::collector::trace::v1 {
class ExportTraceServiceRequest;
}  // namespace opentelemetry::proto::collector::trace::v1

namespace tracesim::exporter {

class OtlpProtoEncoder {
 public:
  // The model must outlive the encoder.
  explicit OtlpProtoEncoder(const sim::Model& model);
  OtlpProtoEncoder(const OtlpProtoEncoder&) = delete;
  OtlpProtoEncoder& operator=(const OtlpProtoEncoder&) = delete;

  // Appends one serialized ExportTraceServiceRequest holding `spans` to *out.
  // Span::first_event/first_link index into `events`/`links`.
  // REQUIRES: every span's event and link ranges lie inside `events`/`links`.
  void Encode(sim::SpanRecords spans, std::span<const sim::SpanEvent> events,
              std::span<const sim::SpanLink> links, std::string* out) noexcept;
  // Encodes a whole trace view.
  void Encode(const sim::TraceView& trace, std::string* out) noexcept {
    Encode(trace.spans, trace.events, trace.links, out);
  }

 private:
  const sim::Model& model_;
  SpanGrouper grouper_;
  // Per model string (StrId): 0 not checked yet, 1 valid UTF-8, 2 not (sanitized when written).
  std::vector<uint8_t> utf8_;
  StaticAttrBlocks static_blocks_;
};

// Reference path: fills *request (cleared first; give it an Arena-allocated message for speed)
// with the same content OtlpProtoEncoder writes, through the libprotobuf API.
void BuildOtlpRequest(
    const sim::Model& model, sim::SpanRecords spans, std::span<const sim::SpanEvent> events,
    std::span<const sim::SpanLink> links,
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest* request);

}  // namespace tracesim::exporter

#endif  // TRACESIM_EXPORTER_OTLP_PROTO_H_
