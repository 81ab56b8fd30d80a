#include "exporter/encoding/zipkin_json.h"

#include <array>
#include <cctype>
#include <charconv>
#include <string>

#include "exporter/encoding/otlp_json.h"
#include "sim/model/span_kind.h"

namespace tracesim::exporter {
namespace {

template <typename Int>
void AppendInt(Int v, std::string* out) {
  char buf[24];
  auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v);
  out->append(buf, end);
}

void AppendQuoted(std::string_view s, std::string* out) {
  out->push_back('"');
  AppendJsonEscaped(s, out);
  out->push_back('"');
}

// Zipkin's kind: sim::SpanKindName in upper case, indexed by sim::SpanKind; made once.
const std::array<std::string, 6> kZipkinKinds = [] {
  std::array<std::string, 6> names;
  for (size_t k = 0; k < names.size(); ++k) {
    for (char c : sim::SpanKindName(static_cast<sim::SpanKind>(k))) {
      names[k].push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(c))));
    }
  }
  return names;
}();

// CLIENT, SERVER, PRODUCER or CONSUMER; none (Zipkin has no kind) for internal and unspecified.
const char* KindName(sim::SpanKind k) {
  if (k == sim::SpanKind::kInternal || k == sim::SpanKind::kUnspecified) return nullptr;
  return kZipkinKinds[static_cast<size_t>(k)].c_str();
}

int64_t Micros(int64_t unix_nano) { return unix_nano < 0 ? 0 : unix_nano / 1000; }

}  // namespace

ZipkinJsonEncoder::ZipkinJsonEncoder(const sim::Model& model) : model_(model), grouper_(model) {}

void ZipkinJsonEncoder::AppendTagValue(const sim::AttrValue& v, std::string* out) const {
  out->push_back('"');
  switch (v.type) {
    case sim::AttrValue::Type::kNone:
      break;
    case sim::AttrValue::Type::kString:
      AppendJsonEscaped(model_.strings.Get(v.str), out);
      break;
    case sim::AttrValue::Type::kBool:
      out->append(v.b ? "true" : "false");
      break;
    case sim::AttrValue::Type::kInt:
      AppendInt(v.i, out);
      break;
    case sim::AttrValue::Type::kDouble: {
      std::string d;
      AppendJsonDouble(v.d, &d);
      // Non-finite values come back quoted; tags are strings already.
      if (!d.empty() && d.front() == '"') d = d.substr(1, d.size() - 2);
      out->append(d);
      break;
    }
    case sim::AttrValue::Type::kPrefixedInt:
      AppendJsonEscaped(model_.strings.Get(v.str), out);
      AppendInt(v.i, out);
      break;
  }
  out->push_back('"');
}

void ZipkinJsonEncoder::AppendSpan(const sim::Span& s, std::span<const sim::SpanEvent> events,
                                   std::string* out) {
  char hex[32];
  out->append("{\"traceId\":\"");
  sim::TraceIdToHex(s.trace_id, hex);
  out->append(hex, 32);
  out->append("\",\"id\":\"");
  sim::SpanIdToHex(s.span_id, hex);
  out->append(hex, 16);
  out->push_back('"');
  if (s.parent_span_id != 0) {
    out->append(",\"parentId\":\"");
    sim::SpanIdToHex(s.parent_span_id, hex);
    out->append(hex, 16);
    out->push_back('"');
  }
  out->append(",\"name\":");
  AppendQuoted(model_.strings.Get(s.name), out);
  if (const char* kind = KindName(s.kind)) {
    out->append(",\"kind\":\"");
    out->append(kind);
    out->push_back('"');
  }
  out->append(",\"timestamp\":");
  AppendInt(Micros(s.start_unix_nano), out);
  int64_t duration = (s.end_unix_nano - s.start_unix_nano) / 1000;
  if (duration < 1) duration = 1;
  out->append(",\"duration\":");
  AppendInt(duration, out);
  AppendEndpoints(s, out);
  if (s.event_count > 0) AppendAnnotations(s, events, out);
  AppendTags(s, out);
  out->push_back('}');
}

void ZipkinJsonEncoder::AppendEndpoints(const sim::Span& s, std::string* out) const {
  if (s.service < model_.services.size()) {
    out->append(",\"localEndpoint\":{\"serviceName\":");
    AppendQuoted(model_.strings.Get(model_.services[s.service].name), out);
    out->push_back('}');
  }
  if ((s.kind == sim::SpanKind::kClient || s.kind == sim::SpanKind::kProducer) &&
      s.peer < model_.services.size()) {
    const sim::Service& peer = model_.services[s.peer];
    out->append(",\"remoteEndpoint\":{\"serviceName\":");
    AppendQuoted(model_.strings.Get(peer.name), out);
    if (peer.port > 0 && peer.port < 65536) {
      out->append(",\"port\":");
      AppendInt(peer.port, out);
    }
    out->push_back('}');
  }
}

void ZipkinJsonEncoder::AppendAnnotations(const sim::Span& s,
                                          std::span<const sim::SpanEvent> events,
                                          std::string* out) const {
  out->append(",\"annotations\":[");
  for (uint32_t i = 0; i < s.event_count; ++i) {
    const sim::SpanEvent& e = events[s.first_event + i];
    if (i > 0) out->push_back(',');
    out->append("{\"timestamp\":");
    AppendInt(Micros(e.time_unix_nano), out);
    out->append(",\"value\":");
    const size_t n = e.attr_count < sim::kMaxEventAttrs ? e.attr_count : sim::kMaxEventAttrs;
    if (n == 0) {
      AppendQuoted(model_.strings.Get(e.name), out);
    } else {
      std::string value = "{";
      AppendQuoted(model_.strings.Get(e.name), &value);
      value.append(":{");
      for (size_t k = 0; k < n; ++k) {
        if (k > 0) value.push_back(',');
        AppendQuoted(model_.strings.Get(e.attrs[k].key), &value);
        value.push_back(':');
        AppendTagValue(e.attrs[k].value, &value);
      }
      value.append("}}");
      AppendQuoted(value, out);
    }
    out->push_back('}');
  }
  out->push_back(']');
}

void ZipkinJsonEncoder::AppendTags(const sim::Span& s, std::string* out) {
  // Tags: static then dynamic attributes; a repeated key keeps its last value.
  tags_.clear();
  auto add = [&](const sim::Attr& a) {
    for (auto& t : tags_) {
      if (t->key == a.key) {
        t = &a;
        return;
      }
    }
    tags_.push_back(&a);
  };
  for (uint16_t i = 0; s.static_attrs != nullptr && i < s.static_count; ++i) add(s.static_attrs[i]);
  for (uint8_t i = 0; i < s.dynamic_count; ++i) add(s.dynamic_attrs[i]);
  const auto [scope_name, scope_version] = grouper_.ScopeOf(s);
  out->append(",\"tags\":{");
  bool first = true;
  auto tag = [&](std::string_view key) {
    if (!first) out->push_back(',');
    first = false;
    AppendQuoted(key, out);
    out->push_back(':');
  };
  for (const sim::Attr* a : tags_) {
    tag(model_.strings.Get(a->key));
    AppendTagValue(a->value, out);
  }
  if (scope_name != sim::kEmptyStr) {
    tag("otel.scope.name");
    AppendQuoted(model_.strings.Get(scope_name), out);
    if (scope_version != sim::kEmptyStr) {
      tag("otel.scope.version");
      AppendQuoted(model_.strings.Get(scope_version), out);
    }
  }
  if (s.status == sim::StatusCode::kOk) {
    tag("otel.status_code");
    out->append("\"OK\"");
  } else if (s.status == sim::StatusCode::kError) {
    tag("otel.status_code");
    out->append("\"ERROR\"");
    tag("error");
    AppendQuoted(model_.strings.Get(s.status_message), out);
  }
  out->push_back('}');
}

void ZipkinJsonEncoder::Encode(sim::SpanRecords spans, std::span<const sim::SpanEvent> events,
                               std::span<const sim::SpanLink> links, std::string* out) noexcept {
  out->push_back('[');
  for (size_t i = 0; i < spans.size(); ++i) {
    if (i > 0) out->push_back(',');
    AppendSpan(spans[i], events, out);
  }
  out->push_back(']');
}

}  // namespace tracesim::exporter
