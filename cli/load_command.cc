#include "cli/load_command.h"

#include <signal.h>
#include <unistd.h>

#include <atomic>
#include <boost/program_options.hpp>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>

#include "cli/commands.h"
#include "cli/flags.h"
#include "config/grammar.h"
#include "exporter/transport.h"
#include "exporter/transport_env.h"
#include "loadgen/load_engine.h"
#include "loadgen/load_plan.h"
#include "loadgen/metrics_server.h"
#include "loadgen/threshold.h"
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

bool ParseMillis(const std::string& text, std::chrono::milliseconds* out) {
  auto d = sim::ParseDuration(text);
  if (!d.ok() || d->nanos() < 0) return false;
  *out = std::chrono::milliseconds(d->nanos() / 1000000);
  return true;
}

}  // namespace

int LoadCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string caption =
      "Usage: tracesim load [SCENARIO] [options]\n\n"
      "Runs SCENARIO (a scenario file or a built-in name; default: checkout) paced on the wall\n"
      "clock and exports its spans to a collector as they end. Rates are traces/s (500) or\n"
      "spans/s (20000spans). Ctrl-C stops cleanly. See doc/load.md.\n\nOptions";
  po::options_description desc(caption);
  std::string endpoint, protocol, rate, ramp, steps, duration_text, traces_text, seed_text;
  std::string senders_text = "2", batch_spans_text = "512", batch_bytes_text = "4MiB",
              batch_delay_text = "200ms", queue_text = "65536", inflight_text = "8", timeout_text,
              retry_initial_text = "1s", retry_max_text = "5s", retry_attempts_text = "5",
              retry_elapsed_text = "60s", grace_text = "5s", arrivals, summary_json, metrics_addr,
              ca_file, client_cert, client_key, connections_text;
  std::vector<std::string> headers, thresholds;
  desc.add_options()                                                                 //
      ("help,h", "show this help")                                                   //
      ("scenario", po::value<std::string>()->default_value("checkout"), "scenario")  //
      ("endpoint", po::value(&endpoint),
       "HOST:PORT (grpc) or URL (http); default from OTEL_EXPORTER_OTLP_[TRACES_]ENDPOINT, else "
       "localhost:4317 / http://localhost:4318/v1/traces / http://localhost:9411/api/v2/spans")  //
      ("protocol", po::value(&protocol),
       "grpc | http/protobuf | http/json | zipkin; default OTEL_EXPORTER_OTLP_[TRACES_]PROTOCOL, "
       "else grpc")                                                                            //
      ("rate", po::value(&rate), "base rate: traces/s (500) or spans/s (20000spans)")          //
      ("ramp", po::value(&ramp), "FROM:TO:OVER, a linear ramp (100:1000:30s)")                 //
      ("steps", po::value(&steps), "RATE:DUR,... piecewise-constant (500:10s,1000:10s)")       //
      ("arrivals", po::value(&arrivals), "poisson | uniform (default: the scenario's)")        //
      ("duration", po::value(&duration_text), "arrival window (default: the scenario's)")      //
      ("traces", po::value(&traces_text), "stop after N traces")                               //
      ("seed", po::value(&seed_text), "random seed (default: the scenario's)")                 //
      ("senders", po::value(&senders_text), "sender threads (default 2)")                      //
      ("batch-spans", po::value(&batch_spans_text), "max spans per request (default 512)")     //
      ("batch-bytes", po::value(&batch_bytes_text), "max encoded bytes per request (4MiB)")    //
      ("batch-delay", po::value(&batch_delay_text), "send a partial batch after (200ms)")      //
      ("queue-spans", po::value(&queue_text), "send queue bound in spans (65536)")             //
      ("max-in-flight", po::value(&inflight_text), "requests outstanding (8)")                 //
      ("timeout", po::value(&timeout_text), "per-request deadline (default 10s or env)")       //
      ("connections", po::value(&connections_text), "channels / HTTP connections (1)")         //
      ("retry-initial", po::value(&retry_initial_text), "first backoff (1s)")                  //
      ("retry-max", po::value(&retry_max_text), "largest backoff (5s)")                        //
      ("retry-attempts", po::value(&retry_attempts_text), "attempts per request (5)")          //
      ("retry-max-elapsed", po::value(&retry_elapsed_text), "retry window per request (60s)")  //
      ("grace", po::value(&grace_text), "time to flush after stopping (5s)")                   //
      ("gzip", "gzip request bodies")                                                          //
      ("header", po::value(&headers), "K=V request header/metadata (repeatable)")              //
      ("tls", "use TLS")                                                                       //
      ("ca-file", po::value(&ca_file), "PEM roots for TLS")                                    //
      ("client-cert", po::value(&client_cert), "PEM client certificate (mTLS)")                //
      ("client-key", po::value(&client_key), "PEM client key (mTLS)")                          //
      ("summary-json", po::value(&summary_json),
       "write the summary as JSON to FILE ('-' = stdout)")  //
      ("threshold", po::value(&thresholds),
       "pass/fail rule METRIC OP NUMBER, e.g. 'accepted_ratio>=0.999' (repeatable)")             //
      ("metrics-addr", po::value(&metrics_addr), "serve the generator's /metrics on HOST:PORT")  //
      ("no-progress", "never show the per-second progress line");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!ParseFlags("load", args, desc, &pos, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << caption << ":\n" << FlagHelp(desc, {"scenario"}) << "\nThreshold metrics:";
    for (const std::string& n : loadgen::ThresholdMetricNames()) out << " " << n;
    out << "\n";
    return kExitOk;
  }
  auto usage = [&](const std::string& msg) {
    err << "tracesim load: " << msg << "\n";
    return kExitUsage;
  };

  // ---- thresholds first: a typo should not cost a whole run ----
  std::vector<loadgen::Threshold> parsed_thresholds;
  for (const std::string& t : thresholds) {
    auto p = loadgen::ParseThreshold(t);
    if (!p.ok()) return usage("--threshold: " + p.status().message());
    parsed_thresholds.push_back(*p);
  }

  // ---- scenario and rate ----
  auto loaded = scenarios::LoadScenario(vm["scenario"].as<std::string>());
  if (!loaded.ok()) return usage(loaded.status().message());
  scenarios::Scenario sc = std::move(loaded).value();
  if (!seed_text.empty()) {
    auto seed = config::ParseSeed(seed_text);
    if (!seed.ok()) return usage("--seed: " + seed.status().message());
    sc.seed = *seed;
  }
  if (!arrivals.empty()) {
    if (arrivals == "poisson") {
      sc.workload.process = workloads::ArrivalProcess::kPoisson;
    } else if (arrivals == "uniform") {
      sc.workload.process = workloads::ArrivalProcess::kUniform;
    } else {
      return usage("--arrivals must be 'poisson' or 'uniform', got '" + arrivals + "'");
    }
  }
  loadgen::EngineOptions eo;
  eo.seed = sc.seed;
  eo.duration = sc.duration;
  if (!duration_text.empty()) {
    auto d = sim::ParseDuration(duration_text);
    if (!d.ok() || d->nanos() <= 0)
      return usage("--duration: " + (d.ok() ? std::string("must be > 0") : d.status().message()));
    eo.duration = *d;
  }
  if (!traces_text.empty()) {
    if (!ParseU64(traces_text, &eo.max_traces) || eo.max_traces == 0)
      return usage("--traces must be a positive integer, got '" + traces_text + "'");
    // Without an explicit --duration, --traces alone bounds the run.
    if (duration_text.empty()) eo.duration = sim::Duration::Seconds(24 * 3600);
  }
  loadgen::RateFlags rf{rate, ramp, steps};
  // Validate the flag syntax before the warm-up simulation.
  {
    auto probe = loadgen::BuildLoadPlan(sc.workload, rf, 1.0);
    if (!probe.ok()) return usage(probe.status().message());
  }
  auto mean = loadgen::MeasureMeanSpansPerTrace(sc.model, sc.workload, sc.seed, 2000);
  if (mean.ok()) eo.mean_spans_per_trace = *mean;
  if (loadgen::NeedsSpansPerTrace(rf) && !mean.ok()) return usage(mean.status().message());
  auto plan = loadgen::BuildLoadPlan(sc.workload, rf, eo.mean_spans_per_trace);
  if (!plan.ok()) return usage(plan.status().message());
  eo.rate_in_spans = plan->rate_in_spans;

  // ---- engine knobs ----
  uint64_t v = 0;
  auto u32 = [&](const std::string& text, const char* flag, uint32_t* dst) {
    if (!ParseU64(text, &v) || v == 0 || v > 1000000) return false;
    *dst = static_cast<uint32_t>(v);
    return true;
  };
  if (!u32(senders_text, "--senders", &eo.senders) || eo.senders > 256)
    return usage("--senders must be an integer in [1, 256], got '" + senders_text + "'");
  if (!u32(batch_spans_text, "--batch-spans", &eo.batch_spans))
    return usage("--batch-spans must be a positive integer, got '" + batch_spans_text + "'");
  auto batch_bytes = config::ParseByteSize(batch_bytes_text);
  if (batch_bytes.ok()) eo.batch_bytes = *batch_bytes;
  if (!batch_bytes.ok() || eo.batch_bytes < 1024)
    return usage("--batch-bytes must be a size >= 1024 (e.g. 4MiB), got '" + batch_bytes_text +
                 "'");
  if (!ParseMillis(batch_delay_text, &eo.batch_delay) || eo.batch_delay.count() < 1)
    return usage("--batch-delay must be a duration >= 1ms, got '" + batch_delay_text + "'");
  if (!ParseU64(queue_text, &eo.queue_spans) || eo.queue_spans < eo.batch_spans)
    return usage("--queue-spans must be an integer >= --batch-spans, got '" + queue_text + "'");
  if (!u32(inflight_text, "--max-in-flight", &eo.max_in_flight))
    return usage("--max-in-flight must be a positive integer, got '" + inflight_text + "'");
  if (!ParseMillis(retry_initial_text, &eo.retry.initial_backoff) ||
      eo.retry.initial_backoff.count() < 1)
    return usage("--retry-initial must be a duration >= 1ms, got '" + retry_initial_text + "'");
  if (!ParseMillis(retry_max_text, &eo.retry.max_backoff) ||
      eo.retry.max_backoff < eo.retry.initial_backoff)
    return usage("--retry-max must be a duration >= --retry-initial, got '" + retry_max_text + "'");
  if (!u32(retry_attempts_text, "--retry-attempts", &eo.retry.max_attempts))
    return usage("--retry-attempts must be a positive integer, got '" + retry_attempts_text + "'");
  if (!ParseMillis(retry_elapsed_text, &eo.retry.max_elapsed))
    return usage("--retry-max-elapsed must be a duration, got '" + retry_elapsed_text + "'");
  if (!ParseMillis(grace_text, &eo.grace))
    return usage("--grace must be a duration, got '" + grace_text + "'");
  if (sim::Status st = eo.Validate(); !st.ok()) return usage(st.message());

  // ---- transport: env defaults (grpc when no protocol is set anywhere), then flags ----
  auto env = [](const char* name) -> const char* { return std::getenv(name); };
  std::string chosen = protocol;
  if (chosen.empty()) {
    const char* p = env("OTEL_EXPORTER_OTLP_TRACES_PROTOCOL");
    if (p == nullptr || *p == '\0') p = env("OTEL_EXPORTER_OTLP_PROTOCOL");
    chosen = (p != nullptr && *p != '\0') ? p : "grpc";
  }
  exporter::WireProtocol wire;
  if (chosen == "grpc") {
    wire = exporter::WireProtocol::kGrpc;
  } else if (chosen == "http/protobuf") {
    wire = exporter::WireProtocol::kHttpProtobuf;
  } else if (chosen == "http/json") {
    wire = exporter::WireProtocol::kHttpJson;
  } else if (chosen == "zipkin") {
    wire = exporter::WireProtocol::kZipkinJson;
  } else {
    return usage(std::string(protocol.empty() ? "OTEL_EXPORTER_OTLP_PROTOCOL" : "--protocol") +
                 " must be grpc, http/protobuf, http/json or zipkin, got '" + chosen + "'");
  }
  const std::string env_protocol =
      wire == exporter::WireProtocol::kZipkinJson ? "http/json" : chosen;
  auto topt_r = exporter::OptionsFromEnv([&](const char* name) -> const char* {
    std::string_view n(name);
    if (n == "OTEL_EXPORTER_OTLP_PROTOCOL" || n == "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL")
      return env_protocol.c_str();
    return std::getenv(name);
  });
  if (!topt_r.ok()) return usage(topt_r.status().message());
  exporter::TransportOptions topt = *topt_r;
  topt.protocol = wire;
  if (wire == exporter::WireProtocol::kZipkinJson) {
    const char* e1 = env("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT");
    const char* e2 = env("OTEL_EXPORTER_OTLP_ENDPOINT");
    if (!((e1 && *e1) || (e2 && *e2))) topt.endpoint = "http://localhost:9411/api/v2/spans";
  }
  if (!endpoint.empty()) topt.endpoint = endpoint;
  if (vm.count("gzip")) topt.gzip = true;
  if (vm.count("tls")) topt.tls = true;
  if (!ca_file.empty()) topt.ca_file = ca_file;
  if (!client_cert.empty()) topt.client_cert_file = client_cert;
  if (!client_key.empty()) topt.client_key_file = client_key;
  for (const std::string& h : headers) {
    size_t eq = h.find('=');
    if (eq == std::string::npos || eq == 0) return usage("--header must be K=V, got '" + h + "'");
    topt.headers[h.substr(0, eq)] = h.substr(eq + 1);
  }
  if (!timeout_text.empty() &&
      (!ParseMillis(timeout_text, &topt.timeout) || topt.timeout.count() < 1))
    return usage("--timeout must be a duration >= 1ms, got '" + timeout_text + "'");
  if (!connections_text.empty() && (!ParseU64(connections_text, &v) || v == 0 || v > 64))
    return usage("--connections must be an integer in [1, 64], got '" + connections_text + "'");
  if (!connections_text.empty()) topt.connections = static_cast<uint32_t>(v);
  if (sim::Status st = topt.Validate(); !st.ok()) return usage(st.message());
  auto transport = exporter::CreateTransport(topt);
  if (!transport.ok()) {
    err << "tracesim load: " << transport.status().message() << "\n";
    return transport.status().code() == sim::Status::Code::kInvalidArgument ? kExitUsage
                                                                            : kExitFailed;
  }
  auto encoders = loadgen::MakeEncoderFactory(wire, sc.model);
  if (!encoders.ok()) return usage(encoders.status().message());

  // ---- metrics endpoint ----
  metrics::MetricsRegistry registry;
  std::unique_ptr<loadgen::MetricsServer> metrics_server;
  if (!metrics_addr.empty()) {
    auto ms = loadgen::MetricsServer::Start(metrics_addr, &registry);
    if (!ms.ok()) {
      err << "tracesim load: --metrics-addr: " << ms.status().message() << "\n";
      return ms.status().code() == sim::Status::Code::kInvalidArgument ? kExitUsage : kExitFailed;
    }
    metrics_server = std::move(ms).value();
  }

  // ---- run ----
  const bool progress = !vm.count("no-progress") && ::isatty(STDERR_FILENO) == 1;
  const double mean_spans = eo.mean_spans_per_trace;
  // With --summary-json - the JSON is stdout and the human-readable lines go to stderr.
  std::ostream& text = IsStdout(summary_json) ? err : out;
  text << VersionString() << " load: scenario " << sc.name << " (" << sc.source << ") -> " << chosen
       << " " << topt.endpoint << ", seed " << sc.seed << "\n";
  out.flush();
  std::function<void(const loadgen::SecondStats&)> on_second;
  if (progress) {
    on_second = [mean_spans](const loadgen::SecondStats& s) {
      std::fprintf(stderr,
                   "\r[%4us] target %7.0f spans/s  generated %7llu  accepted %7llu  rejected "
                   "%5llu  dropped %5llu  queued %6llu  p99 %6.1f ms  errors %llu   ",
                   s.second + 1, s.target_traces * mean_spans,
                   (unsigned long long)s.generated_spans, (unsigned long long)s.accepted,
                   (unsigned long long)s.rejected, (unsigned long long)s.dropped,
                   (unsigned long long)s.queued_spans, s.export_p99_ms,
                   (unsigned long long)s.failed_requests);
      std::fflush(stderr);
    };
  }
  sim::Result<loadgen::LoadReport> rep = sim::Status::Internal("not run");
  {
    SignalScope signals;
    loadgen::LoadEngine engine(sc.model, plan->workload, eo, transport->get(), *encoders,
                               &registry);
    rep = engine.Run(&g_load_stop, on_second);
  }
  if (progress) std::fprintf(stderr, "\n");
  if (metrics_server) metrics_server->Stop();
  if (!rep.ok()) {
    err << "tracesim load: " << rep.status().message() << "\n";
    return rep.status().code() == sim::Status::Code::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  text << rep->ToText();
  int code = kExitOk;
  if (IsStdout(summary_json)) {
    out << rep->ToJson();
  } else if (!summary_json.empty()) {
    std::ofstream f(summary_json);
    f << rep->ToJson();
    f.close();
    if (!f) {
      err << "tracesim load: --summary-json: cannot write '" << summary_json << "'\n";
      code = kExitFailed;
    }
  }
  if (!parsed_thresholds.empty()) {
    auto outcomes = loadgen::EvaluateThresholds(parsed_thresholds, rep->Metrics());
    text << "  thresholds:\n";
    bool failed = false;
    for (const auto& o : outcomes) {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.6g", o.actual);
      text << "    " << (o.passed ? "ok    " : "FAILED") << " " << o.threshold.text << " (actual "
           << buf << ")\n";
      if (!o.passed) {
        err << "tracesim load: threshold crossed: " << o.threshold.text << " (actual " << buf
            << ")\n";
        failed = true;
      }
    }
    if (failed && code == kExitOk) code = kExitThresholds;
  }
  return code;
}

}  // namespace tracesim::cli
