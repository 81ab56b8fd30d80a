#include "app/mpi_run.h"

#include <string>
#include <utility>
#include <vector>

#ifdef TRACESIM_HAVE_MPI
#include <mpi.h>

#include <algorithm>
#include <chrono>
#include <climits>
#endif

namespace tracesim::app {

#ifndef TRACESIM_HAVE_MPI

bool MpiAvailable() { return false; }

sim::Result<MpiGathered> GatherOverMpi(
    const std::function<sim::Result<std::string>(const MpiRank&)>&, const std::string& flag,
    int64_t, int64_t) {
  return sim::Status::Unsupported(
      flag +
      ": this tracesim was built without MPI (install libopenmpi-dev and rebuild; "
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

sim::Result<MpiGathered> GatherOverMpi(
    const std::function<sim::Result<std::string>(const MpiRank&)>& work, const std::string& flag,
    int64_t agree_unix_ms, int64_t lead_ms) {
  MpiSession session;
  MpiRank me;
  MPI_Comm_rank(MPI_COMM_WORLD, &me.rank);
  MPI_Comm_size(MPI_COMM_WORLD, &me.size);
  const int root = 0;
  if (agree_unix_ms >= 0) {
    long long at = agree_unix_ms;
    if (at == 0)
      at = std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
               .count() +
           lead_ms;
    MPI_Bcast(&at, 1, MPI_LONG_LONG, root, MPI_COMM_WORLD);
    me.agreed_unix_ms = at;
  }
  sim::Result<std::string> mine = work(me);
  // Every rank takes part in both collectives, failed or not (-1: failed; counts are ints).
  long long length = -1;
  if (mine.ok() && mine->size() <= static_cast<size_t>(INT_MAX))
    length = static_cast<long long>(mine->size());
  std::vector<long long> lengths(me.rank == root ? me.size : 0);
  MPI_Gather(&length, 1, MPI_LONG_LONG, lengths.data(), 1, MPI_LONG_LONG, root, MPI_COMM_WORLD);
  std::vector<int> counts, displs;
  std::string all;
  bool too_big = false;
  if (me.rank == root) {
    long long at = 0;
    for (long long n : lengths) {
      displs.push_back(static_cast<int>(std::min<long long>(at, INT_MAX)));
      counts.push_back(static_cast<int>(n < 0 ? 0 : n));
      at += n < 0 ? 0 : n;
    }
    too_big = at > INT_MAX;
    if (too_big) std::fill(counts.begin(), counts.end(), 0);
    all.resize(too_big ? 0 : static_cast<size_t>(at));
  }
  MPI_Gatherv(length > 0 ? mine->data() : nullptr, length > 0 ? static_cast<int>(length) : 0,
              MPI_CHAR, all.data(), counts.data(), displs.data(), MPI_CHAR, root, MPI_COMM_WORLD);
  if (!mine.ok()) return mine.status();
  MpiGathered result;
  result.rank = me.rank;
  result.size = me.size;
  if (me.rank != root) return result;
  if (too_big) return sim::Status::InvalidArgument(flag + ": partials over 2 GiB");
  for (int r = 0; r < me.size; ++r) {
    if (lengths[r] < 0)
      return sim::Status::Internal(flag + ": MPI rank " + std::to_string(r) +
                                   " failed (its error is on its stderr)");
    result.partials.push_back({"MPI rank " + std::to_string(r), all.substr(displs[r], counts[r])});
  }
  return result;
}

#endif  // TRACESIM_HAVE_MPI

sim::Result<MpiOutcome> RunMpi(const scenarios::Scenario& sc, const RunOptions& options,
                               sim::Duration warmup) {
  auto work = [&](const MpiRank& me) {
    return RunPartial(sc, options,
                      ShardIndex{static_cast<uint32_t>(me.rank), static_cast<uint32_t>(me.size)},
                      warmup);
  };
  TRACESIM_ASSIGN_OR_RETURN(MpiGathered g, GatherOverMpi(work, "--shards mpi"));
  MpiOutcome result;
  result.rank = g.rank;
  result.size = g.size;
  if (g.rank != 0) return result;
  TRACESIM_ASSIGN_OR_RETURN(RunOutcome merged, MergePartials(sc, options, g.partials));
  result.merged = std::move(merged);
  return result;
}

}  // namespace tracesim::app
