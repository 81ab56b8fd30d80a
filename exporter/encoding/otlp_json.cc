#include "exporter/encoding/otlp_json.h"

#include <charconv>
#include <cmath>

namespace tracesim::exporter {
namespace {

constexpr char kHexDigits[] = "0123456789abcdef";

template <typename Int>
void AppendInt(Int v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

// Appends a 64-bit value as a quoted decimal string (proto3 JSON for int64/fixed64).
template <typename Int>
void AppendQuotedInt(Int v, std::string* out) {
  out->push_back('"');
  AppendInt(v, out);
  out->push_back('"');
}

// Unix nanos are fixed64 on the wire: negative values (never produced by the kernel) clamp to 0.
void AppendTime(int64_t unix_nano, std::string* out) {
  AppendQuotedInt(static_cast<uint64_t>(unix_nano < 0 ? 0 : unix_nano), out);
}

void AppendTraceId(const sim::TraceId& id, std::string* out) {
  char buf[32];
  sim::TraceIdToHex(id, buf);
  out->push_back('"');
  out->append(buf, 32);
  out->push_back('"');
}

void AppendSpanId(uint64_t id, std::string* out) {
  char buf[16];
  sim::SpanIdToHex(id, buf);
  out->push_back('"');
  out->append(buf, 16);
  out->push_back('"');
}

// Length of the valid UTF-8 sequence starting at s[i] (lead byte >= 0x80), or 0 if invalid.
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto b = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char c = b(i);
  size_t n;
  uint32_t cp;
  if (c >= 0xC2 && c <= 0xDF) {
    n = 2;
    cp = c & 0x1F;
  } else if (c >= 0xE0 && c <= 0xEF) {
    n = 3;
    cp = c & 0x0F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    n = 4;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (i + n > s.size()) return 0;
  for (size_t k = 1; k < n; ++k) {
    if ((b(i + k) & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (b(i + k) & 0x3F);
  }
  // Reject overlong forms, surrogates and values past U+10FFFF.
  if ((n == 3 && cp < 0x800) || (n == 4 && (cp < 0x10000 || cp > 0x10FFFF)) ||
      (cp >= 0xD800 && cp <= 0xDFFF)) {
    return 0;
  }
  return n;
}

}  // namespace

void AppendJsonEscaped(std::string_view s, std::string* out) {
  size_t run = 0;  // start of the pending run of bytes copied verbatim
  size_t i = 0;
  while (i < s.size()) {
    const unsigned char c = static_cast<unsigned char>(s[i]);
    if (c >= 0x20 && c != '"' && c != '\\' && c < 0x80) {
      ++i;
      continue;
    }
    if (c >= 0x80) {
      size_t n = Utf8SequenceLength(s, i);
      if (n != 0) {
        i += n;
        continue;
      }
    }
    out->append(s.data() + run, i - run);
    switch (c) {
      case '"':
        out->append("\\\"");
        break;
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '\r':
        out->append("\\r");
        break;
      case '\t':
        out->append("\\t");
        break;
      default:
        if (c >= 0x80) {
          out->append("\\ufffd");
        } else {
          char buf[6] = {'\\', 'u', '0', '0', kHexDigits[c >> 4], kHexDigits[c & 0xF]};
          out->append(buf, 6);
        }
    }
    ++i;
    run = i;
  }
  out->append(s.data() + run, s.size() - run);
}

bool IsValidUtf8(std::string_view s) noexcept {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t n = Utf8SequenceLength(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

void AppendUtf8Sanitized(std::string_view s, std::string* out) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      out->push_back(s[i++]);
      continue;
    }
    const size_t n = Utf8SequenceLength(s, i);
    if (n == 0) {
      out->append("\xEF\xBF\xBD");
      ++i;
    } else {
      out->append(s.data() + i, n);
      i += n;
    }
  }
}

void AppendJsonDouble(double v, std::string* out) {
  if (std::isnan(v)) {
    out->append("\"NaN\"");
  } else if (std::isinf(v)) {
    out->append(v > 0 ? "\"Infinity\"" : "\"-Infinity\"");
  } else {
    char buf[32];
    auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
    out->append(buf, end);
  }
}

OtlpJsonEncoder::OtlpJsonEncoder(const sim::Model& model) : model_(model), grouper_(model) {}

void OtlpJsonEncoder::AppendString(sim::StrId id, std::string* out) const {
  out->push_back('"');
  AppendJsonEscaped(model_.strings.Get(id), out);
  out->push_back('"');
}

void OtlpJsonEncoder::AppendAttr(const sim::Attr& a, std::string* out) const {
  out->append("{\"key\":");
  AppendString(a.key, out);
  out->append(",\"value\":{");
  const sim::AttrValue& v = a.value;
  switch (v.type) {
    case sim::AttrValue::Type::kNone:
      break;
    case sim::AttrValue::Type::kString:
      out->append("\"stringValue\":");
      AppendString(v.str, out);
      break;
    case sim::AttrValue::Type::kBool:
      out->append(v.b ? "\"boolValue\":true" : "\"boolValue\":false");
      break;
    case sim::AttrValue::Type::kInt:
      out->append("\"intValue\":");
      AppendQuotedInt(v.i, out);
      break;
    case sim::AttrValue::Type::kDouble:
      out->append("\"doubleValue\":");
      AppendJsonDouble(v.d, out);
      break;
    case sim::AttrValue::Type::kPrefixedInt:
      out->append("\"stringValue\":\"");
      AppendJsonEscaped(model_.strings.Get(v.str), out);
      AppendInt(v.i, out);
      out->push_back('"');
      break;
  }
  out->append("}}");
}

void OtlpJsonEncoder::AppendAttrs(const sim::Attr* attrs, size_t n, bool* first,
                                  std::string* out) const {
  for (size_t i = 0; i < n; ++i) {
    if (!*first) out->push_back(',');
    *first = false;
    AppendAttr(attrs[i], out);
  }
}

void OtlpJsonEncoder::AppendStaticAttrs(const sim::Span& s, bool* first, std::string* out) const {
  const std::string_view block =
      static_blocks_.Get(s.static_attrs, s.static_count, [&](std::string* items) {
        bool none = true;  // the array items "{...},{...}", no leading comma
        AppendAttrs(s.static_attrs, s.static_count, &none, items);
      });
  if (block.data() == nullptr) return AppendAttrs(s.static_attrs, s.static_count, first, out);
  if (!*first) out->push_back(',');
  *first = false;
  out->append(block);
}

void OtlpJsonEncoder::AppendSpan(const sim::Span& s, std::span<const sim::SpanEvent> events,
                                 std::span<const sim::SpanLink> links, std::string* out) const {
  out->append("{\"traceId\":");
  AppendTraceId(s.trace_id, out);
  out->append(",\"spanId\":");
  AppendSpanId(s.span_id, out);
  if (s.parent_span_id != 0) {
    out->append(",\"parentSpanId\":");
    AppendSpanId(s.parent_span_id, out);
  }
  if (s.trace_state != sim::kEmptyStr) {
    out->append(",\"traceState\":");
    AppendString(s.trace_state, out);
  }
  out->append(",\"flags\":");
  AppendInt(s.flags, out);
  out->append(",\"name\":");
  AppendString(s.name, out);
  out->append(",\"kind\":");
  AppendInt(static_cast<int>(s.kind), out);
  out->append(",\"startTimeUnixNano\":");
  AppendTime(s.start_unix_nano, out);
  out->append(",\"endTimeUnixNano\":");
  AppendTime(s.end_unix_nano, out);
  if (s.static_count + s.dynamic_count > 0) {
    out->append(",\"attributes\":[");
    bool first = true;
    if (s.static_attrs != nullptr && s.static_count > 0) AppendStaticAttrs(s, &first, out);
    AppendAttrs(s.dynamic_attrs, s.dynamic_count, &first, out);
    out->push_back(']');
  }
  if (s.dropped_attributes != 0) {
    out->append(",\"droppedAttributesCount\":");
    AppendInt(s.dropped_attributes, out);
  }
  if (s.event_count > 0) AppendEvents(s, events, out);
  if (s.link_count > 0) AppendLinks(s, links, out);
  if (s.status != sim::StatusCode::kUnset) {
    out->append(",\"status\":{\"code\":");
    AppendInt(static_cast<int>(s.status), out);
    if (s.status_message != sim::kEmptyStr) {
      out->append(",\"message\":");
      AppendString(s.status_message, out);
    }
    out->push_back('}');
  }
  out->push_back('}');
}

void OtlpJsonEncoder::AppendEvents(const sim::Span& s, std::span<const sim::SpanEvent> events,
                                   std::string* out) const {
  out->append(",\"events\":[");
  for (uint32_t i = 0; i < s.event_count; ++i) {
    const sim::SpanEvent& e = events[s.first_event + i];
    if (i > 0) out->push_back(',');
    out->append("{\"timeUnixNano\":");
    AppendTime(e.time_unix_nano, out);
    out->append(",\"name\":");
    AppendString(e.name, out);
    const size_t n = e.attr_count < sim::kMaxEventAttrs ? e.attr_count : sim::kMaxEventAttrs;
    if (n > 0) {
      out->append(",\"attributes\":[");
      bool first = true;
      AppendAttrs(e.attrs, n, &first, out);
      out->push_back(']');
    }
    out->push_back('}');
  }
  out->push_back(']');
}

void OtlpJsonEncoder::AppendLinks(const sim::Span& s, std::span<const sim::SpanLink> links,
                                  std::string* out) const {
  out->append(",\"links\":[");
  for (uint32_t i = 0; i < s.link_count; ++i) {
    const sim::SpanLink& l = links[s.first_link + i];
    if (i > 0) out->push_back(',');
    out->append("{\"traceId\":");
    AppendTraceId(l.trace_id, out);
    out->append(",\"spanId\":");
    AppendSpanId(l.span_id, out);
    if (l.trace_state != sim::kEmptyStr) {
      out->append(",\"traceState\":");
      AppendString(l.trace_state, out);
    }
    out->append(",\"flags\":");
    AppendInt(l.flags, out);
    out->push_back('}');
  }
  out->push_back(']');
}

void OtlpJsonEncoder::Encode(sim::SpanRecords spans, std::span<const sim::SpanEvent> events,
                             std::span<const sim::SpanLink> links, std::string* out) noexcept {
  grouper_.Group(spans);
  const auto& scope_groups = grouper_.scope_groups();
  const auto& order = grouper_.order();
  out->append("{\"resourceSpans\":[");
  const auto& resource_groups = grouper_.resource_groups();
  for (size_t r = 0; r < resource_groups.size(); ++r) {
    const SpanGrouper::ResourceGroup& rg = resource_groups[r];
    if (r > 0) out->push_back(',');
    out->append("{\"resource\":{");
    if (rg.resource != sim::kNone && !model_.resources[rg.resource].attrs.empty()) {
      const auto& attrs = model_.resources[rg.resource].attrs;
      out->append("\"attributes\":[");
      bool first = true;
      AppendAttrs(attrs.data(), attrs.size(), &first, out);
      out->push_back(']');
    }
    out->append("},\"scopeSpans\":[");
    for (uint32_t g = rg.head; g != sim::kNone; g = scope_groups[g].next) {
      const SpanGrouper::ScopeGroup& sg = scope_groups[g];
      if (g != rg.head) out->push_back(',');
      out->append("{\"scope\":{\"name\":");
      AppendString(sg.name, out);
      if (sg.version != sim::kEmptyStr) {
        out->append(",\"version\":");
        AppendString(sg.version, out);
      }
      out->append("},\"spans\":[");
      for (uint32_t k = sg.offset; k < sg.offset + sg.count; ++k) {
        if (k != sg.offset) out->push_back(',');
        AppendSpan(spans[order[k]], events, links, out);
      }
      out->append("]}");
    }
    out->append("]}");
  }
  out->append("]}");
}

}  // namespace tracesim::exporter
