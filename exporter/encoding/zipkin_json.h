// Zipkin v2 JSON encoding of simulated spans (POST /api/v2/spans body: a JSON array of spans).
//
// Mapping (doc/transports.md, /work/shared/specs/otlp_w3c.md §3.7): traceId 32 and id/parentId
// 16 lowercase hex digits (no parentId for roots); timestamp = start in epoch microseconds and
// duration = end - start in microseconds, both truncated from nanoseconds (a duration under 1 µs
// becomes 1, as Zipkin rounds up); kind CLIENT/SERVER/PRODUCER/CONSUMER, absent for INTERNAL;
// localEndpoint.serviceName = the recording service; CLIENT and PRODUCER spans get
// remoteEndpoint {serviceName, port} of the callee when known; attributes become string tags
// (booleans "true"/"false", integers decimal, doubles shortest round-trip, kPrefixedInt as
// prefix + digits); span status OK adds tag otel.status_code=OK, ERROR adds otel.status_code=ERROR
// and error=<status message> (empty string when none); the scope becomes otel.scope.name/
// otel.scope.version; events become annotations {timestamp µs, value} whose value is the event
// name, or {"<name>":{<attributes as strings>}} as compact JSON when the event has attributes.
// Links and trace_state have no Zipkin field and are dropped. A tag key that appears twice keeps
// its last value (later dynamic attributes override static ones).
//
// Not thread-safe (scratch buffers are reused); one encoder per thread.
#ifndef TRACESIM_EXPORTER_ZIPKIN_JSON_H_
#define TRACESIM_EXPORTER_ZIPKIN_JSON_H_

#include <span>
#include <string>
#include <vector>

#include "exporter/encoding/span_groups.h"
#include "sim/model/model.h"
#include "sim/model/span.h"
#include "sim/model/span_records.h"

namespace tracesim::exporter {

class ZipkinJsonEncoder {
 public:
  // The model must outlive the encoder.
  explicit ZipkinJsonEncoder(const sim::Model& model);
  ZipkinJsonEncoder(const ZipkinJsonEncoder&) = delete;
  ZipkinJsonEncoder& operator=(const ZipkinJsonEncoder&) = delete;

  // Appends a JSON array holding `spans` (in batch order) to *out.
  // REQUIRES: every span's event range lies inside `events`.
  void Encode(sim::SpanRecords spans, std::span<const sim::SpanEvent> events,
              std::span<const sim::SpanLink> links, std::string* out) noexcept;
  void Encode(const sim::TraceView& trace, std::string* out) noexcept {
    Encode(trace.spans, trace.events, trace.links, out);
  }

 private:
  void AppendSpan(const sim::Span& s, std::span<const sim::SpanEvent> events, std::string* out);
  // localEndpoint, and remoteEndpoint for client and producer spans.
  void AppendEndpoints(const sim::Span& s, std::string* out) const;
  // The events as annotations. REQUIRES: s.event_count > 0.
  void AppendAnnotations(const sim::Span& s, std::span<const sim::SpanEvent> events,
                         std::string* out) const;
  // The attributes, the scope and the status as tags.
  void AppendTags(const sim::Span& s, std::string* out);
  void AppendTagValue(const sim::AttrValue& v, std::string* out) const;

  const sim::Model& model_;
  SpanGrouper grouper_;                 // for the scope rule only
  std::vector<const sim::Attr*> tags_;  // scratch: the span's attributes, last one per key wins
};

}  // namespace tracesim::exporter

#endif  // TRACESIM_EXPORTER_ZIPKIN_JSON_H_
