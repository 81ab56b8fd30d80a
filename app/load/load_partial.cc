#include "app/load/load_partial.h"

#include <algorithm>
#include <optional>
#include <utility>

#include "app/load/load_outputs.h"
#include "app/mpi_run.h"
#include "app/run.h"

namespace tracesim::app {

namespace {

constexpr std::string_view kMagic = "tracesim load partial v1\n";
// The other partial format (app/partial.cc), named when given to the load merge by mistake.
constexpr std::string_view kRunMagic = "tracesim partial result";

// What every shard of one load has in common, and what differs only by shard.
struct Head {
  std::string version, scenario, source, protocol, endpoint, tls_reason;
  std::string rate, ramp, steps;
  std::vector<std::string> thresholds;
  uint64_t seed = 0, index = 0, count = 0;
  int64_t start_unix_ms = 0;
  double mean_spans = 0;
  bool tls = false;

  template <class IO>
  void Fields(IO& io) {
    io.S(version), io.S(scenario), io.S(source), io.S(protocol), io.S(endpoint);
    io.S(tls_reason), io.S(rate), io.S(ramp), io.S(steps);
    io.List(thresholds);
    io.U(seed), io.U(index), io.U(count), io.I(start_unix_ms), io.F(mean_spans), io.B(tls);
  }
  // "" when `o` is a shard of the same load; else what differs.
  std::string Mismatch(const Head& o) const {
    if (o.version != version) return "tracesim " + o.version + " (this is " + version + ")";
    if (o.scenario != scenario) return "scenario " + o.scenario + " (not " + scenario + ")";
    if (o.seed != seed) return "seed " + std::to_string(o.seed);
    if (o.rate != rate || o.ramp != ramp || o.steps != steps) return "another rate plan";
    if (o.count != count)
      return std::to_string(o.count) + " shards (not " + std::to_string(count) + ")";
    if (o.thresholds != thresholds) return "another --threshold list";
    return "";
  }
};

struct HeadWriter {
  sim::StateWriter& out;
  void S(const std::string& v) { out.Str(v); }
  void U(uint64_t v) { out.U64(v); }
  void I(int64_t v) { out.I64(v); }
  void F(double v) { out.F64(v); }
  void B(bool v) { out.U64(v ? 1 : 0); }
  void List(const std::vector<std::string>& v) {
    out.U64(v.size());
    for (const std::string& s : v) out.Str(s);
  }
};

struct HeadReader {
  sim::StateReader& in;
  void S(std::string& v) { v = in.Str(); }
  void U(uint64_t& v) { v = in.U64(); }
  void I(int64_t& v) { v = in.I64(); }
  void F(double& v) { v = in.F64(); }
  void B(bool& v) { v = in.U64() != 0; }
  void List(std::vector<std::string>& v) {
    const uint64_t n = in.Count(8);
    v.clear();
    for (uint64_t i = 0; i < n && in.ok(); ++i) v.push_back(in.Str());
  }
};

struct Loaded {
  Head head;
  loadgen::LoadReport report;
};

sim::Result<Loaded> Load(const NamedPartial& p) {
  auto bad = [&p](const std::string& why) {
    return sim::Status::InvalidArgument(p.name + ": " + why);
  };
  if (p.bytes.compare(0, kRunMagic.size(), kRunMagic) == 0)
    return bad(
        "a partial of `tracesim run`, not of `tracesim load` (merge it with tracesim merge "
        "SCENARIO FILE...)");
  if (p.bytes.compare(0, kMagic.size(), kMagic) != 0)
    return bad(
        "not a tracesim load partial (write one with tracesim load --shard I/N "
        "--partial-out FILE)");
  sim::StateReader in(std::string_view(p.bytes).substr(kMagic.size()));
  Loaded l;
  HeadReader hr{in};
  l.head.Fields(hr);
  if (!in.ok() || l.head.count < 1 || l.head.count > 1024 || l.head.index >= l.head.count)
    return bad("corrupt or truncated load partial");
  if (!loadgen::LoadLoadReport(in, &l.report) || !in.at_end())
    return bad("corrupt or truncated load partial");
  return l;
}

}  // namespace

std::string SaveLoadPartial(const LoadOutcome& outcome, const LoadOptions& options) {
  Head h;
  const LoadStart& s = outcome.start;
  h.version = Version();
  h.scenario = s.scenario, h.source = s.source, h.protocol = s.protocol, h.endpoint = s.endpoint;
  h.tls_reason = s.tls_reason, h.tls = s.tls;
  h.rate = options.rates.rate, h.ramp = options.rates.ramp, h.steps = options.rates.steps;
  for (const loadgen::Threshold& t : options.thresholds) h.thresholds.push_back(t.text);
  h.seed = s.seed, h.index = options.shard.index, h.count = options.shard.count;
  h.start_unix_ms = s.start_unix_ms, h.mean_spans = s.mean_spans_per_trace;
  sim::StateWriter out;
  HeadWriter hw{out};
  h.Fields(hw);
  loadgen::SaveLoadReport(outcome.report, out);
  return std::string(kMagic) + out.Take();
}

sim::Result<MergedLoad> MergeLoadPartials(const std::vector<NamedPartial>& partials) {
  if (partials.empty()) return sim::Status::InvalidArgument("tracesim merge --load: no partials");
  std::vector<std::optional<Loaded>> shards;
  std::vector<std::string> names;
  std::optional<Head> first;
  for (const NamedPartial& p : partials) {
    TRACESIM_ASSIGN_OR_RETURN(Loaded l, Load(p));
    if (!first) {
      first = l.head;
      shards.resize(l.head.count);
      names.resize(l.head.count);
    } else if (std::string m = first->Mismatch(l.head); !m.empty()) {
      return sim::Status::InvalidArgument(p.name + ": written for " + m + ", unlike " +
                                          partials[0].name);
    }
    const uint64_t i = l.head.index;
    if (shards[i])
      return sim::Status::InvalidArgument(p.name + ": shard " + std::to_string(i) + "/" +
                                          std::to_string(shards.size()) + " again (also in " +
                                          names[i] + ")");
    names[i] = p.name;
    shards[i] = std::move(l);
  }
  for (size_t i = 0; i < shards.size(); ++i)
    if (!shards[i])
      return sim::Status::InvalidArgument("tracesim merge --load: shard " + std::to_string(i) +
                                          "/" + std::to_string(shards.size()) + " is missing");
  MergedLoad m;
  const Head& h = shards[0]->head;
  LoadStart& s = m.outcome.start;
  s.scenario = h.scenario, s.source = h.source, s.protocol = h.protocol, s.endpoint = h.endpoint;
  s.tls = h.tls, s.tls_reason = h.tls_reason, s.seed = h.seed;
  s.mean_spans_per_trace = h.mean_spans;
  s.start_unix_ms = h.start_unix_ms;
  s.shard = ShardIndex{0, static_cast<uint32_t>(shards.size())};
  m.options.rates = loadgen::RateFlags{h.rate, h.ramp, h.steps};
  m.options.shard = s.shard;
  for (const std::string& text : h.thresholds) {
    auto t = loadgen::ParseThreshold(text);
    if (!t.ok()) return sim::Status::InvalidArgument(names[0] + ": " + t.status().message());
    m.options.thresholds.push_back(*t);
  }
  for (auto& l : shards) {
    s.start_unix_ms = std::min(s.start_unix_ms, l->head.start_unix_ms);
    m.shards.push_back(std::move(l->report));
  }
  m.outcome.report = loadgen::MergeLoadReports(m.shards);
  if (!m.options.thresholds.empty())
    m.outcome.thresholds =
        loadgen::EvaluateThresholds(m.options.thresholds, m.outcome.report.Metrics());
  return m;
}

sim::Result<MpiLoad> RunLoadMpi(const scenarios::Scenario& scenario, const LoadOptions& options,
                                const LoadCallbacks& callbacks) {
  MpiLoad result;
  auto work = [&](const MpiRank& me) -> sim::Result<std::string> {
    LoadOptions o = options;
    o.shard = ShardIndex{static_cast<uint32_t>(me.rank), static_cast<uint32_t>(me.size)};
    o.start_at_unix_ms = me.agreed_unix_ms;
    TRACESIM_ASSIGN_OR_RETURN(result.mine, RunLoad(scenario, o, callbacks));
    return SaveLoadPartial(result.mine, o);
  };
  TRACESIM_ASSIGN_OR_RETURN(MpiGathered g,
                            GatherOverMpi(work, "--shards mpi", options.start_at_unix_ms));
  result.rank = g.rank;
  result.size = g.size;
  if (g.rank != 0) return result;
  TRACESIM_ASSIGN_OR_RETURN(MergedLoad merged, MergeLoadPartials(g.partials));
  result.merged = std::move(merged);
  return result;
}

std::string MergedLoadSummaryJson(const MergedLoad& merged) {
  return LoadSummaryJson(merged.outcome, merged.options, &merged.shards);
}

}  // namespace tracesim::app
