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
#include <string_view>
#include <unordered_map>
#include <vector>

#include "exporter/encoding/span_groups.h"
#include "sim/model/model.h"
#include "sim/model/span.h"
#include "sim/model/span_records.h"

namespace opentelemetry::proto::collector::trace::v1 {
class ExportTraceServiceRequest;
}  // namespace opentelemetry::proto::collector::trace::v1

namespace tracesim::exporter {

// The encoded Span.attributes fields of static attribute templates, keyed by the template's
// address (stable: the model owns it and outlives the encoder; REQUIRES: a template's contents do
// not change while an encoder lives, as the model's do not during a run). Holds at most kMaxBlocks
// templates (a model has one per operation and call); past that, Find() misses and the caller
// encodes inline, so memory is bounded whatever the model.
class StaticAttrBlocks {
 public:
  static constexpr size_t kMaxBlocks = 4096;
  // The bytes stored for `attrs` with `count` attributes; a view with data() == nullptr when
  // absent.
  std::string_view Find(const sim::Attr* attrs, uint16_t count) const {
    auto it = index_.find(attrs);
    if (it == index_.end() || it->second.count != count) return {};
    return std::string_view(bytes_).substr(it->second.offset, it->second.size);
  }
  // Whether Add() takes `attrs`: room left and no block for that address yet (a span that
  // shows a stored template with another count is encoded inline, never stored twice).
  bool CanAdd(const sim::Attr* attrs) const {
    return index_.size() < kMaxBlocks && !index_.contains(attrs);
  }
  // Stores `encoded` for the template. REQUIRES: CanAdd(attrs).
  std::string_view Add(const sim::Attr* attrs, uint16_t count, std::string_view encoded) {
    Block b{count, static_cast<uint32_t>(bytes_.size()), static_cast<uint32_t>(encoded.size())};
    bytes_.append(encoded);
    index_.emplace(attrs, b);
    return std::string_view(bytes_).substr(b.offset, b.size);
  }

 private:
  struct Block {
    uint16_t count;
    uint32_t offset, size;  // in bytes_
  };
  std::unordered_map<const sim::Attr*, Block> index_;
  std::string bytes_;
};

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
