#include "app/load/load.h"

#include <chrono>
#include <cstdlib>
#include <memory>
#include <thread>
#include <utility>

#include "exporter/transport/transport_env.h"
#include "loadgen/metrics_server.h"
#include "metrics/prometheus.h"

namespace tracesim::app {

const char* ProtocolName(exporter::WireProtocol protocol) {
  switch (protocol) {
    case exporter::WireProtocol::kGrpc:
      return "grpc";
    case exporter::WireProtocol::kHttpProtobuf:
      return "http/protobuf";
    case exporter::WireProtocol::kHttpJson:
      return "http/json";
    case exporter::WireProtocol::kZipkinJson:
      return "zipkin";
  }
  return "?";
}

bool LoadOutcome::thresholds_passed() const {
  for (const loadgen::ThresholdOutcome& t : thresholds)
    if (!t.passed) return false;
  return true;
}

namespace {

sim::Status Bad(const std::string& message) { return sim::Status::InvalidArgument(message); }

std::string Ms(std::chrono::milliseconds ms) {
  return "'" + sim::FormatDuration(sim::Duration::Millis(ms.count())) + "'";
}

std::string N(uint64_t v) { return "'" + std::to_string(v) + "'"; }

// The engine's flag ranges (LoadOptions::Validate).
sim::Status ValidateEngine(const loadgen::EngineOptions& e) {
  constexpr uint64_t kMaxCount = 1000000;
  if (e.senders < 1 || e.senders > 256)
    return Bad("--senders must be an integer in [1, 256], got " + N(e.senders));
  if (e.batch_spans < 1 || e.batch_spans > kMaxCount)
    return Bad("--batch-spans must be a positive integer, got " + N(e.batch_spans));
  if (e.batch_bytes < 1024)
    return Bad("--batch-bytes must be a size >= 1024 (e.g. 4MiB), got " + N(e.batch_bytes));
  if (e.batch_delay.count() < 1)
    return Bad("--batch-delay must be a duration >= 1ms, got " + Ms(e.batch_delay));
  if (e.queue_spans < e.batch_spans)
    return Bad("--queue-spans must be an integer >= --batch-spans, got " + N(e.queue_spans));
  if (e.max_in_flight < 1 || e.max_in_flight > kMaxCount)
    return Bad("--max-in-flight must be a positive integer, got " + N(e.max_in_flight));
  if (e.retry.initial_backoff.count() < 1)
    return Bad("--retry-initial must be a duration >= 1ms, got " + Ms(e.retry.initial_backoff));
  if (e.retry.max_backoff < e.retry.initial_backoff)
    return Bad("--retry-max must be a duration >= --retry-initial, got " + Ms(e.retry.max_backoff));
  if (e.retry.max_attempts < 1 || e.retry.max_attempts > kMaxCount)
    return Bad("--retry-attempts must be a positive integer, got " + N(e.retry.max_attempts));
  if (e.retry.max_elapsed.count() < 0)
    return Bad("--retry-max-elapsed must be a duration >= 0, got " + Ms(e.retry.max_elapsed));
  if (e.grace.count() < 0) return Bad("--grace must be a duration >= 0, got " + Ms(e.grace));
  return sim::Status::Ok();
}

// The scenario's workload with the options applied, and the engine options that go with it
// (seed, window, trace limit, mean spans per trace, rate unit).
struct Plan {
  workloads::WorkloadSpec workload;
  loadgen::EngineOptions engine;
};

sim::Result<Plan> MakePlan(const scenarios::Scenario& scenario, const LoadOptions& options) {
  const uint64_t seed = options.seed.value_or(scenario.seed);
  workloads::WorkloadSpec workload = scenario.workload;
  if (options.arrivals) workload.process = *options.arrivals;
  Plan p;
  p.engine = options.engine;
  p.engine.seed = seed;
  p.engine.shard_index = options.shard.index;
  p.engine.shard_count = options.shard.count;
  p.engine.start_at_unix_nanos = options.start_at_unix_ms * 1000000;
  p.engine.duration = scenario.duration;
  if (options.duration) p.engine.duration = *options.duration;
  if (options.max_traces) {
    p.engine.max_traces = *options.max_traces;
    // Without an explicit duration, the trace limit alone bounds the run.
    if (!options.duration) p.engine.duration = sim::Duration::Seconds(24 * 3600);
  }
  // The rate syntax is checked before the warm-up simulation.
  if (auto probe = loadgen::BuildLoadPlan(workload, options.rates, 1.0); !probe.ok())
    return Bad(probe.status().message());
  auto mean = loadgen::MeasureMeanSpansPerTrace(scenario.model, workload, seed, 2000);
  if (mean.ok()) p.engine.mean_spans_per_trace = *mean;
  if (loadgen::NeedsSpansPerTrace(options.rates) && !mean.ok()) return Bad(mean.status().message());
  auto plan = loadgen::BuildLoadPlan(workload, options.rates, p.engine.mean_spans_per_trace);
  if (!plan.ok()) return Bad(plan.status().message());
  p.engine.rate_in_spans = plan->rate_in_spans;
  p.workload = plan->workload;
  if (sim::Status st = p.engine.Validate(); !st.ok()) return Bad(st.message());
  return p;
}

// The environment (read once), then the overrides.
sim::Result<exporter::TransportOptions> MakeTransportOptions(const LoadOptions& options) {
  exporter::EnvDefaults defaults;
  defaults.protocol = options.transport.protocol;
  defaults.fallback = exporter::WireProtocol::kGrpc;
  defaults.allow_zipkin = true;
  auto env = exporter::OptionsFromEnv(
      options.getenv ? options.getenv : [](const char* n) -> const char* { return std::getenv(n); },
      defaults);
  if (!env.ok()) return Bad(env.status().message());
  exporter::TransportOptions t = std::move(env).value();
  const TransportOverrides& o = options.transport;
  if (!o.endpoint.empty()) {
    t.endpoint = o.endpoint;
    // The endpoint's own scheme decides (the environment's no-scheme TLS default was about its
    // endpoint, not this one).
    if (o.endpoint.rfind("http://", 0) == 0) t.tls = false;
    if (o.endpoint.rfind("https://", 0) == 0) t.tls = true;
  }
  if (o.gzip) t.gzip = true;
  if (o.tls) t.tls = true;
  if (!o.ca_file.empty()) t.ca_file = o.ca_file;
  if (!o.client_cert_file.empty()) t.client_cert_file = o.client_cert_file;
  if (!o.client_key_file.empty()) t.client_key_file = o.client_key_file;
  for (const auto& [k, v] : o.headers) t.headers[k] = v;
  if (o.timeout) t.timeout = *o.timeout;
  if (o.connections) t.connections = *o.connections;
  if (sim::Status st = t.Validate(); !st.ok()) return Bad(st.message());
  return t;
}

// Why the transport uses TLS or not, for the header line and the diagnosis of a run where
// nothing gets through (a TLS mismatch is the classic: OTEL_EXPORTER_OTLP_ENDPOINT=host:4317
// means TLS for gRPC, per the spec, against a plaintext collector).
std::string TlsReason(const LoadOptions& options, const exporter::TransportOptions& t) {
  auto getenv =
      options.getenv ? options.getenv : [](const char* n) -> const char* { return std::getenv(n); };
  const bool https = t.endpoint.rfind("https://", 0) == 0;
  const bool http = t.endpoint.rfind("http://", 0) == 0;
  if (options.transport.tls) return "--tls";
  if (https) return "https:// endpoint";
  const char* env_name = getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT") != nullptr
                             ? "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"
                             : "OTEL_EXPORTER_OTLP_ENDPOINT";
  if (t.tls) {
    return std::string(env_name) +
           " has no scheme: the OTLP spec's gRPC default is TLS (plaintext: an http:// "
           "endpoint or OTEL_EXPORTER_OTLP_INSECURE=true)";
  }
  if (http) return "http:// endpoint";
  const char* insecure = getenv("OTEL_EXPORTER_OTLP_TRACES_INSECURE");
  if (insecure == nullptr) insecure = getenv("OTEL_EXPORTER_OTLP_INSECURE");
  if (insecure != nullptr && t.protocol == exporter::WireProtocol::kGrpc)
    return "OTEL_EXPORTER_OTLP_INSECURE=" + std::string(insecure);
  return "no --tls, no https://";
}

// A failure to start or while running keeps its code unless it is bad input.
sim::Status WithPrefix(const std::string& prefix, const sim::Status& st) {
  return sim::Status(st.code(), prefix + st.message());
}

}  // namespace

sim::Status LoadOptions::Validate() const {
  if (duration && duration->nanos() <= 0) return Bad("--duration: must be > 0");
  if (max_traces && *max_traces == 0)
    return Bad("--traces must be a positive integer, got " + N(*max_traces));
  TRACESIM_RETURN_IF_ERROR(ValidateEngine(engine));
  if (transport.timeout && transport.timeout->count() < 1)
    return Bad("--timeout must be a duration >= 1ms, got " + Ms(*transport.timeout));
  if (transport.connections && (*transport.connections < 1 || *transport.connections > 64))
    return Bad("--connections must be an integer in [1, 64], got " + N(*transport.connections));
  TRACESIM_RETURN_IF_ERROR(target.Validate());
  if (shard.count < 1 || shard.count > 1024 || shard.index >= shard.count)
    return Bad("--shard must be I/N with 0 <= I < N <= 1024, got '" + std::to_string(shard.index) +
               "/" + std::to_string(shard.count) + "'");
  if (start_at_unix_ms != 0) {
    const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count();
    const std::string at = "--start-at " + sim::FormatRfc3339(start_at_unix_ms * 1000000);
    if (start_at_unix_ms < now_ms - 1000)
      return Bad(at + " has passed (" + std::to_string((now_ms - start_at_unix_ms) / 1000) +
                 " s ago): the generators would not run side by side; give a later time");
    if (start_at_unix_ms > now_ms + 24 * 3600 * 1000) return Bad(at + " is more than 24 h ahead");
  }
  if (metrics_linger.count() < 0 || metrics_linger > std::chrono::hours(1))
    return Bad("--linger must be a duration in [0, 1h], got " + Ms(metrics_linger));
  if (metrics_linger.count() > 0 && metrics_addr.empty())
    return Bad("--linger keeps /metrics up after the run: it needs --metrics-addr");
  for (const loadgen::Threshold& t : thresholds) {
    if (t.metric.rfind("collector_", 0) == 0 && !target.enabled())
      return Bad("--threshold '" + t.text + "' needs --target-metrics URL or --target-pid PID");
  }
  return sim::Status::Ok();
}

namespace {

// --linger: waits while /metrics keeps serving, until the linger time is up or the stop counter
// moves (a Ctrl-C during the linger ends it).
void Linger(const LoadOptions& options) {
  const int stop_at_start = options.stop ? options.stop->load() : 0;
  const auto until = std::chrono::steady_clock::now() + options.metrics_linger;
  while (std::chrono::steady_clock::now() < until) {
    if (options.stop && options.stop->load() != stop_at_start) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace

sim::Result<LoadOutcome> RunLoad(const scenarios::Scenario& scenario, const LoadOptions& options,
                                 const LoadCallbacks& callbacks) {
  TRACESIM_RETURN_IF_ERROR(options.Validate());
  TRACESIM_ASSIGN_OR_RETURN(Plan plan, MakePlan(scenario, options));
  TRACESIM_ASSIGN_OR_RETURN(exporter::TransportOptions topt, MakeTransportOptions(options));
  TRACESIM_ASSIGN_OR_RETURN(std::unique_ptr<exporter::Transport> transport,
                            exporter::CreateTransport(topt));
  auto encoders = loadgen::MakeEncoderFactory(topt.protocol, scenario.model);
  if (!encoders.ok()) return Bad(encoders.status().message());

  metrics::MetricsRegistry registry;
  std::unique_ptr<loadgen::MetricsServer> metrics_server;
  if (!options.metrics_addr.empty()) {
    auto ms = loadgen::MetricsServer::Start(options.metrics_addr, &registry);
    if (!ms.ok()) return WithPrefix("--metrics-addr: ", ms.status());
    metrics_server = std::move(ms).value();
  }

  // The target's baseline scrape happens before the first span is sent.
  std::unique_ptr<loadgen::TargetMonitor> monitor;
  if (options.target.enabled()) {
    auto m = loadgen::TargetMonitor::Start(options.target);
    if (!m.ok()) return m.status();
    monitor = std::move(m).value();
  }
  std::vector<loadgen::TargetSecond> target_seconds;  // by wall-clock second
  auto on_second = [&](const loadgen::SecondStats& s) {
    if (!monitor) {
      if (callbacks.on_second) callbacks.on_second(s);
      return;
    }
    loadgen::SecondStats with = s;
    with.target = monitor->Latest();
    if (target_seconds.size() <= s.second) target_seconds.resize(s.second + 1);
    target_seconds[s.second] = *with.target;
    if (callbacks.on_second) callbacks.on_second(with);
  };

  LoadOutcome outcome;
  outcome.start.scenario = scenario.name;
  outcome.start.source = scenario.source;
  outcome.start.protocol = ProtocolName(topt.protocol);
  outcome.start.endpoint = topt.endpoint;
  outcome.start.tls = topt.tls;
  outcome.start.tls_reason = TlsReason(options, topt);
  outcome.start.seed = plan.engine.seed;
  outcome.start.mean_spans_per_trace = plan.engine.mean_spans_per_trace;
  outcome.start.start_unix_ms = options.start_at_unix_ms != 0
                                    ? options.start_at_unix_ms
                                    : std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count();
  outcome.start.shard = options.shard;
  if (callbacks.on_start) callbacks.on_start(outcome.start);
  sim::Result<loadgen::LoadReport> report = sim::Status::Internal("not run");
  {
    loadgen::LoadEngine engine(scenario.model, plan.workload, plan.engine, transport.get(),
                               *encoders, &registry);
    report = engine.Run(options.stop, on_second);
  }
  if (metrics_server && options.metrics_linger.count() > 0) {
    if (callbacks.on_linger) callbacks.on_linger();
    Linger(options);
  }
  if (metrics_server) metrics_server->Stop();
  std::optional<loadgen::TargetSummary> target;
  if (monitor) target = monitor->Finish();
  if (!report.ok()) return report.status();
  outcome.report = std::move(report).value();
  if (target) {
    outcome.report.target = std::move(target);
    for (loadgen::SecondStats& s : outcome.report.seconds)
      if (s.second < target_seconds.size()) s.target = target_seconds[s.second];
  }
  if (!options.thresholds.empty())
    outcome.thresholds = loadgen::EvaluateThresholds(options.thresholds, outcome.report.Metrics());
  return outcome;
}

}  // namespace tracesim::app
