// Partial results: one shard of a sharded run simulated by its own process (`tracesim run
// --shard I/N --partial-out FILE`, e.g. one pod of a Kubernetes Indexed Job, or one MPI rank)
// and merged by another (`tracesim merge`) into the very report `tracesim run --shards N` prints
// (doc/scale.md, "Across processes").
//
// A partial holds what the merge reads: the shard's windowed kernel counters, its RED and truth
// tallies, its lab's accumulators (app/run_internal.h, metrics/, sampling/lab/), the
// compression ratio measured on shard 0's first traces, the run's identity (tracesim version,
// scenario, seed, duration, start, offered rate, N, warm-up), which the merge checks, and the
// states of the caller's per-shard observers (lint's evidence).
// Exact: merging the N partials equals RunSharded with N shards, byte for byte in the report
// (the app test PartialTest pins it). Kept traces and per-second series are not carried.
#ifndef TRACESIM_APP_PARTIAL_H_
#define TRACESIM_APP_PARTIAL_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "app/run.h"
#include "app/shards.h"
#include "sim/base/status.h"

namespace tracesim::app {

// Which shard this process runs: shard `index` of `count` (`--shard I/N`).
struct ShardIndex {
  uint32_t index = 0, count = 1;
};

// Parses "I/N" (0 <= I < N <= 1024; I may come from JOB_COMPLETION_INDEX or an MPI rank). The
// error names `flag` and the text.
sim::Result<ShardIndex> ParseShardIndex(std::string_view text, std::string_view flag = "--shard");

// Simulates shard `shard.index` of `shard.count` with `warmup` (the windows of RunSharded) and
// returns its partial result as bytes, with the states of RunOptions::per_shard's observers for
// that shard (app::PartialState, e.g. lint's evidence). Errors: those of RunScenario;
// kInvalidArgument when `options` asks for extra sinks, kept traces or per-second series, or a
// per-shard observer has no PartialState (partials carry none of them).
sim::Result<std::string> RunPartial(const scenarios::Scenario& sc, const RunOptions& options,
                                    ShardIndex shard, sim::Duration warmup);

// One partial result and the name errors give it (its file).
struct NamedPartial {
  std::string name;
  std::string bytes;
};

// Merges the partials of one run, given in any order, into its outcome (report filled, lab
// scored): every shard 0..N-1 exactly once, each written by this tracesim version for this
// scenario with these options. RunOptions::per_shard makes each shard's observers, which load
// their states from its partial; the caller merges them. Errors (kInvalidArgument, naming the
// file): not a partial, a corrupt or truncated one, another version, scenario, seed, duration,
// start, rate, N or warm-up, a shard twice or missing, a state an observer wants and the partial
// lacks.
sim::Result<RunOutcome> MergePartials(const scenarios::Scenario& sc, const RunOptions& options,
                                      const std::vector<NamedPartial>& partials);

}  // namespace tracesim::app

#endif  // TRACESIM_APP_PARTIAL_H_
