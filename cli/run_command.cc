// `tracesim run`: argv -> app::RunOptions, app::RunScenario, then the summary (and the sampling
// CSV). The wiring, the lab, compression and cost re-scaling live in app/run.h.
#include <unistd.h>

#include <algorithm>
#include <boost/program_options.hpp>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>

#include "app/mpi_run.h"
#include "app/partial.h"
#include "app/replications.h"
#include "app/run.h"
#include "app/run_thresholds.h"
#include "app/shards.h"
#include "cli/base/flags.h"
#include "cli/base/progress.h"
#include "cli/commands.h"
#include "cli/load_command.h"
#include "config/grammar.h"
#include "lint/lint.h"
#include "loadgen/load_plan.h"
#include "reports/html/html_report.h"
#include "reports/text/decision_tags.h"
#include "reports/text/run_report.h"
#include "reports/text/table.h"
#include "scenarios/scenario.h"
#include "sim/base/time.h"

namespace tracesim::cli {
namespace po = boost::program_options;

namespace {

constexpr char kRunCaption[] =
    "Usage: tracesim run [SCENARIO] [options]\n\n"
    "Simulates SCENARIO (a scenario file, or a built-in name; default: checkout) and prints a\n"
    "summary: traces, spans, simulated and wall time, and per-service RED metrics.\n\nOptions";

// The flags' text, as given.
struct RunFlags {
  std::string seed, duration, rate, start_time, spans_out, truth_out, report_csv, report_html;
  std::string shards, warmup;         // issue 15: sharded runs (app/shards.h)
  std::string shard, partial_out;     // issue 15: one shard per process (app/partial.h)
  std::vector<std::string> partials;  // tracesim merge
  std::string format = "table";
  std::vector<std::string> thresholds;
  std::string replications;
  std::string max_spans;            // issue 16 item 15
  std::string pricing;              // issue 13: a preset (sampling/lab/pricing.h)
  std::vector<std::string> prices;  // KEY=VALUE
};

void AddRunFlags(po::options_description* desc, RunFlags* f) {
  desc->add_options()               //
      ("help,h", "show this help")  //
      ("scenario", po::value<std::string>()->default_value("checkout"),
       "scenario file or built-in name")                                      //
      ("seed", po::value(&f->seed), "random seed (default: the scenario's)")  //
      ("duration", po::value(&f->duration),
       "arrival window, e.g. 30s, 10m (default: the scenario's)")                             //
      ("rate", po::value(&f->rate), "base arrival rate in traces/s; the shape scales to it")  //
      ("max-spans", po::value(&f->max_spans),
       "refuse a run estimated above N spans, saying how long it would take (default 5e9; 0 = "
       "no limit)")  //
      ("start-time", po::value(&f->start_time),
       "wall-clock date of simulated 0, RFC 3339 (2024-05-01T12:00:00Z; default: the "
       "scenario's)")  //
      ("spans-out", po::value(&f->spans_out),
       "write spans as OTLP/JSON lines to FILE ('-' = stdout)")  //
      ("report-csv", po::value(&f->report_csv),
       "write the sampling comparison as CSV to FILE ('-' = stdout; scenarios with samplers:)")  //
      ("report-html", po::value(&f->report_html),
       "write a self-contained HTML report (tables, charts, exemplar traces) to FILE ('-' = "
       "stdout)")  //
      ("truth-out", po::value(&f->truth_out),
       "write each trace's ground truth as JSON lines to FILE ('-' = stdout)")  //
      ("tag-ground-truth",
       "also put the truth on each root span as tracesim.* debug attributes")  //
      ("tag-decisions",
       "with --spans-out: tag each span with each strategy's decision, "
       "tracesim.sampler.<name>.kept (scenarios with samplers:)")                   //
      ("format", po::value(&f->format), "summary format: table (default) or json")  //
      ("threshold", po::value(&f->thresholds),
       "pass/fail rule STRATEGY.METRIC OP NUMBER, e.g. 'tail-errors-slow.error_recall>=0.99'; "
       "exit 99 when one is crossed (repeatable)")  //
      ("pricing", po::value(&f->pricing),
       "price preset of the $/month figures: object-storage (default), tiered, ingest, per-span "
       "(doc/sampling-lab.md#pricing)")  //
      ("price", po::value(&f->prices),
       "KEY=VALUE over the scenario's pricing: and the preset, e.g. "
       "storage_usd_per_gb_month=0.02, retention_days.traces=7 (repeatable)")  //
      ("replications", po::value(&f->replications),
       "also run N-1 more seeds (seed+1, ...) and print each strategy's mean and 95% interval")  //
      ("no-lint",
       "do not check the samplers: against the traffic (tracesim lint) after the run")  //
      ("no-progress", "never show the progress bar")                                    //
      ("shards", po::value(&f->shards),
       "split the run into N time windows of equal expected traffic, simulated on N threads and "
       "merged (doc/scale.md); "
       "'mpi': one window per MPI rank, merged at rank 0 (mpirun -np N tracesim run ...)")  //
      ("warmup", po::value(&f->warmup),
       "with --shards: traffic simulated unobserved before and after each window (default: 30s)")
      // issue 15: one shard per process, merged by `tracesim merge` (app/partial.h).
      ("shard", po::value(&f->shard),
       "I/N: simulate only shard I of N (as --shards N would) and write its partial result to "
       "--partial-out, for `tracesim merge`")  //
      ("partial-out", po::value(&f->partial_out), "with --shard: the partial result's FILE");
}

// Turns the flags' text into options (values only: ranges are RunOptions::Validate()'s). Returns
// the error message, or "" when every value parsed.
std::string ToRunOptions(const po::variables_map& vm, const RunFlags& f, app::RunOptions* o) {
  if (vm.count("seed")) {
    auto seed = config::ParseSeed(f.seed);
    if (!seed.ok()) return "--seed: " + seed.status().message();
    o->seed = *seed;
  }
  if (vm.count("duration")) {
    auto d = sim::ParseDuration(f.duration);
    if (!d.ok()) return "--duration: " + d.status().message();
    o->duration = *d;
  }
  if (vm.count("rate")) {
    // One rate grammar with `load`: traces/s ("500") or spans/s ("20000spans").
    auto rate = loadgen::ParseRate(f.rate);
    if (!rate.ok()) {
      return "--rate must be a rate in (0, 1e9] traces/s (500) or spans/s (20000spans), got '" +
             f.rate + "'";
    }
    o->rate = *rate;
  }
  if (vm.count("start-time")) {
    auto t = sim::ParseRfc3339(f.start_time);
    if (!t.ok()) return "--start-time: " + t.status().message();
    o->start_unix_nanos = *t;
  }
  if (vm.count("max-spans")) {
    char* end = nullptr;
    const double n = std::strtod(f.max_spans.c_str(), &end);
    if (f.max_spans.empty() || end != f.max_spans.c_str() + f.max_spans.size() || !(n >= 0) ||
        !std::isfinite(n))
      return "--max-spans must be a number of spans >= 0 (0 = no limit), got '" + f.max_spans + "'";
    o->max_spans = n;
  }
  o->spans_out = f.spans_out;
  o->truth_out = f.truth_out;
  o->tag_ground_truth = vm.count("tag-ground-truth") > 0;
  o->tag_decisions = vm.count("tag-decisions") > 0;
  return "";
}

// --shards and --warmup (values only: ranges are ShardOptions::Validate()'s).
std::string ToShardOptions(const po::variables_map& vm, const RunFlags& f, app::ShardOptions* o) {
  if (vm.count("shards")) {
    char* end = nullptr;
    const unsigned long n = std::strtoul(f.shards.c_str(), &end, 10);
    if (f.shards.empty() || *end != '\0' || f.shards[0] == '-' || n > 1u << 20)
      return "--shards must be a whole number of shards, got '" + f.shards + "'";
    o->count = static_cast<uint32_t>(n);
  }
  if (vm.count("warmup")) {
    auto d = sim::ParseDuration(f.warmup);
    if (!d.ok()) return "--warmup: " + d.status().message();
    o->warmup = *d;
  }
  return "";
}

std::string RenderReplications(const app::Replications& r);

// --replications as JSON: the seeds, then per strategy each metric's mean and 95 % interval.
nlohmann::ordered_json ReplicationsJson(const app::Replications& r) {
  auto r6 = [](double v) { return std::round(v * 1e6) / 1e6; };
  nlohmann::ordered_json j;
  j["seeds"] = r.seeds;
  j["strategies"] = nlohmann::ordered_json::array();
  for (const app::ReplicatedStrategy& s : r.strategies) {
    nlohmann::ordered_json x;
    x["name"] = s.name;
    for (const app::ReplicatedMetric& m : s.metrics)
      x[m.name] = {{"mean", r6(m.mean)}, {"low", r6(m.low)}, {"high", r6(m.high)}};
    j["strategies"].push_back(x);
  }
  return j;
}

// The summary (text or JSON) with the replications' table or "replications" object when there
// are any (`reps` may be null).
std::string RenderSummary(const reports::RunReport& report, const app::Replications* reps,
                          const RunFlags& f) {
  if (f.format != "json")
    return reports::RenderRunTable(report) + (reps ? RenderReplications(*reps) : "");
  if (reps == nullptr) return reports::RenderRunJson(report);
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(reports::RenderRunJson(report));
  j["replications"] = ReplicationsJson(*reps);
  return j.dump(2) + "\n";
}

// The CSV (when asked) and the summary (with the replications, `reps`, when not null). With any
// output on stdout, the summary goes to stderr so the two never mix.
int RenderRun(const reports::RunReport& report, const app::Replications* reps, const RunFlags& f,
              std::ostream& out, std::ostream& err) {
  if (!f.report_csv.empty()) {
    const std::string csv = reports::RenderSamplingCsv(report);
    if (IsStdout(f.report_csv)) {
      out << csv;
    } else {
      std::ofstream file(f.report_csv, std::ios::binary);
      file << csv;
      if (!file) {
        err << "tracesim run: --report-csv: cannot write " << f.report_csv << "\n";
        return kExitFailed;
      }
    }
  }
  const bool stdout_taken = IsStdout(f.spans_out) || IsStdout(f.truth_out) ||
                            IsStdout(f.report_csv) || IsStdout(f.report_html);
  std::ostream& summary = stdout_taken ? err : out;
  const std::string text = RenderSummary(report, reps, f);
  summary << text;
  // A table wider than the terminal it is shown on says so and where the figures fit.
  FILE* shown_on = stdout_taken ? stderr : stdout;
  if (f.format == "table" && ::isatty(::fileno(shown_on)) == 1)
    err << TooWideNote("run", text, TerminalColumns(shown_on), "--format json");
  return kExitOk;
}

// The thresholds' verdicts ("ok"/"FAILED" lines on `text`, each crossing on `err`); exit 99
// when one is crossed, as `tracesim load` does.
int RenderThresholds(const std::vector<loadgen::ThresholdOutcome>& outcomes, std::ostream& text,
                     std::ostream& err) {
  text << "thresholds:\n";
  bool passed = true;
  for (const loadgen::ThresholdOutcome& o : outcomes) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.6g", o.actual);
    text << "  " << (o.passed ? "ok    " : "FAILED") << " " << o.threshold.text << " (actual "
         << buf << ")\n";
    if (!o.passed) {
      err << "tracesim run: threshold crossed: " << o.threshold.text << " (actual " << buf << ")\n";
      passed = false;
    }
  }
  return passed ? kExitOk : kExitThresholds;
}

// Each strategy's mean and 95 % t interval over the replications.
std::string RenderReplications(const app::Replications& r) {
  std::string out = "\nreplications: " + std::to_string(r.seeds.size()) + " seeds (" +
                    std::to_string(r.seeds.front()) + ".." + std::to_string(r.seeds.back()) +
                    "), mean [95% t interval]\n";
  reports::Table t({{"strategy", reports::Align::kLeft},
                    {"traces kept", reports::Align::kRight},
                    {"error recall", reports::Align::kRight},
                    {"slow p99 recall", reports::Align::kRight},
                    {"$/month", reports::Align::kRight},
                    {"est. err rate", reports::Align::kRight}});
  for (const app::ReplicatedStrategy& s : r.strategies) {
    std::vector<std::string> row = {s.name};
    for (const app::ReplicatedMetric& m : s.metrics) {
      const bool usd = m.name == "usd_month";
      const double k = usd ? 1 : 100;
      const int d = usd ? 2 : 1;
      row.push_back(reports::FormatFixed(m.mean * k, d) + (usd ? "" : "%") + " [" +
                    reports::FormatFixed(m.low * k, d) + "–" + reports::FormatFixed(m.high * k, d) +
                    "]");
    }
    t.AddRow(row);
  }
  return out + t.Render();
}

std::string BuiltinList() {
  std::string s;
  for (const std::string& n : scenarios::BuiltinScenarioNames()) s += (s.empty() ? "" : ", ") + n;
  return s;
}

// "" unless two outputs name stdout ('-'): their bytes would interleave.
std::string StdoutNamedTwice(const RunFlags& f) {
  std::vector<std::string> named;
  const std::pair<const char*, const std::string*> outputs[] = {{"--spans-out", &f.spans_out},
                                                                {"--truth-out", &f.truth_out},
                                                                {"--report-csv", &f.report_csv},
                                                                {"--report-html", &f.report_html}};
  for (const auto& [flag, value] : outputs)
    if (IsStdout(*value)) named.push_back(flag);
  if (named.size() < 2) return "";
  return named[0] + " and " + named[1] + " both name stdout ('-'); give one of them a file";
}

// --pricing and --price over the scenario's pricing: (issue 13). Returns the usage message, or "".
std::string ToPricing(const po::variables_map& vm, const RunFlags& f,
                      const scenarios::Scenario& scenario, app::RunOptions* o) {
  if (!vm.count("pricing") && !vm.count("price")) return "";
  auto pricing = sampling::ResolvePricing(scenario.pricing, f.pricing, f.prices);
  if (!pricing.ok()) return pricing.status().message();
  o->pricing = *pricing;
  return "";
}

// The flags that need a scenario with samplers: --replications (a base-10 count in [1, 1000]),
// --threshold (parsed before the run, so a typo does not cost a whole run; issue 13) and
// --report-csv. Returns the usage message, or "" when they are fine.
std::string ToSamplerFlags(const RunFlags& f, const scenarios::Scenario& scenario,
                           size_t* replications, std::vector<loadgen::Threshold>* thresholds) {
  if (!f.replications.empty()) {
    auto n = config::ParseSeed(f.replications);  // a base-10 count, the seeds' grammar
    if (!n.ok() || *n < 1 || *n > 1000)
      return "--replications must be a count in [1, 1000], got '" + f.replications + "'";
    if (scenario.samplers.empty()) return "--replications needs a scenario with samplers:";
    *replications = static_cast<size_t>(*n);
  }
  if (!f.thresholds.empty() && scenario.samplers.empty()) {
    return "--threshold needs a scenario with samplers: (STRATEGY.METRIC OP NUMBER)";
  }
  std::vector<std::string> names;
  for (const sampling::StrategyConfig& st : scenario.samplers) names.push_back(st.name);
  for (const std::string& text : f.thresholds) {
    auto t = app::ParseRunThreshold(text, names);
    if (!t.ok()) return "--threshold: " + t.status().message();
    thresholds->push_back(*t);
  }
  if (!f.report_csv.empty() && scenario.samplers.empty()) {
    return "--report-csv needs a scenario with samplers: to compare";
  }
  return "";
}

// After the summary: the thresholds (on stderr when stdout carries JSON, spans, truth or CSV).
// Returns the exit code: `rendered` unless that was OK and a threshold was crossed.
int RenderRunThresholds(const RunFlags& f, const std::vector<loadgen::Threshold>& thresholds,
                        const std::vector<sampling::StrategyScore>* sampling, int rendered,
                        std::ostream& out, std::ostream& err) {
  const bool stdout_taken = f.format == "json" || IsStdout(f.spans_out) || IsStdout(f.truth_out) ||
                            IsStdout(f.report_csv);
  if (!thresholds.empty()) {
    const int crossed = RenderThresholds(app::EvaluateRunThresholds(thresholds, *sampling),
                                         stdout_taken ? err : out, err);
    if (rendered == kExitOk) rendered = crossed;
  }
  return rendered;
}

// --report-html: the page to stdout ('-') or to the file; false (after saying so) when the file
// cannot be written.
bool WriteHtmlReport(reports::HtmlReportCollector& html, const reports::RunReport& report,
                     const std::string& path, std::ostream& out, std::ostream& err) {
  if (IsStdout(path)) {
    out << html.Render(report);
    return true;
  }
  std::ofstream file(path, std::ios::binary);
  file << html.Render(report);
  if (!file) {
    err << "tracesim run: --report-html: cannot write " << path << "\n";
    return false;
  }
  return true;
}

// --tag-decisions: the attribute keys, in the model before it is shared (issue 13).
void InternDecisionTags(scenarios::Scenario* scenario) {
  std::vector<std::string> names;
  for (const sampling::StrategyConfig& s : scenario->samplers) names.push_back(s.name);
  reports::InternDecisionTags(names, &scenario->model);
}

// --replications (the other seeds, run before the summary, which shows them as a table or in the
// JSON), then the CSV and the summary. Returns RenderRun's exit code, or kExitFailed when a
// replication failed.
int RenderWithReplications(const scenarios::Scenario& scenario, const app::RunOptions& options,
                           const RunFlags& f, size_t replications, const reports::RunReport& report,
                           std::ostream& out, std::ostream& err) {
  std::optional<app::Replications> reps;
  if (replications > 1) {
    auto r = app::RunReplications(scenario, options, replications, &report.sampling);
    if (!r.ok()) {
      err << "tracesim run: " << r.status().message() << "\n";
      return kExitFailed;
    }
    reps = std::move(r).value();
  }
  return RenderRun(report, reps ? &*reps : nullptr, f, out, err);
}

// --report-html: one collector per shard (issue 15: a sharded run draws its page too), each
// watching its shard's lab (the tail-memory chart; the exemplars' "kept by" notes, issue 13),
// merged in shard order after the run.
class HtmlCollectors {
 public:
  void Wire(const scenarios::Scenario& sc, app::RunOptions* options) {
    const sim::FaultPlan* plan = sc.faults.empty() ? nullptr : &sc.faults;
    const sim::Duration window = options->duration.value_or(sc.duration);
    options->per_shard.push_back([this, &sc, plan, window](uint32_t shard) {
      if (shards_.size() <= shard) shards_.resize(shard + 1);
      shards_[shard] = std::make_unique<reports::HtmlReportCollector>(sc.model, plan, window);
      reports::HtmlReportCollector* c = shards_[shard].get();
      return app::ShardObservers{c, c, [c](const sampling::SamplingLab& lab) { c->WatchLab(lab); }};
    });
  }
  bool wired() const { return !shards_.empty(); }
  // REQUIRES: wired() and the run done.
  reports::HtmlReportCollector& Merged() {
    for (size_t i = 1; i < shards_.size(); ++i) shards_[0]->Merge(std::move(*shards_[i]));
    shards_.resize(1);
    return *shards_[0];
  }

 private:
  std::vector<std::unique_ptr<reports::HtmlReportCollector>> shards_;
};

// The lint evidence of a run, one EvidenceSink per shard (issue 15: a sharded run lints too),
// merged in shard order after the run.
class LintEvidence {
 public:
  void Wire(const scenarios::Scenario& sc, app::RunOptions* options) {
    const int64_t start = options->start_unix_nanos.value_or(sc.start_unix_nanos);
    options->per_shard.push_back([this, &sc, start](uint32_t shard) {
      if (sinks_.size() <= shard) sinks_.resize(shard + 1);
      sinks_[shard] = lint::MakeEvidenceSink(sc, start);
      app::ShardObservers o;
      o.sink = sinks_[shard].get();
      o.state = sinks_[shard].get();  // partial results carry it (`merge`, `--shards mpi`)
      return o;
    });
  }
  // The findings on `err`, after the summary on `out` (nothing when not wired).
  void Report(const scenarios::Scenario& sc, const app::RunOutcome& outcome, std::ostream& out,
              std::ostream& err) {
    if (sinks_.empty()) return;
    const double duration_s = outcome.run.duration.seconds();
    lint::TrafficEvidence all = sinks_[0]->Take(duration_s);
    for (size_t i = 1; i < sinks_.size(); ++i) all.Merge(sinks_[i]->Take(duration_s));
    const auto findings = lint::Check(sc, std::move(all), outcome.report.sampling);
    out.flush();  // the summary first, then the findings, also when both reach one terminal
    for (const lint::Finding& finding : findings) err << finding.Format() << "\n";
  }

 private:
  std::vector<std::unique_ptr<lint::EvidenceSink>> sinks_;
};

// `mpirun -np N tracesim run SCENARIO --shards mpi` (issue 15, app/mpi_run.h): rank 0 prints the
// merged summary, the other ranks nothing (their errors on their stderr).
int RunOverMpi(const scenarios::Scenario& sc, const app::RunOptions& options,
               const po::variables_map& vm, const RunFlags& f, std::ostream& out,
               std::ostream& err) {
  auto usage = [&err](const std::string& message) {
    err << "tracesim run: " << message << "\n";
    return kExitUsage;
  };
  for (const char* flag :
       {"shard", "partial-out", "report-html", "spans-out", "truth-out", "replications"})
    if (vm.count(flag)) return usage(std::string("--") + flag + " does not go with --shards mpi");
  size_t replications = 1;
  std::vector<loadgen::Threshold> thresholds;  // judged at rank 0 on the merged scores
  if (std::string bad = ToSamplerFlags(f, sc, &replications, &thresholds); !bad.empty())
    return usage(bad);
  app::ShardOptions shards;
  if (vm.count("warmup")) {
    auto d = sim::ParseDuration(f.warmup);
    if (!d.ok()) return usage("--warmup: " + d.status().message());
    shards.warmup = *d;
  }
  app::RunOptions linted = options;
  LintEvidence evidence;
  if (!sc.samplers.empty() && !vm.count("no-lint")) evidence.Wire(sc, &linted);
  auto outcome = app::RunMpi(sc, linted, shards.warmup);
  if (!outcome.ok()) {
    err << "tracesim run: " << outcome.status().message() << "\n";
    const auto code = outcome.status().code();
    return code == sim::Status::Code::kInvalidArgument || code == sim::Status::Code::kUnsupported
               ? kExitUsage
               : kExitFailed;
  }
  if (!outcome->merged) return kExitOk;  // not rank 0
  int rendered = RenderRun(outcome->merged->report, nullptr, f, out, err);
  rendered =
      RenderRunThresholds(f, thresholds, &outcome->merged->report.sampling, rendered, out, err);
  evidence.Report(sc, *outcome->merged, out, err);
  return rendered;
}

// `run --shard I/N --partial-out FILE` (issue 15, app/partial.h): one shard's partial result.
int RunOneShard(const scenarios::Scenario& sc, const app::RunOptions& options,
                const po::variables_map& vm, const RunFlags& f, const app::ShardOptions& shards,
                std::ostream& out, std::ostream& err) {
  auto usage = [&err](const std::string& message) {
    err << "tracesim run: " << message << "\n";
    return kExitUsage;
  };
  if (!vm.count("shard")) return usage("--partial-out needs --shard I/N");
  if (f.partial_out.empty()) return usage("--shard needs --partial-out FILE");
  for (const char* flag : {"shards", "report-html", "report-csv", "threshold", "replications"})
    if (vm.count(flag))
      return usage(std::string("--shard writes a partial result: --") + flag +
                   " belongs to tracesim merge or to a whole run");
  auto index = app::ParseShardIndex(f.shard);
  if (!index.ok()) return usage(index.status().message());
  // Lint's evidence rides in the partial: `tracesim merge` prints the findings.
  app::RunOptions linted = options;
  LintEvidence evidence;
  if (!sc.samplers.empty() && !vm.count("no-lint")) evidence.Wire(sc, &linted);
  auto bytes = app::RunPartial(sc, linted, *index, shards.warmup);
  if (!bytes.ok()) {
    err << "tracesim run: " << bytes.status().message() << "\n";
    return bytes.status().code() == sim::Status::Code::kInvalidArgument ? kExitUsage : kExitFailed;
  }
  std::ofstream file(f.partial_out, std::ios::binary);
  file << *bytes;
  if (!file.flush()) {
    err << "tracesim run: --partial-out: cannot write " << f.partial_out << "\n";
    return kExitFailed;
  }
  out << "tracesim run: shard " << index->index << "/" << index->count << " of " << sc.name
      << " written to " << f.partial_out << " (" << bytes->size() << " bytes)\n";
  return kExitOk;
}

}  // namespace

int RunCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  po::options_description desc(kRunCaption);
  RunFlags f;
  AddRunFlags(&desc, &f);
  po::positional_options_description pos;
  pos.add("scenario", 1);
  po::variables_map vm;
  if (!ParseFlags("run", args, desc, &pos, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << kRunCaption << ":\n"
        << FlagHelp(desc, {"scenario"}) << "\nBuilt-in scenarios: " << BuiltinList() << "\n";
    return kExitOk;
  }
  auto usage = [&err](const std::string& message) {
    err << "tracesim run: " << message << "\n";
    return kExitUsage;
  };
  if (f.format != "table" && f.format != "json") {
    return usage("--format must be 'table' or 'json', got '" + f.format + "'");
  }
  auto scenario = scenarios::LoadScenario(vm["scenario"].as<std::string>());
  if (!scenario.ok()) return usage(scenario.status().message());
  app::RunOptions options;
  if (std::string bad = ToRunOptions(vm, f, &options); !bad.empty()) return usage(bad);
  if (std::string bad = ToPricing(vm, f, *scenario, &options); !bad.empty()) return usage(bad);
  app::ShardOptions shards;
  if (f.shards == "mpi") return RunOverMpi(*scenario, options, vm, f, out, err);
  if (std::string bad = ToShardOptions(vm, f, &shards); !bad.empty()) return usage(bad);
  if (vm.count("shard") || vm.count("partial-out"))
    return RunOneShard(*scenario, options, vm, f, shards, out, err);
  size_t replications = 1;
  std::vector<loadgen::Threshold> thresholds;
  if (std::string bad = ToSamplerFlags(f, *scenario, &replications, &thresholds); !bad.empty())
    return usage(bad);
  if (std::string twice = StdoutNamedTwice(f); !twice.empty()) return usage(twice);
  if (options.tag_decisions) InternDecisionTags(&*scenario);

  const bool progress = !vm.count("no-progress") && ::isatty(::fileno(stderr)) == 1;
  ProgressBar bar(stderr, progress, options.duration.value_or(scenario->duration).seconds());
  if (progress) options.progress = [&bar](sim::Time t) { bar.Update(t.seconds()); };
  HtmlCollectors html;
  if (!f.report_html.empty()) html.Wire(*scenario, &options);
  // Lint (issue 13): the same findings as `tracesim lint`, from this run's traffic, on stderr.
  LintEvidence evidence;
  if (!scenario->samplers.empty() && !vm.count("no-lint")) evidence.Wire(*scenario, &options);
  auto outcome = app::RunSharded(*scenario, options, shards);
  bar.Finish();
  if (!outcome.ok()) {
    err << "tracesim run: " << outcome.status().message() << "\n";
    return outcome.status().code() == sim::Status::Code::kInvalidArgument ? kExitUsage
                                                                          : kExitFailed;
  }
  if (html.wired() && !WriteHtmlReport(html.Merged(), outcome->report, f.report_html, out, err))
    return kExitFailed;
  int rendered =
      RenderWithReplications(*scenario, options, f, replications, outcome->report, out, err);
  rendered = RenderRunThresholds(f, thresholds, &outcome->report.sampling, rendered, out, err);
  evidence.Report(*scenario, *outcome, out, err);
  return rendered;
}

constexpr char kMergeCaption[] =
    "Usage: tracesim merge SCENARIO PARTIAL... [options]\n\n"
    "Merges the partial results of `tracesim run SCENARIO --shard I/N --partial-out FILE`\n"
    "(every I in 0..N-1, in any order; doc/scale.md) into the summary `tracesim run SCENARIO\n"
    "--shards N` prints, with its lint findings and --threshold verdicts. Give the same --seed,\n"
    "--duration, --rate and --start-time as the shards were given.\n\nOptions";

// `tracesim merge` (issue 15): the partials' files -> app::MergePartials -> the run's summary.
int MergeCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (std::find(args.begin(), args.end(), "--load") != args.end())
    return LoadMergeCommand(args, out, err);
  po::options_description desc(kMergeCaption);
  RunFlags f;
  AddRunFlags(&desc, &f);
  desc.add_options()("partial", po::value(&f.partials), "partial result files");
  po::positional_options_description pos;
  pos.add("scenario", 1).add("partial", -1);
  po::variables_map vm;
  if (!ParseFlags("merge", args, desc, &pos, &vm, err)) return kExitUsage;
  if (vm.count("help")) {
    out << kMergeCaption << ":\n" << FlagHelp(desc, {"scenario", "partial"});
    return kExitOk;
  }
  auto usage = [&err](const std::string& message) {
    err << "tracesim merge: " << message << "\n";
    return kExitUsage;
  };
  for (const char* flag : {"shards", "shard", "partial-out", "warmup", "spans-out", "truth-out",
                           "report-html", "replications", "tag-ground-truth"})
    if (vm.count(flag)) return usage(std::string("--") + flag + " applies to tracesim run");
  if (f.format != "table" && f.format != "json")
    return usage("--format must be 'table' or 'json', got '" + f.format + "'");
  if (f.partials.empty()) return usage("give the partial result files (tracesim run --shard)");
  auto scenario = scenarios::LoadScenario(vm["scenario"].as<std::string>());
  if (!scenario.ok()) return usage(scenario.status().message());
  app::RunOptions options;
  if (std::string bad = ToRunOptions(vm, f, &options); !bad.empty()) return usage(bad);
  if (std::string bad = ToPricing(vm, f, *scenario, &options); !bad.empty()) return usage(bad);
  std::vector<app::NamedPartial> partials;
  for (const std::string& path : f.partials) {
    std::ifstream file(path, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
    if (!file && !file.eof()) return usage(path + ": cannot read");
    if (!file.is_open()) return usage(path + ": cannot read");
    partials.push_back({path, std::move(bytes)});
  }
  size_t replications = 1;
  std::vector<loadgen::Threshold> thresholds;  // judged on the merged scores
  if (std::string bad = ToSamplerFlags(f, *scenario, &replications, &thresholds); !bad.empty())
    return usage(bad);
  LintEvidence evidence;  // the shards' evidence, from their partials
  if (!scenario->samplers.empty() && !vm.count("no-lint")) evidence.Wire(*scenario, &options);
  auto outcome = app::MergePartials(*scenario, options, partials);
  if (!outcome.ok()) return usage(outcome.status().message());
  int rendered = RenderRun(outcome->report, nullptr, f, out, err);
  rendered = RenderRunThresholds(f, thresholds, &outcome->report.sampling, rendered, out, err);
  evidence.Report(*scenario, *outcome, out, err);
  return rendered;
}

}  // namespace tracesim::cli
