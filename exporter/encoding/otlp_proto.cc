#include "exporter/encoding/otlp_proto.h"

#include <charconv>
#include <cstring>

#include "exporter/encoding/otlp_json.h"
#include "exporter/proto/trace_service.pb.h"

namespace tracesim::exporter {
namespace {

namespace otlp = ::opentelemetry::proto;

// Field tags, (field_number << 3) | wire_type. Wire types: 0 varint, 1 fixed64, 2 length, 5
// fixed32.
constexpr uint8_t kTagLen1 = 0x0A;  // field 1, length-delimited
constexpr uint8_t kTagLen2 = 0x12;  // field 2, length-delimited
constexpr uint8_t kTagLen3 = 0x1A;
// Span.
constexpr uint8_t kSpanParent = 0x22;
constexpr uint8_t kSpanName = 0x2A;
constexpr uint8_t kSpanKind = 0x30;
constexpr uint8_t kSpanStart = 0x39;
constexpr uint8_t kSpanEnd = 0x41;
constexpr uint8_t kSpanAttributes = 0x4A;
constexpr uint8_t kSpanDropped = 0x50;
constexpr uint8_t kSpanEvents = 0x5A;
constexpr uint8_t kSpanLinks = 0x6A;
constexpr uint8_t kSpanStatus = 0x7A;
constexpr uint8_t kSpanFlags[2] = {0x85, 0x01};  // field 16, fixed32
// Span.Event / Span.Link / Status.
constexpr uint8_t kEventTime = 0x09;
constexpr uint8_t kLinkFlags = 0x35;
constexpr uint8_t kStatusCode = 0x18;
// AnyValue.
constexpr uint8_t kAnyBool = 0x10;
constexpr uint8_t kAnyInt = 0x18;
constexpr uint8_t kAnyDouble = 0x21;

constexpr size_t VarintSize(uint64_t v) {
  size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

// Appends to a std::string through a raw cursor. The string is grown (and zero-filled) ahead of
// the cursor; Finish() trims it. Positions kept across writes are offsets, since growth moves
// the buffer.
class Writer {
 public:
  explicit Writer(std::string* out) : s_(out) {
    const size_t off = s_->size();
    s_->resize(std::max(off + 4096, s_->capacity()));
    base_ = s_->data();
    p_ = base_ + off;
    end_ = base_ + s_->size();
  }
  void Finish() { s_->resize(static_cast<size_t>(p_ - base_)); }

  // Guarantees room for n more bytes.
  void Ensure(size_t n) {
    if (static_cast<size_t>(end_ - p_) < n) Grow(n);
  }
  // The Put* functions REQUIRE room (Ensure) for what they write.
  void PutByte(uint8_t b) { *p_++ = static_cast<char>(b); }
  void PutVarint(uint64_t v) {
    while (v >= 0x80) {
      *p_++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *p_++ = static_cast<char>(v);
  }
  void PutFixed64(uint64_t v) {
    std::memcpy(p_, &v, 8);  // little-endian host (x86-64, aarch64)
    p_ += 8;
  }
  void PutFixed32(uint32_t v) {
    std::memcpy(p_, &v, 4);
    p_ += 4;
  }
  void PutRaw(const void* d, size_t n) {
    std::memcpy(p_, d, n);
    p_ += n;
  }
  void PutBigEndian64(uint64_t v) {
    v = __builtin_bswap64(v);
    PutRaw(&v, 8);
  }

  // Length-delimited field: writes the tag, reserves `guess` bytes for the length and returns
  // the position to pass to EndLen(). `guess` only affects speed, never the bytes.
  size_t BeginLen(uint8_t tag, size_t guess) {
    Ensure(1 + guess);
    PutByte(tag);
    const size_t at = static_cast<size_t>(p_ - base_);
    p_ += guess;
    return at * 8 + guess;  // position and guess packed
  }
  void EndLen(size_t mark) {
    const size_t guess = mark & 7;
    const size_t at = mark >> 3;
    char* body = base_ + at + guess;
    const size_t len = static_cast<size_t>(p_ - body);
    const size_t n = VarintSize(len);
    if (n != guess) {
      if (n > guess) {
        Ensure(n - guess);
        body = base_ + at + guess;
      }
      std::memmove(base_ + at + n, body, len);
      p_ = base_ + at + n + len;
    }
    char* q = base_ + at;
    uint64_t v = len;
    while (v >= 0x80) {
      *q++ = static_cast<char>(v | 0x80);
      v >>= 7;
    }
    *q = static_cast<char>(v);
  }

 private:
  void Grow(size_t n) {
    const size_t off = static_cast<size_t>(p_ - base_);
    s_->resize(std::max(2 * s_->size(), off + n + 4096));
    base_ = s_->data();
    p_ = base_ + off;
    end_ = base_ + s_->size();
  }

  std::string* s_;
  char* base_;
  char* p_;
  char* end_;
};

// Writes encoders' common pieces; holds the model and a scratch string for sanitizing.
class SpanWriter {
 public:
  // `utf8`: the encoder's memo of which model strings are valid UTF-8 (see Utf8Ok).
  // `blocks`: the encoder's static attribute blocks, or nullptr to encode them inline.
  SpanWriter(const sim::Model& model, Writer* w, std::vector<uint8_t>* utf8,
             StaticAttrBlocks* blocks)
      : m_(model), w_(*w), utf8_(*utf8), blocks_(blocks) {}

  // Whether model string `id` is valid UTF-8, checked once per encoder: the model's strings are
  // fixed, and re-checking them on every span cost ~3 % of a generator's CPU.
  bool Utf8Ok(sim::StrId id) {
    if (id >= utf8_.size()) utf8_.resize(m_.strings.size(), kUtf8Unknown);
    if (utf8_[id] == kUtf8Unknown)
      utf8_[id] = IsValidUtf8(m_.strings.Get(id)) ? kUtf8Valid : kUtf8Invalid;
    return utf8_[id] == kUtf8Valid;
  }

  // A string field; omitted when empty unless `always` (oneof members are always written).
  // `known_valid`: the caller checked that `s` is valid UTF-8.
  void String(uint8_t tag, std::string_view s, bool always = false, bool known_valid = false) {
    if (s.empty() && !always) return;
    if (!known_valid && !IsValidUtf8(s)) {
      scratch_.clear();
      AppendUtf8Sanitized(s, &scratch_);
      s = scratch_;
    }
    w_.Ensure(1 + 10 + s.size());
    w_.PutByte(tag);
    w_.PutVarint(s.size());
    w_.PutRaw(s.data(), s.size());
  }
  void Str(uint8_t tag, sim::StrId id) {
    if (id == sim::kEmptyStr) return;
    String(tag, m_.strings.Get(id), false, Utf8Ok(id));
  }

  void Attr(uint8_t tag, const sim::Attr& a) {
    const size_t kv = w_.BeginLen(tag, 1);
    Str(kTagLen1, a.key);
    const size_t any = w_.BeginLen(kTagLen2, 1);
    const sim::AttrValue& v = a.value;
    switch (v.type) {
      case sim::AttrValue::Type::kNone:
        break;
      case sim::AttrValue::Type::kString:
        String(kTagLen1, m_.strings.Get(v.str), /*always=*/true, Utf8Ok(v.str));
        break;
      case sim::AttrValue::Type::kBool:
        w_.Ensure(2);
        w_.PutByte(kAnyBool);
        w_.PutByte(v.b ? 1 : 0);
        break;
      case sim::AttrValue::Type::kInt:
        w_.Ensure(11);
        w_.PutByte(kAnyInt);
        w_.PutVarint(static_cast<uint64_t>(v.i));
        break;
      case sim::AttrValue::Type::kDouble: {
        uint64_t bits;
        std::memcpy(&bits, &v.d, 8);
        w_.Ensure(9);
        w_.PutByte(kAnyDouble);
        w_.PutFixed64(bits);
        break;
      }
      case sim::AttrValue::Type::kPrefixedInt: {
        const std::string_view prefix = m_.strings.Get(v.str);
        char digits[24];
        const auto [end, ec] = std::to_chars(digits, digits + sizeof(digits), v.i);
        const size_t nd = static_cast<size_t>(end - digits);
        if (Utf8Ok(v.str)) {
          w_.Ensure(1 + 10 + prefix.size() + nd);
          w_.PutByte(kTagLen1);
          w_.PutVarint(prefix.size() + nd);
          w_.PutRaw(prefix.data(), prefix.size());
          w_.PutRaw(digits, nd);
        } else {
          scratch2_.clear();
          AppendUtf8Sanitized(prefix, &scratch2_);
          scratch2_.append(digits, nd);
          String(kTagLen1, scratch2_, /*always=*/true);
        }
        break;
      }
    }
    w_.EndLen(any);
    w_.EndLen(kv);
  }

  void TraceIdField(uint8_t tag, const sim::TraceId& id) {
    w_.Ensure(18);
    w_.PutByte(tag);
    w_.PutByte(16);
    w_.PutBigEndian64(id.hi);
    w_.PutBigEndian64(id.lo);
  }
  void SpanIdField(uint8_t tag, uint64_t id) {
    w_.Ensure(10);
    w_.PutByte(tag);
    w_.PutByte(8);
    w_.PutBigEndian64(id);
  }
  void Fixed64Field(uint8_t tag, int64_t v) {
    if (v <= 0) return;  // negative clamps to 0, and 0 is omitted
    w_.Ensure(9);
    w_.PutByte(tag);
    w_.PutFixed64(static_cast<uint64_t>(v));
  }
  void VarintField(uint8_t tag, uint64_t v) {
    if (v == 0) return;
    w_.Ensure(11);
    w_.PutByte(tag);
    w_.PutVarint(v);
  }

  // The span's static attributes: the template's stored bytes, encoded on first use.
  void StaticAttrs(const sim::Span& s) {
    std::string_view block;
    if (blocks_ != nullptr) {
      block = blocks_->Get(s.static_attrs, s.static_count, [&](std::string* bytes) {
        Writer bw(bytes);
        SpanWriter inner(m_, &bw, &utf8_, nullptr);
        for (uint16_t i = 0; i < s.static_count; ++i)
          inner.Attr(kSpanAttributes, s.static_attrs[i]);
        bw.Finish();
      });
    }
    if (block.data() == nullptr) {
      for (uint16_t i = 0; i < s.static_count; ++i) Attr(kSpanAttributes, s.static_attrs[i]);
      return;
    }
    w_.Ensure(block.size());
    w_.PutRaw(block.data(), block.size());
  }

  void Span(const sim::Span& s, std::span<const sim::SpanEvent> events,
            std::span<const sim::SpanLink> links) {
    const size_t mark = w_.BeginLen(kTagLen2, 2);  // ScopeSpans.spans = 2
    TraceIdField(kTagLen1, s.trace_id);
    SpanIdField(kTagLen2, s.span_id);
    Str(kTagLen3, s.trace_state);
    if (s.parent_span_id != 0) SpanIdField(kSpanParent, s.parent_span_id);
    Str(kSpanName, s.name);
    VarintField(kSpanKind, static_cast<uint64_t>(s.kind));
    Fixed64Field(kSpanStart, s.start_unix_nano);
    Fixed64Field(kSpanEnd, s.end_unix_nano);
    if (s.static_attrs != nullptr && s.static_count > 0) StaticAttrs(s);
    for (uint8_t i = 0; i < s.dynamic_count; ++i) Attr(kSpanAttributes, s.dynamic_attrs[i]);
    VarintField(kSpanDropped, s.dropped_attributes);
    for (uint32_t i = 0; i < s.event_count; ++i) {
      const sim::SpanEvent& e = events[s.first_event + i];
      const size_t em = w_.BeginLen(kSpanEvents, 1);
      Fixed64Field(kEventTime, e.time_unix_nano);
      Str(kTagLen2, e.name);
      const size_t n = e.attr_count < sim::kMaxEventAttrs ? e.attr_count : sim::kMaxEventAttrs;
      for (size_t k = 0; k < n; ++k) Attr(kTagLen3, e.attrs[k]);
      w_.EndLen(em);
    }
    for (uint32_t i = 0; i < s.link_count; ++i) {
      const sim::SpanLink& l = links[s.first_link + i];
      const size_t lm = w_.BeginLen(kSpanLinks, 1);
      TraceIdField(kTagLen1, l.trace_id);
      SpanIdField(kTagLen2, l.span_id);
      Str(kTagLen3, l.trace_state);
      if (l.flags != 0) {
        w_.Ensure(5);
        w_.PutByte(kLinkFlags);
        w_.PutFixed32(l.flags);
      }
      w_.EndLen(lm);
    }
    if (s.status != sim::StatusCode::kUnset) {
      const size_t sm = w_.BeginLen(kSpanStatus, 1);
      Str(kTagLen2, s.status_message);
      VarintField(kStatusCode, static_cast<uint64_t>(s.status));
      w_.EndLen(sm);
    }
    if (s.flags != 0) {
      w_.Ensure(6);
      w_.PutRaw(kSpanFlags, 2);
      w_.PutFixed32(s.flags);
    }
    w_.EndLen(mark);
  }

 private:
  static constexpr uint8_t kUtf8Unknown = 0, kUtf8Valid = 1, kUtf8Invalid = 2;
  const sim::Model& m_;
  Writer& w_;
  std::vector<uint8_t>& utf8_;
  StaticAttrBlocks* blocks_;
  std::string scratch_, scratch2_;
};

std::string SanitizedString(std::string_view s) {
  std::string out;
  AppendUtf8Sanitized(s, &out);
  return out;
}

void SetAnyValue(const sim::Model& m, const sim::AttrValue& v, otlp::common::v1::AnyValue* out) {
  switch (v.type) {
    case sim::AttrValue::Type::kNone:
      break;
    case sim::AttrValue::Type::kString:
      out->set_string_value(SanitizedString(m.strings.Get(v.str)));
      break;
    case sim::AttrValue::Type::kBool:
      out->set_bool_value(v.b);
      break;
    case sim::AttrValue::Type::kInt:
      out->set_int_value(v.i);
      break;
    case sim::AttrValue::Type::kDouble:
      out->set_double_value(v.d);
      break;
    case sim::AttrValue::Type::kPrefixedInt:
      out->set_string_value(SanitizedString(m.strings.Get(v.str)) + std::to_string(v.i));
      break;
  }
}

void AddAttr(const sim::Model& m, const sim::Attr& a,
             google::protobuf::RepeatedPtrField<otlp::common::v1::KeyValue>* out) {
  otlp::common::v1::KeyValue* kv = out->Add();
  kv->set_key(SanitizedString(m.strings.Get(a.key)));
  SetAnyValue(m, a.value, kv->mutable_value());
}

std::string IdBytes(uint64_t id) {
  std::string b(8, '\0');
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>(id >> (56 - 8 * i));
  return b;
}

std::string IdBytes(const sim::TraceId& id) { return IdBytes(id.hi) + IdBytes(id.lo); }

uint64_t Time(int64_t unix_nano) { return unix_nano < 0 ? 0 : static_cast<uint64_t>(unix_nano); }

}  // namespace

OtlpProtoEncoder::OtlpProtoEncoder(const sim::Model& model) : model_(model), grouper_(model) {}

void OtlpProtoEncoder::Encode(sim::SpanRecords spans, std::span<const sim::SpanEvent> events,
                              std::span<const sim::SpanLink> links, std::string* out) noexcept {
  grouper_.Group(spans);
  const auto& scope_groups = grouper_.scope_groups();
  const auto& order = grouper_.order();
  Writer w(out);
  SpanWriter sw(model_, &w, &utf8_, &static_blocks_);
  for (const SpanGrouper::ResourceGroup& rg : grouper_.resource_groups()) {
    const size_t rs = w.BeginLen(kTagLen1, 3);   // ExportTraceServiceRequest.resource_spans
    const size_t res = w.BeginLen(kTagLen1, 1);  // ResourceSpans.resource
    if (rg.resource != sim::kNone) {
      for (const sim::Attr& a : model_.resources[rg.resource].attrs) sw.Attr(kTagLen1, a);
    }
    w.EndLen(res);
    for (uint32_t g = rg.head; g != sim::kNone; g = scope_groups[g].next) {
      const SpanGrouper::ScopeGroup& sg = scope_groups[g];
      const size_t ss = w.BeginLen(kTagLen2, 3);  // ResourceSpans.scope_spans
      const size_t scope = w.BeginLen(kTagLen1, 1);
      sw.Str(kTagLen1, sg.name);
      sw.Str(kTagLen2, sg.version);
      w.EndLen(scope);
      for (uint32_t k = sg.offset; k < sg.offset + sg.count; ++k) {
        sw.Span(spans[order[k]], events, links);
      }
      w.EndLen(ss);
    }
    w.EndLen(rs);
  }
  w.Finish();
}

void BuildOtlpRequest(const sim::Model& model, sim::SpanRecords spans,
                      std::span<const sim::SpanEvent> events, std::span<const sim::SpanLink> links,
                      otlp::collector::trace::v1::ExportTraceServiceRequest* request) {
  request->Clear();
  SpanGrouper grouper(model);
  grouper.Group(spans);
  const auto& scope_groups = grouper.scope_groups();
  for (const SpanGrouper::ResourceGroup& rg : grouper.resource_groups()) {
    otlp::trace::v1::ResourceSpans* rs = request->add_resource_spans();
    otlp::resource::v1::Resource* res = rs->mutable_resource();
    if (rg.resource != sim::kNone) {
      for (const sim::Attr& a : model.resources[rg.resource].attrs) {
        AddAttr(model, a, res->mutable_attributes());
      }
    }
    for (uint32_t g = rg.head; g != sim::kNone; g = scope_groups[g].next) {
      const SpanGrouper::ScopeGroup& sg = scope_groups[g];
      otlp::trace::v1::ScopeSpans* ss = rs->add_scope_spans();
      ss->mutable_scope()->set_name(SanitizedString(model.strings.Get(sg.name)));
      ss->mutable_scope()->set_version(SanitizedString(model.strings.Get(sg.version)));
      for (uint32_t k = sg.offset; k < sg.offset + sg.count; ++k) {
        const sim::Span& s = spans[grouper.order()[k]];
        otlp::trace::v1::Span* p = ss->add_spans();
        p->set_trace_id(IdBytes(s.trace_id));
        p->set_span_id(IdBytes(s.span_id));
        p->set_trace_state(SanitizedString(model.strings.Get(s.trace_state)));
        if (s.parent_span_id != 0) p->set_parent_span_id(IdBytes(s.parent_span_id));
        p->set_flags(s.flags);
        p->set_name(SanitizedString(model.strings.Get(s.name)));
        p->set_kind(static_cast<otlp::trace::v1::Span::SpanKind>(s.kind));
        p->set_start_time_unix_nano(Time(s.start_unix_nano));
        p->set_end_time_unix_nano(Time(s.end_unix_nano));
        for (uint16_t i = 0; s.static_attrs != nullptr && i < s.static_count; ++i) {
          AddAttr(model, s.static_attrs[i], p->mutable_attributes());
        }
        for (uint8_t i = 0; i < s.dynamic_count; ++i) {
          AddAttr(model, s.dynamic_attrs[i], p->mutable_attributes());
        }
        p->set_dropped_attributes_count(s.dropped_attributes);
        for (uint32_t i = 0; i < s.event_count; ++i) {
          const sim::SpanEvent& e = events[s.first_event + i];
          otlp::trace::v1::Span::Event* pe = p->add_events();
          pe->set_time_unix_nano(Time(e.time_unix_nano));
          pe->set_name(SanitizedString(model.strings.Get(e.name)));
          const size_t n = e.attr_count < sim::kMaxEventAttrs ? e.attr_count : sim::kMaxEventAttrs;
          for (size_t a = 0; a < n; ++a) AddAttr(model, e.attrs[a], pe->mutable_attributes());
        }
        for (uint32_t i = 0; i < s.link_count; ++i) {
          const sim::SpanLink& l = links[s.first_link + i];
          otlp::trace::v1::Span::Link* pl = p->add_links();
          pl->set_trace_id(IdBytes(l.trace_id));
          pl->set_span_id(IdBytes(l.span_id));
          pl->set_trace_state(SanitizedString(model.strings.Get(l.trace_state)));
          pl->set_flags(l.flags);
        }
        if (s.status != sim::StatusCode::kUnset) {
          p->mutable_status()->set_code(static_cast<otlp::trace::v1::Status::StatusCode>(s.status));
          p->mutable_status()->set_message(SanitizedString(model.strings.Get(s.status_message)));
        }
      }
    }
  }
}

}  // namespace tracesim::exporter
