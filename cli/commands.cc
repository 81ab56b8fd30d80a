#include "cli/commands.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>
#include <zlib.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/flags.h"
#include "cli/load_command.h"
#include "cli/progress.h"
#include "cli/receive_command.h"
#include "config/diagnostics.h"
#include "config/grammar.h"
#include "exporter/otlp_json_file_sink.h"
#include "exporter/otlp_proto.h"
#include "loadgen/load_plan.h"
#include "metrics/red_metrics.h"
#include "metrics/truth_metrics.h"
#include "reports/run_report.h"
#include "reports/truth_writer.h"
#include "sampling/collector/collector_config.h"
#include "sampling/collector/probabilistic_processor.h"
#include "sampling/collector/tail_sampling/config/tail_config.h"
#include "sampling/jaeger/jaeger_strategies.h"
#include "sampling/lab/lab.h"
#include "scenarios/scenario.h"
#include "sim/simulation.h"
#include "sim/sink.h"
#include "sim/time.h"
#include "topologies/topology.h"
#include "workloads/workload.h"

#ifndef TRACESIM_VERSION
#define TRACESIM_VERSION "0.0.0"
#endif

namespace tracesim::cli {
namespace po = boost::program_options;

std::string VersionString() { return std::string("tracesim ") + TRACESIM_VERSION; }

namespace {

constexpr char kMainUsage[] =
    "tracesim: a discrete-event simulator and load generator for distributed tracing.\n"
    "\n"
    "Usage: tracesim <command> [options]\n"
    "\n"
    "Commands:\n"
    "  run [SCENARIO]       simulate a scenario (default: the built-in checkout) and summarise it\n"
    "  validate FILE...     check topology, scenario, Collector and Jaeger sampling files\n"
    "  topology FILE|NAME   show a topology's service graph (text or Graphviz DOT)\n"
    "  load [SCENARIO]      generate paced load into an OTLP/Zipkin collector\n"
    "  receive              run an OTLP receiver that counts spans and injects faults\n"
    "\n"
    "Options:\n"
    "  -h, --help           this help; `tracesim <command> --help` for a command's options\n"
    "  --version            print the version\n"
    "\n"
    "Exit codes: 0 success, 1 problems found or a failure while running, 2 bad usage or input.\n";

bool IsTerminal(FILE* f) { return ::isatty(::fileno(f)) == 1; }

std::string KeyList(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

// Keeps copies of the first traces of a run, to measure how well its spans compress.
class SampleCapture final : public sim::SpanSink {
 public:
  explicit SampleCapture(size_t max_traces) : max_(max_traces) {}
  void OnTrace(const sim::TraceView& t) noexcept override {
    if (traces_ >= max_ || t.spans.empty()) return;
    ++traces_;
    uint32_t ev = static_cast<uint32_t>(events_.size()), ln = static_cast<uint32_t>(links_.size());
    for (sim::Span s : t.spans) {
      for (uint32_t i = 0; i < s.event_count; ++i) events_.push_back(t.events[s.first_event + i]);
      for (uint32_t i = 0; i < s.link_count; ++i) links_.push_back(t.links[s.first_link + i]);
      s.first_event = ev;
      s.first_link = ln;
      ev += s.event_count;
      ln += s.link_count;
      spans_.push_back(s);
    }
  }
  // Compressed / raw size of the captured spans as OTLP protobuf in 512-span requests, deflated
  // at zlib's default level (what gzip does); 0 when nothing was captured.
  double CompressionRatio(const sim::Model& model) const {
    if (spans_.empty()) return 0;
    exporter::OtlpProtoEncoder enc(model);
    uint64_t raw = 0, packed = 0;
    for (size_t i = 0; i < spans_.size(); i += 512) {
      std::string body;
      enc.Encode(
          std::span<const sim::Span>(spans_).subspan(i, std::min<size_t>(512, spans_.size() - i)),
          events_, links_, &body);
      uLongf n = compressBound(body.size());
      std::string z(n, '\0');
      if (compress2(reinterpret_cast<Bytef*>(z.data()), &n,
                    reinterpret_cast<const Bytef*>(body.data()), body.size(),
                    Z_DEFAULT_COMPRESSION) != Z_OK)
        return 0;
      raw += body.size();
      packed += n + 18;  // gzip header and trailer instead of zlib's
    }
    return raw ? static_cast<double>(packed) / static_cast<double>(raw) : 0;
  }

 private:
  size_t max_;
  size_t traces_ = 0;
  std::vector<sim::Span> spans_;
  std::vector<sim::SpanEvent> events_;
  std::vector<sim::SpanLink> links_;
};

// ---- run --------------------------------------------------------------------------------------

int RunCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string caption =
      "Usage: tracesim run [SCENARIO] [options]\n\n"
      "Simulates SCENARIO (a scenario file, or a built-in name; default: checkout) and prints a\n"
      "summary: traces, spans, simulated and wall time, and per-service RED metrics.\n\nOptions";
  po::options_description desc(caption);
  std::string report_csv;
  std::string seed_text, duration_text, rate_text, start_text, spans_out, truth_out,
      format = "table";
  desc.add_options()                //
      ("help,h", "show this help")  //
      ("scenario", po::value<std::string>()->default_value("checkout"),
       "scenario file or built-in name")                                        //
      ("seed", po::value(&seed_text), "random seed (default: the scenario's)")  //
      ("duration", po::value(&duration_text),
       "arrival window, e.g. 30s, 10m (default: the scenario's)")                               //
      ("rate", po::value(&rate_text), "base arrival rate in traces/s; the shape scales to it")  //
      ("start-time", po::value(&start_text),
       "wall-clock date of simulated 0, RFC 3339 (2024-05-01T12:00:00Z; default: the "
       "scenario's)")  //
      ("spans-out", po::value(&spans_out),
       "write spans as OTLP/JSON lines to FILE ('-' = stdout)")  //
      ("report-csv", po::value(&report_csv),
       "write the sampling comparison as CSV to FILE (scenarios with samplers:)")  //
      ("truth-out", po::value(&truth_out),
       "write each trace's ground truth as JSON lines to FILE ('-' = stdout)")  //
      ("tag-ground-truth",
       "also put the truth on each root span as tracesim.* debug attributes")    //
      ("format", po::value(&format), "summary format: table (default) or json")  //
      ("no-progress", "never show the progress bar");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!ParseFlags("run", args, desc, &pos, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << caption << ":\n"
        << FlagHelp(desc, {"scenario"})
        << "\nBuilt-in scenarios: " << KeyList(scenarios::BuiltinScenarioNames()) << "\n";
    return kExitOk;
  }
  if (format != "table" && format != "json") {
    err << "tracesim run: --format must be 'table' or 'json', got '" << format << "'\n";
    return kExitUsage;
  }
  const std::string scenario_ref = vm["scenario"].as<std::string>();
  auto loaded = scenarios::LoadScenario(scenario_ref);
  if (!loaded.ok()) {
    err << "tracesim run: " << loaded.status().message() << "\n";
    return kExitUsage;
  }
  scenarios::Scenario sc = std::move(loaded).value();

  // Overrides.
  if (vm.count("seed")) {
    auto seed = config::ParseSeed(seed_text);
    if (!seed.ok()) {
      err << "tracesim run: --seed: " << seed.status().message() << "\n";
      return kExitUsage;
    }
    sc.seed = *seed;
  }
  if (vm.count("duration")) {
    auto d = sim::ParseDuration(duration_text);
    if (!d.ok() || d->nanos() <= 0) {
      err << "tracesim run: --duration: " << (d.ok() ? "must be > 0" : d.status().message())
          << "\n";
      return kExitUsage;
    }
    sc.duration = *d;
  }
  if (vm.count("rate")) {
    // One rate grammar with `load`: traces/s ("500") or spans/s ("20000spans").
    auto rate = loadgen::ParseRate(rate_text);
    if (!rate.ok() || !(rate->value > 0) || rate->value > 1e9) {
      err << "tracesim run: --rate must be a rate in (0, 1e9] traces/s (500) or spans/s "
             "(20000spans), got '"
          << rate_text << "'\n";
      return kExitUsage;
    }
    double traces_per_s = rate->value;
    if (rate->spans) {
      auto mean = loadgen::MeasureMeanSpansPerTrace(sc.model, sc.workload, sc.seed, 2000);
      if (!mean.ok()) {
        err << "tracesim run: --rate: " << mean.status().message() << "\n";
        return kExitUsage;
      }
      traces_per_s /= *mean;
    }
    sc.workload = sc.workload.WithBaseRate(traces_per_s);
  }
  if (vm.count("start-time")) {
    auto t = sim::ParseRfc3339(start_text);
    if (!t.ok()) {
      err << "tracesim run: --start-time: " << t.status().message() << "\n";
      return kExitUsage;
    }
    sc.start_unix_nanos = *t;
  }
  // The run covers the arrivals plus the drain; every span time must fit int64 unix nanos.
  if (sim::Status range = sim::CheckUnixRange(sc.start_unix_nanos,
                                              sc.duration + sim::SimulationOptions().drain_limit);
      !range.ok()) {
    err << "tracesim run: " << range.message() << "\n";
    return kExitUsage;
  }

  auto workload = workloads::Workload::Create(sc.workload, sc.model, sc.seed, sc.duration);
  if (!workload.ok()) {
    err << "tracesim run: " << workload.status().message() << "\n";
    return kExitUsage;
  }

  // Sinks: RED metrics and the truth always, OTLP/JSON lines and the truth file when asked.
  const sim::FaultPlan* faults = sc.faults.empty() ? nullptr : &sc.faults;
  metrics::RedMetricsSink red(sc.model);
  metrics::TruthMetricsSink truth(sc.model, faults);
  sim::TeeSink tee;
  tee.Add(&red);
  tee.Add(&truth);
  std::unique_ptr<reports::TruthFileSink> truth_sink;
  if (!truth_out.empty()) {
    if (truth_out == spans_out) {
      err << "tracesim run: --truth-out and --spans-out name the same file\n";
      return kExitUsage;
    }
    auto opened = reports::TruthFileSink::Open(truth_out, sc.model, faults, sc.start_unix_nanos);
    if (!opened.ok()) {
      err << "tracesim run: --truth-out: " << opened.status().message() << "\n";
      return kExitUsage;
    }
    truth_sink = std::move(opened).value();
    tee.Add(truth_sink.get());
  }
  std::unique_ptr<exporter::OtlpJsonFileSink> file_sink;
  if (!spans_out.empty()) {
    auto opened =
        exporter::OtlpJsonFileSink::Open(spans_out, sc.model, exporter::OtlpJsonFileOptions{});
    if (!opened.ok()) {
      err << "tracesim run: --spans-out: " << opened.status().message() << "\n";
      return kExitUsage;
    }
    file_sink = std::move(opened).value();
    tee.Add(file_sink.get());
  }

  // The sampling lab, when the scenario names strategies to compare.
  std::unique_ptr<sampling::SamplingLab> lab;
  SampleCapture capture(200);
  if (!sc.samplers.empty()) {
    sampling::LabOptions lab_options;
    lab_options.start_unix_nanos = sc.start_unix_nanos;  // tail stages tick on time (issue 10)
    auto created = sampling::SamplingLab::Create(sc.model, faults, sc.samplers, lab_options);
    if (!created.ok()) {
      err << "tracesim run: samplers: " << created.status().message() << "\n";
      return kExitUsage;
    }
    lab = std::move(created).value();
    tee.Add(&capture);
  } else if (!report_csv.empty()) {
    err << "tracesim run: --report-csv needs a scenario with samplers: to compare\n";
    return kExitUsage;
  }

  bool progress_enabled = !vm.count("no-progress") && IsTerminal(stderr);
  ProgressBar bar(stderr, progress_enabled, sc.duration.seconds());
  sim::SimulationOptions opt;
  opt.seed = sc.seed;
  opt.start_unix_nanos = sc.start_unix_nanos;
  opt.faults = faults;
  opt.tag_ground_truth = vm.count("tag-ground-truth") > 0;
  if (progress_enabled) opt.progress = [&bar](sim::Time t) { bar.Update(t.seconds()); };

  auto wall_start = std::chrono::steady_clock::now();
  sim::Simulation simulation(sc.model, opt);
  sim::Status st = simulation.AddObserver(&tee);
  if (st.ok() && lab) st = simulation.AddObserver(lab.get());
  if (st.ok()) st = simulation.Run(workload->get());
  if (st.ok() && lab) {
    lab->Finish(sc.start_unix_nanos + simulation.stats().end_time.nanos());
    st = lab->WriteOutputs();  // jaeger_adaptive write_strategies
  }
  bar.Finish();
  double wall =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  if (!st.ok()) {
    err << "tracesim run: " << st.message() << "\n";
    return kExitFailed;
  }
  sim::Status closed = tee.Close();
  if (!closed.ok()) {
    err << "tracesim run: " << closed.message() << "\n";
    return kExitFailed;
  }

  reports::RunReport report;
  report.version = TRACESIM_VERSION;
  report.scenario = sc.name;
  report.source = sc.source;
  report.topology = sc.topology_ref;
  report.seed = sc.seed;
  report.start_time = sim::FormatRfc3339(sc.start_unix_nanos);
  report.offered_rate = (*workload)->MeanRate(sc.duration);
  reports::FillFromRun(sc.model, simulation.stats(), red, sc.duration.seconds(), &report);
  reports::FillTruth(truth, &report);
  report.spans_out = spans_out == "-" ? "" : spans_out;
  report.truth_out = truth_out == "-" ? "" : truth_out;
  report.host.wall_s = wall;
  report.host.spans_per_wall_s = wall > 0 ? static_cast<double>(report.spans) / wall : 0;
  report.host.peak_rss_mib = reports::PeakRssMib();
  if (lab) {
    report.compression_ratio = capture.CompressionRatio(sc.model);
    sampling::LabOptions defaults;
    double ratio =
        report.compression_ratio > 0 ? report.compression_ratio : defaults.compression_ratio;
    report.sampling = lab->Scores(sc.duration.seconds());
    for (auto& sc_score : report.sampling) {
      // Re-scale the stored-bytes estimate with the ratio measured on this run's spans.
      double scale = ratio / defaults.compression_ratio;
      sc_score.compressed_bytes_kept *= scale;
      sc_score.gb_per_month *= scale;
      sc_score.usd_storage_month *= scale;
    }
    if (!report_csv.empty()) {
      std::ofstream csv(report_csv, std::ios::binary);
      csv << reports::RenderSamplingCsv(report);
      if (!csv) {
        err << "tracesim run: --report-csv: cannot write " << report_csv << "\n";
        return kExitFailed;
      }
    }
  }
  // With spans or truth on stdout, the summary goes to stderr so the two never mix.
  std::ostream& summary = spans_out == "-" || truth_out == "-" ? err : out;
  summary << (format == "json" ? reports::RenderRunJson(report) : reports::RenderRunTable(report));
  return kExitOk;
}

// ---- validate ---------------------------------------------------------------------------------

namespace {

// What checking one file found. Each problem and warning is printed as is and names the file
// (a parser's problem may span several lines); `summary` is the text inside "FILE: ok (...)".
struct FileCheck {
  std::vector<std::string> problems;
  std::vector<std::string> warnings;
  std::string summary;
};

// Adds a parser's error message (which may hold several problems, one per line), prefixed with
// the file when the parser did not name it.
void AddProblem(const std::string& path, const std::string& message, FileCheck* check) {
  check->problems.push_back(message.starts_with(path + ":") ? message : path + ": " + message);
}

std::string FormatNumber(double v) {
  std::ostringstream s;
  s << std::setprecision(6) << v;
  return s.str();
}

std::string Plural(size_t n, std::string_view one, std::string_view many) {
  return std::to_string(n) + " " + std::string(n == 1 ? one : many);
}

// Position of a top-level key, for problems about a whole section ("FILE:LINE:COL: ").
std::string KeyWhere(const std::string& path, const YAML::Node& map, std::string_view key) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (it->first.IsScalar() && it->first.Scalar() == key) {
      const YAML::Mark m = it->first.Mark();
      if (!m.is_null()) {
        return path + ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1) + ": ";
      }
    }
  }
  return path + ": ";
}

bool HasKeyWithType(const YAML::Node& map, std::string_view type) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    if (!it->first.IsScalar()) continue;
    std::string_view k = it->first.Scalar();
    if (k == type || (k.starts_with(type) && k.size() > type.size() && k[type.size()] == '/')) {
      return true;
    }
  }
  return false;
}

// True when `extensions:` has a `remote_sampling[/name]` block (a Jaeger v2 config).
bool HasRemoteSamplingExtension(const YAML::Node& root) {
  const YAML::Node ext = root["extensions"];
  return ext && ext.IsMap() && HasKeyWithType(ext, "remote_sampling");
}

// Keys that mark a bare probabilistic_sampler block (the processor's own keys).
bool LooksLikeProbabilisticBlock(const YAML::Node& root) {
  for (const char* key : {"sampling_percentage", "hash_seed", "mode", "sampling_precision"}) {
    if (root[key]) return true;
  }
  return false;
}

bool LooksLikeSamplingConfig(const YAML::Node& root) {
  return root["processors"] || HasRemoteSamplingExtension(root) ||
         HasKeyWithType(root, "tail_sampling") || HasKeyWithType(root, "probabilistic_sampler") ||
         root["policies"] || LooksLikeProbabilisticBlock(root);
}

void CheckScenario(const std::string& path, FileCheck* check) {
  auto sc = scenarios::LoadScenarioFile(path);
  if (!sc.ok()) return AddProblem(path, sc.status().message(), check);
  check->summary = "scenario '" + sc->name + "': topology " + sc->topology_ref + ", " +
                   sim::FormatDuration(sc->duration) + ", seed " + std::to_string(sc->seed);
}

void CheckTopology(const std::string& path, FileCheck* check) {
  auto m = topologies::LoadTopologyFile(path);
  if (!m.ok()) return AddProblem(path, m.status().message(), check);
  size_t services = 0;
  for (const sim::Service& s : m->services) services += s.kind == sim::ServiceKind::kService;
  check->summary = "topology: " + std::to_string(services) + " services, " +
                   std::to_string(m->services.size() - services) + " dependencies, " +
                   std::to_string(m->operations.size()) + " operations";
}

std::string DescribeProbabilistic(const sampling::ProbabilisticSamplerConfig& c) {
  std::string s = FormatNumber(c.sampling_percentage) + "%, mode " +
                  std::string(sampling::ProbabilisticModeName(c.EffectiveMode()));
  if (c.EffectiveMode() == sampling::ProbabilisticMode::kHashSeed) {
    s += ", seed " + std::to_string(c.hash_seed);
  }
  return s;
}

std::string DescribeRemoteSampling(const sampling::JaegerRemoteSamplingConfig& c) {
  if (c.mode == sampling::JaegerRemoteSamplingConfig::Mode::kAdaptive) {
    const sampling::JaegerAdaptiveOptions& a = c.adaptive;
    std::string s = "remote_sampling adaptive (";
    if (!a.sampling_store.empty()) s += "store " + a.sampling_store + ", ";
    return s + "target " + FormatNumber(a.target_samples_per_second) +
           " traces/s per operation, initial probability " +
           FormatNumber(a.initial_sampling_probability) + ")";
  }
  const sampling::JaegerFileOptions& f = c.file;
  std::string s = "remote_sampling file (";
  s += f.path.empty() ? "no path" : "path " + f.path;
  s += ", default probability " + FormatNumber(f.default_sampling_probability);
  if (f.reload_interval > sim::Duration()) {
    s += ", reload every " + sim::FormatDuration(f.reload_interval);
  }
  return s + ")";
}

// A Collector config (`processors:`), a bare processor block, or a Jaeger v2 config
// (`extensions: remote_sampling`). Every sampling processor is parsed on its own, so one bad
// block does not hide problems in the next.
void CheckSamplingConfig(const std::string& path, const YAML::Node& root, FileCheck* check) {
  auto doc = sampling::CollectorConfig::LoadFile(path);
  if (!doc.ok()) return AddProblem(path, doc.status().message(), check);
  const bool has_processors = static_cast<bool>(root["processors"]);
  std::vector<std::string> parts;

  bool jaeger = false;
  if (HasRemoteSamplingExtension(root)) {
    jaeger = true;
    auto rs = sampling::LoadJaegerV2SamplingYaml(path);
    if (rs.ok()) {
      parts.push_back(DescribeRemoteSampling(*rs));
      for (const config::Diagnostic& w : rs->warnings) check->warnings.push_back(w.Format());
    } else {
      AddProblem(path, rs.status().message(), check);
    }
  }

  size_t processors = 0;
  auto tail = doc->FindProcessors("tail_sampling", "policies");
  if (!tail.ok()) {
    AddProblem(path, tail.status().message(), check);
  } else {
    for (const sampling::ProcessorBlock& b : *tail) {
      ++processors;
      config::Diagnostics diag(path);
      auto c = sampling::ParseTailSamplingConfig(b.Value(), diag);
      if (!c) {
        AddProblem(path, diag.ErrorText(), check);
        continue;
      }
      parts.push_back(b.id + " (" + Plural(c->policies.size(), "policy", "policies") + ")");
      for (const config::Diagnostic& w : diag.Sorted()) check->warnings.push_back(w.Format());
    }
  }

  auto prob = doc->FindProcessors("probabilistic_sampler", "");
  if (!prob.ok()) {
    // `processors:` that is not a map fails both searches the same way: say it once.
    if (tail.ok() || tail.status().message() != prob.status().message()) {
      AddProblem(path, prob.status().message(), check);
    }
  } else {
    std::vector<sampling::ProcessorBlock> blocks = *prob;
    if (blocks.empty() && !has_processors && processors == 0 && !jaeger &&
        LooksLikeProbabilisticBlock(root)) {
      sampling::ProcessorBlock whole;
      whole.id = "probabilistic_sampler";
      whole.path = whole.id;  // messages name the block as if it were under this key
      whole.node = root;
      whole.line = whole.column = 1;
      blocks.push_back(std::move(whole));
    }
    for (const sampling::ProcessorBlock& b : blocks) {
      ++processors;
      config::Diagnostics diag(path);
      auto c = sampling::ParseProbabilisticSamplerConfig(b.Value(), diag);
      if (!c) {
        AddProblem(path, diag.ErrorText(), check);
        continue;
      }
      parts.push_back(b.id + " (" + DescribeProbabilistic(*c) + ")");
      for (const config::Diagnostic& w : diag.Sorted()) check->warnings.push_back(w.Format());
    }
  }

  if (processors == 0 && !jaeger && tail.ok() && prob.ok()) {
    check->problems.push_back(KeyWhere(path, root, "processors") +
                              "processors: no sampling processors found (expected "
                              "tail_sampling[/name] or probabilistic_sampler[/name])");
  }
  std::string kind = jaeger ? "jaeger config" : has_processors ? "collector config" : "processor";
  check->summary = kind + ": " + KeyList(parts);
}

// The JSON kinds: a Jaeger strategies file (remote_sampling.file.path) or a served strategy
// (the remote sampling API's response). Returns false when the file is not one of them.
bool CheckJaegerJson(const std::string& path, FileCheck* check) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    check->problems.push_back(path + ": cannot read the file");
    return true;
  }
  std::stringstream text;
  text << in.rdbuf();
  const std::string body = text.str();
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(body);
  } catch (const nlohmann::json::parse_error& e) {
    // e.byte is 1-based; turn it into a line and column.
    size_t line = 1, col = 1;
    for (size_t i = 0; i + 1 < e.byte && i < body.size(); ++i) {
      col = body[i] == '\n' ? 1 : col + 1;
      line += body[i] == '\n';
    }
    std::string what = e.what();
    if (size_t p = what.find("; "); p != std::string::npos) what = what.substr(p + 2);
    check->problems.push_back(path + ":" + std::to_string(line) + ":" + std::to_string(col) +
                              ": not valid JSON: " + what);
    return true;
  }
  if (j.is_object()) {
    for (const char* key : {"services", "dependencies", "workload", "topology"}) {
      if (j.contains(key)) return false;  // a topology or scenario written as JSON
    }
  }
  const bool served =
      j.is_object() && (j.contains("strategyType") || j.contains("probabilisticSampling") ||
                        j.contains("rateLimitingSampling") || j.contains("operationSampling"));
  if (served) {
    auto s = sampling::ParseServedStrategyJson(body, path);
    if (!s.ok()) {
      AddProblem(path, s.status().message(), check);
      return true;
    }
    std::string d = "jaeger served strategy: ";
    if (s->type == sampling::JaegerStrategyType::kRateLimiting) {
      d += "ratelimiting " + std::to_string(s->max_traces_per_second.value_or(0)) + " traces/s";
    } else {
      d += "probabilistic " + FormatNumber(s->probabilistic_rate.value_or(0));
    }
    if (s->operation_sampling) {
      d += ", " + Plural(s->operation_sampling->per_operation.size(), "operation", "operations") +
           " (default probability " +
           FormatNumber(s->operation_sampling->default_sampling_probability) + ")";
    }
    check->summary = d;
    return true;
  }
  if (j.is_object() && !j.contains("default_strategy") && !j.contains("service_strategies")) {
    return false;
  }
  // Everything else is read as a strategies file; the parser rejects non-objects ("nonsense").
  auto f = sampling::LoadStrategiesFile(path);
  if (!f.ok()) {
    AddProblem(path, f.status().message(), check);
    return true;
  }
  sampling::JaegerFileStrategyProvider provider(*f, sampling::JaegerFileOptions{});
  for (const config::Diagnostic& w : provider.warnings()) check->warnings.push_back(w.Format());
  size_t operations = 0;
  for (const auto& s : f->service_strategies) operations += s.operation_strategies.size();
  if (f->default_strategy) operations += f->default_strategy->operation_strategies.size();
  const sampling::ServedStrategy& def = provider.default_strategy();
  std::string d =
      "jaeger strategies: " + Plural(f->service_strategies.size(), "service", "services") + ", " +
      Plural(operations, "operation strategy", "operation strategies") + ", default ";
  if (def.type == sampling::JaegerStrategyType::kRateLimiting) {
    d += "ratelimiting " + std::to_string(def.max_traces_per_second.value_or(0)) + " traces/s";
  } else {
    d += "probabilistic " + FormatNumber(def.probabilistic_rate.value_or(0));
  }
  if (!f->default_strategy) d += " (not set: Jaeger's default)";
  check->summary = d;
  return true;
}

void CheckFile(const std::string& path, FileCheck* check) {
  if (path.ends_with(".json") && CheckJaegerJson(path, check)) return;
  YAML::Node root;
  try {
    root = YAML::LoadFile(path);
  } catch (const YAML::BadFile&) {
    check->problems.push_back(path + ": cannot read the file");
    return;
  } catch (const YAML::Exception& e) {
    check->problems.push_back(path + ":" + std::to_string(e.mark.line + 1) + ":" +
                              std::to_string(e.mark.column + 1) + ": " + e.msg);
    return;
  }
  if (root.IsMap() && (root["workload"] || root["topology"])) return CheckScenario(path, check);
  if (root.IsMap() && (root["services"] || root["dependencies"])) {
    return CheckTopology(path, check);
  }
  if (root.IsMap() && LooksLikeSamplingConfig(root)) {
    return CheckSamplingConfig(path, root, check);
  }
  check->problems.push_back(
      path +
      ":1:1: cannot tell what this file is: expected a topology (with 'services:'), a scenario "
      "(with 'workload:'), a Collector config (with 'processors:'), a tail_sampling or "
      "probabilistic_sampler block, a Jaeger v2 config (with 'extensions: remote_sampling') or a "
      "Jaeger strategies file (*.json)");
}

}  // namespace

int ValidateCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string caption =
      "Usage: tracesim validate FILE...\n\n"
      "Checks each file and prints 'FILE: ok (...)' or every problem found, with its line or JSON\n"
      "path. The kind of file is recognised from its content: a topology (services:), a scenario\n"
      "(workload:), an OpenTelemetry Collector config (processors: with tail_sampling or\n"
      "probabilistic_sampler), a bare tail_sampling / probabilistic_sampler block, a Jaeger v2\n"
      "config (extensions: remote_sampling) or a Jaeger sampling strategies file (*.json).\n"
      "Warnings are printed as 'FILE:LINE:COL: KEY: warning: ...' and do not fail the file.\n"
      "Exit 0 when every file is valid, 1 when any has problems. See doc/validate.md.\n\nOptions";
  po::options_description desc(caption);
  desc.add_options()("help,h", "show this help")("files", po::value<std::vector<std::string>>(),
                                                 "files");
  po::positional_options_description pos;
  pos.add("files", -1);
  po::variables_map vm;
  if (!ParseFlags("validate", args, desc, &pos, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << caption << ":\n" << FlagHelp(desc, {"files"});
    return kExitOk;
  }
  if (!vm.count("files")) {
    err << "tracesim validate: no FILE given\nTry 'tracesim validate --help'.\n";
    return kExitUsage;
  }
  int bad = 0;
  for (const std::string& path : vm["files"].as<std::vector<std::string>>()) {
    FileCheck check;
    try {
      CheckFile(path, &check);
    } catch (const std::exception& e) {  // a parser bug must not hide the other files
      check.problems.push_back(path + ": internal error while checking: " + e.what());
    }
    for (const std::string& p : check.problems) out << p << "\n";
    for (const std::string& w : check.warnings) out << w << "\n";
    if (check.problems.empty()) {
      out << path << ": ok (" << check.summary << ")\n";
    } else {
      ++bad;
    }
  }
  return bad == 0 ? kExitOk : kExitFailed;
}

// ---- topology ---------------------------------------------------------------------------------

int TopologyCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string caption =
      "Usage: tracesim topology FILE|NAME [--format text|dot]\n\n"
      "Prints the service graph of a topology file or a built-in topology: as indented text, or\n"
      "as a Graphviz DOT digraph (tracesim topology checkout --format dot | dot -Tsvg > "
      "g.svg).\n\nOptions";
  po::options_description desc(caption);
  std::string format = "text";
  desc.add_options()("help,h", "show this help")(
      "file", po::value<std::string>(), "topology file or name")("format", po::value(&format),
                                                                 "text (default) or dot");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!ParseFlags("topology", args, desc, &pos, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << caption << ":\n"
        << FlagHelp(desc, {"file"})
        << "\nBuilt-in topologies: " << KeyList(topologies::BuiltinTopologyNames()) << "\n";
    return kExitOk;
  }
  if (!vm.count("file")) {
    err << "tracesim topology: no FILE given\nTry 'tracesim topology --help'.\n";
    return kExitUsage;
  }
  if (format != "text" && format != "dot") {
    err << "tracesim topology: --format must be 'text' or 'dot', got '" << format << "'\n";
    return kExitUsage;
  }
  std::string ref = vm["file"].as<std::string>();
  sim::Result<sim::Model> model = sim::Status::NotFound("");
  if (std::filesystem::exists(ref)) {
    model = topologies::LoadTopologyFile(ref);
  } else {
    std::string name = ref.size() > 5 && ref.ends_with(".yaml") ? ref : ref + ".yaml";
    const sim::EmbeddedFile* f = topologies::FindBuiltinTopology(name);
    if (f == nullptr) {
      err << "tracesim topology: '" << ref
          << "' is neither a file nor a built-in topology (built-in: "
          << KeyList(topologies::BuiltinTopologyNames()) << ")\n";
      return kExitUsage;
    }
    model = topologies::LoadTopologyYaml(std::string_view(f->data, f->size),
                                         std::string("builtin:") + f->name);
  }
  if (!model.ok()) {
    err << model.status().message() << "\n";
    return kExitUsage;
  }
  out << (format == "dot" ? topologies::ToDot(*model) : topologies::DescribeText(*model));
  return kExitOk;
}

// ---- dispatch ---------------------------------------------------------------------------------

int Main(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  if (argv.size() < 2) {
    err << kMainUsage;
    return kExitUsage;
  }
  const std::string& cmd = argv[1];
  std::vector<std::string> rest(argv.begin() + 2, argv.end());
  if (cmd == "-h" || cmd == "--help" || cmd == "help") {
    out << kMainUsage;
    return kExitOk;
  }
  if (cmd == "--version" || cmd == "version") {
    out << VersionString() << "\n";
    return kExitOk;
  }
  if (cmd == "run") return RunCommand(rest, out, err);
  if (cmd == "validate") return ValidateCommand(rest, out, err);
  if (cmd == "topology") return TopologyCommand(rest, out, err);
  if (cmd == "load") return LoadCommand(rest, out, err);
  if (cmd == "receive") return ReceiveCommand(rest, out, err);
  err << "tracesim: unknown command '" << cmd << "'\n\n" << kMainUsage;
  return kExitUsage;
}

}  // namespace tracesim::cli
