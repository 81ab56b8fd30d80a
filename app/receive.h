// RunReceive: one `tracesim receive` without the command line. It starts the OTLP receiver
// (receiver/receiver.h) with the options, tells where it listens, serves until SIGINT/SIGTERM,
// the duration or a stop request, measures the spans and requests of every second (and the
// busiest second), stops the receiver and returns what it counted. The CLI turns argv into
// ReceiveOptions, calls RunReceive and renders the addresses, the rate line, the summary line and
// the summary JSON.
//
// Error codes: kInvalidArgument for bad options (or an address the receiver cannot use as
// written), anything else for a failure to start (a port in use, an unwritable --out file).
//
// Thread-safety: one call at a time per process (it handles SIGINT and SIGTERM while it runs);
// callbacks run on the calling thread, except the `stop` function handed to `on_ready`, which may
// be called from any thread.
#ifndef TRACESIM_APP_RECEIVE_H_
#define TRACESIM_APP_RECEIVE_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "receiver/receiver.h"
#include "receiver/receiver_options.h"
#include "sim/base/status.h"
#include "sim/base/time.h"

namespace tracesim::app {

struct ReceiveOptions {
  receiver::ReceiverOptions receiver;
  // Stop by itself after this long, > 0. Default: none (until a signal or a stop request).
  std::optional<sim::Duration> duration;
  // Where the caller writes the summary JSON ("-" is stdout); only checked here (stdout is named
  // once among it and receiver.out_path). Default: "" (none).
  std::string summary_json;

  // duration > 0, stdout named at most once, then ReceiverOptions::Validate().
  sim::Status Validate() const;
};

// Where the servers listen, "" for a server that is off: "127.0.0.1:4317" (gRPC),
// "http://127.0.0.1:4318/v1/traces" (HTTP), "http://127.0.0.1:9464/metrics" (metrics); IPv6
// hosts in brackets.
struct ReceiveAddresses {
  std::string grpc, http, metrics;
};

// One second of traffic, for a rate line.
struct ReceiveSecond {
  double spans = 0, requests = 0;                // accepted in the last second
  uint64_t total_spans = 0, total_requests = 0;  // since the start
};

struct ReceiveOutcome {
  // Why it stopped: "SIGINT", "SIGTERM", "duration" or "stopped" (a stop request).
  std::string stop_reason;
  // The receiver's Stop(): not ok when something failed while running (an output file error).
  sim::Status stopped;
  receiver::StatsSnapshot stats;
  double elapsed_seconds = 0;        // from the start to the stop
  double peak_spans_per_second = 0;  // the most spans accepted in one whole second
};

struct ReceiveCallbacks {
  // Once, as soon as the servers listen (before any request is served).
  std::function<void(const ReceiveAddresses&)> on_listening;
  // After every wall-clock second.
  std::function<void(const ReceiveSecond&)> on_second;
  // Test seam: once the receiver listens, with a function that stops the run (thread-safe).
  // REQUIRES: `stop` is not called after RunReceive has returned.
  std::function<void(receiver::Receiver& receiver, std::function<void()> stop)> on_ready;
};

// Runs the receiver with `options` (Validate()d first) until it is stopped. See the file comment.
sim::Result<ReceiveOutcome> RunReceive(const ReceiveOptions& options,
                                       const ReceiveCallbacks& callbacks = {});

// The summary JSON of `outcome` (receiver::RenderSummaryJson with the run's options).
std::string ReceiveSummaryJson(const ReceiveOutcome& outcome, const ReceiveOptions& options);

}  // namespace tracesim::app

#endif  // TRACESIM_APP_RECEIVE_H_
