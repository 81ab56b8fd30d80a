#include "app/mpi_run.h"

#include <string>
#include <utility>
#include <vector>

#ifdef TRACESIM_HAVE_MPI
#include <mpi.h>

#include <climits>
#endif

namespace tracesim::app {

#ifndef TRACESIM_HAVE_MPI

bool MpiAvailable() { return false; }

sim::Result<MpiOutcome> RunMpi(const scenarios::Scenario&, const RunOptions&, sim::Duration) {
  return sim::Status::Unsupported(
      "--shards mpi: this tracesim was built without MPI (install libopenmpi-dev and rebuild; "
      "doc/scale.md)");
}

#else

bool MpiAvailable() { return true; }

namespace {

// MPI_Finalize when the run initialised MPI, on every path out.
class MpiSession {
 public:
  MpiSession() {
    int done = 0;
    MPI_Initialized(&done);
    if (!done) owned_ = MPI_Init(nullptr, nullptr) == MPI_SUCCESS;
  }
  ~MpiSession() {
    if (owned_) MPI_Finalize();
  }
  MpiSession(const MpiSession&) = delete;
  MpiSession& operator=(const MpiSession&) = delete;

 private:
  bool owned_ = false;
};

}  // namespace

sim::Result<MpiOutcome> RunMpi(const scenarios::Scenario& sc, const RunOptions& options,
                               sim::Duration warmup) {
  MpiSession session;
  MpiOutcome result;
  MPI_Comm_rank(MPI_COMM_WORLD, &result.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &result.size);
  ShardIndex shard{static_cast<uint32_t>(result.rank), static_cast<uint32_t>(result.size)};
  sim::Result<std::string> mine = RunPartial(sc, options, shard, warmup);
  // Every rank takes part in both collectives, failed or not (-1: failed; counts are ints).
  long long length = -1;
  if (mine.ok() && mine->size() <= static_cast<size_t>(INT_MAX))
    length = static_cast<long long>(mine->size());
  const int root = 0;
  std::vector<long long> lengths(result.rank == root ? result.size : 0);
  MPI_Gather(&length, 1, MPI_LONG_LONG, lengths.data(), 1, MPI_LONG_LONG, root, MPI_COMM_WORLD);
  std::vector<int> counts, displs;
  std::string all;
  if (result.rank == root) {
    long long at = 0;
    for (long long n : lengths) {
      displs.push_back(static_cast<int>(at));
      counts.push_back(static_cast<int>(n < 0 ? 0 : n));
      at += n < 0 ? 0 : n;
    }
    if (at > INT_MAX) return sim::Status::InvalidArgument("--shards mpi: partials over 2 GiB");
    all.resize(static_cast<size_t>(at));
  }
  MPI_Gatherv(length > 0 ? mine->data() : nullptr, length > 0 ? static_cast<int>(length) : 0,
              MPI_CHAR, all.data(), counts.data(), displs.data(), MPI_CHAR, root, MPI_COMM_WORLD);
  if (!mine.ok()) return mine.status();
  if (result.rank != root) return result;
  std::vector<NamedPartial> partials;
  for (int r = 0; r < result.size; ++r) {
    if (lengths[r] < 0)
      return sim::Status::Internal("--shards mpi: MPI rank " + std::to_string(r) +
                                   " failed (its error is on its stderr)");
    partials.push_back({"MPI rank " + std::to_string(r), all.substr(displs[r], counts[r])});
  }
  TRACESIM_ASSIGN_OR_RETURN(RunOutcome merged, MergePartials(sc, options, partials));
  result.merged = std::move(merged);
  return result;
}

#endif  // TRACESIM_HAVE_MPI

}  // namespace tracesim::app
