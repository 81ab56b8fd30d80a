// Sharded runs over MPI ranks (issue 15, doc/scale.md "Across machines: MPI"): `mpirun -np N
// tracesim run SCENARIO --shards mpi` runs shard `rank` of N in each rank (RunPartial), gathers
// the N partial results at rank 0 (MPI_Gather of their sizes, MPI_Gatherv of their bytes) and
// merges them there exactly (MergePartials): rank 0's report is the one `--shards N` prints.
//
// Optional at build time: without Open MPI (libopenmpi-dev) the binary is built all the same and
// RunMpi says so (kUnsupported). MPI is initialised on the first call and finalised on return
// if this call initialised it, so a process makes one MPI run.
#ifndef TRACESIM_APP_MPI_RUN_H_
#define TRACESIM_APP_MPI_RUN_H_

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "app/partial.h"
#include "app/run.h"

namespace tracesim::app {

// Whether this tracesim was built with MPI.
bool MpiAvailable();

struct MpiOutcome {
  int rank = 0, size = 1;
  // Rank 0: the merged run. Other ranks: unset (their result went to rank 0).
  std::optional<RunOutcome> merged;
};

// What a rank knows when its work starts.
struct MpiRank {
  int rank = 0, size = 1;
  // GatherOverMpi's agreed instant (unix ms), 0 when none was asked for.
  int64_t agreed_unix_ms = 0;
};

struct MpiGathered {
  int rank = 0, size = 1;
  // Rank 0: every rank's bytes in rank order, named "MPI rank I". Other ranks: empty.
  std::vector<NamedPartial> partials;
};

// Runs `work` in every rank and gathers what it returns at rank 0 (MPI_Gather of the sizes,
// MPI_Gatherv of the bytes). With `agree_unix_ms` >= 0 rank 0 first broadcasts an instant for
// the ranks to start their work at: `agree_unix_ms` itself when > 0, else its clock's now plus
// `lead_ms`. Errors: kUnsupported without MPI; this rank's own error from `work`; at rank 0, a
// failed rank ("`flag`: MPI rank I failed (its error is on its stderr)").
sim::Result<MpiGathered> GatherOverMpi(
    const std::function<sim::Result<std::string>(const MpiRank&)>& work, const std::string& flag,
    int64_t agree_unix_ms = -1, int64_t lead_ms = 2000);

// This rank's shard, then the gather and merge at rank 0. Errors: kUnsupported without MPI;
// this rank's RunPartial error; at rank 0, a failed rank ("MPI rank I failed: ..." when it was
// this one, else its error is on that rank's stderr) and MergePartials' errors.
sim::Result<MpiOutcome> RunMpi(const scenarios::Scenario& sc, const RunOptions& options,
                               sim::Duration warmup);

}  // namespace tracesim::app

#endif  // TRACESIM_APP_MPI_RUN_H_
