#include "app/partial.h"

#include <algorithm>
#include <charconv>
#include <functional>
#include <optional>
#include <utility>

#include "app/run_internal.h"
#include "sim/base/state_io.h"

namespace tracesim::app {

namespace {

// The format's generation follows the magic: a file of another generation is "not a tracesim
// partial result" rather than misread (v2: the SDK export figures per strategy; v3: windows of
// equal expected traffic and workload blocks, so shards of v2 cover other arrivals).
// v4: the per-shard observers' states (RunOptions::per_shard, e.g. lint's evidence) at the end.
constexpr std::string_view kMagic = "tracesim partial result v4\n";
constexpr uint32_t kMaxShards = 1024;
constexpr char kObserversWithoutState[] =
    "a partial result cannot carry this run's observers (--report-html needs a whole run)";

// What every partial of one run must agree on (the merge's own run included).
struct Identity {
  std::string version, scenario, source;
  uint64_t seed = 0;
  int64_t duration_nanos = 0, start_unix_nanos = 0, warmup_nanos = 0;
  double offered_rate = 0;
  uint64_t count = 0;

  void Save(sim::StateWriter& out) const {
    out.Str(version);
    out.Str(scenario);
    out.Str(source);
    out.U64(seed);
    out.I64(duration_nanos);
    out.I64(start_unix_nanos);
    out.I64(warmup_nanos);
    out.F64(offered_rate);
    out.U64(count);
  }
  void Load(sim::StateReader& in) {
    version = in.Str();
    scenario = in.Str();
    source = in.Str();
    seed = in.U64();
    duration_nanos = in.I64();
    start_unix_nanos = in.I64();
    warmup_nanos = in.I64();
    offered_rate = in.F64();
    count = in.U64();
  }
  // The first field that differs from `want`, as "seed 42 (this merge: 7)"; empty when none.
  std::string Mismatch(const Identity& want) const {
    auto diff = [](const char* what, const auto& got, const auto& exp) {
      std::string g, e;
      if constexpr (std::is_same_v<std::decay_t<decltype(got)>, std::string>) {
        g = got;
        e = exp;
      } else {
        g = std::to_string(got);
        e = std::to_string(exp);
      }
      return std::string(what) + " " + g + " (this merge: " + e + ")";
    };
    if (version != want.version) return diff("tracesim version", version, want.version);
    if (scenario != want.scenario) return diff("scenario", scenario, want.scenario);
    if (source != want.source) return diff("scenario source", source, want.source);
    if (seed != want.seed) return diff("--seed", seed, want.seed);
    if (duration_nanos != want.duration_nanos)
      return diff("--duration (ns)", duration_nanos, want.duration_nanos);
    if (start_unix_nanos != want.start_unix_nanos)
      return diff("--start (unix ns)", start_unix_nanos, want.start_unix_nanos);
    if (offered_rate != want.offered_rate) return diff("--rate", offered_rate, want.offered_rate);
    if (warmup_nanos != want.warmup_nanos)
      return diff("--warmup (ns)", warmup_nanos, want.warmup_nanos);
    if (count != want.count) return diff("shard count N", count, want.count);
    return "";
  }
};

sim::Result<Identity> IdentityOf(const scenarios::Scenario& sc, const RunOptions& options,
                                 uint32_t count, sim::Duration warmup) {
  TRACESIM_ASSIGN_OR_RETURN(EffectiveRun run, internal::Effective(sc, options));
  Identity id;
  id.version = Version();
  id.scenario = sc.name;
  id.source = sc.source;
  id.seed = run.seed;
  id.duration_nanos = run.duration.nanos();
  id.start_unix_nanos = run.start_unix_nanos;
  id.warmup_nanos = warmup.nanos();
  id.offered_rate = run.workload.MeanRate(run.duration);
  id.count = count;
  return id;
}

sim::Status Unsupported(const RunOptions& options) {
  if (!options.sinks.empty() || !options.lab_taps.empty())
    return sim::Status::InvalidArgument("extra sinks (trace) need --shards 1");
  if (options.keep_traces > 0 || options.keep_error_traces > 0 || options.keep_series)
    return sim::Status::InvalidArgument(
        "partial results carry no kept traces or per-second series");
  return sim::Status::Ok();
}

// The states of the shard's RunOptions::per_shard observers, each as (name, bytes).
void SaveObserverStates(const std::vector<ShardObservers>& observers, sim::StateWriter& out) {
  out.U64(observers.size());
  for (const ShardObservers& o : observers) {
    sim::StateWriter state;
    o.state->SaveState(state);
    out.Str(o.state->StateName());
    out.Str(state.bytes());
  }
}

// Makes the observers RunOptions::per_shard makes for shard `index` and loads into each the
// state of that name the partial carries. A state the merge does not want is skipped.
sim::Status LoadObserverStates(const RunOptions& options, uint32_t index, sim::StateReader& in,
                               const std::function<sim::Status(const std::string&)>& bad) {
  const uint64_t n = in.Count(16);
  std::vector<std::pair<std::string, std::string>> saved;
  for (uint64_t i = 0; i < n && in.ok(); ++i) {
    std::string name = in.Str();
    saved.emplace_back(std::move(name), in.Str());
  }
  if (!in.ok()) return bad("corrupt or truncated partial result");
  RunOptions unused;
  for (const ShardObservers& o : internal::AddShardObservers(options, index, &unused)) {
    if (o.state == nullptr) return sim::Status::InvalidArgument(kObserversWithoutState);
    auto it = std::find_if(saved.begin(), saved.end(),
                           [&](const auto& s) { return s.first == o.state->StateName(); });
    if (it == saved.end())
      return bad("carries no " + std::string(o.state->StateName()) +
                 " (its shard was run without it)");
    sim::StateReader state(it->second);
    if (!o.state->LoadState(state) || !state.ok() || !state.at_end())
      return bad("corrupt " + std::string(o.state->StateName()));
  }
  return sim::Status::Ok();
}

// One partial, read back: its index, wall time and the shard's state.
struct Loaded {
  uint64_t index = 0;
  double wall_s = 0;
  internal::ShardRun shard;
};

sim::Result<Loaded> Load(const scenarios::Scenario& sc, const RunOptions& options,
                         const Identity& want, const NamedPartial& p) {
  auto bad = [&p](const std::string& why) {
    return sim::Status::InvalidArgument(p.name + ": " + why);
  };
  if (p.bytes.compare(0, kMagic.size(), kMagic) != 0)
    return bad(
        "not a tracesim partial result (write one with tracesim run --shard I/N "
        "--partial-out FILE)");
  sim::StateReader in(std::string_view(p.bytes).substr(kMagic.size()));
  Identity id;
  id.Load(in);
  if (!in.ok()) return bad("truncated partial result");
  if (std::string m = id.Mismatch(want); !m.empty()) return bad("written for " + m);
  Loaded l;
  l.index = in.U64();
  if (!in.ok() || l.index >= id.count) return bad("corrupt or truncated partial result");
  l.wall_s = in.F64();
  l.shard.compression_ratio = in.F64();
  const bool has_lab = in.U64() != 0;
  const bool has_symptoms = in.U64() != 0;
  l.shard.outcome.scenario = &sc;
  TRACESIM_ASSIGN_OR_RETURN(l.shard.outcome.run, internal::Effective(sc, options));
  TRACESIM_RETURN_IF_ERROR(internal::WireForMerge(sc, options, &l.shard.outcome));
  RunOutcome& o = l.shard.outcome;
  const bool ok = in.ok() && l.index < id.count && has_lab == (o.lab != nullptr) &&
                  internal::LoadStats(in, sc.model.services.size(), &o.stats) &&
                  o.red->LoadState(in) && o.truth->LoadState(in) && o.volume->LoadState(in) &&
                  (!o.lab || o.lab->LoadState(in)) && has_symptoms == (o.symptoms != nullptr) &&
                  (!o.symptoms || o.symptoms->LoadState(in)) && in.ok();
  if (!ok) return bad("corrupt or truncated partial result");
  TRACESIM_RETURN_IF_ERROR(LoadObserverStates(options, static_cast<uint32_t>(l.index), in, bad));
  if (!in.at_end()) return bad("corrupt or truncated partial result");
  return l;
}

}  // namespace

sim::Result<ShardIndex> ParseShardIndex(std::string_view text, std::string_view flag) {
  auto bad = [&] {
    return sim::Status::InvalidArgument(std::string(flag) +
                                        " must be I/N with 0 <= I < N <= 1024, got '" +
                                        std::string(text) + "'");
  };
  const size_t slash = text.find('/');
  if (slash == std::string_view::npos) return bad();
  ShardIndex s;
  auto num = [](std::string_view t, uint32_t* v) {
    auto [end, ec] = std::from_chars(t.data(), t.data() + t.size(), *v);
    return !t.empty() && ec == std::errc() && end == t.data() + t.size();
  };
  if (!num(text.substr(0, slash), &s.index) || !num(text.substr(slash + 1), &s.count) ||
      s.count < 1 || s.count > kMaxShards || s.index >= s.count)
    return bad();
  return s;
}

sim::Result<std::string> RunPartial(const scenarios::Scenario& sc, const RunOptions& options,
                                    ShardIndex shard, sim::Duration warmup) {
  TRACESIM_RETURN_IF_ERROR(Unsupported(options));
  ShardOptions check;
  check.count = shard.count;
  check.warmup = warmup;
  TRACESIM_RETURN_IF_ERROR(check.Validate());
  if (shard.index >= shard.count)
    return sim::Status::InvalidArgument("--shard: index must be below the shard count");
  TRACESIM_ASSIGN_OR_RETURN(Identity id, IdentityOf(sc, options, shard.count, warmup));
  TRACESIM_ASSIGN_OR_RETURN(EffectiveRun run, internal::Effective(sc, options));
  TRACESIM_RETURN_IF_ERROR(internal::CheckRunSize(sc, run, options.max_spans, shard.count));
  TRACESIM_ASSIGN_OR_RETURN(std::vector<sim::Time> edges,
                            internal::ShardEdges(sc, run, shard.count));
  const internal::ShardWindow window = internal::WindowOf(shard.index, edges, warmup);
  RunOptions mine = options;
  const std::vector<ShardObservers> observers =
      internal::AddShardObservers(options, shard.index, &mine);
  for (const ShardObservers& o : observers)
    if (o.state == nullptr) return sim::Status::InvalidArgument(kObserversWithoutState);
  TRACESIM_ASSIGN_OR_RETURN(internal::ShardRun r, internal::SimulateShard(sc, mine, run, window));
  sim::StateWriter out;
  id.Save(out);
  out.U64(shard.index);
  out.F64(r.wall_s);
  out.F64(r.compression ? r.compression->CompressionRatio(sc.model) : 0.0);
  out.U64(r.outcome.lab ? 1 : 0);
  out.U64(r.outcome.symptoms ? 1 : 0);
  internal::SaveStats(r.outcome.stats, out);
  r.outcome.red->SaveState(out);
  r.outcome.truth->SaveState(out);
  r.outcome.volume->SaveState(out);
  if (r.outcome.lab) r.outcome.lab->SaveState(out);
  if (r.outcome.symptoms) r.outcome.symptoms->SaveState(out);
  SaveObserverStates(observers, out);
  return std::string(kMagic) + out.Take();
}

sim::Result<RunOutcome> MergePartials(const scenarios::Scenario& sc, const RunOptions& options,
                                      const std::vector<NamedPartial>& partials) {
  TRACESIM_RETURN_IF_ERROR(Unsupported(options));
  if (partials.empty()) return sim::Status::InvalidArgument("tracesim merge: no partial results");
  // N and the warm-up come from the first partial; every other one must agree with it.
  sim::StateReader head(std::string_view(partials[0].bytes)
                            .substr(std::min(kMagic.size(), partials[0].bytes.size())));
  Identity first;
  first.Load(head);
  if (!head.ok() || first.count < 1 || first.count > kMaxShards)
    return sim::Status::InvalidArgument(partials[0].name + ": not a tracesim partial result");
  TRACESIM_ASSIGN_OR_RETURN(Identity want,
                            IdentityOf(sc, options, static_cast<uint32_t>(first.count),
                                       sim::Duration::Nanos(first.warmup_nanos)));
  std::vector<std::optional<Loaded>> shards(first.count);
  std::vector<std::string> names(first.count);
  for (const NamedPartial& p : partials) {
    TRACESIM_ASSIGN_OR_RETURN(Loaded l, Load(sc, options, want, p));
    if (shards[l.index])
      return sim::Status::InvalidArgument(p.name + ": shard " + std::to_string(l.index) + "/" +
                                          std::to_string(first.count) + " again (also in " +
                                          names[l.index] + ")");
    names[l.index] = p.name;
    shards[l.index] = std::move(l);
  }
  for (size_t i = 0; i < shards.size(); ++i)
    if (!shards[i])
      return sim::Status::InvalidArgument("tracesim merge: shard " + std::to_string(i) + "/" +
                                          std::to_string(first.count) + " is missing");
  internal::ShardRun merged = std::move(shards[0]->shard);
  double wall_s = shards[0]->wall_s;
  for (size_t i = 1; i < shards.size(); ++i) {
    internal::MergeShard(shards[i]->shard, &merged, options);
    wall_s = std::max(wall_s, shards[i]->wall_s);
  }
  merged.wall_s = wall_s;  // the processes ran side by side: the longest one's
  TRACESIM_RETURN_IF_ERROR(internal::Complete(sc, options, &merged));
  return std::move(merged.outcome);
}

}  // namespace tracesim::app
