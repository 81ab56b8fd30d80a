// Transport: sends encoded OTLP (or Zipkin) export requests to a collector and reports how each
// one ended, classified the way the OTLP specification tells a client to react.
//
// Implementations: OTLP/gRPC, OTLP/HTTP (protobuf or JSON body), Zipkin v2 JSON. ExportAsync()
// never blocks the caller for the network: it queues the request on the transport's own I/O
// thread(s) and calls `done` exactly once, from a transport thread, with the outcome (also on
// timeout, connection failure, cancellation and shutdown). Thread-safe: any thread may call
// ExportAsync(). Shutdown() cancels what is in flight (each `done` then reports kShutdown) and
// joins the transport's threads.
#ifndef TRACESIM_EXPORTER_TRANSPORT_H_
#define TRACESIM_EXPORTER_TRANSPORT_H_

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "sim/base/status.h"

namespace tracesim::exporter {

// Names follow OTEL_EXPORTER_OTLP_PROTOCOL ("grpc", "http/protobuf", "http/json") plus "zipkin".
enum class WireProtocol : uint8_t { kGrpc = 0, kHttpProtobuf = 1, kHttpJson = 2, kZipkinJson = 3 };

struct TransportOptions {
  WireProtocol protocol = WireProtocol::kGrpc;  // Default: grpc.
  // gRPC: "host:port". HTTP: a URL ("http://localhost:4318/v1/traces"; a URL without a path gets
  // /v1/traces, or /api/v2/spans for Zipkin). Default: per protocol, as the OTel SDKs.
  std::string endpoint;
  bool gzip = false;                           // Default: false.
  std::map<std::string, std::string> headers;  // e.g. an API key. Default: none.
  bool tls = false;              // Default: false (plaintext); https:// URLs imply true.
  std::string ca_file;           // PEM; Default: system roots.
  std::string client_cert_file;  // PEM, with client_key_file for mTLS. Default: none.
  std::string client_key_file;
  std::chrono::milliseconds timeout{10000};  // per request deadline. Default: 10s.
  uint32_t connections = 1;                  // channels / HTTP connections. Default: 1.

  sim::Status Validate() const;
};

// One request as the sender built it: the wire body plus what it carries.
struct ExportRequest {
  // The serialized ExportTraceServiceRequest (protobuf or JSON) or Zipkin JSON. Shared, not
  // copied: the caller keeps it for a retry while the transport writes from the same bytes (two
  // copies of every body, ~300 bytes a span, were made here before). Never null; never changed
  // while a transport holds it.
  std::shared_ptr<const std::string> body;
  uint64_t spans = 0;
  uint64_t id = 0;  // caller's id, echoed in the result
};

struct ExportResult {
  // NOTE: reported in summaries; do not renumber.
  enum class Kind : uint8_t {
    kOk = 0,         // accepted (maybe with partial success: rejected_spans > 0, never retried)
    kRetryable = 1,  // the spec says retry (UNAVAILABLE, 429/502/503/504, RESOURCE_EXHAUSTED with
                     // RetryInfo, ...)
    kFatal = 2,      // must not be retried (INVALID_ARGUMENT, 400, 413, ...)
    kShutdown = 3,   // cancelled by Shutdown()
  };
  Kind kind = Kind::kOk;
  uint64_t id = 0;
  uint64_t spans = 0;
  int64_t rejected_spans = 0;  // partial success
  int code = 0;                // gRPC status code, or HTTP status (0 when no response came)
  std::string code_name;       // "UNAVAILABLE", "HTTP 503", "connection refused", "deadline", ...
  std::optional<std::chrono::milliseconds> retry_after;  // RetryInfo / Retry-After
  std::chrono::nanoseconds latency{0};
  std::string message;
};

class Transport {
 public:
  virtual ~Transport() = default;
  virtual void ExportAsync(ExportRequest request, std::function<void(ExportResult)> done) = 0;
  virtual void Shutdown() = 0;
};

// Creates the transport for options.protocol. Fails for invalid options (naming the field),
// unreadable TLS files, an unparsable endpoint.
sim::Result<std::unique_ptr<Transport>> CreateTransport(const TransportOptions& options);

}  // namespace tracesim::exporter

#endif  // TRACESIM_EXPORTER_TRANSPORT_H_
