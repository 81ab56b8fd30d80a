#include "cli/receive_command.h"

#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <optional>
#include <sstream>

#include "app/receive.h"
#include "cli/base/flags.h"
#include "cli/base/progress.h"
#include "cli/commands.h"
#include "config/grammar.h"
#include "receiver/receiver_options.h"
#include "reports/text/table.h"
#include "sim/base/heap_retention.h"
#include "sim/base/time.h"

namespace tracesim::cli {
namespace po = boost::program_options;

namespace {

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
      ("collector-metrics",
       "also serve the OpenTelemetry Collector's own series at --metrics-addr "
       "(otelcol_receiver_accepted_spans, ...), for Collector dashboards and load "
       "--target-metrics")                                                               //
      ("duration", po::value(&f->duration), "stop by itself after this long, e.g. 30s")  //
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

// Turns the flags' text into `o` (values only); returns the error message or "".
std::string ToReceiveOptions(const po::variables_map& vm, const ReceiveFlags& f,
                             app::ReceiveOptions* options) {
  receiver::ReceiverOptions& o = options->receiver;
  if (vm.count("grpc") || vm.count("http")) {
    o.grpc_address = vm.count("grpc") ? f.grpc : "";
    o.http_address = vm.count("http") ? f.http : "";
    if (vm.count("grpc") && f.grpc.empty()) return "--grpc: empty address";
    if (vm.count("http") && f.http.empty()) return "--http: empty address";
  }
  o.metrics_address = f.metrics_addr;
  o.collector_metrics = vm.count("collector-metrics") > 0;
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
    options->duration = *d;
  }
  options->summary_json = f.summary_json;
  return "";
}

// The bound addresses, one line per server.
void PrintAddresses(const app::ReceiveAddresses& a, std::ostream& text) {
  if (!a.grpc.empty()) text << "otlp-grpc " << a.grpc << "\n";
  if (!a.http.empty()) text << "otlp-http " << a.http << "\n";
  if (!a.metrics.empty()) text << "metrics " << a.metrics << "\n";
  text.flush();
}

void PrintRate(const app::ReceiveSecond& s) {
  std::fprintf(stderr, "\r\033[K%s", ReceiveSecondLine(s, TerminalColumns(stderr)).c_str());
  std::fflush(stderr);
}

// Writes the summary JSON and the summary line, wrapped at `columns` when that is not 0 (a
// terminal's width); returns the exit code.
int Render(const app::ReceiveOutcome& outcome, const app::ReceiveOptions& options,
           std::ostream& out, std::ostream& text, std::ostream& err, size_t columns) {
  const receiver::StatsSnapshot& s = outcome.stats;
  int code = kExitOk;
  if (!outcome.stopped.ok()) {
    err << "tracesim receive: " << outcome.stopped.message() << "\n";
    code = kExitFailed;
  }
  if (!options.summary_json.empty()) {
    std::string json = app::ReceiveSummaryJson(outcome, options);
    if (IsStdout(options.summary_json)) {
      out << json;
    } else {
      std::ofstream f(options.summary_json, std::ios::binary | std::ios::trunc);
      f << json;
      f.close();
      if (!f) {
        err << "tracesim receive: --summary-json " << options.summary_json << ": cannot write\n";
        code = kExitFailed;
      }
    }
  }
  std::ostringstream line;
  line << "tracesim receive: " << outcome.stop_reason << " after "
       << sim::FormatDuration(sim::Duration::Nanos(
              static_cast<int64_t>(outcome.elapsed_seconds * 1e9) / 1000000 * 1000000))
       << ": " << s.requests << " requests, " << s.spans_accepted << " spans accepted, "
       << s.spans_invalid + s.spans_partial << " rejected, " << s.spans_refused << " refused, ~"
       << s.traces_seen << " traces\n";
  text << reports::WrapLines(line.str(), columns);
  text.flush();
  return code;
}

}  // namespace

std::string ReceiveSecondLine(const app::ReceiveSecond& s, int columns) {
  char buf[160];
  std::snprintf(buf, sizeof buf, "  %.0f spans/s  %.0f req/s  total %llu spans, %llu requests",
                s.spans, s.requests, static_cast<unsigned long long>(s.total_spans),
                static_cast<unsigned long long>(s.total_requests));
  std::string line = buf;
  const size_t room = static_cast<size_t>(std::max(columns - 1, 1));  // never the last column
  // Left out first: the request total, then the span total, then req/s.
  for (const char* cut : {", ", "  total ", "  "}) {
    if (line.size() <= room) break;
    if (size_t at = line.find(cut, 2); at != std::string::npos) line.resize(at);
  }
  return line.substr(0, room);
}

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
  app::ReceiveOptions options;
  if (std::string bad = ToReceiveOptions(vm, f, &options); !bad.empty()) return usage(bad);
  // With the spans or the JSON on stdout, the human-readable lines go to stderr so they never mix.
  std::ostream& text =
      IsStdout(options.receiver.out_path) || IsStdout(options.summary_json) ? err : out;
  const bool show_rate = !vm.count("no-progress") && ::isatty(STDERR_FILENO) == 1;
  app::ReceiveCallbacks callbacks;
  callbacks.on_listening = [&text](const app::ReceiveAddresses& a) { PrintAddresses(a, text); };
  if (show_rate) callbacks.on_second = PrintRate;
  callbacks.on_ready = hooks.on_ready;
  // The buffers of each request, freed on gRPC's threads, stay in the heap for the next one
  // instead of faulting in again (sim/base/heap_retention.h). A sanitizer's malloc ignores it.
  sim::RetainFreedHeap(sim::HeapRetentionOptions{});
  sim::Result<app::ReceiveOutcome> outcome = app::RunReceive(options, callbacks);
  if (show_rate) std::fprintf(stderr, "\r\033[K");
  if (!outcome.ok()) {
    err << "tracesim receive: " << outcome.status().message() << "\n";
    return outcome.status().code() == sim::Status::Code::kInvalidArgument ? kExitUsage
                                                                          : kExitFailed;
  }
  // The summary line wraps at the width of the terminal it is shown on (as `load`'s does).
  FILE* shown_on = &text == &err ? stderr : stdout;
  const size_t columns = ::isatty(::fileno(shown_on)) == 1
                             ? static_cast<size_t>(std::max(TerminalColumns(shown_on) - 1, 1))
                             : 0;
  return Render(*outcome, options, out, text, err, columns);
}

}  // namespace tracesim::cli
