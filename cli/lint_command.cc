#include "cli/lint_command.h"

#include <boost/program_options.hpp>

#include "cli/base/flags.h"
#include "cli/commands.h"
#include "config/grammar.h"
#include "lint/lint.h"
#include "lint/rules.h"
#include "scenarios/scenario.h"

namespace tracesim::cli {
namespace po = boost::program_options;

namespace {

constexpr char kLintCaption[] =
    "Usage: tracesim lint SCENARIO [options]\n\n"
    "Simulates SCENARIO and checks its sampling strategies (samplers:) against the traffic: each\n"
    "finding names the file, line and key, a severity (error, warning, note), the run's figures\n"
    "and a fix. Exit 0 when no finding is an error (with --strict: no error or warning), 1\n"
    "otherwise, 2 for bad usage or input. See doc/lint.md.\n\nOptions";

// "tracesim lint: 5 findings (1 error, 3 warnings, 1 note) in 6 strategies".
std::string Tally(const std::vector<lint::Finding>& findings, size_t strategies) {
  size_t n[3] = {0, 0, 0};
  for (const lint::Finding& f : findings) ++n[static_cast<int>(f.severity)];
  auto plural = [](size_t c, const char* one, const char* many) {
    return std::to_string(c) + " " + (c == 1 ? one : many);
  };
  return plural(findings.size(), "finding", "findings") + " (" + plural(n[0], "error", "errors") +
         ", " + plural(n[1], "warning", "warnings") + ", " + plural(n[2], "note", "notes") +
         ") in " + plural(strategies, "strategy", "strategies");
}

}  // namespace

int LintCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description desc(kLintCaption);
  std::string duration, seed;
  desc.add_options()("help,h", "show this help")("scenario", po::value<std::string>(),
                                                 "scenario file or built-in name")(
      "duration", po::value(&duration),
      "arrival window of the evidence run (default: the scenario's)")(
      "seed", po::value(&seed), "random seed (default: the scenario's)")(
      "strict", "exit 1 on warnings too")("list-rules", "list the rules and exit");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!ParseFlags("lint", args, desc, &pos, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << kLintCaption << ":\n" << FlagHelp(desc, {"scenario"});
    return kExitOk;
  }
  if (vm.count("list-rules")) {
    for (const lint::RuleInfo& r : lint::AllRules()) out << r.id << ": " << r.summary << "\n";
    return kExitOk;
  }
  auto usage = [&err](const std::string& message) {
    err << "tracesim lint: " << message << "\n";
    return kExitUsage;
  };
  if (!vm.count("scenario")) return usage("no SCENARIO given\nTry 'tracesim lint --help'.");
  lint::LintOptions options;
  if (vm.count("duration")) {
    auto d = sim::ParseDuration(duration);
    if (!d.ok()) return usage("--duration: " + d.status().message());
    options.duration = *d;
  }
  if (vm.count("seed")) {
    auto s = config::ParseSeed(seed);
    if (!s.ok()) return usage("--seed: " + s.status().message());
    options.seed = *s;
  }
  auto scenario = scenarios::LoadScenario(vm["scenario"].as<std::string>());
  if (!scenario.ok()) return usage(scenario.status().message());
  if (scenario->samplers.empty()) {
    return usage("scenario '" + scenario->name + "' has no samplers: to check");
  }
  auto report = lint::LintScenario(*scenario, options);
  if (!report.ok()) {
    err << "tracesim lint: " << report.status().message() << "\n";
    return report.status().code() == sim::Status::Code::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  for (const lint::Finding& f : report->findings) out << f.Format() << "\n";
  const lint::TrafficEvidence& ev = report->evidence;
  out << "tracesim lint: " << Tally(report->findings, scenario->samplers.size())
      << "; traffic: " << lint::Count(ev.traces) << " traces, "
      << lint::Fixed(ev.MeanNewTracesPerSecond(), 1) << " new traces/s (peak "
      << lint::Count(ev.PeakNewTracesPerSecond()) << "), p99 root latency "
      << lint::Fixed(ev.root_latency.Percentile(99) / 1e6, 1) << " ms, whole trace "
      << lint::Fixed(ev.trace_duration.Percentile(99) / 1e6, 1) << " ms\n";
  const lint::Severity worst = lint::Worst(report->findings);
  const bool fail =
      !report->findings.empty() && (worst == lint::Severity::kError ||
                                    (vm.count("strict") && worst == lint::Severity::kWarning));
  return fail ? kExitFailed : kExitOk;
}

}  // namespace tracesim::cli
