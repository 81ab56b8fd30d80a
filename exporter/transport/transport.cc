#include "exporter/transport/transport.h"

#include <zlib.h>

#include <cctype>
#include <charconv>
#include <cstring>
#include <ctime>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "exporter/proto/rpc_status.pb.h"
#include "exporter/proto/trace_service.pb.h"
#include "exporter/transport/transport_internal.h"
#include "sim/base/text.h"

namespace tracesim::exporter {
namespace internal {
namespace {

bool IsTokenChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || std::strchr("!#$%&'*+-.^_`|~", c);
}

// Splits "host:port" / "[v6]:port" / "host". Returns false on a malformed authority.
bool SplitHostPort(std::string_view authority, std::string* host, std::string* port) {
  if (authority.empty()) return false;
  if (authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos || close == 1) return false;
    *host = std::string(authority.substr(1, close - 1));
    std::string_view rest = authority.substr(close + 1);
    if (rest.empty()) return true;
    if (rest.front() != ':') return false;
    *port = std::string(rest.substr(1));
  } else {
    const size_t colon = authority.rfind(':');
    if (colon == std::string_view::npos) {
      *host = std::string(authority);
    } else {
      if (authority.find(':') != colon) return false;  // bare IPv6 needs brackets
      *host = std::string(authority.substr(0, colon));
      *port = std::string(authority.substr(colon + 1));
      if (port->empty()) return false;
    }
  }
  if (host->empty()) return false;
  if (!port->empty()) {
    int p = 0;
    auto [end, ec] = std::from_chars(port->data(), port->data() + port->size(), p);
    if (ec != std::errc() || end != port->data() + port->size() || p < 1 || p > 65535) {
      return false;
    }
  }
  return true;
}

}  // namespace

std::string DefaultEndpoint(WireProtocol protocol) {
  switch (protocol) {
    case WireProtocol::kGrpc:
      return "localhost:4317";
    case WireProtocol::kHttpProtobuf:
    case WireProtocol::kHttpJson:
      return "http://localhost:4318/v1/traces";
    case WireProtocol::kZipkinJson:
      return "http://localhost:9411/api/v2/spans";
  }
  return "";
}

const char* WireProtocolName(WireProtocol protocol) {
  switch (protocol) {
    case WireProtocol::kGrpc:
      return "grpc";
    case WireProtocol::kHttpProtobuf:
      return "http/protobuf";
    case WireProtocol::kHttpJson:
      return "http/json";
    case WireProtocol::kZipkinJson:
      return "zipkin";
  }
  return "?";
}

sim::Result<Url> ParseHttpUrl(std::string_view url, std::string_view default_path) {
  Url out;
  std::string_view rest;
  const std::string lower = sim::AsciiLower(url.substr(0, 8));
  if (lower.rfind("http://", 0) == 0) {
    rest = url.substr(7);
  } else if (lower.rfind("https://", 0) == 0) {
    out.tls = true;
    rest = url.substr(8);
  } else {
    return sim::Status::InvalidArgument("'" + std::string(url) +
                                        "' is not an http:// or https:// URL");
  }
  const size_t slash = rest.find_first_of("/?#");
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.find('@') != std::string_view::npos) {
    return sim::Status::InvalidArgument("'" + std::string(url) +
                                        "': user information in URLs is not supported");
  }
  if (!SplitHostPort(authority, &out.host, &out.port)) {
    return sim::Status::InvalidArgument("'" + std::string(url) +
                                        "' has no valid host[:port] (port 1-65535)");
  }
  if (out.port.empty()) out.port = out.tls ? "443" : "80";
  if (const size_t hash = path.find('#'); hash != std::string_view::npos)
    path = path.substr(0, hash);
  if (path.empty() || path == "/") path = default_path;
  if (path.front() == '?') {
    out.target = std::string(default_path) + std::string(path);
  } else {
    out.target = std::string(path);
  }
  for (char c : out.target) {
    if (static_cast<unsigned char>(c) <= 0x20 || c == 0x7f) {
      return sim::Status::InvalidArgument("'" + std::string(url) +
                                          "': the path has spaces or control characters");
    }
  }
  return out;
}

sim::Result<std::string> ParseGrpcTarget(std::string_view endpoint, bool* tls_from_scheme) {
  *tls_from_scheme = false;
  std::string_view rest = endpoint;
  const std::string lower = sim::AsciiLower(endpoint.substr(0, 8));
  if (lower.rfind("http://", 0) == 0) {
    rest = endpoint.substr(7);
  } else if (lower.rfind("https://", 0) == 0) {
    rest = endpoint.substr(8);
    *tls_from_scheme = true;
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  std::string host, port;
  if (rest.find('/') != std::string_view::npos || !SplitHostPort(rest, &host, &port) ||
      port.empty()) {
    return sim::Status::InvalidArgument("'" + std::string(endpoint) +
                                        "' is not a gRPC host:port (port 1-65535)");
  }
  return std::string(rest);
}

ExportResult::Kind ClassifyGrpc(int code, bool has_retry_info) {
  switch (code) {
    case 0:
      return ExportResult::Kind::kOk;
    case 1:   // CANCELLED
    case 4:   // DEADLINE_EXCEEDED
    case 10:  // ABORTED
    case 11:  // OUT_OF_RANGE
    case 14:  // UNAVAILABLE
    case 15:  // DATA_LOSS
      return ExportResult::Kind::kRetryable;
    case 8:  // RESOURCE_EXHAUSTED
      return has_retry_info ? ExportResult::Kind::kRetryable : ExportResult::Kind::kFatal;
    default:
      return ExportResult::Kind::kFatal;
  }
}

std::string GrpcCodeName(int code) {
  static constexpr const char* kNames[] = {"OK",
                                           "CANCELLED",
                                           "UNKNOWN",
                                           "INVALID_ARGUMENT",
                                           "DEADLINE_EXCEEDED",
                                           "NOT_FOUND",
                                           "ALREADY_EXISTS",
                                           "PERMISSION_DENIED",
                                           "RESOURCE_EXHAUSTED",
                                           "FAILED_PRECONDITION",
                                           "ABORTED",
                                           "OUT_OF_RANGE",
                                           "UNIMPLEMENTED",
                                           "INTERNAL",
                                           "UNAVAILABLE",
                                           "DATA_LOSS",
                                           "UNAUTHENTICATED"};
  if (code >= 0 && code <= 16) return kNames[code];
  return "CODE " + std::to_string(code);
}

ExportResult::Kind ClassifyHttp(int status) {
  if (status >= 200 && status < 300) return ExportResult::Kind::kOk;
  if (status == 429 || status == 502 || status == 503 || status == 504) {
    return ExportResult::Kind::kRetryable;
  }
  return ExportResult::Kind::kFatal;
}

std::optional<std::chrono::milliseconds> ParseRetryAfter(
    std::string_view value, std::chrono::system_clock::time_point now) {
  while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) value.remove_prefix(1);
  while (!value.empty() && (value.back() == ' ' || value.back() == '\t')) value.remove_suffix(1);
  if (value.empty()) return std::nullopt;
  if (std::isdigit(static_cast<unsigned char>(value.front()))) {
    uint64_t secs = 0;
    auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), secs);
    if (ec != std::errc() || end != value.data() + value.size()) return std::nullopt;
    if (secs > 86400ULL * 365) secs = 86400ULL * 365;
    return std::chrono::milliseconds(secs * 1000);
  }
  // HTTP-date: IMF-fixdate ("Sun, 06 Nov 1994 08:49:37 GMT"), obsolete RFC 850
  // ("Sunday, 06-Nov-94 08:49:37 GMT") and asctime ("Sun Nov  6 08:49:37 1994").
  const std::string v(value);
  static constexpr const char* kFormats[] = {"%a, %d %b %Y %H:%M:%S GMT",
                                             "%A, %d-%b-%y %H:%M:%S GMT", "%a %b %e %H:%M:%S %Y"};
  for (const char* fmt : kFormats) {
    std::tm tm{};
    const char* end = strptime(v.c_str(), fmt, &tm);
    if (end == nullptr || *end != '\0') continue;
    const time_t t = timegm(&tm);
    if (t == static_cast<time_t>(-1)) continue;
    const auto when = std::chrono::system_clock::from_time_t(t);
    if (when <= now) return std::chrono::milliseconds(0);
    return std::chrono::duration_cast<std::chrono::milliseconds>(when - now);
  }
  return std::nullopt;
}

bool ParseRpcStatus(std::string_view bytes, std::string* message,
                    std::optional<std::chrono::milliseconds>* retry_delay) {
  tracesim::rpc::Status st;
  if (!st.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) return false;
  if (message != nullptr) *message = st.message();
  for (const auto& d : st.details()) {
    const std::string_view url = d.type_url();
    const std::string_view kSuffix = "/google.rpc.RetryInfo";
    if (url.size() >= kSuffix.size() && url.substr(url.size() - kSuffix.size()) == kSuffix) {
      tracesim::rpc::RetryInfo ri;
      if (!ri.ParseFromString(d.value())) continue;
      const int64_t ms = ri.retry_delay().seconds() * 1000 + ri.retry_delay().nanos() / 1'000'000;
      if (retry_delay != nullptr) *retry_delay = std::chrono::milliseconds(ms < 0 ? 0 : ms);
    }
  }
  return true;
}

bool ParseExportResponse(std::string_view body, bool json, ExportResult* result) {
  if (body.empty()) return true;
  if (!json) {
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceResponse resp;
    if (!resp.ParseFromArray(body.data(), static_cast<int>(body.size()))) return false;
    if (resp.has_partial_success()) {
      result->rejected_spans = resp.partial_success().rejected_spans();
      result->message = resp.partial_success().error_message();
    }
    return true;
  }
  const nlohmann::json j = nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded() || !j.is_object()) return false;
  auto it = j.find("partialSuccess");
  if (it == j.end()) it = j.find("partial_success");
  if (it == j.end() || !it->is_object()) return true;
  for (const char* key : {"rejectedSpans", "rejected_spans"}) {
    auto r = it->find(key);
    if (r == it->end()) continue;
    if (r->is_number_integer()) {
      result->rejected_spans = r->get<int64_t>();
    } else if (r->is_string()) {
      const std::string s = r->get<std::string>();
      int64_t v = 0;
      auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
      if (ec != std::errc() || end != s.data() + s.size()) return false;
      result->rejected_spans = v;
    } else {
      return false;
    }
  }
  for (const char* key : {"errorMessage", "error_message"}) {
    auto m = it->find(key);
    if (m != it->end() && m->is_string()) result->message = m->get<std::string>();
  }
  return true;
}

bool GzipCompress(std::string_view in, std::string* out) {
  z_stream zs{};
  if (deflateInit2(&zs, Z_DEFAULT_COMPRESSION, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) !=
      Z_OK) {
    return false;
  }
  out->resize(deflateBound(&zs, in.size()) + 32);
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out->data());
  zs.avail_out = static_cast<uInt>(out->size());
  const int rc = deflate(&zs, Z_FINISH);
  out->resize(zs.total_out);
  deflateEnd(&zs);
  return rc == Z_STREAM_END;
}

bool GzipDecompress(std::string_view in, std::string* out) {
  z_stream zs{};
  if (inflateInit2(&zs, 15 + 16) != Z_OK) return false;
  out->clear();
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  char buf[65536];
  int rc;
  do {
    zs.next_out = reinterpret_cast<Bytef*>(buf);
    zs.avail_out = sizeof(buf);
    rc = inflate(&zs, Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END) break;
    out->append(buf, sizeof(buf) - zs.avail_out);
  } while (rc != Z_STREAM_END);
  inflateEnd(&zs);
  return rc == Z_STREAM_END;
}

sim::Result<std::string> ReadFileForOption(const std::string& option, const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) {
    return sim::Status::NotFound("transport." + option + ": cannot read '" + path +
                                 "': " + std::strerror(errno));
  }
  std::ostringstream ss;
  ss << f.rdbuf();
  if (f.bad())
    return sim::Status::IoError("transport." + option + ": error reading '" + path + "'");
  return ss.str();
}

}  // namespace internal

sim::Status TransportOptions::Validate() const {
  const auto bad = [](const std::string& field, const std::string& msg) {
    return sim::Status::InvalidArgument("transport." + field + ": " + msg);
  };
  if (static_cast<uint8_t>(protocol) > static_cast<uint8_t>(WireProtocol::kZipkinJson)) {
    return bad("protocol", "unknown protocol " + std::to_string(static_cast<int>(protocol)));
  }
  bool effective_tls = tls;
  const std::string ep = endpoint.empty() ? internal::DefaultEndpoint(protocol) : endpoint;
  if (protocol == WireProtocol::kGrpc) {
    bool scheme_tls = false;
    auto t = internal::ParseGrpcTarget(ep, &scheme_tls);
    if (!t.ok()) return bad("endpoint", t.status().message());
    effective_tls = effective_tls || scheme_tls;
  } else {
    auto u = internal::ParseHttpUrl(ep, "/v1/traces");
    if (!u.ok()) return bad("endpoint", u.status().message());
    effective_tls = effective_tls || u->tls;
  }
  if (timeout.count() <= 0) {
    return bad("timeout", "must be positive, got " + std::to_string(timeout.count()) + "ms");
  }
  if (connections < 1 || connections > 1024) {
    return bad("connections", "must be in [1, 1024], got " + std::to_string(connections));
  }
  if (client_cert_file.empty() != client_key_file.empty()) {
    return bad(client_cert_file.empty() ? "client_cert_file" : "client_key_file",
               "client_cert_file and client_key_file go together (mTLS)");
  }
  if (!effective_tls) {
    if (!ca_file.empty()) return bad("ca_file", "set, but TLS is off (tls: false, no https://)");
    if (!client_cert_file.empty()) {
      return bad("client_cert_file", "set, but TLS is off (tls: false, no https://)");
    }
  }
  for (const auto& [key, value] : headers) {
    if (key.empty()) return bad("headers", "empty header name");
    for (char c : key) {
      if (!internal::IsTokenChar(c)) {
        return bad("headers", "header name '" + key + "' has an invalid character");
      }
    }
    for (char c : value) {
      if (c == '\r' || c == '\n' || c == '\0') {
        return bad("headers['" + key + "']", "value has CR, LF or NUL");
      }
    }
    const std::string lower = sim::AsciiLower(key);
    if (protocol == WireProtocol::kGrpc) {
      if (lower.rfind("grpc-", 0) == 0 || lower == "te" || lower == "content-type" ||
          lower == "user-agent") {
        return bad("headers['" + key + "']", "reserved by gRPC");
      }
    } else if (lower == "content-length" || lower == "content-type" ||
               lower == "content-encoding" || lower == "host" || lower == "transfer-encoding" ||
               lower == "connection") {
      return bad("headers['" + key + "']", "set by the transport, cannot be overridden");
    }
  }
  return sim::Status::Ok();
}

sim::Result<std::unique_ptr<Transport>> CreateTransport(const TransportOptions& options) {
  TRACESIM_RETURN_IF_ERROR(options.Validate());
  if (options.protocol == WireProtocol::kGrpc) return internal::CreateGrpcTransport(options);
  return internal::CreateHttpTransport(options);
}

}  // namespace tracesim::exporter
