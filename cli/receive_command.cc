#include "cli/receive_command.h"

#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/program_options.hpp>
#include <cctype>
#include <charconv>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <optional>

#include "cli/commands.h"
#include "cli/flags.h"
#include "config/grammar.h"
#include "receiver/receiver_options.h"
#include "sim/time.h"

namespace tracesim::cli {
namespace po = boost::program_options;
namespace net = boost::asio;

namespace {

std::string HostOf(const std::string& address, uint16_t port) {
  auto hp = receiver::ParseHostPort(address);
  std::string host = hp.ok() ? hp->host : "127.0.0.1";
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return host + ":" + std::to_string(port);
}

}  // namespace

int ReceiveCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                   const ReceiveHooks& hooks) {
  const std::string caption =
      "Usage: tracesim receive [--grpc ADDR] [--http ADDR] [options]\n\n"
      "Runs an OTLP trace receiver (gRPC TraceService/Export and HTTP POST /v1/traces with\n"
      "protobuf or JSON bodies, optionally gzip) that counts what it gets, can write it to a\n"
      "file and can inject faults to test a client's retries. Stops on SIGINT/SIGTERM or after\n"
      "--duration, then prints a summary. With neither --grpc nor --http both listen on their\n"
      "defaults (127.0.0.1:4317 and 127.0.0.1:4318); port 0 picks a free port. See\n"
      "doc/receive.md.\n\nOptions";
  po::options_description desc(caption);
  std::string grpc_addr, http_addr, metrics_addr, duration_text, summary_path, out_path,
      max_bytes_text;
  std::vector<std::string> fault_specs;
  uint32_t threads = 2;
  desc.add_options()                                                                             //
      ("help,h", "show this help")                                                               //
      ("grpc", po::value(&grpc_addr), "OTLP/gRPC listen address HOST:PORT")                      //
      ("http", po::value(&http_addr), "OTLP/HTTP listen address HOST:PORT")                      //
      ("metrics-addr", po::value(&metrics_addr), "serve Prometheus GET /metrics here")           //
      ("duration", po::value(&duration_text), "stop by itself after this long, e.g. 30s")        //
      ("summary-json", po::value(&summary_path), "write the summary JSON here when stopping")    //
      ("out", po::value(&out_path), "append every accepted request to FILE as OTLP/JSON lines")  //
      ("max-request-bytes", po::value(&max_bytes_text),
       "largest request after decompression (default 4MiB); larger: RESOURCE_EXHAUSTED/413")  //
      ("fault", po::value(&fault_specs),
       "inject a fault, repeatable: reject=F, unavailable=F, throttle=F, drop=F, partial=F, "
       "slow=F (fractions), delay=D, retry-after=D (durations), seed=N")   //
      ("threads", po::value(&threads), "HTTP server threads (default 2)")  //
      ("no-progress", "never show the per-second rate line");
  po::variables_map vm;
  if (!ParseFlags("receive", args, desc, nullptr, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << caption << ":\n" << FlagHelp(desc);
    return kExitOk;
  }
  auto usage = [&](const std::string& message) {
    err << "tracesim receive: " << message << "\n";
    return kExitUsage;
  };

  receiver::ReceiverOptions options;
  if (vm.count("grpc") || vm.count("http")) {
    options.grpc_address = vm.count("grpc") ? grpc_addr : "";
    options.http_address = vm.count("http") ? http_addr : "";
    if (vm.count("grpc") && grpc_addr.empty()) return usage("--grpc: empty address");
    if (vm.count("http") && http_addr.empty()) return usage("--http: empty address");
  }
  options.metrics_address = metrics_addr;
  options.out_path = out_path;
  options.http_threads = threads;
  if (vm.count("max-request-bytes")) {
    auto n = config::ParseByteSize(max_bytes_text);
    if (!n.ok()) return usage("--max-request-bytes: " + n.status().message());
    options.max_request_bytes = *n;
  }
  for (const std::string& spec : fault_specs) {
    sim::Status st = receiver::ApplyFaultSpec(spec, &options.faults);
    if (!st.ok()) return usage(st.message());
  }
  std::optional<std::chrono::nanoseconds> duration;
  if (vm.count("duration")) {
    auto d = sim::ParseDuration(duration_text);
    if (!d.ok() || d->nanos() <= 0) {
      return usage("--duration: " + (d.ok() ? std::string("must be > 0") : d.status().message()));
    }
    duration = std::chrono::nanoseconds(d->nanos());
  }
  if (sim::Status st = options.Validate(); !st.ok()) return usage(st.message());

  auto started = receiver::Receiver::Start(options);
  if (!started.ok()) {
    err << "tracesim receive: " << started.status().message() << "\n";
    return started.status().code() == sim::Status::Code::kInvalidArgument ? kExitUsage
                                                                          : kExitFailed;
  }
  std::unique_ptr<receiver::Receiver> rx = std::move(started).value();
  if (rx->grpc_port() != 0)
    out << "otlp-grpc " << HostOf(options.grpc_address, rx->grpc_port()) << "\n";
  if (rx->http_port() != 0) {
    out << "otlp-http http://" << HostOf(options.http_address, rx->http_port()) << "/v1/traces\n";
  }
  if (rx->metrics_port() != 0) {
    out << "metrics http://" << HostOf(options.metrics_address, rx->metrics_port()) << "/metrics\n";
  }
  out.flush();

  // The control loop: signals, the duration, the one-second ticker.
  net::io_context ioc;
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  std::string stop_reason = "stopped";
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    stop_reason = sig == SIGINT ? "SIGINT" : "SIGTERM";
    ioc.stop();
  });
  net::steady_timer deadline(ioc);
  if (duration) {
    deadline.expires_after(*duration);
    deadline.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      stop_reason = "duration";
      ioc.stop();
    });
  }
  const bool show_rate = !vm.count("no-progress") && ::isatty(STDERR_FILENO) == 1;
  double peak = 0;
  uint64_t last_spans = 0, last_requests = 0;
  net::steady_timer ticker(ioc);
  std::function<void()> tick = [&] {
    ticker.expires_after(std::chrono::seconds(1));
    ticker.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      receiver::StatsSnapshot s = rx->stats().Snapshot();
      double spans = static_cast<double>(s.spans_accepted - last_spans);
      double requests = static_cast<double>(s.requests - last_requests);
      last_spans = s.spans_accepted;
      last_requests = s.requests;
      peak = std::max(peak, spans);
      if (show_rate) {
        std::fprintf(stderr, "\r\033[K  %.0f spans/s  %.0f req/s  total %llu spans, %llu requests",
                     spans, requests, static_cast<unsigned long long>(s.spans_accepted),
                     static_cast<unsigned long long>(s.requests));
        std::fflush(stderr);
      }
      tick();
    });
  };
  tick();
  if (hooks.on_ready) {
    hooks.on_ready(*rx, [&ioc] { net::post(ioc, [&ioc] { ioc.stop(); }); });
  }
  ioc.run();
  if (show_rate) std::fprintf(stderr, "\r\033[K");

  sim::Status stopped = rx->Stop();
  double elapsed = rx->Elapsed().count();
  receiver::StatsSnapshot s = rx->stats().Snapshot();
  int code = kExitOk;
  if (!stopped.ok()) {
    err << "tracesim receive: " << stopped.message() << "\n";
    code = kExitFailed;
  }
  if (!summary_path.empty()) {
    std::string text = receiver::RenderSummaryJson(s, elapsed, peak, options);
    if (summary_path == "-") {
      out << text;
    } else {
      std::ofstream f(summary_path, std::ios::binary | std::ios::trunc);
      f << text;
      f.close();
      if (!f) {
        err << "tracesim receive: --summary-json " << summary_path << ": cannot write\n";
        code = kExitFailed;
      }
    }
  }
  out << "tracesim receive: " << stop_reason << " after "
      << sim::FormatDuration(
             sim::Duration::Nanos(static_cast<int64_t>(elapsed * 1e9) / 1000000 * 1000000))
      << ": " << s.requests << " requests, " << s.spans_accepted << " spans accepted, "
      << s.spans_invalid + s.spans_partial << " rejected, " << s.spans_refused << " refused, ~"
      << s.traces_seen << " traces\n";
  out.flush();
  return code;
}

}  // namespace tracesim::cli
