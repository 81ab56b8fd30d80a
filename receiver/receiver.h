// Receiver: an OTLP trace receiver for testing senders (the load generator, SDK exporters).
//
// OTLP/gRPC (TraceService/Export, gRPC callback API on gRPC's thread pool) and OTLP/HTTP
// (POST /v1/traces, application/x-protobuf or application/json, optional gzip, HTTP/1.1
// keep-alive, Boost.Beast on `http_threads` threads) with the same processing: decode, check ids,
// count (ReceiverStats), optionally append to an OTLP/JSON lines file, and answer, possibly with
// an injected fault (FaultOptions). Answers follow the OTLP specification
// (/work/shared/specs/otlp_w3c.md §3.3-3.4); doc/receive.md lists them all.
//
// Thread-safe: stats() may be read while requests are served. Stop() is idempotent and is
// called by the destructor.
#ifndef TRACESIM_RECEIVER_RECEIVER_H_
#define TRACESIM_RECEIVER_RECEIVER_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

#include "receiver/receiver_options.h"
#include "receiver/receiver_stats.h"
#include "sim/base/status.h"

namespace tracesim::receiver {

class Receiver {
 public:
  Receiver(const Receiver&) = delete;
  Receiver& operator=(const Receiver&) = delete;
  ~Receiver();

  // Validates `options`, opens the output file and binds every enabled address. Errors name the
  // option (InvalidArgument), the file or the address (IoError).
  static sim::Result<std::unique_ptr<Receiver>> Start(const ReceiverOptions& options);

  // Bound ports (0 when that server is disabled).
  uint16_t grpc_port() const;
  uint16_t http_port() const;
  uint16_t metrics_port() const;

  // Stops accepting, lets answers in flight finish (delayed answers are sent at once), shuts
  // the servers down and flushes the output file. Returns the first output-file error.
  sim::Status Stop();

  ReceiverStats& stats();
  // Wall time since Start(), frozen by Stop().
  std::chrono::duration<double> Elapsed() const;

 private:
  struct Impl;
  explicit Receiver(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Renders a summary as JSON (doc/receive.md): counters, requests by code, duration and rates.
// `peak_spans_per_s` is the best one-second rate seen by the caller's ticker (0 if unknown).
std::string RenderSummaryJson(const StatsSnapshot& snapshot, double duration_s,
                              double peak_spans_per_s, const ReceiverOptions& options);

}  // namespace tracesim::receiver

#endif  // TRACESIM_RECEIVER_RECEIVER_H_
