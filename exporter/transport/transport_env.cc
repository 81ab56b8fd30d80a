#include "exporter/transport/transport_env.h"

#include <cctype>
#include <charconv>
#include <optional>

#include "sim/base/text.h"

namespace tracesim::exporter {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool PercentDecode(std::string_view in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int hi = HexValue(in[i + 1]), lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

}  // namespace

sim::Result<std::map<std::string, std::string>> ParseHeaderList(std::string_view value,
                                                                std::string_view source) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    const std::string_view member = sim::TrimSpaceTab(value.substr(pos, comma - pos));
    pos = comma + 1;
    if (member.empty()) continue;
    const size_t eq = member.find('=');
    if (eq == std::string_view::npos) {
      return sim::Status::InvalidArgument(std::string(source) + ": member '" + std::string(member) +
                                          "' is not key=value");
    }
    std::string key, val;
    if (!PercentDecode(sim::TrimSpaceTab(member.substr(0, eq)), &key) ||
        !PercentDecode(sim::TrimSpaceTab(member.substr(eq + 1)), &val)) {
      return sim::Status::InvalidArgument(std::string(source) + ": member '" + std::string(member) +
                                          "' has a bad %-escape");
    }
    if (key.empty()) {
      return sim::Status::InvalidArgument(std::string(source) + ": member '" + std::string(member) +
                                          "' has an empty key");
    }
    out[key] = val;
  }
  return out;
}

sim::Result<TransportOptions> OptionsFromEnv(
    const std::function<const char*(const char*)>& getenv) {
  return OptionsFromEnv(getenv, EnvDefaults{});
}

namespace {

// One OTLP exporter variable as read: its name and value.
struct EnvVar {
  std::string name, value;
};

// The signal-specific variable OTEL_EXPORTER_OTLP_TRACES_<SUFFIX>, else the generic
// OTEL_EXPORTER_OTLP_<SUFFIX>: the first that is set and not empty.
std::optional<EnvVar> GetOtlpVar(const std::function<const char*(const char*)>& getenv,
                                 const char* suffix) {
  const std::string specific = std::string("OTEL_EXPORTER_OTLP_TRACES_") + suffix;
  const std::string generic = std::string("OTEL_EXPORTER_OTLP_") + suffix;
  for (const std::string& n : {specific, generic}) {
    const char* v = getenv(n.c_str());
    if (v != nullptr && *v != '\0') return EnvVar{n, std::string(v)};
  }
  return std::nullopt;
}

// PROTOCOL (unless the defaults fix it).
sim::Status ProtocolFromEnv(const std::function<const char*(const char*)>& getenv,
                            const EnvDefaults& defaults, TransportOptions* o) {
  o->protocol = defaults.fallback;
  if (defaults.protocol) {
    o->protocol = *defaults.protocol;
    return sim::Status::Ok();
  }
  std::optional<EnvVar> v = GetOtlpVar(getenv, "PROTOCOL");
  if (!v) return sim::Status::Ok();
  const std::string p = sim::AsciiLower(sim::TrimSpaceTab(v->value));
  if (p == "grpc") {
    o->protocol = WireProtocol::kGrpc;
  } else if (p == "http/protobuf") {
    o->protocol = WireProtocol::kHttpProtobuf;
  } else if (p == "http/json") {
    o->protocol = WireProtocol::kHttpJson;
  } else if (p == "zipkin" && defaults.allow_zipkin) {
    o->protocol = WireProtocol::kZipkinJson;
  } else {
    return sim::Status::InvalidArgument(v->name + ": '" + v->value +
                                        "' is not one of grpc, http/protobuf, http/json" +
                                        (defaults.allow_zipkin ? ", zipkin" : ""));
  }
  return sim::Status::Ok();
}

// ENDPOINT (or the protocol's default) and whether to use TLS (https://, or INSECURE for a gRPC
// endpoint without a scheme). REQUIRES: o->protocol is set.
sim::Status EndpointFromEnv(const std::function<const char*(const char*)>& getenv,
                            TransportOptions* o) {
  const bool grpc = o->protocol == WireProtocol::kGrpc;
  const bool zipkin = o->protocol == WireProtocol::kZipkinJson;
  bool has_scheme = true;
  if (std::optional<EnvVar> v = GetOtlpVar(getenv, "ENDPOINT")) {
    std::string ep(sim::TrimSpaceTab(v->value));
    const std::string lower = sim::AsciiLower(ep.substr(0, 8));
    has_scheme = lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0;
    if (!grpc && !has_scheme) {
      return sim::Status::InvalidArgument(v->name + ": '" + v->value +
                                          "' is not an http:// or https:// URL");
    }
    if (!grpc && v->name == "OTEL_EXPORTER_OTLP_ENDPOINT") {
      if (ep.empty() || ep.back() != '/') ep.push_back('/');
      ep += "v1/traces";
    }
    o->endpoint = ep;
    if (sim::AsciiLower(ep.substr(0, 8)) == "https://") o->tls = true;
  } else {
    o->endpoint = grpc     ? "http://localhost:4317"
                  : zipkin ? "http://localhost:9411/api/v2/spans"
                           : "http://localhost:4318/v1/traces";
  }
  if (grpc && !has_scheme) {
    bool insecure = false;
    if (std::optional<EnvVar> v = GetOtlpVar(getenv, "INSECURE")) {
      const std::string b = sim::AsciiLower(sim::TrimSpaceTab(v->value));
      if (b == "true") {
        insecure = true;
      } else if (b != "false") {
        return sim::Status::InvalidArgument(v->name + ": '" + v->value + "' is not true or false");
      }
    }
    o->tls = !insecure;
  }
  return sim::Status::Ok();
}

// HEADERS, COMPRESSION, TIMEOUT, and with TLS the certificate files.
sim::Status RequestFromEnv(const std::function<const char*(const char*)>& getenv,
                           TransportOptions* o) {
  if (std::optional<EnvVar> v = GetOtlpVar(getenv, "HEADERS")) {
    auto h = ParseHeaderList(v->value, v->name);
    if (!h.ok()) return h.status();
    o->headers = std::move(h).value();
  }
  if (std::optional<EnvVar> v = GetOtlpVar(getenv, "COMPRESSION")) {
    const std::string c = sim::AsciiLower(sim::TrimSpaceTab(v->value));
    if (c == "gzip") {
      o->gzip = true;
    } else if (c != "none") {
      return sim::Status::InvalidArgument(v->name + ": '" + v->value + "' is not gzip or none");
    }
  }
  if (std::optional<EnvVar> v = GetOtlpVar(getenv, "TIMEOUT")) {
    const std::string_view t = sim::TrimSpaceTab(v->value);
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), ms);
    if (ec != std::errc() || end != t.data() + t.size() || ms <= 0) {
      return sim::Status::InvalidArgument(v->name + ": '" + v->value +
                                          "' is not a positive number of milliseconds");
    }
    o->timeout = std::chrono::milliseconds(ms);
  }
  if (o->tls) {
    if (auto v = GetOtlpVar(getenv, "CERTIFICATE")) o->ca_file = v->value;
    if (auto v = GetOtlpVar(getenv, "CLIENT_CERTIFICATE")) o->client_cert_file = v->value;
    if (auto v = GetOtlpVar(getenv, "CLIENT_KEY")) o->client_key_file = v->value;
  }
  return sim::Status::Ok();
}

}  // namespace

sim::Result<TransportOptions> OptionsFromEnv(const std::function<const char*(const char*)>& getenv,
                                             const EnvDefaults& defaults) {
  TransportOptions o;
  TRACESIM_RETURN_IF_ERROR(ProtocolFromEnv(getenv, defaults, &o));
  TRACESIM_RETURN_IF_ERROR(EndpointFromEnv(getenv, &o));
  TRACESIM_RETURN_IF_ERROR(RequestFromEnv(getenv, &o));
  return o;
}

}  // namespace tracesim::exporter
