// OTLP/JSON encoding of simulated spans: one ExportTraceServiceRequest per call.
//
// Follows the OTLP/JSON rules (doc: /work/shared/specs/otlp_w3c.md §3.5): lowerCamelCase keys,
// hex ids, enums as integers, 64-bit integers as decimal strings, compact output with no
// newlines. Spans are grouped by resource, then by instrumentation scope, groups ordered by first
// appearance in the batch; spans keep their batch order inside a group. Output is a pure function
// of the model and the batch (deterministic bytes).
//
// Grouping and the scope rule are SpanGrouper's (exporter/encoding/span_groups.h).
//
// Not thread-safe: an encoder owns scratch buffers reused between calls (no per-span
// allocation once they have grown to the largest batch), and its StaticAttrBlocks (each
// operation's static attributes written once, then copied). Use one encoder per thread.
#ifndef TRACESIM_EXPORTER_OTLP_JSON_H_
#define TRACESIM_EXPORTER_OTLP_JSON_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "exporter/encoding/span_groups.h"
#include "exporter/encoding/static_attr_blocks.h"
#include "sim/model/model.h"
#include "sim/model/span.h"
#include "sim/model/span_records.h"

namespace tracesim::exporter {

// Appends `s` as JSON string contents (no surrounding quotes): '"' and '\' are escaped, \n \r \t
// use their short escapes, other control characters become \u00XX, valid UTF-8 passes through
// and each invalid UTF-8 byte becomes \ufffd (OTLP strings must be valid UTF-8).
void AppendJsonEscaped(std::string_view s, std::string* out);

// True when `s` is valid UTF-8 (no overlong forms, surrogates or values past U+10FFFF).
bool IsValidUtf8(std::string_view s) noexcept;

// Appends `s` with each byte that does not start a valid UTF-8 sequence replaced by U+FFFD, the
// rule every encoder here applies to strings (protobuf `string` fields must be valid UTF-8).
void AppendUtf8Sanitized(std::string_view s, std::string* out);

// Appends a double as proto3 JSON does: the shortest round-trip decimal number, or the strings
// "NaN", "Infinity", "-Infinity" (with quotes) for non-finite values.
void AppendJsonDouble(double v, std::string* out);

class OtlpJsonEncoder {
 public:
  // The model must outlive the encoder.
  explicit OtlpJsonEncoder(const sim::Model& model);
  OtlpJsonEncoder(const OtlpJsonEncoder&) = delete;
  OtlpJsonEncoder& operator=(const OtlpJsonEncoder&) = delete;

  // Appends one ExportTraceServiceRequest holding `spans` to *out (no trailing newline).
  // Span::first_event/first_link index into `events`/`links`.
  // REQUIRES: every span's event and link ranges lie inside `events`/`links`.
  void Encode(sim::SpanRecords spans, std::span<const sim::SpanEvent> events,
              std::span<const sim::SpanLink> links, std::string* out) noexcept;
  // Encodes a whole trace view.
  void Encode(const sim::TraceView& trace, std::string* out) noexcept {
    Encode(trace.spans, trace.events, trace.links, out);
  }

  // The (scope_name, scope_version) the scope rule above assigns to `span`.
  std::pair<sim::StrId, sim::StrId> ScopeOf(const sim::Span& span) const noexcept {
    return grouper_.ScopeOf(span);
  }

 private:
  void AppendAttrs(const sim::Attr* attrs, size_t n, bool* first, std::string* out) const;
  // The span's static attributes, from static_blocks_. REQUIRES: s.static_count > 0.
  void AppendStaticAttrs(const sim::Span& s, bool* first, std::string* out) const;
  void AppendAttr(const sim::Attr& a, std::string* out) const;
  void AppendString(sim::StrId id, std::string* out) const;
  void AppendSpan(const sim::Span& s, std::span<const sim::SpanEvent> events,
                  std::span<const sim::SpanLink> links, std::string* out) const;
  // The span's "events" and "links" arrays. REQUIRES: s.event_count > 0, s.link_count > 0.
  void AppendEvents(const sim::Span& s, std::span<const sim::SpanEvent> events,
                    std::string* out) const;
  void AppendLinks(const sim::Span& s, std::span<const sim::SpanLink> links,
                   std::string* out) const;

  const sim::Model& model_;
  SpanGrouper grouper_;
  mutable StaticAttrBlocks static_blocks_;  // a memo: output is unchanged by it
};

}  // namespace tracesim::exporter

#endif  // TRACESIM_EXPORTER_OTLP_JSON_H_
