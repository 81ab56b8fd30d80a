// What `tracesim load --target-metrics/--target-pid` saw of the collector under load
// (loadgen/target/target_monitor.h measures it): per second and over the run, and the collector_*
// threshold metrics. Plain data; pure functions.
#ifndef TRACESIM_LOADGEN_TARGET_SUMMARY_H_
#define TRACESIM_LOADGEN_TARGET_SUMMARY_H_

#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace tracesim::loadgen {

// What the target did in one wall-clock second of the run (since the previous scrape).
struct TargetSecond {
  bool ok = false;  // the last scrape of every source succeeded
  double accepted_per_s = 0, refused_per_s = 0, sent_per_s = 0, dropped_per_s = 0;
  double queue_size = 0;
  double cpu_cores = 0;  // CPU seconds per second
  double rss_mb = 0;     // MiB
  bool has_cpu = false, has_rss = false, has_queue = false;
};

// The whole run.
struct TargetSummary {
  std::vector<std::string> urls;
  int64_t pid = 0;
  uint64_t scrapes = 0, scrape_errors = 0;
  std::string last_error;  // of the last failed scrape, "" when none failed
  double accepted = 0, refused = 0, sent = 0, dropped = 0;  // spans, last scrape - first
  double wall_seconds = 0;                                  // first scrape to last
  double peak_rss_mb = 0, mean_cpu_cores = 0, peak_cpu_cores = 0, peak_queue_size = 0;
  bool has_cpu = false, has_rss = false, has_queue = false;

  // refused / (accepted + refused), 0 when both are 0; dropped / sent + dropped likewise.
  double refused_ratio() const;
  double dropped_ratio() const;
  // The collector_* threshold metrics (TargetMetricNames()); CPU, RSS and queue only when known.
  std::map<std::string, double> Metrics() const;
};

// collector_accepted, collector_refused, collector_sent, collector_dropped,
// collector_refused_ratio, collector_dropped_ratio, collector_rss_mb (peak), collector_cpu_cores
// (mean), collector_cpu_cores_peak, collector_queue_size (peak), collector_scrape_errors.
const std::vector<std::string>& TargetMetricNames();

}  // namespace tracesim::loadgen

#endif  // TRACESIM_LOADGEN_TARGET_SUMMARY_H_
