// What a `tracesim load` run makes besides the engine's report: the summary JSON (the report,
// the run that made it, the thresholds' results), the fail-fast policy (nothing accepted in the
// first seconds: stop with a diagnosis) and the per-second series files (--out). Shared by a
// single run and each step of a capacity search (find_max.h). No rendering of text (cli/ does).
#ifndef TRACESIM_APP_LOAD_LOAD_OUTPUTS_H_
#define TRACESIM_APP_LOAD_LOAD_OUTPUTS_H_

#include <atomic>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "app/load/load.h"
#include "loadgen/series_writer.h"
#include "sim/base/status.h"

namespace tracesim::app {

// The summary JSON (tracesim.load summary): the engine's report, "run" (version, scenario,
// seed, endpoint, protocol, TLS and why, rate plan, start time, the shard I of N when N > 1) and
// "thresholds" (each with its actual value and verdict), floats rounded to 6 significant digits
// (non-finite: null). With `shards` (a merged load, app/load/load_partial.h), also "shards": each
// shard's report without its per-second series, in shard order.
std::string LoadSummaryJson(const LoadOutcome& outcome, const LoadOptions& options,
                            const std::vector<loadgen::LoadReport>* shards = nullptr);

// "grpc 127.0.0.1:4317, TLS off (no --tls, no https://)": the run's target in one phrase.
std::string TargetText(const LoadStart& start);

// Nothing accepted (refused connection, DNS, TLS mismatch, an endpoint that refuses all): stop
// after kSeconds with a diagnosis instead of a whole run of failures, unless the user allows
// export failures. Fed from the engine's per-second callback; trips by storing 2 into `stop`
// (stop now, no grace period).
class ExportFailFast {
 public:
  static constexpr uint32_t kSeconds = 2;

  // `stop` (not owned) is the run's LoadOptions::stop counter; `enabled` false never trips.
  ExportFailFast(std::atomic<int>* stop, bool enabled) : stop_(stop), enabled_(enabled) {}

  void Observe(const loadgen::SecondStats& s);
  bool enabled() const { return enabled_; }
  bool tripped() const { return tripped_; }
  // Whether the run failed to reach the collector at all: tripped, or (a run shorter than the
  // window) spans generated, none accepted and some request failed. False when not enabled.
  bool Failed(const loadgen::LoadReport& report) const;
  // The diagnosis: what was tried, TLS and why, the underlying error, the way out.
  std::string Diagnosis(const LoadStart& start) const;

 private:
  std::atomic<int>* stop_;
  bool enabled_;
  bool tripped_ = false;
  uint64_t accepted_ = 0, failed_ = 0, requests_ = 0;
  std::string last_error_;
};

// The --out writers (k6-style `csv=FILE`, `json=FILE`), opened before the run so a bad spec or
// an unwritable file costs no run.
class SeriesOutputs {
 public:
  // kInvalidArgument for a bad spec; another code for a file that cannot be opened.
  sim::Status Open(const std::vector<std::string>& specs, bool with_target);
  void set_mean_spans(double mean_spans) { mean_spans_ = mean_spans; }
  void Write(const loadgen::SecondStats& s);
  void SetStep(uint32_t step);
  // Closes every file; false after naming each that failed on `err`.
  bool Close(std::ostream& err);

 private:
  std::vector<std::unique_ptr<loadgen::SeriesWriter>> writers_;
  double mean_spans_ = 0;
};

}  // namespace tracesim::app

#endif  // TRACESIM_APP_LOAD_LOAD_OUTPUTS_H_
