#include "cli/commands.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <boost/program_options.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>

#include "cli/load_command.h"
#include "cli/progress.h"
#include "cli/receive_command.h"
#include "exporter/otlp_json_file_sink.h"
#include "metrics/red_metrics.h"
#include "metrics/truth_metrics.h"
#include "reports/run_report.h"
#include "reports/truth_writer.h"
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
    "  validate FILE...     check topology and scenario files; print every problem\n"
    "  topology FILE|NAME   show a topology's service graph (text or Graphviz DOT)\n"
    "  load [SCENARIO]      generate paced load into an OTLP/Zipkin collector\n"
    "  receive              run an OTLP receiver that counts spans and injects faults\n"
    "\n"
    "Options:\n"
    "  -h, --help           this help; `tracesim <command> --help` for a command's options\n"
    "  --version            print the version\n"
    "\n"
    "Exit codes: 0 success, 1 problems found or a failure while running, 2 bad usage or input.\n";

// Parses `args` against `desc` (and positionals); on error prints it and returns false.
bool Parse(const std::string& command, const std::vector<std::string>& args,
           const po::options_description& desc, const po::positional_options_description& pos,
           po::variables_map* vm, std::ostream& err) {
  try {
    po::store(po::command_line_parser(args).options(desc).positional(pos).run(), *vm);
    po::notify(*vm);
    return true;
  } catch (const po::error& e) {
    err << "tracesim " << command << ": " << e.what() << "\nTry 'tracesim " << command
        << " --help'.\n";
    return false;
  }
}

bool IsTerminal(FILE* f) { return ::isatty(::fileno(f)) == 1; }

std::string KeyList(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

// ---- run --------------------------------------------------------------------------------------

int RunCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description desc(
      "Usage: tracesim run [SCENARIO] [options]\n\n"
      "Simulates SCENARIO (a scenario file, or a built-in name; default: checkout) and prints a\n"
      "summary: traces, spans, simulated and wall time, and per-service RED metrics.\n\nOptions");
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
       "unix time of simulated 0, RFC 3339 (default: the scenario's)")  //
      ("spans-out", po::value(&spans_out),
       "write spans as OTLP/JSON lines to FILE ('-' = stdout)")                  //
      ("format", po::value(&format), "summary format: table (default) or json")  //
      ("no-progress", "never show the progress bar");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!Parse("run", args, desc, pos, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << desc << "\nBuilt-in scenarios: " << KeyList(scenarios::BuiltinScenarioNames()) << "\n";
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
    try {
      size_t used = 0;
      if (seed_text.empty() || seed_text[0] == '-') throw std::invalid_argument("negative");
      sc.seed = std::stoull(seed_text, &used, 0);
      if (used != seed_text.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      err << "tracesim run: --seed must be an unsigned 64-bit integer, got '" << seed_text << "'\n";
      return kExitUsage;
    }
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
    double rate = 0;
    try {
      size_t used = 0;
      rate = std::stod(rate_text, &used);
      if (used != rate_text.size()) throw std::invalid_argument("trailing");
    } catch (const std::exception&) {
      rate = -1;
    }
    if (!(rate > 0) || rate > 1e9) {
      err << "tracesim run: --rate must be a number of traces/s in (0, 1e9], got '" << rate_text
          << "'\n";
      return kExitUsage;
    }
    sc.workload = sc.workload.WithBaseRate(rate);
  }
  if (vm.count("start-time")) {
    auto t = sim::ParseRfc3339(start_text);
    if (!t.ok()) {
      err << "tracesim run: --start-time: " << t.status().message() << "\n";
      return kExitUsage;
    }
    sc.start_unix_nanos = *t;
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

  bool progress_enabled = !vm.count("no-progress") && IsTerminal(stderr);
  ProgressBar bar(stderr, progress_enabled, sc.duration.seconds());
  sim::SimulationOptions opt;
  opt.seed = sc.seed;
  opt.start_unix_nanos = sc.start_unix_nanos;
  opt.faults = faults;
  opt.tag_ground_truth = vm.count("tag-ground-truth") > 0;
  if (progress_enabled) opt.progress = [&bar](sim::Time t) { bar.Update(t.seconds()); };

  auto wall_start = std::chrono::steady_clock::now();
  sim::Simulation simulation(sc.model, opt, &tee);
  sim::Status st = simulation.Run(workload->get());
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
  // With spans or truth on stdout, the summary goes to stderr so the two never mix.
  std::ostream& summary = spans_out == "-" || truth_out == "-" ? err : out;
  summary << (format == "json" ? reports::RenderRunJson(report) : reports::RenderRunTable(report));
  return kExitOk;
}

// ---- validate ---------------------------------------------------------------------------------

int ValidateCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description desc(
      "Usage: tracesim validate FILE...\n\n"
      "Checks each file and prints 'FILE: ok' or every problem found, with its line. The kind of\n"
      "file is recognised from its content: a topology (services:) or a scenario (workload:).\n"
      "Exit 0 when every file is valid, 1 when any has problems.\n\nOptions");
  desc.add_options()("help,h", "show this help")("files", po::value<std::vector<std::string>>(),
                                                 "files");
  po::positional_options_description pos;
  pos.add("files", -1);
  po::variables_map vm;
  if (!Parse("validate", args, desc, pos, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << desc;
    return kExitOk;
  }
  if (!vm.count("files")) {
    err << "tracesim validate: no FILE given\nTry 'tracesim validate --help'.\n";
    return kExitUsage;
  }
  int bad = 0;
  for (const std::string& path : vm["files"].as<std::vector<std::string>>()) {
    YAML::Node root;
    try {
      root = YAML::LoadFile(path);
    } catch (const YAML::BadFile&) {
      out << path << ": cannot read the file\n";
      ++bad;
      continue;
    } catch (const YAML::Exception& e) {
      out << path << ":" << e.mark.line + 1 << ":" << e.mark.column + 1 << ": " << e.msg << "\n";
      ++bad;
      continue;
    }
    if (root.IsMap() && (root["workload"] || root["topology"])) {
      auto sc = scenarios::LoadScenarioFile(path);
      if (sc.ok()) {
        out << path << ": ok (scenario '" << sc->name << "': topology " << sc->topology_ref << ", "
            << sim::FormatDuration(sc->duration) << ", seed " << sc->seed << ")\n";
      } else {
        out << sc.status().message() << "\n";
        ++bad;
      }
    } else if (root.IsMap() && (root["services"] || root["dependencies"])) {
      auto m = topologies::LoadTopologyFile(path);
      if (m.ok()) {
        size_t services = 0;
        for (const sim::Service& s : m->services) services += s.kind == sim::ServiceKind::kService;
        out << path << ": ok (topology: " << services << " services, "
            << m->services.size() - services << " dependencies, " << m->operations.size()
            << " operations)\n";
      } else {
        out << m.status().message() << "\n";
        ++bad;
      }
    } else {
      out << path
          << ":1:1: cannot tell what this file is: expected a topology (with 'services:') or a "
             "scenario "
             "(with 'workload:')\n";
      ++bad;
    }
  }
  return bad == 0 ? kExitOk : kExitFailed;
}

// ---- topology ---------------------------------------------------------------------------------

int TopologyCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description desc(
      "Usage: tracesim topology FILE|NAME [--format text|dot]\n\n"
      "Prints the service graph of a topology file or a built-in topology: as indented text, or\n"
      "as a Graphviz DOT digraph (tracesim topology checkout --format dot | dot -Tsvg > "
      "g.svg).\n\nOptions");
  std::string format = "text";
  desc.add_options()("help,h", "show this help")(
      "file", po::value<std::string>(), "topology file or name")("format", po::value(&format),
                                                                 "text (default) or dot");
  po::positional_options_description pos;
  pos.add("file", 1);
  po::variables_map vm;
  if (!Parse("topology", args, desc, pos, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << desc << "\nBuilt-in topologies: " << KeyList(topologies::BuiltinTopologyNames()) << "\n";
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
