// OTLP/JSON encoding of simulated spans: one ExportTraceServiceRequest per call.
//
// Follows the OTLP/JSON rules (doc: /work/shared/specs/otlp_w3c.md §3.5): lowerCamelCase keys,
// hex ids, enums as integers, 64-bit integers as decimal strings, compact output with no
// newlines. Spans are grouped by resource, then by instrumentation scope, groups ordered by first
// appearance in the batch; spans keep their batch order inside a group. Output is a pure function
// of the model and the batch (deterministic bytes).
//
// Scope rule: a span's scope is Model::operations[Span::operation].scope_name/scope_version when
// that operation belongs to Span::service (SERVER, CONSUMER, INTERNAL spans). Otherwise (CLIENT
// and PRODUCER spans name the callee's operation, or none) the scope is that of the recording
// service's first operation with a non-empty scope name, approximating "the caller's
// instrumentation"; when the service has none, the callee operation's scope is used.
//
// Not thread-safe: an encoder owns scratch buffers reused between calls (no per-span
// allocation once they have grown to the largest batch). Use one encoder per thread.
#ifndef TRACESIM_EXPORTER_OTLP_JSON_H_
#define TRACESIM_EXPORTER_OTLP_JSON_H_

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "sim/model.h"
#include "sim/span.h"

namespace tracesim::exporter {

// Appends `s` as JSON string contents (no surrounding quotes): '"' and '\' are escaped, \n \r \t
// use their short escapes, other control characters become \u00XX, valid UTF-8 passes through
// and each invalid UTF-8 byte becomes \ufffd (OTLP strings must be valid UTF-8).
void AppendJsonEscaped(std::string_view s, std::string* out);

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
  void Encode(std::span<const sim::Span> spans, std::span<const sim::SpanEvent> events,
              std::span<const sim::SpanLink> links, std::string* out) noexcept;
  // Encodes a whole trace view.
  void Encode(const sim::TraceView& trace, std::string* out) noexcept {
    Encode(trace.spans, trace.events, trace.links, out);
  }

  // The (scope_name, scope_version) the scope rule above assigns to `span`.
  std::pair<sim::StrId, sim::StrId> ScopeOf(const sim::Span& span) const noexcept;

 private:
  struct ScopeGroup {
    sim::StrId name, version;
    uint32_t count;   // spans in the group
    uint32_t offset;  // start in order_
    uint32_t next;    // next scope group of the same resource group, or sim::kNone
  };
  struct ResourceGroup {
    uint32_t resource;    // index into Model::resources, or sim::kNone
    uint32_t head, tail;  // scope groups list
  };

  void AppendAttrs(const sim::Attr* attrs, size_t n, bool* first, std::string* out) const;
  void AppendAttr(const sim::Attr& a, std::string* out) const;
  void AppendString(sim::StrId id, std::string* out) const;
  void AppendSpan(const sim::Span& s, std::span<const sim::SpanEvent> events,
                  std::span<const sim::SpanLink> links, std::string* out) const;

  const sim::Model& model_;
  // Per service: scope of its first operation with a scope name (or {0,0}).
  std::vector<std::pair<sim::StrId, sim::StrId>> service_scope_;
  // Scratch, reused between calls.
  std::vector<uint32_t> resource_slot_;   // per model resource (+1 for kNone): group index
  std::vector<uint64_t> resource_stamp_;  // batch stamp validating resource_slot_
  uint64_t stamp_ = 0;
  std::vector<ResourceGroup> resource_groups_;
  std::vector<ScopeGroup> scope_groups_;
  std::vector<uint32_t> span_group_;  // per span: scope group index
  std::vector<uint32_t> order_;       // span indices grouped
};

}  // namespace tracesim::exporter

#endif  // TRACESIM_EXPORTER_OTLP_JSON_H_
