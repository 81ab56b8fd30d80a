#include "sampling/tail_size.h"

#include <cstdlib>

namespace tracesim::sampling {
namespace {

size_t StringField(size_t len) noexcept { return len == 0 ? 0 : LengthDelimitedSize(len); }

size_t DecimalDigits(int64_t v) noexcept {
  uint64_t u = v < 0 ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  size_t n = 1;
  while (u >= 10) {
    u /= 10;
    ++n;
  }
  return n + (v < 0 ? 1 : 0);
}

size_t AnyValueSize(const sim::Model& m, const sim::AttrValue& v) noexcept {
  switch (v.type) {
    case sim::AttrValue::Type::kNone:
      return 0;
    case sim::AttrValue::Type::kString:  // oneof: written even when empty
      return LengthDelimitedSize(m.strings.Get(v.str).size());
    case sim::AttrValue::Type::kBool:
      return 2;
    case sim::AttrValue::Type::kInt:
      return 1 + VarintSize(static_cast<uint64_t>(v.i));
    case sim::AttrValue::Type::kDouble:
      return 9;
    case sim::AttrValue::Type::kPrefixedInt:
      return LengthDelimitedSize(m.strings.Get(v.str).size() + DecimalDigits(v.i));
  }
  return 0;
}

size_t TraceStateField(const sim::Model& m, sim::StrId ts) noexcept {
  return ts == sim::kEmptyStr ? 0 : StringField(m.strings.Get(ts).size());
}

}  // namespace

size_t VarintSize(uint64_t v) noexcept {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

size_t LengthDelimitedSize(size_t body) noexcept { return 1 + VarintSize(body) + body; }

size_t OtlpKeyValueSize(const sim::Model& model, const sim::Attr& attr) noexcept {
  // key (1), value (2): KeyValue.value is non-nullable, so written even when empty.
  return StringField(model.strings.Get(attr.key).size()) +
         LengthDelimitedSize(AnyValueSize(model, attr.value));
}

size_t OtlpSpanSize(const sim::Model& model, const sim::Span& span,
                    std::span<const sim::SpanEvent> events,
                    std::span<const sim::SpanLink> links) noexcept {
  size_t n = 0;
  if (span.trace_id.valid()) n += 18;                     // trace_id (1)
  if (span.span_id != 0) n += 10;                         // span_id (2)
  n += TraceStateField(model, span.trace_state);          // trace_state (3)
  if (span.parent_span_id != 0) n += 10;                  // parent_span_id (4)
  n += StringField(model.strings.Get(span.name).size());  // name (5)
  if (span.kind != sim::SpanKind::kUnspecified) n += 2;   // kind (6)
  if (span.start_unix_nano != 0) n += 9;                  // start_time_unix_nano (7)
  if (span.end_unix_nano != 0) n += 9;                    // end_time_unix_nano (8)
  for (int i = 0; i < span.static_count; ++i)             // attributes (9)
    n += LengthDelimitedSize(OtlpKeyValueSize(model, span.static_attrs[i]));
  for (int i = 0; i < span.dynamic_count; ++i)
    n += LengthDelimitedSize(OtlpKeyValueSize(model, span.dynamic_attrs[i]));
  if (span.dropped_attributes != 0) n += 1 + VarintSize(span.dropped_attributes);  // (10)
  for (const sim::SpanEvent& e : events) {                                         // events (11)
    size_t b = 0;
    if (e.time_unix_nano != 0) b += 9;
    b += StringField(model.strings.Get(e.name).size());
    for (int i = 0; i < e.attr_count; ++i)
      b += LengthDelimitedSize(OtlpKeyValueSize(model, e.attrs[i]));
    n += LengthDelimitedSize(b);
  }
  for (const sim::SpanLink& l : links) {  // links (13)
    size_t b = 0;
    if (l.trace_id.valid()) b += 18;
    if (l.span_id != 0) b += 10;
    b += TraceStateField(model, l.trace_state);
    if (l.flags != 0) b += 5;  // flags (6) fixed32
    n += LengthDelimitedSize(b);
  }
  size_t status = StringField(model.strings.Get(span.status_message).size());
  if (span.status != sim::StatusCode::kUnset) status += 2;  // code (3)
  if (status != 0) n += LengthDelimitedSize(status);        // status (15)
  if (span.flags != 0) n += 6;                              // flags (16) fixed32: 2-byte tag
  return n;
}

std::pair<sim::StrId, sim::StrId> SpanScope(const sim::Model& model,
                                            const sim::Span& span) noexcept {
  const sim::Operation* op =
      span.operation < model.operations.size() ? &model.operations[span.operation] : nullptr;
  if (op != nullptr && op->service == span.service) return {op->scope_name, op->scope_version};
  if (span.service < model.services.size()) {
    for (uint32_t o : model.services[span.service].operations) {
      if (o < model.operations.size() && model.operations[o].scope_name != sim::kEmptyStr) {
        return {model.operations[o].scope_name, model.operations[o].scope_version};
      }
    }
  }
  if (op != nullptr) return {op->scope_name, op->scope_version};
  return {sim::kEmptyStr, sim::kEmptyStr};
}

size_t OtlpResourceSpansSize(const sim::Model& model, const sim::Span& span,
                             size_t span_body) noexcept {
  size_t res_body = 0;
  if (span.resource < model.resources.size()) {
    for (const sim::Attr& a : model.resources[span.resource].attrs)
      res_body += LengthDelimitedSize(OtlpKeyValueSize(model, a));
  }
  auto scope = SpanScope(model, span);
  size_t scope_body = StringField(model.strings.Get(scope.first).size()) +
                      StringField(model.strings.Get(scope.second).size());
  size_t ss_body = LengthDelimitedSize(scope_body) + LengthDelimitedSize(span_body);
  return LengthDelimitedSize(res_body) + LengthDelimitedSize(ss_body);
}

size_t OtlpBatchSize(const sim::Model& model, std::span<const sim::Span> spans,
                     std::span<const uint32_t> span_sizes) noexcept {
  size_t total = 0;
  size_t i = 0;
  while (i < spans.size()) {
    const uint32_t resource = spans[i].resource;
    size_t rs_body = 0;
    size_t res_body = 0;
    if (resource < model.resources.size()) {
      for (const sim::Attr& a : model.resources[resource].attrs)
        res_body += LengthDelimitedSize(OtlpKeyValueSize(model, a));
    }
    rs_body += LengthDelimitedSize(res_body);  // resource (1), non-nullable
    while (i < spans.size() && spans[i].resource == resource) {
      auto scope = SpanScope(model, spans[i]);
      size_t scope_body = StringField(model.strings.Get(scope.first).size()) +
                          StringField(model.strings.Get(scope.second).size());
      size_t ss_body = LengthDelimitedSize(scope_body);  // scope (1), non-nullable
      while (i < spans.size() && spans[i].resource == resource &&
             SpanScope(model, spans[i]) == scope) {
        ss_body += LengthDelimitedSize(span_sizes[i]);  // spans (2)
        ++i;
      }
      rs_body += LengthDelimitedSize(ss_body);  // scope_spans (2)
    }
    total += LengthDelimitedSize(rs_body);  // resource_spans (1)
  }
  return total;
}

}  // namespace tracesim::sampling
