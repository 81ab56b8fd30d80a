// MetricsServer: a tiny HTTP/1.1 server that serves a MetricsExposition at GET /metrics (the
// Prometheus text format), for `tracesim load --metrics-addr`. Other paths get 404, other
// methods 405. One I/O thread; each connection has a 10 s idle deadline. Thread-safe Start/Stop.
#ifndef TRACESIM_LOADGEN_METRICS_SERVER_H_
#define TRACESIM_LOADGEN_METRICS_SERVER_H_

#include <cstdint>
#include <memory>
#include <string>

#include "metrics/prometheus.h"
#include "sim/base/status.h"

namespace tracesim::loadgen {

class MetricsServer {
 public:
  // Listens on `address` ("HOST:PORT"; ":PORT" = loopback, "0.0.0.0:PORT" = all interfaces; port 0
  // = any free port) and serves `exposition` (which must outlive the server). Errors: a bad address
  // (InvalidArgument naming it), a port in use (Unavailable).
  static sim::Result<std::unique_ptr<MetricsServer>> Start(const std::string& address,
                                                           const metrics::MetricsExposition* exp);
  ~MetricsServer();  // Stop()s
  MetricsServer(const MetricsServer&) = delete;
  MetricsServer& operator=(const MetricsServer&) = delete;

  uint16_t port() const;
  void Stop();

 private:
  class Impl;
  explicit MetricsServer(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// Splits "HOST:PORT" / "[v6]:PORT" / ":PORT" (host 127.0.0.1); error names the text.
sim::Status SplitHostPort(const std::string& address, std::string* host, uint16_t* port);

}  // namespace tracesim::loadgen

#endif  // TRACESIM_LOADGEN_METRICS_SERVER_H_
