#include "cli/trace_command.h"

#include <unistd.h>

#include <boost/program_options.hpp>
#include <cstdlib>
#include <iostream>

#include "app/run.h"
#include "cli/base/flags.h"
#include "cli/base/progress.h"
#include "cli/commands.h"
#include "config/grammar.h"
#include "exporter/encoding/otlp_json_file_sink.h"
#include "reports/traces/trace_picker.h"
#include "reports/traces/waterfall.h"
#include "scenarios/scenario.h"
#include "sim/base/time.h"

namespace tracesim::cli {
namespace po = boost::program_options;

namespace {

constexpr char kCaption[] =
    "Usage: tracesim trace [SCENARIO] [--slowest N | --errors N | --fault ID | --id TRACEID |\n"
    "                      --shape HASH] [options]\n\n"
    "Simulates SCENARIO (a scenario file or a built-in name; default: checkout) and draws the\n"
    "chosen traces as waterfalls: service, span, kind, a bar on the trace's time axis, duration,\n"
    "offset and status, the critical path marked (*), and notes from the ground truth (faults,\n"
    "root cause, clock skew, lost context with the fragments that continued the request).\n"
    "Default: --slowest 1.\n\nOptions";

struct Selection {
  reports::TracePickOptions pick;
  std::string what;  // for "no WHAT in this run": "trace with an error"
};

// The one selection flag given (default --slowest 1); false after printing a usage error.
bool Select(const po::variables_map& vm, const scenarios::Scenario& sc, Selection* out,
            std::ostream& err) {
  using Filter = reports::TracePickOptions::Filter;
  using Order = reports::TracePickOptions::Order;
  int given = 0;
  for (const char* f : {"slowest", "errors", "fault", "id", "shape"}) given += vm.count(f) ? 1 : 0;
  if (given > 1) {
    err << "tracesim trace: give one of --slowest, --errors, --fault, --id, --shape\n";
    return false;
  }
  reports::TracePickOptions& p = out->pick;
  const size_t count = vm["count"].as<size_t>();
  if (vm.count("errors")) {
    p.filter = Filter::kError;
    p.order = Order::kFirst;
    p.limit = vm["errors"].as<size_t>();
    out->what = "trace with an error";
  } else if (vm.count("fault")) {
    const std::string id = vm["fault"].as<std::string>();
    std::string ids;
    for (size_t i = 0; i < sc.faults.faults.size(); ++i) {
      if (sc.faults.faults[i].id == id) p.fault_index = static_cast<uint32_t>(i);
      ids += (ids.empty() ? "" : ", ") + sc.faults.faults[i].id;
    }
    if (p.fault_index >= sc.faults.faults.size() || sc.faults.faults[p.fault_index].id != id) {
      err << "tracesim trace: --fault: scenario '" << sc.name << "' has no fault '" << id << "'"
          << (ids.empty() ? std::string(" (it has no faults)") : " (faults: " + ids + ")") << "\n";
      return false;
    }
    p.filter = Filter::kFault;
    p.limit = count;
    out->what = "trace touched by fault '" + id + "'";
  } else if (vm.count("id")) {
    if (!reports::ParseTraceIdHex(vm["id"].as<std::string>(), &p.id)) {
      err << "tracesim trace: --id must be 32 hex digits, got '" << vm["id"].as<std::string>()
          << "'\n";
      return false;
    }
    p.filter = Filter::kId;
    out->what = "trace with id " + vm["id"].as<std::string>();
  } else if (vm.count("shape")) {
    if (!reports::ParseShapeHex(vm["shape"].as<std::string>(), &p.shape)) {
      err << "tracesim trace: --shape must be 16 hex digits (the truth's shape), got '"
          << vm["shape"].as<std::string>() << "'\n";
      return false;
    }
    p.filter = Filter::kShape;
    p.limit = count;
    out->what = "trace of shape " + vm["shape"].as<std::string>();
  } else {
    p.limit = vm.count("slowest") ? vm["slowest"].as<size_t>() : 1;
    out->what = "finished trace";
  }
  if (sim::Status st = p.Validate(); !st.ok()) {
    err << "tracesim trace: " << st.message() << "\n";
    return false;
  }
  return true;
}

// The flags' text, as given.
struct TraceFlags {
  std::string seed, duration, spans_out, color = "auto";
};

void AddTraceFlags(po::options_description* desc, TraceFlags* f) {
  desc->add_options()               //
      ("help,h", "show this help")  //
      ("scenario", po::value<std::string>()->default_value("checkout"),
       "scenario file or built-in name")                                                       //
      ("slowest", po::value<size_t>(), "the N slowest traces (by true entry latency)")         //
      ("errors", po::value<size_t>(), "the first N traces with an error span")                 //
      ("fault", po::value<std::string>(), "the slowest traces fault ID touched")               //
      ("id", po::value<std::string>(), "the trace with this id (32 hex digits)")               //
      ("shape", po::value<std::string>(), "the slowest traces of this shape (16 hex digits)")  //
      ("count", po::value<size_t>()->default_value(1), "traces for --fault and --shape")       //
      ("seed", po::value(&f->seed), "random seed (default: the scenario's)")                   //
      ("duration", po::value(&f->duration),
       "arrival window, e.g. 30s, 10m (default: the scenario's)")  //
      ("width", po::value<int>(),
       "columns per line (default: the terminal's, else $COLUMNS, else 100)")  //
      ("color", po::value(&f->color),
       "auto (default: when stdout is a terminal), always, never")  //
      ("spans-out", po::value(&f->spans_out),
       "also write the shown traces (and their fragments) as OTLP/JSON lines to FILE ('-' = "
       "stdout; the waterfalls then go to stderr)")  //
      ("no-progress", "never show the progress bar");
}

// --color and --width into `wopt`; false after printing the problem.
bool WaterfallFromFlags(const po::variables_map& vm, const TraceFlags& f, bool to_terminal,
                        reports::WaterfallOptions* wopt, std::ostream& err) {
  if (f.color != "auto" && f.color != "always" && f.color != "never") {
    err << "tracesim trace: --color must be auto, always or never, got '" << f.color << "'\n";
    return false;
  }
  wopt->colour = f.color == "always" || (f.color == "auto" && to_terminal);
  if (vm.count("width")) {
    wopt->width = vm["width"].as<int>();
  } else if (to_terminal) {
    wopt->width = std::clamp(TerminalColumns(stdout), 60, 1000);
  } else {
    const char* env = std::getenv("COLUMNS");
    wopt->width = env != nullptr && std::atoi(env) >= 60 ? std::min(std::atoi(env), 1000) : 100;
  }
  if (sim::Status st = wopt->Validate(); !st.ok()) {
    err << "tracesim trace: --width: " << st.message() << "\n";
    return false;
  }
  return true;
}

// --seed and --duration into `options`; false after printing the problem.
bool RunOptionsFromFlags(const po::variables_map& vm, const TraceFlags& f, app::RunOptions* options,
                         std::ostream& err) {
  if (vm.count("seed")) {
    auto seed = config::ParseSeed(f.seed);
    if (!seed.ok()) {
      err << "tracesim trace: --seed: " << seed.status().message() << "\n";
      return false;
    }
    options->seed = *seed;
  }
  if (vm.count("duration")) {
    auto d = sim::ParseDuration(f.duration);
    if (!d.ok()) {
      err << "tracesim trace: --duration: " << d.status().message() << "\n";
      return false;
    }
    options->duration = *d;
  }
  return true;
}

// Draws the picked traces (and writes them to `file` when given); returns the exit code.
int RenderTraces(const std::vector<reports::PickedTrace>& picked, const scenarios::Scenario& sc,
                 const reports::WaterfallOptions& wopt, const std::string& spans_out,
                 exporter::OtlpJsonFileSink* file, std::ostream& out, std::ostream& err) {
  const sim::FaultPlan* plan = sc.faults.empty() ? nullptr : &sc.faults;
  std::string text;
  for (const reports::PickedTrace& p : picked) {
    text += (text.empty() ? "" : "\n") + reports::RenderPicked(p, sc.model, plan, wopt);
    if (file) {
      file->OnTrace(p.trace.View(sc.model));
      for (const reports::CapturedTrace& fr : p.fragments) file->OnTrace(fr.View(sc.model));
    }
  }
  if (file) {
    if (sim::Status closed = file->Close(); !closed.ok()) {
      err << "tracesim trace: --spans-out: " << closed.message() << "\n";
      return kExitFailed;
    }
  }
  (IsStdout(spans_out) ? err : out) << text;
  return kExitOk;
}

}  // namespace

int TraceCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description desc(kCaption);
  TraceFlags f;
  AddTraceFlags(&desc, &f);
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!ParseFlags("trace", args, desc, &pos, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << kCaption << ":\n" << FlagHelp(desc, {"scenario"});
    return kExitOk;
  }
  const bool to_terminal = &out == &std::cout && ::isatty(STDOUT_FILENO) == 1;
  reports::WaterfallOptions wopt;
  if (!WaterfallFromFlags(vm, f, to_terminal, &wopt, err)) return kExitUsage;

  auto loaded = scenarios::LoadScenario(vm["scenario"].as<std::string>());
  if (!loaded.ok()) {
    err << "tracesim trace: " << loaded.status().message() << "\n";
    return kExitUsage;
  }
  const scenarios::Scenario& sc = *loaded;
  app::RunOptions options;
  if (!RunOptionsFromFlags(vm, f, &options, err)) return kExitUsage;
  Selection sel;
  if (!Select(vm, sc, &sel, err)) return kExitUsage;
  std::unique_ptr<exporter::OtlpJsonFileSink> file;
  if (!f.spans_out.empty()) {
    auto opened = exporter::OtlpJsonFileSink::Open(f.spans_out, sc.model);
    if (!opened.ok()) {
      err << "tracesim trace: --spans-out: " << opened.status().message() << "\n";
      return kExitUsage;
    }
    file = std::move(opened).value();
  }

  reports::TracePicker picker(sel.pick);
  options.sinks.push_back(&picker);
  const bool progress = !vm.count("no-progress") && ::isatty(STDERR_FILENO) == 1;
  ProgressBar bar(stderr, progress, options.duration.value_or(sc.duration).seconds());
  if (progress) options.progress = [&bar](sim::Time t) { bar.Update(t.seconds()); };
  auto outcome = app::RunScenario(sc, options);
  bar.Finish();
  if (!outcome.ok()) {
    err << "tracesim trace: " << outcome.status().message() << "\n";
    return outcome.status().code() == sim::Status::Code::kInvalidArgument ? kExitUsage
                                                                          : kExitFailed;
  }
  std::vector<reports::PickedTrace> picked = picker.Take();
  if (picked.empty()) {
    err << "tracesim trace: no " << sel.what << " in this run (" << sc.name << ", seed " << sc.seed
        << ", " << sc.duration.seconds() << " s)\n";
    return kExitFailed;
  }
  return RenderTraces(picked, sc, wopt, f.spans_out, file.get(), out, err);
}

}  // namespace tracesim::cli
