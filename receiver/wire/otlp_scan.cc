#include "receiver/wire/otlp_scan.h"

#include <google/protobuf/stubs/common.h>

#include <climits>
#include <cstdint>
#include <cstring>

namespace tracesim::receiver {

namespace {

// Whether every byte of `s` is below 0x80: ASCII, which is structurally valid UTF-8 (NUL too). Most
// OTLP strings are (names, keys, ids as text); checking 8 bytes at a time spares them
// libprotobuf's call, which cost about a tenth of a receiver's CPU over gRPC (bench/README.md).
bool IsAscii(std::string_view s) noexcept {
  uint64_t high = 0;
  size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    high |= w;
  }
  for (; i < s.size(); ++i) high |= static_cast<uint8_t>(s[i]);
  return (high & 0x8080808080808080ULL) == 0;
}

// The message types of the OTLP trace protos the scanner knows.
enum class Msg : uint8_t {
  kRequest,
  kResourceSpans,
  kResource,
  kScopeSpans,
  kScope,
  kSpan,
  kEvent,
  kLink,
  kStatus,
  kKeyValue,
  kAnyValue,
  kArrayValue,
  kKeyValueList,
  kEntityRef,
};

// What a field holds: its wire form, and for a message field the message's type.
enum class Kind : uint8_t { kUnknown, kVarint, kFixed64, kFixed32, kBytes, kString, kMessage };
struct Field {
  Kind kind = Kind::kUnknown;
  Msg msg = Msg::kRequest;
};

constexpr Field V{Kind::kVarint}, F64{Kind::kFixed64}, F32{Kind::kFixed32}, B{Kind::kBytes},
    S{Kind::kString};
constexpr Field M(Msg m) { return Field{Kind::kMessage, m}; }

// Field `number` of message `m` (exporter/proto/*.proto); kUnknown when it has none. Long because
// it is the OTLP trace schema as one table: a case per message, a line per field.
Field FieldOf(Msg m, uint64_t number) {
  switch (m) {
    case Msg::kRequest:
      return number == 1 ? M(Msg::kResourceSpans) : Field{};
    case Msg::kResourceSpans:
      return number == 1   ? M(Msg::kResource)
             : number == 2 ? M(Msg::kScopeSpans)
             : number == 3 ? S
                           : Field{};
    case Msg::kResource:
      return number == 1   ? M(Msg::kKeyValue)
             : number == 2 ? V
             : number == 3 ? M(Msg::kEntityRef)
                           : Field{};
    case Msg::kScopeSpans:
      return number == 1 ? M(Msg::kScope) : number == 2 ? M(Msg::kSpan) : number == 3 ? S : Field{};
    case Msg::kScope:
      return number == 1 || number == 2 ? S
             : number == 3              ? M(Msg::kKeyValue)
             : number == 4              ? V
                                        : Field{};
    case Msg::kSpan:
      switch (number) {
        case 1:
        case 2:
        case 4:  // trace_id, span_id, parent_span_id
          return B;
        case 3:
        case 5:  // trace_state, name
          return S;
        case 6:
        case 10:
        case 12:
        case 14:  // kind, dropped counts
          return V;
        case 7:
        case 8:  // start and end time
          return F64;
        case 9:
          return M(Msg::kKeyValue);
        case 11:
          return M(Msg::kEvent);
        case 13:
          return M(Msg::kLink);
        case 15:
          return M(Msg::kStatus);
        case 16:  // flags
          return F32;
        default:
          return Field{};
      }
    case Msg::kEvent:
      return number == 1   ? F64
             : number == 2 ? S
             : number == 3 ? M(Msg::kKeyValue)
             : number == 4 ? V
                           : Field{};
    case Msg::kLink:
      return number == 1 || number == 2 ? B
             : number == 3              ? S
             : number == 4              ? M(Msg::kKeyValue)
             : number == 5              ? V
             : number == 6              ? F32
                                        : Field{};
    case Msg::kStatus:
      return number == 2 ? S : number == 3 ? V : Field{};
    case Msg::kKeyValue:
      return number == 1 ? S : number == 2 ? M(Msg::kAnyValue) : Field{};
    case Msg::kAnyValue:
      switch (number) {
        case 1:
          return S;
        case 2:
        case 3:  // bool, int
          return V;
        case 4:
          return F64;
        case 5:
          return M(Msg::kArrayValue);
        case 6:
          return M(Msg::kKeyValueList);
        case 7:
          return B;
        default:
          return Field{};
      }
    case Msg::kArrayValue:
      return number == 1 ? M(Msg::kAnyValue) : Field{};
    case Msg::kKeyValueList:
      return number == 1 ? M(Msg::kKeyValue) : Field{};
    case Msg::kEntityRef:
      return number >= 1 && number <= 4 ? S : Field{};
  }
  return Field{};
}

// The wire type a field of `kind` must have.
int WireTypeOf(Kind kind) {
  switch (kind) {
    case Kind::kVarint:
      return 0;
    case Kind::kFixed64:
      return 1;
    case Kind::kFixed32:
      return 5;
    default:
      return 2;
  }
}

class Scanner {
 public:
  explicit Scanner(std::vector<SpanIds>* spans) : spans_(*spans) {}

  // Scans message `m` spanning [p, end); false on anything the file comment sends to libprotobuf.
  bool Message(Msg m, const char* p, const char* end, int depth) {
    if (depth > kMaxScanDepth) return false;
    while (p < end) {
      uint64_t tag;
      if (!Varint(&p, end, &tag)) return false;
      const Field f = FieldOf(m, tag >> 3);
      if (f.kind == Kind::kUnknown || static_cast<int>(tag & 7) != WireTypeOf(f.kind)) return false;
      switch (f.kind) {
        case Kind::kVarint: {
          uint64_t v;
          if (!Varint(&p, end, &v)) return false;
          break;
        }
        case Kind::kFixed64:
          if (end - p < 8) return false;
          p += 8;
          break;
        case Kind::kFixed32:
          if (end - p < 4) return false;
          p += 4;
          break;
        default: {
          uint64_t n;
          if (!Varint(&p, end, &n) || n > static_cast<uint64_t>(end - p)) return false;
          const std::string_view value(p, n);
          if (!Value(m, tag >> 3, f, value, depth)) return false;
          p += n;
        }
      }
    }
    return p == end;
  }

 private:
  // A length-delimited field's value.
  bool Value(Msg m, uint64_t number, Field f, std::string_view value, int depth) {
    // libprotobuf's own check of proto3 strings at parse time (ASCII needs none).
    if (f.kind == Kind::kString) {
      return value.size() <= INT_MAX &&
             (IsAscii(value) || google::protobuf::internal::IsStructurallyValidUTF8(
                                    value.data(), static_cast<int>(value.size())));
    }
    if (f.kind == Kind::kBytes) {
      if (m == Msg::kSpan) {  // the last occurrence counts, as libprotobuf's parse keeps it
        SpanIds& s = spans_.back();
        (number == 1 ? s.trace_id : number == 2 ? s.span_id : s.parent_span_id) = value;
      }
      return true;
    }
    switch (f.msg) {
      case Msg::kResourceSpans:
        ++resource_;
        scope_ = 0;
        break;
      case Msg::kScopeSpans:
        ++scope_;
        index_ = 0;
        break;
      case Msg::kSpan:
        spans_.push_back(SpanIds{resource_ - 1, scope_ - 1, index_++, {}, {}, {}});
        break;
      default:
        break;
    }
    return Message(f.msg, value.data(), value.data() + value.size(), depth + 1);
  }

  // A varint of at most 10 bytes that fits 64 bits.
  static bool Varint(const char** p, const char* end, uint64_t* out) {
    uint64_t v = 0;
    for (int i = 0; i < 10 && *p < end; ++i) {
      const uint8_t b = static_cast<uint8_t>(*(*p)++);
      if (i == 9 && b > 1) return false;
      v |= static_cast<uint64_t>(b & 0x7f) << (7 * i);
      if (b < 0x80) {
        *out = v;
        return true;
      }
    }
    return false;
  }

  std::vector<SpanIds>& spans_;
  uint32_t resource_ = 0, scope_ = 0, index_ = 0;
};

}  // namespace

bool ScanExportRequest(std::string_view wire, std::vector<SpanIds>* spans) {
  spans->clear();
  Scanner scanner(spans);
  return scanner.Message(Msg::kRequest, wire.data(), wire.data() + wire.size(), 0);
}

}  // namespace tracesim::receiver
