#include "cli/advise_command.h"

#include <boost/program_options.hpp>

#include "advise/advisor.h"
#include "advise/render.h"
#include "cli/base/flags.h"
#include "cli/commands.h"
#include "config/grammar.h"
#include "scenarios/scenario.h"

namespace tracesim::cli {
namespace po = boost::program_options;

namespace {

constexpr char kAdviseCaption[] =
    "Usage: tracesim advise SCENARIO --target 'METRIC OP NUMBER'... [options]\n\n"
    "Searches sampling configurations (SDK head ratios, Collector tail_sampling policy sets, and\n"
    "both) by simulating SCENARIO, and prints the cheapest that meet every target, with each\n"
    "target's figure and 95% interval, and the best one as ready-to-paste Collector YAML and SDK\n"
    "environment. The scenario's own samplers: are scored on the same traffic. Exit 0 when a\n"
    "configuration meets the targets, 1 when none does, 2 for bad usage or input. See\n"
    "doc/advise.md.\n\nOptions";

// The flags' text, as given.
struct AdviseFlags {
  std::vector<std::string> targets, families, prices;
  std::string minimize = "usd_month", budget, top, duration, seed, pricing, format = "table";
};

// Turns the flags into options; returns the usage message, or "".
std::string ToOptions(const po::variables_map& vm, const AdviseFlags& f,
                      const scenarios::Scenario& sc, advise::AdviseOptions* o) {
  o->targets = f.targets;
  o->minimize = f.minimize;
  if (!f.families.empty()) {
    o->families.clear();
    for (const std::string& text : f.families) {
      auto family = advise::ParseFamily(text);
      if (!family.ok()) return family.status().message();
      o->families.push_back(*family);
    }
  }
  for (auto [flag, text, into] :
       {std::tuple{"--budget", &f.budget, &o->budget}, std::tuple{"--top", &f.top, &o->top}}) {
    if (text->empty()) continue;
    auto n = config::ParseSeed(*text);  // a base-10 count
    if (!n.ok()) return std::string(flag) + ": expected a count, got '" + *text + "'";
    *into = static_cast<size_t>(std::min<uint64_t>(*n, 1000000));
  }
  if (vm.count("duration")) {
    auto d = sim::ParseDuration(f.duration);
    if (!d.ok()) return "--duration: " + d.status().message();
    o->duration = *d;
  }
  if (vm.count("seed")) {
    auto s = config::ParseSeed(f.seed);
    if (!s.ok()) return "--seed: " + s.status().message();
    o->seed = *s;
  }
  if (vm.count("pricing") || vm.count("price")) {
    auto p = sampling::ResolvePricing(sc.pricing, f.pricing, f.prices);
    if (!p.ok()) return p.status().message();
    o->pricing = *p;
  }
  sim::Status st = o->Validate();
  return st.ok() ? "" : st.message();
}

}  // namespace

int AdviseCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description desc(kAdviseCaption);
  AdviseFlags f;
  desc.add_options()("help,h", "show this help")  //
      ("scenario", po::value<std::string>(), "scenario file or built-in name")(
          "target", po::value(&f.targets),
          "what a configuration must achieve, METRIC OP NUMBER over the run threshold metrics, "
          "e.g. "
          "'error_recall>=0.99', 'slow_trace_p95_recall>=0.95' (repeatable; at least one)")(
          "minimize", po::value(&f.minimize),
          "the metric to minimise: cost (= usd_month, the default), gb_month, bytes_kept, "
          "kept_ratio, peak_bytes_buffered, ...")(
          "family", po::value(&f.families),
          "the configurations searched: head, tail, head+tail (repeatable; default: all three)")(
          "budget", po::value(&f.budget),
          "simulation runs, 2-100 (default 4): one to measure the traffic, then up to 63 "
          "configurations per run")("top", po::value(&f.top), "configurations shown (default 3)")(
          "duration", po::value(&f.duration),
          "arrival window of each run (default: the scenario's)")(
          "seed", po::value(&f.seed), "random seed (default: the scenario's)")(
          "pricing", po::value(&f.pricing),
          "price preset: object-storage (default), tiered, ingest, per-span")(
          "price", po::value(&f.prices), "KEY=VALUE over the pricing (repeatable), as in run")(
          "format", po::value(&f.format), "table (default) or json");
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!ParseFlags("advise", args, desc, &pos, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << kAdviseCaption << ":\n" << FlagHelp(desc, {"scenario"});
    return kExitOk;
  }
  auto usage = [&err](const std::string& message) {
    err << "tracesim advise: " << message << "\n";
    return kExitUsage;
  };
  if (!vm.count("scenario")) return usage("no SCENARIO given\nTry 'tracesim advise --help'.");
  if (f.format != "table" && f.format != "json")
    return usage("--format must be 'table' or 'json', got '" + f.format + "'");
  auto scenario = scenarios::LoadScenario(vm["scenario"].as<std::string>());
  if (!scenario.ok()) return usage(scenario.status().message());
  advise::AdviseOptions options;
  if (std::string bad = ToOptions(vm, f, *scenario, &options); !bad.empty()) return usage(bad);
  const std::string name = scenario->name;
  auto advice = advise::Advise(std::move(scenario).value(), options);
  if (!advice.ok()) {
    err << "tracesim advise: " << advice.status().message() << "\n";
    return advice.status().code() == sim::Status::Code::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  out << (f.format == "json" ? advise::RenderAdviceJson(*advice, name, options.top)
                             : advise::RenderAdviceText(*advice, name, options.top));
  return advice->ranking.empty() ? kExitFailed : kExitOk;
}

}  // namespace tracesim::cli
