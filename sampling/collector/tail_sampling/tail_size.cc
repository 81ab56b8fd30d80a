#include "sampling/collector/tail_sampling/tail_size.h"

#include <cstdlib>

namespace tracesim::sampling {
namespace {

size_t StringField(size_t len) noexcept { return len == 0 ? 0 : LengthDelimitedSize(len); }

size_t DecimalDigits(int64_t v) noexcept {
  uint64_t u = v < 0 ? static_cast<uint64_t>(-(v + 1)) + 1 : static_cast<uint64_t>(v);
  size_t n = 1;
  for (uint64_t p = 10; n < 20 && u >= p; p *= 10) ++n;  // comparisons, no division
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

namespace {
size_t SpanSizeWithStatic(const sim::Model& model, const sim::Span& span,
                          std::span<const sim::SpanEvent> events,
                          std::span<const sim::SpanLink> links, size_t static_bytes) noexcept;
}  // namespace

size_t OtlpKeyValueSize(const sim::Model& model, const sim::Attr& attr) noexcept {
  // key (1), value (2): KeyValue.value is non-nullable, so written even when empty.
  return StringField(model.strings.Get(attr.key).size()) +
         LengthDelimitedSize(AnyValueSize(model, attr.value));
}

size_t OtlpSpanSize(const sim::Model& model, const sim::Span& span,
                    std::span<const sim::SpanEvent> events,
                    std::span<const sim::SpanLink> links) noexcept {
  size_t static_bytes = 0;
  for (int i = 0; i < span.static_count; ++i)
    static_bytes += LengthDelimitedSize(OtlpKeyValueSize(model, span.static_attrs[i]));
  return SpanSizeWithStatic(model, span, events, links, static_bytes);
}

namespace {

size_t SpanSizeWithStatic(const sim::Model& model, const sim::Span& span,
                          std::span<const sim::SpanEvent> events,
                          std::span<const sim::SpanLink> links, size_t static_bytes) noexcept {
  size_t n = static_bytes;                                // attributes (9): the static template
  if (span.trace_id.valid()) n += 18;                     // trace_id (1)
  if (span.span_id != 0) n += 10;                         // span_id (2)
  n += TraceStateField(model, span.trace_state);          // trace_state (3)
  if (span.parent_span_id != 0) n += 10;                  // parent_span_id (4)
  n += StringField(model.strings.Get(span.name).size());  // name (5)
  if (span.kind != sim::SpanKind::kUnspecified) n += 2;   // kind (6)
  if (span.start_unix_nano != 0) n += 9;                  // start_time_unix_nano (7)
  if (span.end_unix_nano != 0) n += 9;                    // end_time_unix_nano (8)
  for (int i = 0; i < span.dynamic_count; ++i)            // attributes (9): per span
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

}  // namespace

size_t OtlpResourceSpansSize(const sim::Model& model, const sim::Span& span,
                             size_t span_body) noexcept {
  size_t res_body = 0;
  if (span.resource < model.resources.size()) {
    for (const sim::Attr& a : model.resources[span.resource].attrs)
      res_body += LengthDelimitedSize(OtlpKeyValueSize(model, a));
  }
  auto scope = exporter::OtlpScopeOf(model, span);
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
      auto scope = exporter::OtlpScopeOf(model, spans[i]);
      size_t scope_body = StringField(model.strings.Get(scope.first).size()) +
                          StringField(model.strings.Get(scope.second).size());
      size_t ss_body = LengthDelimitedSize(scope_body);  // scope (1), non-nullable
      while (i < spans.size() && spans[i].resource == resource &&
             exporter::OtlpScopeOf(model, spans[i]) == scope) {
        ss_body += LengthDelimitedSize(span_sizes[i]);  // spans (2)
        ++i;
      }
      rs_body += LengthDelimitedSize(ss_body);  // scope_spans (2)
    }
    total += LengthDelimitedSize(rs_body);  // resource_spans (1)
  }
  return total;
}

// --- SpanSizer ---------------------------------------------------------------------------------

SpanSizer::SpanSizer(const sim::Model& model) : model_(model), scopes_(model), templates_(64) {
  resource_body_.reserve(model.resources.size());
  for (const sim::Resource& r : model.resources) {
    size_t body = 0;
    for (const sim::Attr& a : r.attrs) body += LengthDelimitedSize(OtlpKeyValueSize(model, a));
    resource_body_.push_back(static_cast<uint32_t>(body));
  }
  auto scope_body = [&](sim::StrId name, sim::StrId version) {
    return static_cast<uint32_t>(StringField(model.strings.Get(name).size()) +
                                 StringField(model.strings.Get(version).size()));
  };
  op_scope_body_.reserve(model.operations.size());
  for (const sim::Operation& op : model.operations)
    op_scope_body_.push_back(scope_body(op.scope_name, op.scope_version));
}

size_t SpanSizer::TemplateHome(const sim::Attr* attrs) const noexcept {
  const uint64_t key = reinterpret_cast<uintptr_t>(attrs);
  return static_cast<size_t>((key * 0x9E3779B97F4A7C15ULL) >> 40) & (templates_.size() - 1);
}

uint32_t SpanSizer::StaticSize(const sim::Attr* attrs, uint32_t count) noexcept {
  const size_t mask = templates_.size() - 1;
  size_t i = TemplateHome(attrs);
  for (;; i = (i + 1) & mask) {
    Template& t = templates_[i];
    if (t.attrs == attrs && t.count == count) return t.size;
    if (t.attrs == nullptr) break;
  }
  size_t n = 0;
  for (uint32_t a = 0; a < count; ++a) n += LengthDelimitedSize(OtlpKeyValueSize(model_, attrs[a]));
  if ((template_count_ + 1) * 2 > templates_.size()) {
    // Grow (rare: one entry per attribute template of the model).
    std::vector<Template> old(templates_.size() * 2);
    old.swap(templates_);
    template_count_ = 0;
    for (const Template& t : old) {
      if (t.attrs == nullptr) continue;
      size_t j = TemplateHome(t.attrs);
      while (templates_[j].attrs != nullptr) j = (j + 1) & (templates_.size() - 1);
      templates_[j] = t;
      ++template_count_;
    }
    return StaticSize(attrs, count);  // inserts into the grown table
  }
  templates_[i] = Template{attrs, count, static_cast<uint32_t>(n)};
  ++template_count_;
  return static_cast<uint32_t>(n);
}

uint32_t SpanSizer::SpanSize(const sim::Span& span, std::span<const sim::SpanEvent> events,
                             std::span<const sim::SpanLink> links) noexcept {
  const size_t static_bytes =
      span.static_count == 0 ? 0 : StaticSize(span.static_attrs, span.static_count);
  return static_cast<uint32_t>(SpanSizeWithStatic(model_, span, events, links, static_bytes));
}

size_t SpanSizer::ScopeBody(const sim::Span& span) const noexcept {
  const uint32_t op = scopes_.ScopeOperation(span);
  return op == sim::kNone ? 0 : op_scope_body_[op];
}

uint32_t SpanSizer::ResourceSpansSize(const sim::Span& span, size_t span_body) const noexcept {
  const size_t res_body = span.resource < resource_body_.size() ? resource_body_[span.resource] : 0;
  const size_t ss_body = LengthDelimitedSize(ScopeBody(span)) + LengthDelimitedSize(span_body);
  return static_cast<uint32_t>(LengthDelimitedSize(res_body) + LengthDelimitedSize(ss_body));
}

uint32_t SpanSizer::GroupResourceSpansSize(std::span<const SizedSpan> spans) const noexcept {
  const uint32_t resource = spans.front().span->resource;
  const size_t res_body = resource < resource_body_.size() ? resource_body_[resource] : 0;
  size_t rs_body = LengthDelimitedSize(res_body);
  // Quadratic in the group's size, without memory: a trace's spans from one instance's export
  // are few.
  for (size_t i = 0; i < spans.size(); ++i) {
    const auto scope = scopes_.ScopeOf(*spans[i].span);
    bool seen = false;
    for (size_t j = 0; j < i && !seen; ++j) seen = scopes_.ScopeOf(*spans[j].span) == scope;
    if (seen) continue;
    size_t ss_body = LengthDelimitedSize(ScopeBody(*spans[i].span));
    for (size_t j = i; j < spans.size(); ++j) {
      if (j == i || scopes_.ScopeOf(*spans[j].span) == scope)
        ss_body += LengthDelimitedSize(spans[j].size);
    }
    rs_body += LengthDelimitedSize(ss_body);
  }
  return static_cast<uint32_t>(rs_body);
}

}  // namespace tracesim::sampling
