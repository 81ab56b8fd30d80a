// tracesim_lab_oracle: the C++ side of the comparison with the real Collector (doc/collector.md,
// "Comparing the lab with the oracle").
//
//   tracesim_lab_oracle record --scenario FILE [--collector FILE] [--duration SECONDS]
//                              [--export batch|span_end] --out DIR
//       Runs the scenario with its sampling lab (or, with --collector, with one strategy made of
//       that Collector config's probabilistic_sampler and tail_sampling processors; strategies
//       without an `export:` key export as --export says, default batch: the SDK
//       BatchSpanProcessor model) and writes,
//       per strategy with Collector stages, DIR/SLUG.arrivals (what its first stage saw),
//       DIR/SLUG.yaml (its stages as a Collector config), DIR/SLUG.tracesim (its decisions) and
//       one line of DIR/manifest.tsv: slug, processors (comma-separated), order (0: stateless;
//       1: a stateful policy; 2: a tail stage evicted traces (with or without a stateful policy),
//       so which ones depends on the order of the traces within a request, random upstream), drain
//       (the lab's finish time after the stream's last arrival, as a Go duration "123ns").
//       Strategies with tail_sampling stages also get DIR/SLUG.tracesim-counters (counters.h).
//   tracesim_lab_oracle compare TRACESIM_DECISIONS ORACLE_DECISIONS
//       Prints one tab-separated line: traces identical identical_pct same_decision
//       sampled_tracesim sampled_oracle spans_out_tracesim spans_out_oracle within_binomial
//       spans_in_differ only_tracesim only_oracle. Exit 0 when the files could be compared.
//   tracesim_lab_oracle compare-counters TRACESIM_COUNTERS ORACLE_COUNTERS [NAME,...]
//       Prints "same", or the differing counters as NAME=TRACESIM/ORACLE separated by spaces
//       (only the NAMEs given, when given). Exit 0 when the files could be compared.
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include "peers/lab_oracle/counters.h"
#include "peers/lab_oracle/decisions.h"
#include "peers/lab_oracle/lab_recorder.h"
#include "sampling/collector/collector_config.h"
#include "sampling/lab/lab.h"
#include "sampling/lab/strategy_config.h"
#include "scenarios/scenario.h"
#include "sim/kernel/simulation.h"
#include "workloads/workload.h"

namespace tracesim::peers {
namespace {

namespace fs = std::filesystem;

struct RecordArgs {
  std::string scenario, collector, out;
  std::string export_mode = "batch";  // --export batch|span_end
  double duration_s = 0;              // 0: the scenario's
};

std::string Slug(const std::string& name) {
  std::string s;
  for (char c : name) s += (std::isalnum(static_cast<unsigned char>(c)) || c == '-') ? c : '_';
  return s.empty() ? "strategy" : s;
}

// Policy types whose decisions depend on what other traces did (budgets), found anywhere in a
// tail_sampling block (sub-policies included).
bool HasStatefulPolicy(const YAML::Node& n) {
  if (n.IsMap()) {
    for (const auto& kv : n) {
      if (kv.first.IsScalar() && kv.first.Scalar() == "type" && kv.second.IsScalar()) {
        const std::string& t = kv.second.Scalar();
        if (t == "rate_limiting" || t == "bytes_limiting" || t == "composite") return true;
      }
      if (HasStatefulPolicy(kv.second)) return true;
    }
  } else if (n.IsSequence()) {
    for (const auto& e : n)
      if (HasStatefulPolicy(e)) return true;
  }
  return false;
}

// The YAML block of each of the strategy's stages, by stage id, from the same places
// ParseStrategies read them: the `collector` file (relative to `base_dir`), then the inline
// probabilistic_sampler and tail_sampling blocks.
sim::Status StageNodes(const YAML::Node& sampler, const std::string& base_dir,
                       std::vector<std::pair<std::string, YAML::Node>>* out) {
  if (const YAML::Node c = sampler["collector"]) {
    fs::path file = c.Scalar();
    if (file.is_relative() && !base_dir.empty()) file = fs::path(base_dir) / file;
    auto config = sampling::CollectorConfig::LoadFile(file.string());
    if (!config.ok()) return config.status();
    for (auto [type, marker] : {std::pair{"tail_sampling", "policies"},
                                std::pair{"probabilistic_sampler", "sampling_percentage"}}) {
      auto blocks = config->FindProcessors(type, marker);
      if (!blocks.ok()) return blocks.status();
      for (const sampling::ProcessorBlock& b : *blocks) out->emplace_back(b.id, b.node);
    }
  }
  for (const char* type : {"probabilistic_sampler", "tail_sampling"}) {
    if (const YAML::Node n = sampler[type]) out->emplace_back(type, n);
  }
  return sim::Status::Ok();
}

sim::Status WriteOracleConfig(const sampling::StrategyConfig& st,
                              const std::vector<std::pair<std::string, YAML::Node>>& nodes,
                              const std::string& path, std::string* processors, bool* stateful) {
  YAML::Node procs(YAML::NodeType::Map);
  *stateful = false;
  processors->clear();
  for (const sampling::CollectorStage& stage : st.stages) {
    const YAML::Node* found = nullptr;
    for (const auto& [id, node] : nodes)
      if (id == stage.id) found = &node;
    if (found == nullptr) return sim::Status::NotFound("no YAML block for stage " + stage.id);
    if (procs[stage.id]) return sim::Status::InvalidArgument("stage " + stage.id + " twice");
    procs[stage.id] = found->IsNull() ? YAML::Node(YAML::NodeType::Map) : *found;
    if (stage.kind() == sampling::CollectorStage::Kind::kTail)
      *stateful |= HasStatefulPolicy(*found);
    *processors += (processors->empty() ? "" : ",") + stage.id;
  }
  YAML::Node root;
  root["processors"] = procs;
  std::ofstream f(path);
  f << "# written by tracesim_lab_oracle for strategy '" << st.name << "'\n" << root << "\n";
  if (!f) return sim::Status::IoError("cannot write " + path);
  return sim::Status::Ok();
}

bool Recordable(const sampling::StrategyConfig& st) {
  if (st.stages.empty()) return false;
  for (const sampling::CollectorStage& s : st.stages)
    if (s.kind() == sampling::CollectorStage::Kind::kDynamic) return false;
  return true;
}

// A scenario ready to record: its samplers' YAML (for the stage blocks) and where their
// relative `collector` paths start (empty: absolute).
struct RecordInput {
  scenarios::Scenario sc;
  YAML::Node samplers;
  std::string base_dir;
};

// Loads the scenario, cut to --duration, with its own samplers or the one --collector names.
sim::Result<RecordInput> LoadRecordInput(const RecordArgs& a) {
  auto loaded = scenarios::LoadScenarioFile(a.scenario);
  if (!loaded.ok()) return loaded.status();
  RecordInput in{std::move(loaded).value(), YAML::Node(), ""};
  scenarios::Scenario& sc = in.sc;
  if (a.duration_s > 0) sc.duration = sim::Duration::FromSecondsF(a.duration_s);
  in.base_dir = fs::absolute(a.scenario).parent_path().string();
  if (!a.collector.empty()) {
    YAML::Node one;
    one["name"] = fs::path(a.collector).stem().string();
    one["collector"] = fs::absolute(a.collector).string();
    in.samplers.push_back(one);
    auto parsed = sampling::ParseStrategies(in.samplers, a.collector, "");
    if (!parsed.ok()) return parsed.status();
    sc.samplers = std::move(parsed).value();
    in.base_dir.clear();
  } else {
    in.samplers = YAML::LoadFile(a.scenario)["samplers"];
  }
  if (sc.samplers.empty()) return sim::Status::InvalidArgument(a.scenario + " has no samplers:");
  // --export: how strategies without their own `export:` key hand spans to the Collector.
  for (size_t k = 0; k < sc.samplers.size(); ++k) {
    const bool own = in.samplers.IsSequence() && k < in.samplers.size() && in.samplers[k]["export"];
    if (!own) sc.samplers[k].export_at_span_end = a.export_mode == "span_end";
  }
  return in;
}

// Per recordable strategy: writes DIR/SLUG.yaml, opens DIR/SLUG.arrivals in `rec`, and fills its
// slug, the first two manifest columns and whether a policy is stateful (others stay empty).
sim::Status PrepareStrategies(const RecordArgs& a, const RecordInput& in, LabRecorder& rec,
                              std::vector<std::string>* slugs,
                              std::vector<std::string>* manifest_rows,
                              std::vector<uint8_t>* stateful_policy) {
  const std::vector<sampling::StrategyConfig>& samplers = in.sc.samplers;
  slugs->assign(samplers.size(), "");
  manifest_rows->assign(samplers.size(), "");
  stateful_policy->assign(samplers.size(), 0);
  for (size_t k = 0; k < samplers.size(); ++k) {
    const sampling::StrategyConfig& st = samplers[k];
    if (!Recordable(st)) continue;
    std::vector<std::pair<std::string, YAML::Node>> nodes;
    sim::Status s = StageNodes(in.samplers[k], in.base_dir, &nodes);
    std::string processors;
    bool stateful = false;
    (*slugs)[k] = Slug(fs::path(a.scenario).stem().string() + "." + st.name);
    const fs::path base = fs::path(a.out) / (*slugs)[k];
    if (s.ok()) s = WriteOracleConfig(st, nodes, base.string() + ".yaml", &processors, &stateful);
    if (s.ok()) s = rec.Record(k, base.string() + ".arrivals", in.sc.start_unix_nanos);
    if (!s.ok()) return s.WithContext("strategy '" + st.name + "'");
    (*manifest_rows)[k] = (*slugs)[k] + "\t" + processors;
    (*stateful_policy)[k] = stateful ? 1 : 0;
  }
  return sim::Status::Ok();
}

// Runs the scenario's `workload` through the lab with `rec` tapped in; `*finish` is the lab's
// Finish() time.
sim::Status RunLab(const scenarios::Scenario& sc, workloads::Workload& workload,
                   sampling::SamplingLab& lab, LabRecorder& rec, int64_t* finish) {
  const sim::FaultPlan* faults = sc.faults.empty() ? nullptr : &sc.faults;
  lab.SetTap(&rec);
  sim::SimulationOptions opt;
  opt.seed = sc.seed;
  opt.start_unix_nanos = sc.start_unix_nanos;
  opt.faults = faults;
  sim::Simulation simulation(sc.model, opt);
  TRACESIM_RETURN_IF_ERROR(simulation.AddObserver(&lab));
  TRACESIM_RETURN_IF_ERROR(simulation.Run(&workload));
  *finish = sc.start_unix_nanos + simulation.stats().end_time.nanos();
  lab.Finish(*finish);
  return rec.Close();
}

// Writes each recorded strategy's decisions and counters and its manifest line.
sim::Status WriteResults(const RecordArgs& a, const sampling::SamplingLab& lab,
                         const LabRecorder& rec, const std::vector<std::string>& slugs,
                         const std::vector<std::string>& manifest_rows,
                         const std::vector<uint8_t>& stateful_policy, int64_t finish) {
  std::ofstream manifest(fs::path(a.out) / "manifest.tsv", std::ios::app);
  for (size_t k = 0; k < slugs.size(); ++k) {
    if (slugs[k].empty()) continue;
    std::ofstream f(fs::path(a.out) / (slugs[k] + ".tracesim"));
    rec.tally(k).Write(f);
    if (!f) return sim::Status::IoError("cannot write the decisions of " + slugs[k]);
    std::cerr << slugs[k] << ": " << rec.records(k) << " arrivals, " << rec.tally(k).traces()
              << " traces\n";
    const auto tail_stats = lab.TailStats(k);
    int order = stateful_policy[k] ? 1 : 0;  // evicting wins: fewer counters are comparable
    for (const sampling::TailSamplingStats* ts : tail_stats) {
      if (ts->traces_dropped_too_early > 0 || ts->overflow_waits > 0) order = 2;
    }
    if (!tail_stats.empty()) {
      std::ofstream c(fs::path(a.out) / (slugs[k] + ".tracesim-counters"));
      WriteCounters(TailCountersOf(tail_stats), c);
      if (!c) return sim::Status::IoError("cannot write the counters of " + slugs[k]);
    }
    // The oracle replays up to the lab's Finish() time, then shuts down: both decide what is
    // still pending at that instant, at once (upstream's shutdown runs the remaining batches).
    const uint64_t last = rec.last_arrival(k);
    const uint64_t drain =
        static_cast<uint64_t>(finish) > last ? static_cast<uint64_t>(finish) - last : 0;
    manifest << manifest_rows[k] << "\t" << order << "\t" << drain << "ns\n";
  }
  if (!manifest)
    return sim::Status::IoError("cannot write " + (fs::path(a.out) / "manifest.tsv").string());
  return sim::Status::Ok();
}

int Record(const RecordArgs& a) {
  auto in = LoadRecordInput(a);
  if (!in.ok()) {
    std::cerr << "record: " << in.status().message() << "\n";
    return 2;
  }
  const scenarios::Scenario& sc = in->sc;
  sampling::LabOptions lab_options;
  lab_options.start_unix_nanos = sc.start_unix_nanos;
  auto lab = sampling::SamplingLab::Create(sc.model, sc.faults.empty() ? nullptr : &sc.faults,
                                           sc.samplers, lab_options);
  if (!lab.ok()) {
    std::cerr << "record: " << lab.status().message() << "\n";
    return 2;
  }
  fs::create_directories(a.out);
  LabRecorder rec(sc.model, sc.samplers.size());
  std::vector<std::string> slugs, manifest_rows;
  std::vector<uint8_t> stateful_policy;
  sim::Status st = PrepareStrategies(a, *in, rec, &slugs, &manifest_rows, &stateful_policy);
  if (!st.ok()) {
    std::cerr << "record: " << st.message() << "\n";
    return 2;
  }
  auto workload = workloads::Workload::Create(sc.workload, sc.model, sc.seed, sc.duration);
  if (!workload.ok()) {
    std::cerr << "record: " << workload.status().message() << "\n";
    return 2;
  }
  int64_t finish = 0;
  st = RunLab(sc, **workload, **lab, rec, &finish);
  if (st.ok()) st = WriteResults(a, **lab, rec, slugs, manifest_rows, stateful_policy, finish);
  if (!st.ok()) {
    std::cerr << "record: " << st.message() << "\n";
    return 1;
  }
  return 0;
}

int CompareFiles(const std::string& tracesim, const std::string& oracle) {
  auto t = ReadDecisions(tracesim);
  auto o = ReadDecisions(oracle);
  if (!t.ok() || !o.ok()) {
    std::cerr << "compare: " << (t.ok() ? o.status() : t.status()).message() << "\n";
    return 2;
  }
  const Agreement a = Compare(*t, *o);
  std::printf("%llu\t%llu\t%.2f\t%llu\t%llu\t%llu\t%llu\t%llu\t%d\t%llu\t%llu\t%llu\n",
              static_cast<unsigned long long>(a.traces),
              static_cast<unsigned long long>(a.identical), a.identical_pct(),
              static_cast<unsigned long long>(a.same_decision),
              static_cast<unsigned long long>(a.sampled_tracesim),
              static_cast<unsigned long long>(a.sampled_oracle),
              static_cast<unsigned long long>(a.spans_out_tracesim),
              static_cast<unsigned long long>(a.spans_out_oracle),
              a.SampledWithinBinomial() ? 1 : 0, static_cast<unsigned long long>(a.spans_in_differ),
              static_cast<unsigned long long>(a.only_tracesim),
              static_cast<unsigned long long>(a.only_oracle));
  return 0;
}

int CompareCounters(const std::string& tracesim, const std::string& oracle,
                    const std::string& only_csv) {
  auto t = ReadCounters(tracesim);
  auto o = ReadCounters(oracle);
  if (!t.ok() || !o.ok()) {
    std::cerr << "compare-counters: " << (t.ok() ? o.status() : t.status()).message() << "\n";
    return 2;
  }
  std::vector<std::string> only;
  for (size_t b = 0; b < only_csv.size();) {
    size_t e = only_csv.find(',', b);
    if (e == std::string::npos) e = only_csv.size();
    if (e > b) only.push_back(only_csv.substr(b, e - b));
    b = e + 1;
  }
  const std::vector<std::string> diff = CounterDifferences(*t, *o, only);
  if (diff.empty()) {
    std::printf("same\n");
    return 0;
  }
  auto get = [](const TailCounters& c, const std::string& n) {
    for (const auto& [name, v] : c)
      if (name == n) return static_cast<unsigned long long>(v);
    return 0ULL;
  };
  for (size_t i = 0; i < diff.size(); ++i) {
    std::printf("%s%s=%llu/%llu", i ? " " : "", diff[i].c_str(), get(*t, diff[i]),
                get(*o, diff[i]));
  }
  std::printf("\n");
  return 0;
}

int Usage() {
  std::cerr << "usage: tracesim_lab_oracle record --scenario FILE [--collector FILE] "
               "[--duration SECONDS] [--export batch|span_end] --out DIR\n"
               "       tracesim_lab_oracle compare TRACESIM_DECISIONS ORACLE_DECISIONS\n"
               "       tracesim_lab_oracle compare-counters TRACESIM_COUNTERS ORACLE_COUNTERS "
               "[NAME,...]\n";
  return 2;
}

int Main(int argc, char** argv) {
  if (argc < 2) return Usage();
  const std::string cmd = argv[1];
  if (cmd == "compare") return argc == 4 ? CompareFiles(argv[2], argv[3]) : Usage();
  if (cmd == "compare-counters") {
    if (argc != 4 && argc != 5) return Usage();
    return CompareCounters(argv[2], argv[3], argc == 5 ? argv[4] : "");
  }
  if (cmd != "record") return Usage();
  RecordArgs a;
  for (int i = 2; i < argc; ++i) {
    const std::string flag = argv[i];
    if (i + 1 >= argc) return Usage();
    const std::string v = argv[++i];
    if (flag == "--scenario") {
      a.scenario = v;
    } else if (flag == "--collector") {
      a.collector = v;
    } else if (flag == "--out") {
      a.out = v;
    } else if (flag == "--export") {
      if (v != "batch" && v != "span_end") {
        std::cerr << "record: --export must be batch or span_end, got '" << v << "'\n";
        return 2;
      }
      a.export_mode = v;
    } else if (flag == "--duration") {
      char* end = nullptr;
      a.duration_s = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || !(a.duration_s > 0)) return Usage();
    } else {
      return Usage();
    }
  }
  if (a.scenario.empty() || a.out.empty()) return Usage();
  return Record(a);
}

}  // namespace
}  // namespace tracesim::peers

int main(int argc, char** argv) { return tracesim::peers::Main(argc, argv); }
