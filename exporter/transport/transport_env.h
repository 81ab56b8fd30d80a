// TransportOptions from the standard OpenTelemetry exporter environment variables.
//
// Reads, through the injected `getenv` (tests pass a map; the CLI passes ::getenv), the
// OTEL_EXPORTER_OTLP_* variables; a signal-specific OTEL_EXPORTER_OTLP_TRACES_* variable wins
// over its generic OTEL_EXPORTER_OTLP_* form (per variable, whole value):
//   PROTOCOL           grpc | http/protobuf | http/json. Default: http/protobuf (the spec's).
//   ENDPOINT           TRACES_ENDPOINT is used as is; the generic ENDPOINT gets /v1/traces appended
//                      for the HTTP protocols (not for gRPC). Default:
//                      http://localhost:4318/v1/traces (HTTP) or http://localhost:4317 (gRPC).
//                      https:// turns TLS on.
//   INSECURE           true | false: for gRPC endpoints written without a scheme, false (the
//                      default) means TLS. Ignored otherwise.
//   HEADERS            k=v,k2=v2 with percent-encoded keys/values and optional spaces.
//   COMPRESSION        gzip | none. Default: none.
//   TIMEOUT            milliseconds, > 0. Default: 10000.
//   CERTIFICATE, CLIENT_CERTIFICATE, CLIENT_KEY   PEM files; used only when TLS is on.
// Every error names the variable and the bad value. The result still needs Validate() (the
// caller's own overrides may follow).
#ifndef TRACESIM_EXPORTER_TRANSPORT_ENV_H_
#define TRACESIM_EXPORTER_TRANSPORT_ENV_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "exporter/transport/transport.h"
#include "sim/base/status.h"

namespace tracesim::exporter {

sim::Result<TransportOptions> OptionsFromEnv(const std::function<const char*(const char*)>& getenv);

// For a caller with its own protocol setting (a flag), so the environment is still read once:
struct EnvDefaults {
  // The caller's protocol: wins over PROTOCOL and decides how ENDPOINT and INSECURE are read.
  // Default: none (PROTOCOL decides).
  std::optional<WireProtocol> protocol;
  // The protocol when neither `protocol` nor PROTOCOL is set. Default: http/protobuf (the spec's).
  WireProtocol fallback = WireProtocol::kHttpProtobuf;
  // PROTOCOL may also say `zipkin` (a tracesim extension; ENDPOINT is then read as for http/json,
  // and the default endpoint is http://localhost:9411/api/v2/spans). Default: false.
  bool allow_zipkin = false;
};
sim::Result<TransportOptions> OptionsFromEnv(const std::function<const char*(const char*)>& getenv,
                                             const EnvDefaults& defaults);

// Parses a W3C-baggage-like header list "k=v,k2=v2" (percent-decoding, spaces trimmed, empty
// members skipped). The error names `source` (the variable).
sim::Result<std::map<std::string, std::string>> ParseHeaderList(std::string_view value,
                                                                std::string_view source);

}  // namespace tracesim::exporter

#endif  // TRACESIM_EXPORTER_TRANSPORT_ENV_H_
