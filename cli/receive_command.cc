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
#include "sim/base/time.h"

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

constexpr char kReceiveCaption[] =
    "Usage: tracesim receive [--grpc ADDR] [--http ADDR] [options]\n\n"
    "Runs an OTLP trace receiver (gRPC TraceService/Export and HTTP POST /v1/traces with\n"
    "protobuf or JSON bodies, optionally gzip) that counts what it gets, can write it to a\n"
    "file and can inject faults to test a client's retries. Stops on SIGINT/SIGTERM or after\n"
    "--duration, then prints a summary. With neither --grpc nor --http both listen on their\n"
    "defaults (127.0.0.1:4317 and 127.0.0.1:4318); port 0 picks a free port. See\n"
    "doc/receive.md.\n\nOptions";

// The flags' text, as given.
struct ReceiveFlags {
  std::string grpc, http, metrics_addr, duration, summary_json, out, max_request_bytes;
  std::vector<std::string> faults;
  uint32_t threads = 2;
};

void AddReceiveFlags(po::options_description* desc, ReceiveFlags* f) {
  desc->add_options()                                                                      //
      ("help,h", "show this help")                                                         //
      ("grpc", po::value(&f->grpc), "OTLP/gRPC listen address HOST:PORT")                  //
      ("http", po::value(&f->http), "OTLP/HTTP listen address HOST:PORT")                  //
      ("metrics-addr", po::value(&f->metrics_addr), "serve Prometheus GET /metrics here")  //
      ("duration", po::value(&f->duration), "stop by itself after this long, e.g. 30s")    //
      ("summary-json", po::value(&f->summary_json),
       "write the summary JSON here when stopping ('-' = stdout; the addresses and the summary "
       "line then go to stderr)")  //
      ("out", po::value(&f->out),
       "append every accepted request to FILE as OTLP/JSON lines ('-' = stdout; the addresses "
       "and the summary then go to stderr)")  //
      ("max-request-bytes", po::value(&f->max_request_bytes),
       "largest request after decompression (default 4MiB); larger: RESOURCE_EXHAUSTED/413")  //
      ("fault", po::value(&f->faults),
       "inject a fault, repeatable: reject=F, unavailable=F, throttle=F, drop=F, partial=F, "
       "slow=F (fractions), delay=D, retry-after=D (durations), seed=N")      //
      ("threads", po::value(&f->threads), "HTTP server threads (default 2)")  //
      ("no-progress", "never show the per-second rate line");
}

// What the command runs with: the receiver's options and the command's own.
struct ReceiveRun {
  receiver::ReceiverOptions receiver;
  std::optional<std::chrono::nanoseconds> duration;  // stop by itself; > 0. Default: none.
  std::string summary_json;                          // "-" is stdout. Default: none.
  // Ranges and consistency: duration > 0, the receiver's own, stdout named once.
  sim::Status Validate() const {
    if (duration && duration->count() <= 0) {
      return sim::Status::InvalidArgument("--duration: must be > 0");
    }
    if (IsStdout(receiver.out_path) && IsStdout(summary_json)) {
      return sim::Status::InvalidArgument("--out and --summary-json both name stdout ('-')");
    }
    return receiver.Validate();
  }
};

// Turns the flags' text into `run` (values only); returns the error message or "".
std::string ToReceiveRun(const po::variables_map& vm, const ReceiveFlags& f, ReceiveRun* run) {
  receiver::ReceiverOptions& o = run->receiver;
  if (vm.count("grpc") || vm.count("http")) {
    o.grpc_address = vm.count("grpc") ? f.grpc : "";
    o.http_address = vm.count("http") ? f.http : "";
    if (vm.count("grpc") && f.grpc.empty()) return "--grpc: empty address";
    if (vm.count("http") && f.http.empty()) return "--http: empty address";
  }
  o.metrics_address = f.metrics_addr;
  o.out_path = f.out;
  o.http_threads = f.threads;
  if (vm.count("max-request-bytes")) {
    auto n = config::ParseByteSize(f.max_request_bytes);
    if (!n.ok()) return "--max-request-bytes: " + n.status().message();
    o.max_request_bytes = *n;
  }
  for (const std::string& spec : f.faults) {
    sim::Status st = receiver::ApplyFaultSpec(spec, &o.faults);
    if (!st.ok()) return st.message();
  }
  if (vm.count("duration")) {
    auto d = sim::ParseDuration(f.duration);
    if (!d.ok()) return "--duration: " + d.status().message();
    run->duration = std::chrono::nanoseconds(d->nanos());
  }
  run->summary_json = f.summary_json;
  return "";
}

// Runs the control loop until a signal, the duration or the hooks' stop; returns why it stopped
// and fills the peak spans/s of any one second.
std::string Serve(receiver::Receiver& rx, const ReceiveRun& run, bool show_rate,
                  const ReceiveHooks& hooks, double* peak) {
  net::io_context ioc;
  net::signal_set signals(ioc, SIGINT, SIGTERM);
  std::string stop_reason = "stopped";
  signals.async_wait([&](const boost::system::error_code& ec, int sig) {
    if (ec) return;
    stop_reason = sig == SIGINT ? "SIGINT" : "SIGTERM";
    ioc.stop();
  });
  net::steady_timer deadline(ioc);
  if (run.duration) {
    deadline.expires_after(*run.duration);
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
      double spans = static_cast<double>(s.spans_accepted - last_spans);
      double requests = static_cast<double>(s.requests - last_requests);
      last_spans = s.spans_accepted;
      last_requests = s.requests;
      *peak = std::max(*peak, spans);
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
    hooks.on_ready(rx, [&ioc] { net::post(ioc, [&ioc] { ioc.stop(); }); });
  }
  ioc.run();
  if (show_rate) std::fprintf(stderr, "\r\033[K");
  return stop_reason;
}

// The bound addresses, one line per server.
void PrintAddresses(const receiver::Receiver& rx, const receiver::ReceiverOptions& o,
                    std::ostream& text) {
  if (rx.grpc_port() != 0) text << "otlp-grpc " << HostOf(o.grpc_address, rx.grpc_port()) << "\n";
  if (rx.http_port() != 0) {
    text << "otlp-http http://" << HostOf(o.http_address, rx.http_port()) << "/v1/traces\n";
  }
  if (rx.metrics_port() != 0) {
    text << "metrics http://" << HostOf(o.metrics_address, rx.metrics_port()) << "/metrics\n";
  }
  text.flush();
}

// Stops the receiver, writes the summary JSON and the summary line.
int Finish(receiver::Receiver& rx, const ReceiveRun& run, const std::string& stop_reason,
           double peak, std::ostream& out, std::ostream& text, std::ostream& err) {
  sim::Status stopped = rx.Stop();
  double elapsed = rx.Elapsed().count();
  receiver::StatsSnapshot s = rx.stats().Snapshot();
  int code = kExitOk;
  if (!stopped.ok()) {
    err << "tracesim receive: " << stopped.message() << "\n";
    code = kExitFailed;
  }
  if (!run.summary_json.empty()) {
    std::string json = receiver::RenderSummaryJson(s, elapsed, peak, run.receiver);
    if (IsStdout(run.summary_json)) {
      out << json;
    } else {
      std::ofstream f(run.summary_json, std::ios::binary | std::ios::trunc);
      f << json;
      f.close();
      if (!f) {
        err << "tracesim receive: --summary-json " << run.summary_json << ": cannot write\n";
        code = kExitFailed;
      }
    }
  }
  text << "tracesim receive: " << stop_reason << " after "
       << sim::FormatDuration(
              sim::Duration::Nanos(static_cast<int64_t>(elapsed * 1e9) / 1000000 * 1000000))
       << ": " << s.requests << " requests, " << s.spans_accepted << " spans accepted, "
       << s.spans_invalid + s.spans_partial << " rejected, " << s.spans_refused << " refused, ~"
       << s.traces_seen << " traces\n";
  text.flush();
  return code;
}

}  // namespace

int ReceiveCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                   const ReceiveHooks& hooks) {
  po::options_description desc(kReceiveCaption);
  ReceiveFlags f;
  AddReceiveFlags(&desc, &f);
  po::variables_map vm;
  if (!ParseFlags("receive", args, desc, nullptr, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << kReceiveCaption << ":\n" << FlagHelp(desc);
    return kExitOk;
  }
  auto usage = [&](const std::string& message) {
    err << "tracesim receive: " << message << "\n";
    return kExitUsage;
  };
  ReceiveRun run;
  if (std::string bad = ToReceiveRun(vm, f, &run); !bad.empty()) return usage(bad);
  if (sim::Status st = run.Validate(); !st.ok()) return usage(st.message());

  auto started = receiver::Receiver::Start(run.receiver);
  if (!started.ok()) {
    err << "tracesim receive: " << started.status().message() << "\n";
    return started.status().code() == sim::Status::Code::kInvalidArgument ? kExitUsage
                                                                          : kExitFailed;
  }
  std::unique_ptr<receiver::Receiver> rx = std::move(started).value();
  // With the spans or the JSON on stdout, the human-readable lines go to stderr so they never mix.
  std::ostream& text = IsStdout(run.receiver.out_path) || IsStdout(run.summary_json) ? err : out;
  PrintAddresses(*rx, run.receiver, text);
  const bool show_rate = !vm.count("no-progress") && ::isatty(STDERR_FILENO) == 1;
  double peak = 0;
  const std::string stop_reason = Serve(*rx, run, show_rate, hooks, &peak);
  return Finish(*rx, run, stop_reason, peak, out, text, err);
}

}  // namespace tracesim::cli
