// `tracesim load`: argv -> app::LoadOptions, app::RunLoad (or app::FindMax), then the text
// summary, the thresholds' lines and the files asked for. The warm-up, the plan, the environment,
// the transport and the engine live in app/load/load.h; the summary JSON, the fail-fast policy and
// the
// --out series in app/load/load_outputs.h. This file parses flags and prints.
#include "cli/load_command.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <sstream>

#include "app/load/find_max.h"
#include "app/load/load.h"
#include "app/load/load_outputs.h"
#include "app/load/load_partial.h"
#include "cli/base/flags.h"
#include "cli/base/progress.h"
#include "cli/commands.h"
#include "config/grammar.h"
#include "loadgen/series_writer.h"
#include "loadgen/target/threshold.h"
#include "reports/html/html_report.h"
#include "reports/text/table.h"
#include "scenarios/scenario.h"

namespace tracesim::cli {
namespace po = boost::program_options;

namespace {

// Bumped by SIGINT/SIGTERM; lock-free, so safe in a signal handler.
std::atomic<int> g_load_stop{0};
static_assert(std::atomic<int>::is_always_lock_free);

extern "C" void LoadSignalHandler(int) { g_load_stop.fetch_add(1); }

// Installs the handlers for the command's lifetime.
class SignalScope {
 public:
  SignalScope() {
    g_load_stop = 0;
    struct sigaction sa {};
    sa.sa_handler = LoadSignalHandler;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &old_int_);
    sigaction(SIGTERM, &sa, &old_term_);
  }
  ~SignalScope() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }

 private:
  struct sigaction old_int_ {};
  struct sigaction old_term_ {};
};

bool ParseU64(const std::string& text, uint64_t* v) {
  try {
    size_t used = 0;
    if (text.empty() || text[0] == '-') return false;
    *v = std::stoull(text, &used, 10);
    return used == text.size();
  } catch (const std::exception&) {
    return false;
  }
}

bool ParseU32(const std::string& text, uint32_t* v) {
  uint64_t wide = 0;
  if (!ParseU64(text, &wide) || wide > UINT32_MAX) return false;
  *v = static_cast<uint32_t>(wide);
  return true;
}

bool ParseMillis(const std::string& text, std::chrono::milliseconds* out) {
  auto d = sim::ParseDuration(text);
  if (!d.ok()) return false;
  *out = std::chrono::milliseconds(d->nanos() / 1000000);
  return true;
}

// The text shown on a terminal wraps at its width; elsewhere it is left as it is.
std::string FitTo(FILE* shown_on, const std::string& text) {
  if (::isatty(::fileno(shown_on)) != 1) return text;
  return reports::WrapLines(text, static_cast<size_t>(std::max(TerminalColumns(shown_on) - 1, 1)));
}

// Runs `render` (RenderLoad) into buffers and passes its output on: with --report-html - the
// page has stdout, so the text goes to stderr; text bound for a terminal wraps at its width (the
// JSON never does).
int RenderFitted(const std::string& summary_json, const std::string& report_html,
                 const std::function<int(std::ostream&, std::ostream&)>& render, std::ostream& out,
                 std::ostream& err) {
  std::ostringstream o, e;
  const int code = render(IsStdout(report_html) ? e : o, e);
  out << (IsStdout(summary_json) ? o.str() : FitTo(stdout, o.str()));
  err << FitTo(stderr, e.str());
  return code;
}

constexpr char kLoadCaption[] =
    "Usage: tracesim load [SCENARIO] [options]\n\n"
    "Runs SCENARIO (a scenario file or a built-in name; default: checkout) paced on the wall\n"
    "clock and exports its spans to a collector as they end. Rates are traces/s (500) or\n"
    "spans/s (20000spans). Ctrl-C stops cleanly. See doc/load.md.\n\nOptions";

// The flags' text, as given; the defaults shown are app::LoadOptions' own.
struct LoadFlags {
  std::string endpoint, protocol, rate, ramp, steps, duration, traces, seed, arrivals;
  std::string senders = "2", batch_spans = "512", batch_bytes = "4MiB", batch_delay = "200ms",
              queue_spans = "65536", max_in_flight = "8", timeout, connections,
              retry_initial = "1s", retry_max = "5s", retry_attempts = "5", retry_elapsed = "60s",
              grace = "5s";
  std::string summary_json, metrics_addr, linger, ca_file, client_cert, client_key, report_html;
  std::vector<std::string> headers, thresholds, target_metrics, outs;
  std::string target_pid;
  bool allow_export_failures = false;
  std::string step_duration = "10s", max_steps = "8", step_factor = "2", precision = "0.1";
  std::string shard, shards, partial_out, start_at;  // doc/scale.md "Load from many generators"
};

// The flag table (help text included).
void AddLoadFlags(po::options_description* desc, LoadFlags* f) {
  desc->add_options()                                                                //
      ("help,h", "show this help")                                                   //
      ("scenario", po::value<std::string>()->default_value("checkout"), "scenario")  //
      ("endpoint", po::value(&f->endpoint),
       "HOST:PORT (grpc) or URL (http); default from OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, else "
       "localhost:4317 / http://localhost:4318/v1/traces / http://localhost:9411/api/v2/spans")  //
      ("protocol", po::value(&f->protocol),
       "grpc | http/protobuf | http/json | zipkin; default OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL, "
       "else grpc")                                                                          //
      ("rate", po::value(&f->rate), "base rate: traces/s (500) or spans/s (20000spans)")     //
      ("ramp", po::value(&f->ramp), "FROM:TO:OVER, a linear ramp (100:1000:30s)")            //
      ("steps", po::value(&f->steps), "RATE:DUR,... piecewise-constant (500:10s,1000:10s)")  //
      ("arrivals", po::value(&f->arrivals), "poisson | uniform (default: the scenario's)")   //
      ("duration", po::value(&f->duration), "arrival window (default: the scenario's)")      //
      ("traces", po::value(&f->traces), "stop after N traces")                               //
      ("seed", po::value(&f->seed), "random seed (default: the scenario's)")                 //
      ("senders", po::value(&f->senders), "sender threads (default 2)")                      //
      ("batch-spans", po::value(&f->batch_spans), "max spans per request (default 512)")     //
      ("batch-bytes", po::value(&f->batch_bytes), "max encoded bytes per request (4MiB)")    //
      ("batch-delay", po::value(&f->batch_delay), "send a partial batch after (200ms)")      //
      ("queue-spans", po::value(&f->queue_spans), "send queue bound in spans (65536)")       //
      ("max-in-flight", po::value(&f->max_in_flight), "requests outstanding (8)")            //
      ("timeout", po::value(&f->timeout), "per-request deadline (default 10s or env)")       //
      ("connections", po::value(&f->connections), "channels / HTTP connections (1)")         //
      ("retry-initial", po::value(&f->retry_initial), "first backoff (1s)")                  //
      ("retry-max", po::value(&f->retry_max), "largest backoff (5s)")                        //
      ("retry-attempts", po::value(&f->retry_attempts), "attempts per request (5)")          //
      ("retry-max-elapsed", po::value(&f->retry_elapsed), "retry window per request (60s)")  //
      ("grace", po::value(&f->grace), "time to flush after stopping (5s)")                   //
      ("gzip", "gzip request bodies")                                                        //
      ("header", po::value(&f->headers), "K=V request header/metadata (repeatable)")         //
      ("tls", "use TLS")                                                                     //
      ("ca-file", po::value(&f->ca_file), "PEM roots for TLS")                               //
      ("client-cert", po::value(&f->client_cert), "PEM client certificate (mTLS)")           //
      ("client-key", po::value(&f->client_key), "PEM client key (mTLS)")                     //
      ("summary-json", po::value(&f->summary_json),
       "write the summary as JSON to FILE ('-' = stdout)")  //
      ("report-html", po::value(&f->report_html),
       "write a self-contained HTML report (per-second charts, errors) to FILE ('-' = stdout)")  //
      ("threshold", po::value(&f->thresholds),
       "pass/fail rule METRIC OP NUMBER, e.g. 'accepted_ratio>=0.999' (repeatable)")  //
      ("target-metrics", po::value(&f->target_metrics),
       "scrape the collector's Prometheus URL each second (repeatable; "
       "http://HOST:PORT/metrics)")  //
      ("target-pid", po::value(&f->target_pid),
       "read the collector's CPU and RSS from /proc/PID")  //
      ("out", po::value(&f->outs),
       "write the per-second series: csv=FILE or json=FILE (JSON Lines; '-' = stdout; "
       "repeatable)")  //
      ("allow-export-failures",
       "run on when nothing is accepted (default: stop after 2 s with a diagnosis, exit 1)")  //
      ("find-max",
       "capacity search: raise --rate step by step, then bisect, until a criterion (the "
       "--threshold list, else the defaults in doc/load.md) breaks")                           //
      ("step-duration", po::value(&f->step_duration), "--find-max: each step's length (10s)")  //
      ("max-steps", po::value(&f->max_steps), "--find-max: steps in all (8)")                  //
      ("step-factor", po::value(&f->step_factor), "--find-max: growth per step (2)")           //
      ("precision", po::value(&f->precision),
       "--find-max: stop bisecting within this fraction (0.1)")  //
      ("metrics-addr", po::value(&f->metrics_addr),
       "serve the generator's /metrics on HOST:PORT (:PORT = loopback)")  //
      ("linger", po::value(&f->linger),
       "keep serving /metrics this long after the run, e.g. 20s, so Prometheus sees a short "
       "run's last values (Ctrl-C ends it)")  //
      ("shard", po::value(&f->shard),
       "I/N: send shard I of N of the load (every N-th trace; with --partial-out)")  //
      ("partial-out", po::value(&f->partial_out),
       "write this shard's result to FILE for `tracesim merge --load`")  //
      ("shards", po::value(&f->shards),
       "mpi: one shard per MPI rank, merged at rank 0 (mpirun -np N tracesim load ...)")  //
      ("start-at", po::value(&f->start_at),
       "start at this RFC 3339 UTC time, so that shards run side by side")  //
      ("no-progress", "never show the per-second progress line");
}

// The engine's knobs from their text (values only: ranges are LoadOptions::Validate()'s).
std::string ToEngineOptions(const LoadFlags& f, loadgen::EngineOptions* e) {
  auto bad = [](const char* flag, const char* what, const std::string& text) {
    return std::string(flag) + " must be " + what + ", got '" + text + "'";
  };
  if (!ParseU32(f.senders, &e->senders))
    return bad("--senders", "an integer in [1, 256]", f.senders);
  if (!ParseU32(f.batch_spans, &e->batch_spans))
    return bad("--batch-spans", "a positive integer", f.batch_spans);
  auto bytes = config::ParseByteSize(f.batch_bytes);
  if (!bytes.ok()) return bad("--batch-bytes", "a size >= 1024 (e.g. 4MiB)", f.batch_bytes);
  e->batch_bytes = *bytes;
  if (!ParseMillis(f.batch_delay, &e->batch_delay))
    return bad("--batch-delay", "a duration >= 1ms", f.batch_delay);
  if (!ParseU64(f.queue_spans, &e->queue_spans))
    return bad("--queue-spans", "an integer >= --batch-spans", f.queue_spans);
  if (!ParseU32(f.max_in_flight, &e->max_in_flight))
    return bad("--max-in-flight", "a positive integer", f.max_in_flight);
  if (!ParseMillis(f.retry_initial, &e->retry.initial_backoff))
    return bad("--retry-initial", "a duration >= 1ms", f.retry_initial);
  if (!ParseMillis(f.retry_max, &e->retry.max_backoff))
    return bad("--retry-max", "a duration >= --retry-initial", f.retry_max);
  if (!ParseU32(f.retry_attempts, &e->retry.max_attempts))
    return bad("--retry-attempts", "a positive integer", f.retry_attempts);
  if (!ParseMillis(f.retry_elapsed, &e->retry.max_elapsed))
    return bad("--retry-max-elapsed", "a duration", f.retry_elapsed);
  if (!ParseMillis(f.grace, &e->grace)) return bad("--grace", "a duration", f.grace);
  return "";
}

// The exporter settings that override the environment.
std::string ToTransportOverrides(const po::variables_map& vm, const LoadFlags& f,
                                 app::TransportOverrides* t) {
  if (!f.protocol.empty()) {
    if (f.protocol == "grpc") {
      t->protocol = exporter::WireProtocol::kGrpc;
    } else if (f.protocol == "http/protobuf") {
      t->protocol = exporter::WireProtocol::kHttpProtobuf;
    } else if (f.protocol == "http/json") {
      t->protocol = exporter::WireProtocol::kHttpJson;
    } else if (f.protocol == "zipkin") {
      t->protocol = exporter::WireProtocol::kZipkinJson;
    } else {
      return "--protocol must be grpc, http/protobuf, http/json or zipkin, got '" + f.protocol +
             "'";
    }
  }
  t->endpoint = f.endpoint;
  t->gzip = vm.count("gzip") > 0;
  t->tls = vm.count("tls") > 0;
  t->ca_file = f.ca_file;
  t->client_cert_file = f.client_cert;
  t->client_key_file = f.client_key;
  for (const std::string& h : f.headers) {
    size_t eq = h.find('=');
    if (eq == std::string::npos || eq == 0) return "--header must be K=V, got '" + h + "'";
    t->headers[h.substr(0, eq)] = h.substr(eq + 1);
  }
  std::chrono::milliseconds timeout{0};
  if (!f.timeout.empty() && !ParseMillis(f.timeout, &timeout))
    return "--timeout must be a duration >= 1ms, got '" + f.timeout + "'";
  if (!f.timeout.empty()) t->timeout = timeout;
  uint32_t connections = 0;
  if (!f.connections.empty() && !ParseU32(f.connections, &connections))
    return "--connections must be an integer in [1, 64], got '" + f.connections + "'";
  if (!f.connections.empty()) t->connections = connections;
  return "";
}

// Every flag but the scenario into `o`; thresholds first, so a typo does not cost a whole run.
std::string ToLoadOptions(const po::variables_map& vm, const LoadFlags& f, app::LoadOptions* o) {
  for (const std::string& t : f.thresholds) {
    auto p = loadgen::ParseThreshold(t);
    if (!p.ok()) return "--threshold: " + p.status().message();
    o->thresholds.push_back(*p);
  }
  if (!f.seed.empty()) {
    auto seed = config::ParseSeed(f.seed);
    if (!seed.ok()) return "--seed: " + seed.status().message();
    o->seed = *seed;
  }
  if (f.arrivals == "poisson") {
    o->arrivals = workloads::ArrivalProcess::kPoisson;
  } else if (f.arrivals == "uniform") {
    o->arrivals = workloads::ArrivalProcess::kUniform;
  } else if (!f.arrivals.empty()) {
    return "--arrivals must be 'poisson' or 'uniform', got '" + f.arrivals + "'";
  }
  if (!f.duration.empty()) {
    auto d = sim::ParseDuration(f.duration);
    if (!d.ok()) return "--duration: " + d.status().message();
    o->duration = *d;
  }
  uint64_t traces = 0;
  if (!f.traces.empty() && !ParseU64(f.traces, &traces))
    return "--traces must be a positive integer, got '" + f.traces + "'";
  if (!f.traces.empty()) o->max_traces = traces;
  o->rates = loadgen::RateFlags{f.rate, f.ramp, f.steps};
  o->target.urls = f.target_metrics;
  uint64_t pid = 0;
  if (!f.target_pid.empty() && (!ParseU64(f.target_pid, &pid) || pid == 0 || pid > INT32_MAX))
    return "--target-pid must be a positive process id, got '" + f.target_pid + "'";
  o->target.pid = static_cast<int64_t>(pid);
  o->metrics_addr = f.metrics_addr;
  if (!f.linger.empty() && !ParseMillis(f.linger, &o->metrics_linger))
    return "--linger must be a duration in [0, 1h], got '" + f.linger + "'";
  if (std::string bad = ToEngineOptions(f, &o->engine); !bad.empty()) return bad;
  if (!f.shard.empty()) {
    auto shard = app::ParseShardIndex(f.shard);
    if (!shard.ok()) return shard.status().message();
    o->shard = *shard;
  }
  if (!f.shards.empty() && f.shards != "mpi")
    return "--shards must be 'mpi' for load (one shard per MPI rank), got '" + f.shards + "'";
  if (!f.shards.empty() && (!f.shard.empty() || !f.partial_out.empty()))
    return "--shards mpi merges at rank 0: it takes no --shard or --partial-out";
  if (vm.count("find-max") && (!f.shard.empty() || !f.shards.empty() || !f.partial_out.empty()))
    return "--find-max searches with one generator: it takes no --shard, --shards or --partial-out";
  if (!f.start_at.empty()) {
    auto t = sim::ParseRfc3339(f.start_at);
    if (!t.ok()) return "--start-at: " + t.status().message();
    o->start_at_unix_ms = *t / 1000000;
    if (o->start_at_unix_ms <= 0) return "--start-at must be after 1970, got '" + f.start_at + "'";
  }
  return ToTransportOverrides(vm, f, &o->transport);
}

// The per-second progress line on stderr, fitted to its width.
void PrintSecond(const loadgen::SecondStats& s, double mean_spans) {
  std::fprintf(stderr, "\r%s\033[K",
               LoadSecondLine(s, mean_spans, TerminalColumns(stderr)).c_str());
  std::fflush(stderr);
}

// The text summary, the JSON and the thresholds. With --summary-json - the JSON is stdout and
// the human-readable lines go to stderr.
// `shards`: a merged load's shard reports (the JSON lists them), else null.
int RenderLoad(const app::LoadOutcome& outcome, const app::LoadOptions& options,
               const std::string& summary_json, std::ostream& out, std::ostream& err,
               const std::vector<loadgen::LoadReport>* shards = nullptr) {
  std::ostream& text = IsStdout(summary_json) ? err : out;
  text << outcome.report.ToText();
  int code = kExitOk;
  if (IsStdout(summary_json)) {
    out << app::LoadSummaryJson(outcome, options, shards);
  } else if (!summary_json.empty()) {
    std::ofstream f(summary_json);
    f << app::LoadSummaryJson(outcome, options, shards);
    f.close();
    if (!f) {
      err << "tracesim load: --summary-json: cannot write '" << summary_json << "'\n";
      code = kExitFailed;
    }
  }
  if (code == kExitOk && outcome.report.interrupted) code = kExitInterrupted;
  if (outcome.thresholds.empty()) return code;
  text << "  thresholds:\n";
  for (const loadgen::ThresholdOutcome& o : outcome.thresholds) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", o.actual);
    text << "    " << (o.passed ? "ok    " : "FAILED") << " " << o.threshold.text << " (actual "
         << buf << ")\n";
    if (!o.passed) {
      err << "tracesim load: threshold crossed: " << o.threshold.text << " (actual " << buf
          << ")\n";
    }
  }
  return code == kExitOk && !outcome.thresholds_passed() ? kExitThresholds : code;
}

// --find-max's knobs from their text; the base options become every step's.
std::string ToFindMaxOptions(const LoadFlags& f, app::LoadOptions base, app::FindMaxOptions* o) {
  auto d = sim::ParseDuration(f.step_duration);
  if (!d.ok() || d->nanos() <= 0)
    return "--step-duration must be a duration > 0, got '" + f.step_duration + "'";
  o->step_duration = *d;
  if (!ParseU32(f.max_steps, &o->max_steps))
    return "--max-steps must be an integer in [1, 100], got '" + f.max_steps + "'";
  auto number = [](const std::string& text, double* v) {
    try {
      size_t used = 0;
      *v = std::stod(text, &used);
      return used == text.size();
    } catch (const std::exception&) {
      return false;
    }
  };
  if (!number(f.step_factor, &o->factor))
    return "--step-factor must be a number in (1, 100], got '" + f.step_factor + "'";
  if (!number(f.precision, &o->precision))
    return "--precision must be a number in (0, 1], got '" + f.precision + "'";
  o->criteria = std::move(base.thresholds);
  base.thresholds.clear();
  o->load = std::move(base);
  return "";
}

// `tracesim load --find-max`: the steps, the evidence table, the JSON; exit 0 when a rate was
// sustained, 99 when no step passed, 130 when interrupted.
// --summary-json and --report-html of a capacity search. Returns kExitOk, or kExitFailed when a
// file cannot be written (said on `err`).
int WriteFindMaxOutputs(const app::FindMaxResult& result_, const app::LoadStart& first,
                        const LoadFlags& f, std::ostream& out, std::ostream& err) {
  const app::FindMaxResult* result = &result_;
  if (IsStdout(f.summary_json)) {
    out << result->ToJson();
  } else if (!f.summary_json.empty()) {
    std::ofstream file(f.summary_json);
    file << result->ToJson();
    if (!file) {
      err << "tracesim load: --summary-json: cannot write '" << f.summary_json << "'\n";
      return kExitFailed;
    }
  }
  if (!f.report_html.empty()) {  // report2 (issue 14): the capacity search as a page
    const std::string page = reports::RenderFindMaxHtmlReport(
        app::CapacityView(*result), first.scenario + " → " + first.protocol + " " + first.endpoint);
    if (IsStdout(f.report_html)) {
      out << page;
    } else {
      std::ofstream html(f.report_html, std::ios::binary);
      html << page;
      if (!html) {
        err << "tracesim load: --report-html: cannot write " << f.report_html << "\n";
        return kExitFailed;
      }
    }
  }
  return kExitOk;
}

int FindMaxCommand(const scenarios::Scenario& scenario, const app::FindMaxOptions& options,
                   const LoadFlags& f, app::SeriesOutputs* series, std::ostream& out,
                   std::ostream& err) {
  std::ostream& text = IsStdout(f.summary_json) || IsStdout(f.report_html) ? err : out;
  app::FindMaxCallbacks cb;
  app::ExportFailFast fail_fast(&g_load_stop, !f.allow_export_failures);
  cb.on_second = [&](const loadgen::SecondStats& s) {
    series->Write(s);
    fail_fast.Observe(s);
  };
  app::LoadStart first;
  cb.on_start = [&](const app::LoadStart& s) {
    series->set_mean_spans(s.mean_spans_per_trace);
    first = s;
    text << "  -> " << app::TargetText(s) << "\n";
  };
  cb.on_step = [&](const app::FindMaxStep& s) {
    series->SetStep(s.index);
    text << "step " << s.index << " (" << s.phase << "): " << s.rate << " "
         << (loadgen::ParseRate(options.load.rates.rate)->spans ? "spans/s" : "traces/s") << " for "
         << f.step_duration << "\n";
    text.flush();
  };
  cb.on_step_done = [&](const app::FindMaxStep& s) {
    text << "  " << (s.passed ? "pass" : "FAIL") << ": achieved "
         << s.report.Metrics()["achieved_rate"] << ", accepted " << s.report.accepted << "/"
         << s.report.generated << ", p99 " << s.report.export_p99_ms << " ms\n";
    text.flush();
  };
  sim::Result<app::FindMaxResult> result = sim::Status::Internal("not run");
  {
    SignalScope signals;
    app::FindMaxOptions o = options;
    o.load.stop = &g_load_stop;
    text << VersionString() << " load --find-max: scenario " << scenario.name << ", criteria:";
    for (const auto& c : o.criteria.empty() ? app::DefaultCriteria(o.load.target) : o.criteria)
      text << " " << c.text;
    text << "\n";
    result = app::FindMax(scenario, o, cb);
  }
  if (!series->Close(err)) return kExitFailed;
  if (fail_fast.tripped()) {
    err << "tracesim load: " << fail_fast.Diagnosis(first) << "\n";
    return kExitFailed;
  }
  if (!result.ok()) {
    err << "tracesim load: " << result.status().message() << "\n";
    return result.status().code() == sim::Status::Code::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  const std::string table = result->ToTable();
  text << table;
  // report (issue 14): a table wider than the terminal says so and where the figures fit.
  if (FILE* shown_on = &text == &err ? stderr : stdout; ::isatty(::fileno(shown_on)) == 1)
    err << TooWideNote("load --find-max", table, TerminalColumns(shown_on), "--summary-json FILE",
                       "step table");
  if (int code = WriteFindMaxOutputs(*result, first, f, out, err); code != kExitOk) return code;
  if (result->interrupted) return kExitInterrupted;
  return result->found() ? kExitOk : kExitThresholds;
}

}  // namespace

std::string LoadSecondLine(const loadgen::SecondStats& s, double mean_spans, int columns) {
  char buf[64];
  auto field = [&buf](const char* format, auto... values) {
    std::snprintf(buf, sizeof buf, format, values...);
    return std::string(buf);
  };
  // Display order, with each field's rank: the highest rank is left out first.
  const std::pair<std::string, int> fields[] = {
      {field("[%4us]", s.second + 1), 0},
      {field("target %7.0f spans/s", s.target_traces * mean_spans), 6},
      {field("generated %7llu", static_cast<unsigned long long>(s.generated_spans)), 5},
      {field("accepted %7llu", static_cast<unsigned long long>(s.accepted)), 1},
      {field("rejected %5llu", static_cast<unsigned long long>(s.rejected)), 2},
      {field("dropped %5llu", static_cast<unsigned long long>(s.dropped)), 3},
      {field("queued %6llu", static_cast<unsigned long long>(s.queued_spans)), 8},
      {field("p99 %6.1f ms", s.export_p99_ms), 4},
      {field("errors %llu", static_cast<unsigned long long>(s.failed_requests)), 7}};
  const size_t room = static_cast<size_t>(std::max(columns - 1, 1));  // never the last column
  for (int keep = 8; keep >= 0; --keep) {
    std::string line;
    for (const auto& [text, rank] : fields)
      if (rank <= keep) line += (line.empty() ? "" : "  ") + text;
    if (line.size() <= room || keep == 0) return line.substr(0, room);
  }
  return "";
}

// After the run: its error, the fail-fast diagnosis (nothing accepted), the --report-html page,
// then the summary (text or --summary-json). Returns the exit code.
int FinishLoad(const sim::Result<app::LoadOutcome>& outcome, const app::LoadOptions& options,
               const LoadFlags& f, const app::ExportFailFast& fail_fast, std::ostream& out,
               std::ostream& err, const std::vector<loadgen::LoadReport>* shards = nullptr) {
  if (!outcome.ok()) {
    err << "tracesim load: " << outcome.status().message() << "\n";
    return outcome.status().code() == sim::Status::Code::kInvalidArgument ? kExitUsage
                                                                          : kExitFailed;
  }
  // Nothing accepted at all (also a run shorter than the fail-fast window): a failure to reach
  // the collector, said so, unless the user expects it.
  if (fail_fast.Failed(outcome->report)) {
    err << "tracesim load: " << fail_fast.Diagnosis(outcome->start) << "\n";
    (void)RenderLoad(*outcome, options, f.summary_json, out, err);
    return kExitFailed;
  }
  if (!f.report_html.empty()) {
    const app::LoadStart& s = outcome->start;
    const std::string page = reports::RenderLoadHtmlReport(
        outcome->report, s.scenario + " → " + s.protocol + " " + s.endpoint);
    if (IsStdout(f.report_html)) {
      out << page;
    } else {
      std::ofstream html(f.report_html, std::ios::binary);
      html << page;
      if (!html) {
        err << "tracesim load: --report-html: cannot write " << f.report_html << "\n";
        return kExitFailed;
      }
    }
  }
  return RenderFitted(
      f.summary_json, f.report_html,
      [&](std::ostream& o, std::ostream& e) {
        return RenderLoad(*outcome, options, f.summary_json, o, e, shards);
      },
      out, err);
}

// --partial-out: this shard's partial for `tracesim merge --load`; false after saying why.
bool WritePartial(const app::LoadOutcome& outcome, const app::LoadOptions& options,
                  const LoadFlags& f, std::ostream& err) {
  std::ofstream file(f.partial_out, std::ios::binary);
  file << app::SaveLoadPartial(outcome, options);
  if (file.flush()) return true;
  err << "tracesim load: --partial-out: cannot write '" << f.partial_out << "'\n";
  return false;
}

// `--shards mpi`: rank 0 shows the merged load as a single run shows its own; the other ranks
// say on stderr what they sent.
int FinishMpiLoad(const sim::Result<app::MpiLoad>& mpi, const LoadFlags& f,
                  const app::ExportFailFast& fail_fast, std::ostream& out, std::ostream& err) {
  if (!mpi.ok()) {
    err << "tracesim load: " << mpi.status().message() << "\n";
    return mpi.status().code() == sim::Status::Code::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  if (!mpi->merged) {
    const loadgen::LoadReport& r = mpi->mine.report;
    err << "tracesim load: MPI rank " << mpi->rank << "/" << mpi->size << ": generated "
        << r.generated << ", accepted " << r.accepted << " (merged at rank 0)\n";
    return kExitOk;
  }
  return FinishLoad(mpi->merged->outcome, mpi->merged->options, f, fail_fast, out, err,
                    &mpi->merged->shards);
}

// The line that opens a run: what goes where, the seed, the shard and the agreed start.
void PrintHeader(const app::LoadStart& s, const std::string& start_at, std::ostream& text) {
  text << VersionString() << " load: scenario " << s.scenario << " (" << s.source << ") -> "
       << app::TargetText(s) << ", seed " << s.seed;
  if (s.shard.count > 1) text << ", shard " << s.shard.index << "/" << s.shard.count;
  if (!start_at.empty()) text << ", starting at " << start_at;
  text << "\n";
}

int LoadCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description desc(kLoadCaption);
  LoadFlags f;
  AddLoadFlags(&desc, &f);
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!ParseFlags("load", args, desc, &pos, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << kLoadCaption << ":\n" << FlagHelp(desc, {"scenario"}) << "\nThreshold metrics:";
    for (const std::string& n : loadgen::ThresholdMetricNames()) out << " " << n;
    out << "\n";
    return kExitOk;
  }
  auto usage = [&err](const std::string& msg) {
    err << "tracesim load: " << msg << "\n";
    return kExitUsage;
  };
  app::LoadOptions options;
  if (std::string bad = ToLoadOptions(vm, f, &options); !bad.empty()) return usage(bad);
  if (IsStdout(f.summary_json) && IsStdout(f.report_html))
    return usage(
        "--summary-json and --report-html both name stdout ('-'); give one of them a file");
  auto scenario = scenarios::LoadScenario(vm["scenario"].as<std::string>());
  if (!scenario.ok()) return usage(scenario.status().message());
  app::SeriesOutputs series;
  if (sim::Status st = series.Open(f.outs, options.target.enabled()); !st.ok()) {
    if (st.code() == sim::Status::Code::kInvalidArgument) return usage(st.message());
    err << "tracesim load: " << st.message() << "\n";
    return kExitFailed;
  }
  f.allow_export_failures = vm.count("allow-export-failures") > 0;
  if (vm.count("find-max")) {
    app::FindMaxOptions fm;
    if (std::string bad = ToFindMaxOptions(f, options, &fm); !bad.empty()) return usage(bad);
    if (sim::Status st = fm.Validate(); !st.ok()) return usage(st.message());
    return FindMaxCommand(*scenario, fm, f, &series, out, err);
  }

  const bool progress = !vm.count("no-progress") && ::isatty(STDERR_FILENO) == 1;
  std::ostream& text = IsStdout(f.summary_json) || IsStdout(f.report_html) ? err : out;
  double mean_spans = 0;
  app::LoadCallbacks callbacks;
  callbacks.on_start = [&](const app::LoadStart& s) {
    PrintHeader(s, f.start_at, text);
    out.flush();
    mean_spans = s.mean_spans_per_trace;
    series.set_mean_spans(mean_spans);
  };
  app::ExportFailFast fail_fast(&g_load_stop, !vm.count("allow-export-failures"));
  callbacks.on_second = [&](const loadgen::SecondStats& s) {
    if (progress) PrintSecond(s, mean_spans);
    series.Write(s);
    fail_fast.Observe(s);
  };
  callbacks.on_linger = [&] {
    if (progress) std::fprintf(stderr, "\n");
    err << "tracesim load: the run is over; /metrics stays up for " << f.linger
        << " (--linger; Ctrl-C ends it)\n";
  };
  sim::Result<app::LoadOutcome> outcome = sim::Status::Internal("not run");
  sim::Result<app::MpiLoad> mpi = sim::Status::Internal("not run");
  {
    SignalScope signals;
    options.stop = &g_load_stop;
    if (f.shards == "mpi") {
      mpi = app::RunLoadMpi(*scenario, options, callbacks);
    } else {
      outcome = app::RunLoad(*scenario, options, callbacks);
    }
  }
  if (progress) std::fprintf(stderr, "\n");
  if (!series.Close(err)) return kExitFailed;
  if (f.shards == "mpi") return FinishMpiLoad(mpi, f, fail_fast, out, err);
  if (outcome.ok() && !f.partial_out.empty() && !WritePartial(*outcome, options, f, err))
    return kExitFailed;
  return FinishLoad(outcome, options, f, fail_fast, out, err);
}

int LoadMergeCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description desc(
      "Usage: tracesim merge --load FILE... [options]\n\nMerges the partials of `tracesim load "
      "--shard I/N --partial-out FILE` (every I of N,\nany order) into the summary of the whole "
      "load and judges its --threshold rules on it.\n\nOptions");
  LoadFlags f;
  std::vector<std::string> files;
  desc.add_options()("help,h", "show this help")      //
      ("load", "merge load partials")                 //
      ("partial", po::value(&files), "partial file")  //
      ("summary-json", po::value(&f.summary_json), "write the merged summary as JSON to FILE");
  po::positional_options_description pos;
  pos.add("partial", -1);
  po::variables_map vm;
  if (!ParseFlags("merge", args, desc, &pos, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << desc;
    return kExitOk;
  }
  std::vector<app::NamedPartial> partials;
  for (const std::string& name : files) {
    std::ifstream in(name, std::ios::binary);
    std::stringstream bytes;
    bytes << in.rdbuf();
    if (!in) {
      err << "tracesim merge: cannot read '" << name << "'\n";
      return kExitUsage;
    }
    partials.push_back({name, bytes.str()});
  }
  auto merged = app::MergeLoadPartials(partials);
  if (!merged.ok()) {
    err << "tracesim merge: " << merged.status().message() << "\n";
    return kExitUsage;
  }
  return RenderFitted(
      f.summary_json, "",
      [&](std::ostream& o, std::ostream& e) {
        return RenderLoad(merged->outcome, merged->options, f.summary_json, o, e, &merged->shards);
      },
      out, err);
}

}  // namespace tracesim::cli
