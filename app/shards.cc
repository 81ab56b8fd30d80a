#include "app/shards.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "app/run_internal.h"
#include "workloads/workload.h"

namespace tracesim::app {

namespace internal {

ShardWindow WindowOf(uint32_t i, const std::vector<sim::Time>& edges, sim::Duration warmup) {
  const uint32_t n = static_cast<uint32_t>(edges.size() - 1);
  const int64_t d = edges.back().nanos();
  ShardWindow w;
  w.observe_from = edges[i];
  w.observe_until = i + 1 == n ? sim::Time::Max() : edges[i + 1];
  w.arrivals_from = sim::Time::FromNanos(std::max<int64_t>(0, edges[i].nanos() - warmup.nanos()));
  if (i + 1 < n && edges[i + 1].nanos() < d - warmup.nanos())
    w.arrivals_until = edges[i + 1] + warmup;
  return w;
}

sim::Result<std::vector<sim::Time>> ShardEdges(const scenarios::Scenario& sc,
                                               const EffectiveRun& run, uint32_t n) {
  auto workload = workloads::Workload::Create(run.workload, sc.model, run.seed, run.duration);
  if (!workload.ok()) return sim::Status::InvalidArgument(workload.status().message());
  return (*workload)->EqualTrafficEdges(n);
}

void MergeShard(ShardRun& from, ShardRun* into, const RunOptions& options) {
  RunOutcome& a = into->outcome;
  RunOutcome& b = from.outcome;
  a.red->Merge(*b.red);
  a.truth->Merge(*b.truth);
  a.volume->Merge(*b.volume);
  if (a.symptoms && b.symptoms) a.symptoms->Merge(*b.symptoms);
  if (a.lab && b.lab) a.lab->Merge(*b.lab);
  AddStats(b.stats, &a.stats);
  if (a.seconds.size() < b.seconds.size()) a.seconds.resize(b.seconds.size());
  for (size_t s = 0; s < b.seconds.size(); ++s) {
    SecondCounts& x = a.seconds[s];
    const SecondCounts& y = b.seconds[s];
    x.traces += y.traces;
    x.spans += y.spans;
    x.error_traces += y.error_traces;
    x.root_errors += y.root_errors;
    x.latency_sum_ms += y.latency_sum_ms;
    x.latency_max_ms = std::max(x.latency_max_ms, y.latency_max_ms);
  }
  for (KeptTrace& t : b.traces)
    if (a.traces.size() < options.keep_traces) a.traces.push_back(std::move(t));
  for (KeptTrace& t : b.error_traces)
    if (a.error_traces.size() < options.keep_error_traces) a.error_traces.push_back(std::move(t));
}

std::vector<ShardObservers> AddShardObservers(const RunOptions& options, uint32_t shard,
                                              RunOptions* mine) {
  std::vector<ShardObservers> made;
  for (const auto& make : options.per_shard) {
    ShardObservers o = make(shard);
    if (o.sink != nullptr) mine->sinks.push_back(o.sink);
    if (o.lab_tap != nullptr) mine->lab_taps.push_back(o.lab_tap);
    if (o.on_lab) {
      mine->on_lab = [before = mine->on_lab, also = o.on_lab](const sampling::SamplingLab& lab) {
        if (before) before(lab);
        also(lab);
      };
    }
    made.push_back(std::move(o));
  }
  return made;
}

}  // namespace internal

namespace {

constexpr uint32_t kMaxShards = 1024;

// Shard i's file for an output `path` ("-" is stdout: then a file in the temporary directory).
std::string ShardPath(const std::string& path, uint32_t i, uint32_t n) {
  std::string base = path;
  if (path == "-") {
    base = (std::filesystem::temp_directory_path() /
            ("tracesim-" + std::to_string(::getpid()) + "-stdout"))
               .string();
  }
  return base + ".shard-" + std::to_string(i) + "-of-" + std::to_string(n);
}

// Concatenates the shard files into `path` ("-": stdout) in shard order and removes them.
sim::Status Concatenate(const std::string& path, uint32_t n, const char* flag) {
  FILE* out = path == "-" ? stdout : std::fopen(path.c_str(), "wb");
  if (out == nullptr) return sim::Status::Internal(std::string(flag) + ": cannot write " + path);
  std::vector<char> buf(1 << 20);
  bool ok = true;
  for (uint32_t i = 0; i < n; ++i) {
    const std::string part = ShardPath(path, i, n);
    FILE* in = std::fopen(part.c_str(), "rb");
    if (in == nullptr) {
      ok = false;
      continue;
    }
    size_t got;
    while ((got = std::fread(buf.data(), 1, buf.size(), in)) > 0)
      ok = std::fwrite(buf.data(), 1, got, out) == got && ok;
    std::fclose(in);
    std::filesystem::remove(part);
  }
  ok = (path == "-" ? std::fflush(out) : std::fclose(out)) == 0 && ok;
  if (!ok) return sim::Status::Internal(std::string(flag) + ": cannot write " + path);
  return sim::Status::Ok();
}

// Progress across shards: the share of every shard's arrivals simulated, as simulated time of the
// whole arrival window (what a progress bar over --duration expects).
class SharedProgress {
 public:
  SharedProgress(std::function<void(sim::Time)> sink, std::vector<internal::ShardWindow> windows,
                 sim::Duration d)
      : sink_(std::move(sink)), windows_(std::move(windows)), done_(windows_.size()), d_(d) {
    for (const internal::ShardWindow& w : windows_) total_ += Span(w);
  }
  std::function<void(sim::Time)> For(uint32_t i) {
    if (!sink_) return {};
    return [this, i](sim::Time t) {
      const internal::ShardWindow& w = windows_[i];
      done_[i].store(std::clamp<int64_t>(t.nanos() - w.arrivals_from.nanos(), 0, Span(w)));
      std::lock_guard<std::mutex> lock(mu_);
      int64_t done = 0;
      for (const auto& x : done_) done += x.load();
      const double share = total_ > 0 ? static_cast<double>(done) / total_ : 1.0;
      sink_(sim::Time::FromNanos(static_cast<int64_t>(share * static_cast<double>(d_.nanos()))));
    };
  }

 private:
  int64_t Span(const internal::ShardWindow& w) const {
    const int64_t until = std::min(w.arrivals_until.nanos(), d_.nanos());
    return std::max<int64_t>(0, until - w.arrivals_from.nanos());
  }
  std::function<void(sim::Time)> sink_;
  std::vector<internal::ShardWindow> windows_;
  std::vector<std::atomic<int64_t>> done_;
  sim::Duration d_;
  int64_t total_ = 0;
  std::mutex mu_;
};

}  // namespace

sim::Status ShardOptions::Validate() const {
  if (count < 1 || count > kMaxShards)
    return sim::Status::InvalidArgument("--shards must be in [1, 1024], got " +
                                        std::to_string(count));
  if (warmup < sim::Duration()) return sim::Status::InvalidArgument("--warmup must be >= 0");
  return sim::Status::Ok();
}

sim::Result<RunOutcome> RunSharded(const scenarios::Scenario& sc, const RunOptions& options,
                                   const ShardOptions& shards) {
  TRACESIM_RETURN_IF_ERROR(shards.Validate());
  if (shards.count == 1) {
    if (options.per_shard.empty()) return RunScenario(sc, options);
    RunOptions one = options;
    internal::AddShardObservers(options, 0, &one);
    return RunScenario(sc, one);
  }
  if (!options.sinks.empty() || !options.lab_taps.empty())
    return sim::Status::InvalidArgument(
        "extra sinks (trace) need --shards 1 (RunOptions::per_shard serves each shard)");
  TRACESIM_ASSIGN_OR_RETURN(EffectiveRun run, internal::Effective(sc, options));
  TRACESIM_RETURN_IF_ERROR(internal::CheckRunSize(sc, run, options.max_spans, 1));
  const uint32_t n = shards.count;
  TRACESIM_ASSIGN_OR_RETURN(std::vector<sim::Time> edges, internal::ShardEdges(sc, run, n));
  std::vector<internal::ShardWindow> windows;
  for (uint32_t i = 0; i < n; ++i) windows.push_back(internal::WindowOf(i, edges, shards.warmup));
  SharedProgress progress(options.progress, windows, run.duration);
  std::vector<RunOptions> own(n, options);  // each shard's, with RunOptions::per_shard's observers
  for (uint32_t i = 0; i < n; ++i) internal::AddShardObservers(options, i, &own[i]);

  const auto wall_start = std::chrono::steady_clock::now();
  std::vector<std::optional<sim::Result<internal::ShardRun>>> results(n);
  std::vector<std::thread> threads;
  for (uint32_t i = 0; i < n; ++i) {
    threads.emplace_back([&, i] {
      RunOptions& mine = own[i];
      if (!options.spans_out.empty()) mine.spans_out = ShardPath(options.spans_out, i, n);
      if (!options.truth_out.empty()) mine.truth_out = ShardPath(options.truth_out, i, n);
      mine.progress = progress.For(i);
      results[i] = internal::SimulateShard(sc, mine, run, windows[i]);
    });
  }
  for (std::thread& t : threads) t.join();
  sim::Status first = sim::Status::Ok();
  for (const auto& r : results)
    if (!r->ok() && first.ok()) first = r->status();
  if (!options.spans_out.empty()) {
    sim::Status st = Concatenate(options.spans_out, n, "--spans-out");
    if (first.ok()) first = st;
  }
  if (!options.truth_out.empty()) {
    sim::Status st = Concatenate(options.truth_out, n, "--truth-out");
    if (first.ok()) first = st;
  }
  if (!first.ok()) return first;

  internal::ShardRun merged = std::move(*results[0]).value();
  for (uint32_t i = 1; i < n; ++i) internal::MergeShard(results[i]->value(), &merged, options);
  merged.wall_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
  TRACESIM_RETURN_IF_ERROR(internal::Complete(sc, options, &merged));
  return std::move(merged.outcome);
}

}  // namespace tracesim::app
