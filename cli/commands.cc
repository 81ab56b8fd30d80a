#include "cli/commands.h"

#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <boost/program_options.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <new>
#include <nlohmann/json.hpp>
#include <sstream>

#include "absl/synchronization/mutex.h"
#include "app/run.h"
#include "cli/advise_command.h"
#include "cli/base/flags.h"
#include "cli/base/progress.h"
#include "cli/lint_command.h"
#include "cli/load_command.h"
#include "cli/receive_command.h"
#include "cli/service_map_command.h"
#include "cli/trace_command.h"
#include "config/diagnostics.h"
#include "config/grammar.h"
#include "lint/lint.h"
#include "sampling/collector/collector_config.h"
#include "sampling/collector/probabilistic_processor.h"
#include "sampling/collector/tail_sampling/config/tail_config.h"
#include "sampling/jaeger/jaeger_strategies.h"
#include "scenarios/scenario.h"
#include "sim/base/time.h"
#include "topologies/topology.h"

namespace tracesim::cli {
namespace po = boost::program_options;

std::string VersionString() { return "tracesim " + app::Version(); }

namespace {

constexpr char kMainUsage[] =
    "tracesim: a discrete-event simulator and load generator for distributed tracing.\n"
    "\n"
    "Usage: tracesim <command> [options]\n"
    "\n"
    "Commands:\n"
    "  run [SCENARIO]       simulate a scenario (default: the built-in checkout) and summarise it\n"
    "  merge SCENARIO FILE... merge the partial results of `run --shard I/N` into one summary\n"
    "  merge --load FILE... merge the partials of `load --shard I/N` into one load summary\n"
    "  validate FILE...     check topology, scenario, Collector and Jaeger sampling files\n"
    "  lint SCENARIO        check a scenario's sampling configs against its simulated traffic\n"
    "  advise SCENARIO      find the cheapest sampling configs that meet targets (--target)\n"
    "  topology FILE|NAME   show a topology's service graph (text or Graphviz DOT)\n"
    "  trace [SCENARIO]     simulate a scenario and draw chosen traces as waterfalls\n"
    "  load [SCENARIO]      generate paced load into an OTLP/Zipkin collector\n"
    "  receive              run an OTLP receiver that counts spans and injects faults\n"
    "\n"
    "Options:\n"
    "  -h, --help           this help; `tracesim <command> --help` for a command's options\n"
    "  --version            print the version\n"
    "\n"
    "Exit codes: 0 success, 1 problems found or a failure while running, 2 bad usage or input.\n";

std::string KeyList(const std::vector<std::string>& names) {
  std::string s;
  for (const std::string& n : names) s += (s.empty() ? "" : ", ") + n;
  return s;
}

}  // namespace

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

void CheckScenario(const std::string& path, bool lint_samplers, FileCheck* check) {
  auto sc = scenarios::LoadScenarioFile(path);
  if (!sc.ok()) return AddProblem(path, sc.status().message(), check);
  check->summary = "scenario '" + sc->name + "': topology " + sc->topology_ref + ", " +
                   sim::FormatDuration(sc->duration) + ", seed " + std::to_string(sc->seed);
  if (!lint_samplers || sc->samplers.empty()) return;
  // Lint (issue 13): simulate the scenario and check its samplers against the traffic.
  auto report = lint::LintScenario(*sc, lint::LintOptions{});
  if (!report.ok()) return AddProblem(path, report.status().message(), check);
  for (const lint::Finding& f : report->findings) check->warnings.push_back(f.Format());
  check->summary += ", " + std::to_string(report->findings.size()) + " lint finding" +
                    (report->findings.size() == 1 ? "" : "s");
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

void CheckFile(const std::string& path, bool lint_samplers, FileCheck* check) {
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
  if (root.IsMap() && (root["workload"] || root["topology"]))
    return CheckScenario(path, lint_samplers, check);
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

// What `validate` prints: the text lines (problems, warnings, "FILE: ok (...)"), or with
// `json` one object with every file's verdict (doc/validate.md).
std::string RenderValidate(const std::vector<std::pair<std::string, FileCheck>>& checks,
                           bool json) {
  if (json) {
    nlohmann::ordered_json j;
    j["files"] = nlohmann::ordered_json::array();
    size_t invalid = 0;
    for (const auto& [path, check] : checks) {
      invalid += !check.problems.empty();
      nlohmann::ordered_json f;
      f["file"] = path;
      f["valid"] = check.problems.empty();
      f["summary"] = check.problems.empty() ? check.summary : "";
      f["problems"] = check.problems;
      f["warnings"] = check.warnings;
      j["files"].push_back(f);
    }
    j["valid"] = checks.size() - invalid;
    j["invalid"] = invalid;
    return j.dump(2) + "\n";
  }
  std::string text;
  for (const auto& [path, check] : checks) {
    for (const std::string& p : check.problems) text += p + "\n";
    for (const std::string& w : check.warnings) text += w + "\n";
    if (check.problems.empty()) text += path + ": ok (" + check.summary + ")\n";
  }
  return text;
}

}  // namespace

int ValidateCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string caption =
      "Usage: tracesim validate FILE... [--format text|json]\n\n"
      "Checks each file and prints 'FILE: ok (...)' or every problem found, with its line or JSON\n"
      "path. The kind of file is recognised from its content: a topology (services:), a scenario\n"
      "(workload:), an OpenTelemetry Collector config (processors: with tail_sampling or\n"
      "probabilistic_sampler), a bare tail_sampling / probabilistic_sampler block, a Jaeger v2\n"
      "config (extensions: remote_sampling) or a Jaeger sampling strategies file (*.json).\n"
      "Warnings are printed as 'FILE:LINE:COL: KEY: warning: ...' and do not fail the file.\n"
      "A scenario with samplers: is simulated and linted (tracesim lint); its findings are\n"
      "printed like warnings and do not fail the file either (--no-lint skips them).\n"
      "Exit 0 when every file is valid, 1 when any has problems. See doc/validate.md.\n\nOptions";
  po::options_description desc(caption);
  std::string format = "text";
  desc.add_options()("help,h", "show this help")("files", po::value<std::vector<std::string>>(),
                                                 "files")(
      "format", po::value(&format),
      "text (default) or json: every file's verdict, problems and warnings as one JSON object")(
      "no-lint", "do not simulate scenarios with samplers: to lint them");
  po::positional_options_description pos;
  pos.add("files", -1);
  po::variables_map vm;
  if (!ParseFlags("validate", args, desc, &pos, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << caption << ":\n" << FlagHelp(desc, {"files"});
    return kExitOk;
  }
  if (format != "text" && format != "json") {
    err << "tracesim validate: --format: '" << format << "' is not a format (text or json)\n";
    return kExitUsage;
  }
  if (!vm.count("files")) {
    err << "tracesim validate: no FILE given\nTry 'tracesim validate --help'.\n";
    return kExitUsage;
  }
  // Text is printed file by file (a slow lint does not hold back the verdicts before it).
  std::vector<std::pair<std::string, FileCheck>> checks;
  std::string text;
  for (const std::string& path : vm["files"].as<std::vector<std::string>>()) {
    FileCheck& check = checks.emplace_back(path, FileCheck{}).second;
    try {
      CheckFile(path, !vm.count("no-lint"), &check);
    } catch (const std::exception& e) {  // a parser bug must not hide the other files
      check.problems.push_back(path + ": internal error while checking: " + e.what());
    }
    if (format == "text") {
      const std::string lines = RenderValidate({checks.back()}, false);
      out << lines << std::flush;
      text += lines;
    }
  }
  if (format == "json") out << RenderValidate(checks, true);
  // Lines wider than the terminal they are shown on: say so and where they fit, as `run` does.
  if (format == "text" && ::isatty(::fileno(stdout)) == 1)
    err << TooWideNote("validate", text, TerminalColumns(stdout), "--format json", "report",
                       "message");
  for (const auto& [path, check] : checks)
    if (!check.problems.empty()) return kExitFailed;
  return kExitOk;
}

// ---- topology ---------------------------------------------------------------------------------

int TopologyCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const std::string caption =
      "Usage: tracesim topology FILE|NAME [--format text|dot|svg|png] [--edges pair|operation]\n"
      "       tracesim topology --scenario SCENARIO [--format svg|png|dot] [--duration D]\n\n"
      "Prints the service graph of a topology file or a built-in topology: as indented text, as\n"
      "a Graphviz DOT digraph (one edge per called operation), or as a service map drawn by\n"
      "Graphviz in-process (svg, png: one edge per service pair, node shapes by kind, a legend).\n"
      "With --scenario, simulates it and labels the map's edges with calls/s and error ratios.\n"
      "\nOptions";
  po::options_description desc(caption);
  std::string format = "text", edges, scenario_ref, duration_text;
  desc.add_options()("help,h", "show this help")("file", po::value<std::string>(),
                                                 "topology file or name")(
      "format", po::value(&format), "text (default), dot, svg or png (PNG bytes on stdout)")(
      "edges", po::value(&edges),
      "service map edges: pair (default for svg/png) or operation; with dot: the service map")(
      "scenario", po::value(&scenario_ref),
      "simulate SCENARIO and put its rates and error ratios on the edges")(
      "duration", po::value(&duration_text), "with --scenario: arrival window (default: its own)");
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
  if (format != "text" && format != "dot" && format != "svg" && format != "png") {
    err << "tracesim topology: --format must be 'text', 'dot', 'svg' or 'png', got '" << format
        << "'\n";
    return kExitUsage;
  }
  if (!edges.empty() && edges != "pair" && edges != "operation") {
    err << "tracesim topology: --edges must be 'pair' or 'operation', got '" << edges << "'\n";
    return kExitUsage;
  }
  if (!scenario_ref.empty() || (format != "text" && format != "dot") ||
      (format == "dot" && !edges.empty())) {
    if (vm.count("file") && !scenario_ref.empty()) {
      err << "tracesim topology: give FILE|NAME or --scenario, not both\n";
      return kExitUsage;
    }
    if (format == "text") {
      err << "tracesim topology: --scenario and --edges draw a map: use --format svg, png or "
             "dot\n";
      return kExitUsage;
    }
    ServiceMapRequest request;
    request.format = format;
    request.per_operation = edges == "operation";
    request.scenario = scenario_ref;
    request.duration = duration_text;
    request.topology = vm.count("file") ? vm["file"].as<std::string>() : "";
    return ServiceMapCommand(request, out, err);
  }
  if (!vm.count("file")) {
    err << "tracesim topology: no FILE given\nTry 'tracesim topology --help'.\n";
    return kExitUsage;
  }
  sim::Result<sim::Model> model = LoadTopologyRef(vm["file"].as<std::string>(), err);
  if (!model.ok()) return kExitUsage;
  out << (format == "dot" ? topologies::ToDot(*model) : topologies::DescribeText(*model));
  return kExitOk;
}

// ---- dispatch ---------------------------------------------------------------------------------

namespace {

int Dispatch(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
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
  if (cmd == "trace") return TraceCommand(rest, out, err);
  if (cmd == "lint") return LintCommand(rest, out, err);      // issue 13
  if (cmd == "advise") return AdviseCommand(rest, out, err);  // issue 13
  if (cmd == "merge") return MergeCommand(rest, out, err);    // issue 15
  err << "tracesim: unknown command '" << cmd << "'\n\n" << kMainUsage;
  return kExitUsage;
}

}  // namespace

int Main(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err) {
  const std::string cmd = argv.size() >= 2 ? argv[1] : "";
  // Debian's abseil is built without NDEBUG, so by default every absl::Mutex that gRPC takes
  // also records the lock order in a global graph (and aborts the process on a cycle): 0.8 % of
  // `load`'s and 1.6 % of `receive`'s samples over gRPC. Release builds of abseil leave it off,
  // and so does tracesim (bench/README.md, "gRPC's locks without abseil's deadlock detection").
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  // What escapes a command is a failure, said in one line, never an abort: an input that asks for
  // more memory than the machine has (std::bad_alloc), or a bug. Commands report bad input
  // themselves (exit 2); these exit 1.
  try {
    return Dispatch(argv, out, err);
  } catch (const std::bad_alloc&) {
    err << "tracesim " << cmd
        << ": out of memory: the input or the flags ask for more than this machine has (a "
           "longer or faster run than intended? see --max-spans and doc/validate.md's limits)\n";
  } catch (const std::exception& e) {
    err << "tracesim " << cmd << ": internal error: " << e.what() << "\n";
  }
  return kExitFailed;
}

}  // namespace tracesim::cli
