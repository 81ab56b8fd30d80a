#include "app/receive.h"

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <csignal>
#include <memory>
#include <utility>

namespace tracesim::app {
namespace net = boost::asio;

namespace {

bool IsStdout(const std::string& path) { return path == "-"; }

// HOST:PORT of a listening server: the host as configured (IPv6 in brackets), the bound port.
std::string HostOf(const std::string& address, uint16_t port) {
  auto hp = receiver::ParseHostPort(address);
  std::string host = hp.ok() ? hp->host : "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return host + ":" + std::to_string(port);
}

ReceiveAddresses AddressesOf(const receiver::Receiver& rx, const receiver::ReceiverOptions& o) {
  ReceiveAddresses a;
  if (rx.grpc_port() != 0) a.grpc = HostOf(o.grpc_address, rx.grpc_port());
  if (rx.http_port() != 0)
    a.http = "http://" + HostOf(o.http_address, rx.http_port()) + "/v1/traces";
  if (rx.metrics_port() != 0) {
    a.metrics = "http://" + HostOf(o.metrics_address, rx.metrics_port()) + "/metrics";
  }
  return a;
}

// Runs the control loop until a signal, the duration or a stop request; returns why it stopped
// and fills the busiest second.
std::string Serve(receiver::Receiver& rx, const ReceiveOptions& options,
                  const ReceiveCallbacks& callbacks, double* peak) {
  net::io_context ioc;
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  std::string stop_reason = "stopped";
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    stop_reason = sig == SIGINT ? "SIGINT" : "SIGTERM";
    ioc.stop();
  });
  net::steady_timer deadline(ioc);
  if (options.duration) {
    deadline.expires_after(std::chrono::nanoseconds(options.duration->nanos()));
    deadline.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      stop_reason = "duration";
      ioc.stop();
    });
  }
  uint64_t last_spans = 0, last_requests = 0;
  net::steady_timer ticker(ioc);
  std::function<void()> tick = [&] {
    ticker.expires_after(std::chrono::seconds(1));
    ticker.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      receiver::StatsSnapshot s = rx.stats().Snapshot();
      ReceiveSecond second;
      second.spans = static_cast<double>(s.spans_accepted - last_spans);
      second.requests = static_cast<double>(s.requests - last_requests);
      second.total_spans = s.spans_accepted;
      second.total_requests = s.requests;
      last_spans = s.spans_accepted;
      last_requests = s.requests;
      *peak = std::max(*peak, second.spans);
      if (callbacks.on_second) callbacks.on_second(second);
      tick();
    });
  };
  tick();
  if (callbacks.on_ready) {
    callbacks.on_ready(rx, [&ioc] { net::post(ioc, [&ioc] { ioc.stop(); }); });
  }
  ioc.run();
  return stop_reason;
}

}  // namespace

sim::Status ReceiveOptions::Validate() const {
  if (duration && duration->nanos() <= 0) {
    return sim::Status::InvalidArgument("--duration: must be > 0");
  }
  if (IsStdout(receiver.out_path) && IsStdout(summary_json)) {
    return sim::Status::InvalidArgument("--out and --summary-json both name stdout ('-')");
  }
  return receiver.Validate();
}

sim::Result<ReceiveOutcome> RunReceive(const ReceiveOptions& options,
                                       const ReceiveCallbacks& callbacks) {
  TRACESIM_RETURN_IF_ERROR(options.Validate());
  auto started = receiver::Receiver::Start(options.receiver);
  if (!started.ok()) return started.status();
  std::unique_ptr<receiver::Receiver> rx = std::move(started).value();
  if (callbacks.on_listening) callbacks.on_listening(AddressesOf(*rx, options.receiver));
  ReceiveOutcome outcome;
  outcome.stop_reason = Serve(*rx, options, callbacks, &outcome.peak_spans_per_second);
  outcome.stopped = rx->Stop();
  outcome.elapsed_seconds = rx->Elapsed().count();
  outcome.stats = rx->stats().Snapshot();
  return outcome;
}

std::string ReceiveSummaryJson(const ReceiveOutcome& outcome, const ReceiveOptions& options) {
  return receiver::RenderSummaryJson(outcome.stats, outcome.elapsed_seconds,
                                     outcome.peak_spans_per_second, options.receiver);
}

}  // namespace tracesim::app
