// SeriesWriter: `tracesim load --out csv=FILE` / `--out json=FILE` (repeatable, in k6's style):
// the run's per-second series written as it happens, one line per wall-clock second, flushed
// each time (a run that is killed keeps what it wrote).
//
// Columns / keys, in this order: step (0, or the --find-max step), second, target_spans_per_s,
// generated_spans, accepted, rejected, dropped, requests, failed_requests, export_p50_ms,
// export_p99_ms, queued_spans, in_flight_spans, then, when the run watches a collector
// (--target-metrics / --target-pid), collector_ok, collector_accepted_per_s,
// collector_refused_per_s, collector_sent_per_s, collector_dropped_per_s,
// collector_queue_size, collector_cpu_cores, collector_rss_mb (empty in CSV, absent in JSON
// when unknown). csv: a header line, then comma-separated rows. json: one JSON object per line
// (JSON Lines). Numbers are rounded to 3 decimals.
//
// Thread-safety: none; one writer per file, used from one thread.
#ifndef TRACESIM_LOADGEN_SERIES_WRITER_H_
#define TRACESIM_LOADGEN_SERIES_WRITER_H_

#include <cstdio>
#include <memory>
#include <string>

#include "loadgen/load_engine.h"
#include "sim/base/status.h"

namespace tracesim::loadgen {

class SeriesWriter {
 public:
  // `spec` is "csv=FILE" or "json=FILE" ('-' = stdout). `with_target`: add the collector
  // columns. Errors: InvalidArgument for a bad spec (naming --out), Unavailable for a file
  // that cannot be created.
  static sim::Result<std::unique_ptr<SeriesWriter>> Open(const std::string& spec, bool with_target);
  ~SeriesWriter();
  SeriesWriter(const SeriesWriter&) = delete;
  SeriesWriter& operator=(const SeriesWriter&) = delete;

  void set_step(uint32_t step) { step_ = step; }
  // Writes one second; `mean_spans_per_trace` turns its target into spans/s.
  void Write(const SecondStats& s, double mean_spans_per_trace);
  // Flushes and closes; false when any write failed (disk full, ...).
  bool Close();
  const std::string& path() const { return path_; }

 private:
  SeriesWriter(std::FILE* f, bool owned, bool json, bool with_target, std::string path);
  std::FILE* f_;
  bool owned_, json_, with_target_;
  std::string path_;
  uint32_t step_ = 0;
  bool failed_ = false;
};

}  // namespace tracesim::loadgen

#endif  // TRACESIM_LOADGEN_SERIES_WRITER_H_
