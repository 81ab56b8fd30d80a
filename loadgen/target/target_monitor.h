// TargetMonitor: watches the collector under load for `tracesim load --target-metrics URL`
// (repeatable) and `--target-pid PID` (doc/load.md "Target metrics").
//
// Every `interval` a thread scrapes each URL (Prometheus text over plain HTTP, parsed by
// loadgen/target/prometheus_text.h) and reads /proc/PID. From the Collector's own metrics it takes,
// summed over the URLs (counters may carry a `_total` suffix):
//   accepted  otelcol_receiver_accepted_spans
//   refused   otelcol_receiver_refused_spans + otelcol_receiver_failed_spans
//   sent      otelcol_exporter_sent_spans
//   dropped   otelcol_exporter_send_failed_spans + otelcol_exporter_enqueue_failed_spans
//   queue     otelcol_exporter_queue_size (gauge)
//   cpu       otelcol_process_cpu_seconds (counter), rss otelcol_process_memory_rss (bytes; the
//             largest of the URLs': one collector's RSS is what a memory bound is about)
// With --target-pid, CPU and RSS come from /proc/PID/stat (utime + stime) and /proc/PID/statm
// instead. Counters are cumulative: per-second values are rates between consecutive scrapes, the
// summary is the last scrape minus the first (a counter that went down, a restart, counts from 0).
//
// Thread-safety: Latest() from any thread; Finish() once, from the thread that called Start().
#ifndef TRACESIM_LOADGEN_TARGET_MONITOR_H_
#define TRACESIM_LOADGEN_TARGET_MONITOR_H_

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "loadgen/target/target_summary.h"
#include "sim/base/status.h"

namespace tracesim::loadgen {

struct TargetOptions {
  // Prometheus endpoints: "http://HOST:PORT/PATH", or "HOST:PORT[/PATH]" (http; PATH defaults to
  // /metrics). Default: none.
  std::vector<std::string> urls;
  // A process to read CPU and RSS from (/proc), > 0; 0 = none. Default: 0.
  int64_t pid = 0;
  // Between scrapes, >= 10ms. Default: 1s.
  std::chrono::milliseconds interval{1000};
  // Per scrape (connect + response), >= 1ms. Default: 2s.
  std::chrono::milliseconds timeout{2000};

  bool enabled() const { return !urls.empty() || pid != 0; }
  // Errors name the flag: a URL that is not http (https is not supported), a negative pid.
  sim::Status Validate() const;
};

class TargetMonitor {
 public:
  // Validates, scrapes every source once (the baseline) and starts the thread. Errors name the
  // flag and the source: "--target-metrics http://...: connection refused", "--target-pid 42: no
  // such process" (Unavailable), or a bad option (InvalidArgument).
  static sim::Result<std::unique_ptr<TargetMonitor>> Start(const TargetOptions& options);
  ~TargetMonitor();
  TargetMonitor(const TargetMonitor&) = delete;
  TargetMonitor& operator=(const TargetMonitor&) = delete;

  // The rates between the last two scrapes and the last gauges.
  TargetSecond Latest() const;
  // Stops the thread, scrapes once more and returns the run's totals.
  TargetSummary Finish();

 private:
  class Impl;
  explicit TargetMonitor(std::unique_ptr<Impl> impl);
  std::unique_ptr<Impl> impl_;
};

// GET http://HOST:PORT/PATH with a deadline; the body of a 200 answer (at most 64 MiB). Errors
// (Unavailable) say what failed: "connection refused", "HTTP 404", "timed out".
sim::Result<std::string> HttpGet(const std::string& url, std::chrono::milliseconds timeout);

// /proc/PID: CPU seconds (user + system) and RSS bytes. Unavailable when the process is gone.
struct ProcStats {
  double cpu_seconds = 0;
  double rss_bytes = 0;
};
sim::Result<ProcStats> ReadProcStats(int64_t pid);

}  // namespace tracesim::loadgen

#endif  // TRACESIM_LOADGEN_TARGET_MONITOR_H_
