#include "exporter/transport/transport_env.h"

#include <cctype>
#include <charconv>
#include <optional>

namespace tracesim::exporter {
namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

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

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

sim::Result<std::map<std::string, std::string>> ParseHeaderList(std::string_view value,
                                                                std::string_view source) {
  std::map<std::string, std::string> out;
  size_t pos = 0;
  while (pos <= value.size()) {
    size_t comma = value.find(',', pos);
    if (comma == std::string_view::npos) comma = value.size();
    const std::string_view member = Trim(value.substr(pos, comma - pos));
    pos = comma + 1;
    if (member.empty()) continue;
    const size_t eq = member.find('=');
    if (eq == std::string_view::npos) {
      return sim::Status::InvalidArgument(std::string(source) + ": member '" + std::string(member) +
                                          "' is not key=value");
    }
    std::string key, val;
    if (!PercentDecode(Trim(member.substr(0, eq)), &key) ||
        !PercentDecode(Trim(member.substr(eq + 1)), &val)) {
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

sim::Result<TransportOptions> OptionsFromEnv(const std::function<const char*(const char*)>& getenv,
                                             const EnvDefaults& defaults) {
  // Returns the signal-specific variable, else the generic one; *name gets the one used.
  auto get = [&](const char* suffix, std::string* name) -> std::optional<std::string> {
    const std::string specific = std::string("OTEL_EXPORTER_OTLP_TRACES_") + suffix;
    const std::string generic = std::string("OTEL_EXPORTER_OTLP_") + suffix;
    for (const std::string& n : {specific, generic}) {
      const char* v = getenv(n.c_str());
      if (v != nullptr && *v != '\0') {
        *name = n;
        return std::string(v);
      }
    }
    return std::nullopt;
  };
  TransportOptions o;
  std::string name;
  o.protocol = defaults.fallback;
  if (defaults.protocol) {
    o.protocol = *defaults.protocol;
  } else if (auto v = get("PROTOCOL", &name)) {
    const std::string p = Lower(Trim(*v));
    if (p == "grpc") {
      o.protocol = WireProtocol::kGrpc;
    } else if (p == "http/protobuf") {
      o.protocol = WireProtocol::kHttpProtobuf;
    } else if (p == "http/json") {
      o.protocol = WireProtocol::kHttpJson;
    } else if (p == "zipkin" && defaults.allow_zipkin) {
      o.protocol = WireProtocol::kZipkinJson;
    } else {
      return sim::Status::InvalidArgument(name + ": '" + *v +
                                          "' is not one of grpc, http/protobuf, http/json" +
                                          (defaults.allow_zipkin ? ", zipkin" : ""));
    }
  }
  const bool grpc = o.protocol == WireProtocol::kGrpc;
  const bool zipkin = o.protocol == WireProtocol::kZipkinJson;
  bool has_scheme = true;
  if (auto v = get("ENDPOINT", &name)) {
    std::string ep(Trim(*v));
    const std::string lower = Lower(ep.substr(0, 8));
    has_scheme = lower.rfind("http://", 0) == 0 || lower.rfind("https://", 0) == 0;
    if (!grpc && !has_scheme) {
      return sim::Status::InvalidArgument(name + ": '" + *v +
                                          "' is not an http:// or https:// URL");
    }
    if (!grpc && name == "OTEL_EXPORTER_OTLP_ENDPOINT") {
      if (ep.empty() || ep.back() != '/') ep.push_back('/');
      ep += "v1/traces";
    }
    o.endpoint = ep;
    if (Lower(ep.substr(0, 8)) == "https://") o.tls = true;
  } else {
    o.endpoint = grpc     ? "http://localhost:4317"
                 : zipkin ? "http://localhost:9411/api/v2/spans"
                          : "http://localhost:4318/v1/traces";
  }
  if (grpc && !has_scheme) {
    bool insecure = false;
    if (auto v = get("INSECURE", &name)) {
      const std::string b = Lower(Trim(*v));
      if (b == "true") {
        insecure = true;
      } else if (b != "false") {
        return sim::Status::InvalidArgument(name + ": '" + *v + "' is not true or false");
      }
    }
    o.tls = !insecure;
  }
  if (auto v = get("HEADERS", &name)) {
    auto h = ParseHeaderList(*v, name);
    if (!h.ok()) return h.status();
    o.headers = std::move(h).value();
  }
  if (auto v = get("COMPRESSION", &name)) {
    const std::string c = Lower(Trim(*v));
    if (c == "gzip") {
      o.gzip = true;
    } else if (c != "none") {
      return sim::Status::InvalidArgument(name + ": '" + *v + "' is not gzip or none");
    }
  }
  if (auto v = get("TIMEOUT", &name)) {
    const std::string_view t = Trim(*v);
    int64_t ms = 0;
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), ms);
    if (ec != std::errc() || end != t.data() + t.size() || ms <= 0) {
      return sim::Status::InvalidArgument(name + ": '" + *v +
                                          "' is not a positive number of milliseconds");
    }
    o.timeout = std::chrono::milliseconds(ms);
  }
  if (o.tls) {
    if (auto v = get("CERTIFICATE", &name)) o.ca_file = *v;
    if (auto v = get("CLIENT_CERTIFICATE", &name)) o.client_cert_file = *v;
    if (auto v = get("CLIENT_KEY", &name)) o.client_key_file = *v;
  }
  return o;
}

}  // namespace tracesim::exporter
