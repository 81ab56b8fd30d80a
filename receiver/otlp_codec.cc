#include "receiver/otlp_codec.h"

#include <google/protobuf/util/json_util.h>
#include <zlib.h>

#include <algorithm>
#include <functional>
#include <nlohmann/json.hpp>
#include <vector>

namespace tracesim::receiver {
namespace {

using nlohmann::json;

constexpr char kB64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

std::string Base64Encode(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8) | uint8_t(in[i + 2]);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += kB64[v & 63];
  }
  if (i + 1 == in.size()) {
    uint32_t v = uint8_t(in[i]) << 16;
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += "==";
  } else if (i + 2 == in.size()) {
    uint32_t v = (uint8_t(in[i]) << 16) | (uint8_t(in[i + 1]) << 8);
    out += kB64[v >> 18];
    out += kB64[(v >> 12) & 63];
    out += kB64[(v >> 6) & 63];
    out += '=';
  }
  return out;
}

int B64Value(char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+' || c == '-') return 62;
  if (c == '/' || c == '_') return 63;
  return -1;
}

bool Base64Decode(std::string_view in, std::string* out) {
  out->clear();
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    int v = B64Value(c);
    if (v < 0) return false;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out->push_back(static_cast<char>((acc >> bits) & 0xff));
    }
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Converts the id fields of spans and links in an OTLP/JSON tree with `convert`. `convert`
// returns false (with *error set) for a bad value; the path of the field is prepended.
using IdConverter = std::function<bool(const std::string& in, std::string* out)>;

sim::Status ConvertIdField(json& obj, const char* camel, const char* snake, const IdConverter& f,
                           const std::string& path) {
  for (const char* key : {camel, snake}) {
    auto it = obj.find(key);
    if (it == obj.end() || it->is_null()) continue;
    if (!it->is_string()) {
      return sim::Status::InvalidArgument(path + "." + key + ": must be a hex string");
    }
    std::string converted;
    if (!f(it->get_ref<const std::string&>(), &converted)) {
      return sim::Status::InvalidArgument(
          path + "." + key + ": '" + it->get_ref<const std::string&>() + "' is not a hex string");
    }
    *it = converted;
  }
  return sim::Status::Ok();
}

sim::Status NotAnObject(const std::string& path) {
  return sim::Status::InvalidArgument(path + ": must be an object");
}

// Fails when arrays/objects nest deeper than kMaxJsonDepth. One pass, no recursion; brackets
// inside strings (with escapes) do not count. Malformed text is left to the parser.
sim::Status CheckJsonDepth(std::string_view text) {
  int depth = 0;
  bool in_string = false;
  for (size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (in_string) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > kMaxJsonDepth) {
        return sim::Status::InvalidArgument("JSON nested deeper than " +
                                            std::to_string(kMaxJsonDepth) +
                                            " levels (the limit) at byte " + std::to_string(i));
      }
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return sim::Status::Ok();
}

sim::Status ConvertIds(json& root, const IdConverter& f) {
  if (!root.is_object()) {
    return sim::Status::InvalidArgument("the request must be a JSON object");
  }
  auto array_of = [](json& obj, const char* camel, const char* snake) -> json* {
    for (const char* key : {camel, snake}) {
      auto it = obj.find(key);
      if (it != obj.end() && it->is_array()) return &*it;
    }
    return nullptr;
  };
  json* rss = array_of(root, "resourceSpans", "resource_spans");
  if (rss == nullptr) return sim::Status::Ok();
  for (size_t r = 0; r < rss->size(); ++r) {
    json& rs = (*rss)[r];
    std::string rpath = "resourceSpans[" + std::to_string(r) + "]";
    // protobuf's JSON reader takes [] and null for a message: refuse them here.
    if (!rs.is_object()) return NotAnObject(rpath);
    json* sss = array_of(rs, "scopeSpans", "scope_spans");
    if (sss == nullptr) continue;
    for (size_t s = 0; s < sss->size(); ++s) {
      json& ss = (*sss)[s];
      std::string spath = rpath + ".scopeSpans[" + std::to_string(s) + "]";
      if (!ss.is_object()) return NotAnObject(spath);
      json* spans = array_of(ss, "spans", "spans");
      if (spans == nullptr) continue;
      for (size_t i = 0; i < spans->size(); ++i) {
        json& span = (*spans)[i];
        std::string path = spath + ".spans[" + std::to_string(i) + "]";
        if (!span.is_object()) return NotAnObject(path);
        TRACESIM_RETURN_IF_ERROR(ConvertIdField(span, "traceId", "trace_id", f, path));
        TRACESIM_RETURN_IF_ERROR(ConvertIdField(span, "spanId", "span_id", f, path));
        TRACESIM_RETURN_IF_ERROR(ConvertIdField(span, "parentSpanId", "parent_span_id", f, path));
        json* links = array_of(span, "links", "links");
        if (links == nullptr) continue;
        for (size_t l = 0; l < links->size(); ++l) {
          json& link = (*links)[l];
          std::string lpath = path + ".links[" + std::to_string(l) + "]";
          if (!link.is_object()) return NotAnObject(lpath);
          TRACESIM_RETURN_IF_ERROR(ConvertIdField(link, "traceId", "trace_id", f, lpath));
          TRACESIM_RETURN_IF_ERROR(ConvertIdField(link, "spanId", "span_id", f, lpath));
        }
      }
    }
  }
  return sim::Status::Ok();
}

bool IsAllZero(std::string_view s) {
  for (char c : s) {
    if (c != 0) return false;
  }
  return true;
}

}  // namespace

std::string BytesToHex(std::string_view bytes) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) {
    out += kHex[uint8_t(c) >> 4];
    out += kHex[uint8_t(c) & 15];
  }
  return out;
}

bool HexToBytes(std::string_view hex, std::string* out) {
  out->clear();
  if (hex.size() % 2 != 0) return false;
  out->reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = HexValue(hex[i]), lo = HexValue(hex[i + 1]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>((hi << 4) | lo));
  }
  return true;
}

sim::Status ParseOtlpJson(std::string_view text, ExportRequest* out) {
  out->Clear();
  TRACESIM_RETURN_IF_ERROR(CheckJsonDepth(text));
  json root;
  std::string converted;
  try {
    root = json::parse(text.begin(), text.end());
    TRACESIM_RETURN_IF_ERROR(ConvertIds(root, [](const std::string& hex, std::string* b64) {
      std::string bytes;
      if (!HexToBytes(hex, &bytes)) return false;
      *b64 = Base64Encode(bytes);
      return true;
    }));
    converted = root.dump(-1, ' ', false, json::error_handler_t::replace);
  } catch (const json::parse_error& e) {
    return sim::Status::InvalidArgument(std::string("malformed JSON: ") + e.what());
  } catch (const json::exception& e) {
    // out_of_range 406 (a number that overflows a double) and the like.
    return sim::Status::InvalidArgument(std::string("unreadable JSON: ") + e.what());
  }
  google::protobuf::util::JsonParseOptions options;
  options.ignore_unknown_fields = true;
  auto st = google::protobuf::util::JsonStringToMessage(converted, out, options);
  if (!st.ok()) {
    return sim::Status::InvalidArgument("not an OTLP/JSON ExportTraceServiceRequest: " +
                                        std::string(st.message()));
  }
  return sim::Status::Ok();
}

std::string ToOtlpJson(const ExportRequest& request) {
  google::protobuf::util::JsonPrintOptions options;
  options.always_print_enums_as_ints = true;
  options.preserve_proto_field_names = false;
  std::string text;
  auto st = google::protobuf::util::MessageToJsonString(request, &text, options);
  if (!st.ok()) return "{}";
  json root = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) return "{}";
  sim::Status converted = ConvertIds(root, [](const std::string& b64, std::string* hex) {
    std::string bytes;
    if (!Base64Decode(b64, &bytes)) return false;
    *hex = BytesToHex(bytes);
    return true;
  });
  if (!converted.ok()) return "{}";
  return root.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string ResponseToJson(const ExportResponse& response) {
  if (!response.has_partial_success()) return "{}";
  json ps = json::object();
  const auto& p = response.partial_success();
  if (p.rejected_spans() != 0) ps["rejectedSpans"] = std::to_string(p.rejected_spans());
  if (!p.error_message().empty()) ps["errorMessage"] = p.error_message();
  json root = json::object();
  root["partialSuccess"] = ps;
  return root.dump(-1, ' ', false, json::error_handler_t::replace);
}

void ListSpans(const ExportRequest& request, std::vector<SpanIds>* out) {
  out->clear();
  for (int r = 0; r < request.resource_spans_size(); ++r) {
    const auto& rs = request.resource_spans(r);
    for (int s = 0; s < rs.scope_spans_size(); ++s) {
      const auto& ss = rs.scope_spans(s);
      for (int i = 0; i < ss.spans_size(); ++i) {
        const auto& span = ss.spans(i);
        out->push_back(SpanIds{static_cast<uint32_t>(r), static_cast<uint32_t>(s),
                               static_cast<uint32_t>(i), span.trace_id(), span.span_id(),
                               span.parent_span_id()});
      }
    }
  }
}

SpanCheck CheckSpans(const std::vector<SpanIds>& spans, std::string* invalid_mask) {
  SpanCheck check;
  if (invalid_mask != nullptr) invalid_mask->clear();
  for (const SpanIds& span : spans) {
    const char* problem = nullptr;
    std::string detail;
    if (span.trace_id.size() != 16) {
      problem = "trace_id must be 16 bytes, got ";
      detail = std::to_string(span.trace_id.size());
    } else if (IsAllZero(span.trace_id)) {
      problem = "trace_id is all zero";
    } else if (span.span_id.size() != 8) {
      problem = "span_id must be 8 bytes, got ";
      detail = std::to_string(span.span_id.size());
    } else if (IsAllZero(span.span_id)) {
      problem = "span_id is all zero";
    } else if (!span.parent_span_id.empty() && span.parent_span_id.size() != 8) {
      problem = "parent_span_id must be empty or 8 bytes, got ";
      detail = std::to_string(span.parent_span_id.size());
    }
    ++check.spans;
    if (invalid_mask != nullptr) invalid_mask->push_back(problem != nullptr ? 1 : 0);
    if (problem == nullptr) continue;
    if (check.invalid++ == 0) {
      check.first_problem = "resource_spans[" + std::to_string(span.resource) + "].scope_spans[" +
                            std::to_string(span.scope) + "].spans[" + std::to_string(span.index) +
                            "]: " + problem + detail;
    }
  }
  return check;
}

SpanCheck CheckSpans(const ExportRequest& request, std::string* invalid_mask) {
  std::vector<SpanIds> spans;
  ListSpans(request, &spans);
  return CheckSpans(spans, invalid_mask);
}

sim::Status Gunzip(std::string_view in, uint64_t limit, std::string* out, bool* too_large) {
  *too_large = false;
  out->clear();
  z_stream zs{};
  // 15 + 32: accept gzip and zlib headers.
  if (inflateInit2(&zs, 15 + 32) != Z_OK) return sim::Status::Internal("inflateInit2 failed");
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  // A vector, not a string: vector::reserve allocates exactly what is asked (a string's
  // reserve may double), so the buffer never exceeds `limit` however the input lies.
  std::vector<char> inflated;
  char buf[64 * 1024];
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) {
      inflateEnd(&zs);
      return sim::Status::InvalidArgument(std::string("corrupt gzip body: ") +
                                          (zs.msg != nullptr ? zs.msg : "inflate failed"));
    }
    size_t produced = sizeof(buf) - zs.avail_out;
    if (inflated.size() + produced > limit) {
      inflateEnd(&zs);
      *too_large = true;
      return sim::Status::InvalidArgument("decompressed body exceeds the limit of " +
                                          std::to_string(limit) + " bytes");
    }
    if (inflated.capacity() < inflated.size() + produced) {
      inflated.reserve(std::min<uint64_t>(
          limit, std::max<uint64_t>(inflated.capacity() * 2, inflated.size() + produced)));
    }
    inflated.insert(inflated.end(), buf, buf + produced);
    if (rc == Z_OK && zs.avail_in == 0 && produced == 0) {
      inflateEnd(&zs);
      return sim::Status::InvalidArgument("corrupt gzip body: truncated stream");
    }
  }
  inflateEnd(&zs);
  out->assign(inflated.data(), inflated.size());
  return sim::Status::Ok();
}

std::string Gzip(std::string_view in) {
  z_stream zs{};
  deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY);
  std::string out;
  out.resize(deflateBound(&zs, in.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  deflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

}  // namespace tracesim::receiver
