// RunSharded: one `tracesim run --shards N`, the run split into N time windows simulated on N
// threads and merged into one outcome (doc/scale.md).
//
// Shard i owns the traces that arrive in [D*i/N, D*(i+1)/N) of the arrival window D (the last
// one also what drains after it). It simulates the run's very arrivals (the same times and entry
// operations as the unsharded run: the one arrival stream is drawn and skipped up to its start)
// from `warmup` before its window to `warmup` after it, so queues, timers and breakers are in
// the steady state at both edges; only its own traces are shown to its sinks and its lab. The
// kernel's random streams of a shard are seeded from (seed, the start of its arrivals): shard 0
// (arrivals from 0) is the unsharded run itself. The results are merged in shard order, exactly
// (every counter, histogram, RED row, truth tally, lab score and shape set; see ShardOptions
// for what depends on N). The same seed and N give byte-identical output.
//
// Thread-safe: RunSharded runs its shards on their own threads; the scenario (model, plan) is
// shared read-only.
#ifndef TRACESIM_APP_SHARDS_H_
#define TRACESIM_APP_SHARDS_H_

#include <cstdint>

#include "app/run.h"
#include "scenarios/scenario.h"
#include "sim/base/status.h"
#include "sim/base/time.h"

namespace tracesim::app {

struct ShardOptions {
  // Number of shards (threads), in [1, 1024]. 1 is RunScenario. Default: 1.
  uint32_t count = 1;
  // Simulated but unobserved traffic before each window and after it. A warm-up that reaches
  // back to 0 and forward to the end of the arrivals makes every shard simulate the unsharded
  // trajectory, and then every figure equals the unsharded run's except the tail-sampling memory
  // peaks (each shard's stages buffer only its own traces: the merged peak is the largest
  // shard's) and the Jaeger adaptive loops (each shard's loop sees only its traffic). Shorter
  // warm-ups trade that for speed: what then depends on N is the state of queues, breakers,
  // limiters, tail buffers and the random streams at the windows' edges (doc/scale.md gives the
  // tolerances). >= 0. Default: 30 s.
  sim::Duration warmup = sim::Duration::Seconds(30);

  // Range checks; messages name the flag (--shards, --warmup).
  sim::Status Validate() const;
};

// Runs `scenario` with `options` in `shards.count` shards and merges them. As RunScenario, plus:
// RunOptions::sinks needs one shard (InvalidArgument otherwise); --spans-out and --truth-out are
// written per shard next to the file and concatenated in shard order (traces in order of their
// arrival window); RunOutcome::traces and error_traces are the first traces of the shards in
// shard order; RunReport::host.wall_s is the wall time of the whole sharded run.
sim::Result<RunOutcome> RunSharded(const scenarios::Scenario& scenario, const RunOptions& options,
                                   const ShardOptions& shards);

}  // namespace tracesim::app

#endif  // TRACESIM_APP_SHARDS_H_
