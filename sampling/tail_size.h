// OTLP protobuf size model: the exact encoded size of spans and of a trace's batch, computed from
// the fields (spec sampling.md §6.1), without encoding.
//
// Follows proto3 rules as the Collector's pdata marshaler applies them: scalar fields at their
// zero value are omitted; KeyValue.value, Resource and InstrumentationScope are always written
// (non-nullable); Span.status is written only when it has a code or message (spec model). A
// kPrefixedInt attribute is a string on the wire. Pure functions; thread-safe.
#ifndef TRACESIM_SAMPLING_TAIL_SIZE_H_
#define TRACESIM_SAMPLING_TAIL_SIZE_H_

#include <cstddef>
#include <cstdint>
#include <span>
#include <utility>
#include <vector>

#include "sim/model.h"
#include "sim/span.h"

namespace tracesim::sampling {

// Bytes of a base-128 varint.
size_t VarintSize(uint64_t v) noexcept;
// Bytes of a length-delimited field with a one-byte tag: 1 + varint(len) + len.
size_t LengthDelimitedSize(size_t body) noexcept;
// Body size of an OTLP KeyValue message.
size_t OtlpKeyValueSize(const sim::Model& model, const sim::Attr& attr) noexcept;
// Body size of an OTLP Span message. `events` and `links` are this span's own.
size_t OtlpSpanSize(const sim::Model& model, const sim::Span& span,
                    std::span<const sim::SpanEvent> events,
                    std::span<const sim::SpanLink> links) noexcept;

// The instrumentation scope (name, version) a span is exported under: its operation's scope when
// the operation belongs to the recording service, else the recording service's first operation
// with a scope name, else the operation's (the exporter's rule).
std::pair<sim::StrId, sim::StrId> SpanScope(const sim::Model& model,
                                            const sim::Span& span) noexcept;

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

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_TAIL_SIZE_H_
