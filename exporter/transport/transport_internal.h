// Pieces shared by the transports (transport.cc, grpc_transport.cc, http_transport.cc) and their
// tests: endpoint parsing, response classification, Retry-After, gzip. Internal to exporter/.
#ifndef TRACESIM_EXPORTER_TRANSPORT_INTERNAL_H_
#define TRACESIM_EXPORTER_TRANSPORT_INTERNAL_H_

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "exporter/transport/transport.h"
#include "sim/base/status.h"

namespace tracesim::exporter::internal {

// The default endpoint of each protocol, as the OTel SDKs (and Zipkin) use.
std::string DefaultEndpoint(WireProtocol protocol);

// "grpc", "http/protobuf", "http/json", "zipkin".
const char* WireProtocolName(WireProtocol protocol);

// An HTTP(S) URL split for a client. `target` is the request path (with query), never empty.
struct Url {
  bool tls = false;
  std::string host;  // without brackets for IPv6 literals
  std::string port;  // explicit, or 80/443 from the scheme
  std::string target;
};
// Parses "http[s]://host[:port][/path]"; an empty path (or "/") becomes `default_path`.
sim::Result<Url> ParseHttpUrl(std::string_view url, std::string_view default_path);

// A gRPC target: "host:port", optionally written as "http://host:port" or "https://host:port"
// (https implies TLS). Sets *tls_from_scheme when the scheme is https.
sim::Result<std::string> ParseGrpcTarget(std::string_view endpoint, bool* tls_from_scheme);

// OTLP classification of a gRPC status code (numbering of grpc::StatusCode). RESOURCE_EXHAUSTED
// is retryable only when the status carried RetryInfo.
ExportResult::Kind ClassifyGrpc(int code, bool has_retry_info);
// gRPC status code name ("UNAVAILABLE"), or "CODE <n>".
std::string GrpcCodeName(int code);

// OTLP classification of an HTTP status: 2xx ok; 429, 502, 503, 504 retryable; others fatal.
ExportResult::Kind ClassifyHttp(int status);

// Parses a Retry-After value: delay-seconds, or an HTTP-date (IMF-fixdate, RFC 850 or asctime
// form) taken relative to `now` (a date in the past gives 0). nullopt when unparsable.
std::optional<std::chrono::milliseconds> ParseRetryAfter(std::string_view value,
                                                         std::chrono::system_clock::time_point now);

// Parses a serialized google.rpc.Status (grpc-status-details-bin, OTLP/HTTP error body): fills
// *message (when non-null) and returns the RetryInfo delay when a RetryInfo detail is present.
// Returns false when `bytes` is not a Status.
bool ParseRpcStatus(std::string_view bytes, std::string* message,
                    std::optional<std::chrono::milliseconds>* retry_delay);

// Parses an ExportTraceServiceResponse body (protobuf, or OTLP/JSON when `json`) into the partial
// success fields of *result. Returns false when the body does not parse (an empty body is a
// valid, empty response).
bool ParseExportResponse(std::string_view body, bool json, ExportResult* result);

// gzip (RFC 1952) compression and decompression with zlib.
bool GzipCompress(std::string_view in, std::string* out);
bool GzipDecompress(std::string_view in, std::string* out);

// Reads a whole file; the error names the option and the file.
sim::Result<std::string> ReadFileForOption(const std::string& option, const std::string& path);

// The concrete transports. REQUIRES: options.Validate() is OK.
sim::Result<std::unique_ptr<Transport>> CreateGrpcTransport(const TransportOptions& options);
sim::Result<std::unique_ptr<Transport>> CreateHttpTransport(const TransportOptions& options);

}  // namespace tracesim::exporter::internal

#endif  // TRACESIM_EXPORTER_TRANSPORT_INTERNAL_H_
