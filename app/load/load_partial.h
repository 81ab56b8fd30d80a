// Load partials: one generator's part of a load split over N generators (`tracesim load --shard
// I/N --partial-out FILE`, one pod of a Kubernetes Indexed Job, or one MPI rank) and their merge
// (`tracesim merge --load FILE...`, or rank 0 of `--shards mpi`) into the summary of the whole
// load, with the thresholds judged on it (doc/scale.md "Load from many generators").
//
// A partial holds the generator's report (loadgen::SaveLoadReport: every counter, the per-second
// series, the export-latency and release-lag histograms) and the run's identity: the tracesim
// version, scenario, seed, rate plan, shard I of N, start instant, target, and the --threshold
// rules it was given. The merge checks the identity, needs every shard 0..N-1 exactly once, and
// merges the reports (loadgen::MergeLoadReports says field by field how).
#ifndef TRACESIM_APP_LOAD_LOAD_PARTIAL_H_
#define TRACESIM_APP_LOAD_LOAD_PARTIAL_H_

#include <optional>
#include <string>
#include <vector>

#include "app/load/load.h"
#include "app/partial.h"
#include "sim/base/status.h"

namespace tracesim::app {

// The partial of one generator's run: `outcome` of RunLoad with `options` (whose shard it ran).
std::string SaveLoadPartial(const LoadOutcome& outcome, const LoadOptions& options);

// The merged load: the outcome (its start is shard 0's, dated at the earliest start; its
// thresholds are the partials' --threshold rules judged on the merged report), the options that
// describe it (rate plan, thresholds) for LoadSummaryJson, and each shard's own report.
struct MergedLoad {
  LoadOutcome outcome;
  LoadOptions options;
  std::vector<loadgen::LoadReport> shards;  // in shard order
};

// Merges the partials of one load, in any order. Errors (kInvalidArgument, naming the partial):
// not a load partial (a `run` partial says so), corrupt or truncated, written by another
// tracesim version, another scenario, seed, rate plan, shard count or threshold list, a shard
// twice or missing.
sim::Result<MergedLoad> MergeLoadPartials(const std::vector<NamedPartial>& partials);

// One rank of `mpirun -np N tracesim load ... --shards mpi`: rank 0 picks the instant every rank
// starts at (LoadOptions::start_at_unix_ms when set, else its clock plus 2 s) and broadcasts it;
// each rank runs shard `rank` of N (RunLoad), its partial goes to rank 0, which merges them.
struct MpiLoad {
  int rank = 0, size = 1;
  LoadOutcome mine;                  // this rank's own run
  std::optional<MergedLoad> merged;  // rank 0 only
};

// Errors: kUnsupported without MPI; this rank's RunLoad error; at rank 0, a failed rank and
// MergeLoadPartials' errors.
sim::Result<MpiLoad> RunLoadMpi(const scenarios::Scenario& scenario, const LoadOptions& options,
                                const LoadCallbacks& callbacks);

// The merged summary JSON: LoadSummaryJson of the merged outcome, plus "shards" (each shard's
// report without its per-second series, in shard order).
std::string MergedLoadSummaryJson(const MergedLoad& merged);

}  // namespace tracesim::app

#endif  // TRACESIM_APP_LOAD_LOAD_PARTIAL_H_
