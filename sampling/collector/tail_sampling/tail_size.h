// OTLP protobuf size model: the exact encoded size of spans and of a trace's batch, computed from
// the fields (spec sampling.md §6.1), without encoding.
//
// Follows proto3 rules as the Collector's pdata marshaler applies them: scalar fields at their
// zero value are omitted; KeyValue.value, Resource and InstrumentationScope are always written
// (non-nullable); Span.status is written only when it has a code or message (spec model). A
// kPrefixedInt attribute is a string on the wire. Pure functions; thread-safe.
#ifndef TRACESIM_SAMPLING_TAIL_SIZE_H_
#define TRACESIM_SAMPLING_TAIL_SIZE_H_

#include <bit>
#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "exporter/otlp_model/otlp_scope.h"
#include "sim/kernel/observer.h"
#include "sim/model/model.h"
#include "sim/model/span.h"

namespace tracesim::sampling {

// Bytes of a base-128 varint.
inline size_t VarintSize(uint64_t v) noexcept {
  return static_cast<size_t>(std::bit_width(v | 1) + 6) / 7;
}
// Bytes of a length-delimited field with a one-byte tag: 1 + varint(len) + len.
inline size_t LengthDelimitedSize(size_t body) noexcept { return 1 + VarintSize(body) + body; }
// Body size of an OTLP KeyValue message.
size_t OtlpKeyValueSize(const sim::Model& model, const sim::Attr& attr) noexcept;
// Body size of an OTLP Span message. `events` and `links` are this span's own.
size_t OtlpSpanSize(const sim::Model& model, const sim::Span& span,
                    std::span<const sim::SpanEvent> events,
                    std::span<const sim::SpanLink> links) noexcept;

// Body size of a ResourceSpans holding only `span` (its resource, one ScopeSpans with its scope),
// given the span's encoded body size: what the Collector's ResourceSpansSize() returns for a
// batch that brought one span of a trace.
size_t OtlpResourceSpansSize(const sim::Model& model, const sim::Span& span,
                             size_t span_body) noexcept;

// Size of a TracesData message holding `spans` (with each span's encoded body size given in
// `span_sizes`), grouping consecutive spans of the same resource and scope into one
// ResourceSpans/ScopeSpans, as spans arriving in export batches are held by the Collector.
size_t OtlpBatchSize(const sim::Model& model, std::span<const sim::Span> spans,
                     std::span<const uint32_t> span_sizes) noexcept;

// A span with its own events and links and its OTLP body size (OtlpSpanSize), as it arrives at a
// processor.
struct SizedSpan {
  const sim::Span* span = nullptr;
  std::span<const sim::SpanEvent> events;
  std::span<const sim::SpanLink> links;
  uint32_t size = 0;
};

// OtlpSpanSize and OtlpResourceSpansSize for one Model, memoised for the hot path: the size of
// each static attribute template (Span::static_attrs, shared per operation), of each resource
// and of each scope is computed once; a span then costs its dynamic attributes, events and links.
// Results equal the pure functions'. It is also the run's sim::SpanSizeModel: the kernel sizes
// each span once with it (Span::exported_size), and the observers read that (SizeOf). Not
// thread-safe (the memo grows).
class SpanSizer final : public sim::SpanSizeModel {
 public:
  // REQUIRES: `model` outlives the sizer and is not modified meanwhile.
  explicit SpanSizer(const sim::Model& model);

  // OtlpSpanSize(span, events, links), computed.
  uint32_t SpanSize(const sim::Span& span, std::span<const sim::SpanEvent> events,
                    std::span<const sim::SpanLink> links) noexcept override;
  // The same size: Span::exported_size when the kernel sized the span (same model), else
  // SpanSize(). For observers of a Simulation.
  uint32_t SizeOf(const sim::Span& span, std::span<const sim::SpanEvent> events,
                  std::span<const sim::SpanLink> links) noexcept {
    return span.exported_size != sim::kNone ? span.exported_size : SpanSize(span, events, links);
  }
  uint32_t ResourceSpansSize(const sim::Span& span, size_t span_body) const noexcept;
  // Body size of the ResourceSpans the tail_sampling processor builds for one trace's spans of one
  // arriving ResourceSpans (newResourceSpanFromSpanAndScopes): the first span's resource, then
  // one ScopeSpans per distinct scope in order of first appearance, each with its spans. For one
  // span it equals ResourceSpansSize(). REQUIRES: !spans.empty(), one resource.
  uint32_t GroupResourceSpansSize(std::span<const SizedSpan> spans) const noexcept;
  const sim::Model& model() const { return model_; }

 private:
  struct Template {
    const sim::Attr* attrs = nullptr;
    uint32_t count = 0;
    uint32_t size = 0;
  };
  uint32_t StaticSize(const sim::Attr* attrs, uint32_t count) noexcept;
  size_t TemplateHome(const sim::Attr* attrs) const noexcept;  // probe start in templates_
  size_t ScopeBody(const sim::Span& span) const noexcept;

  const sim::Model& model_;
  std::vector<uint32_t> resource_body_;  // per resource: Resource message body
  exporter::OtlpScopeRule scopes_;       // the exporter's scope rule
  std::vector<uint32_t> op_scope_body_;  // per operation: its own scope's body
  std::vector<Template> templates_;      // open addressing on the pointer, power of two
  size_t template_count_ = 0;
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_TAIL_SIZE_H_
