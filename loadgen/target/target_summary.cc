#include "loadgen/target/target_summary.h"

namespace tracesim::loadgen {

double TargetSummary::refused_ratio() const {
  return accepted + refused > 0 ? refused / (accepted + refused) : 0;
}
double TargetSummary::dropped_ratio() const {
  return sent + dropped > 0 ? dropped / (sent + dropped) : 0;
}

const std::vector<std::string>& TargetMetricNames() {
  static const std::vector<std::string> kNames = {
      "collector_accepted",   "collector_refused",       "collector_sent",
      "collector_dropped",    "collector_refused_ratio", "collector_dropped_ratio",
      "collector_rss_mb",     "collector_cpu_cores",     "collector_cpu_cores_peak",
      "collector_queue_size", "collector_scrape_errors"};
  return kNames;
}

std::map<std::string, double> TargetSummary::Metrics() const {
  std::map<std::string, double> m;
  m["collector_accepted"] = accepted;
  m["collector_refused"] = refused;
  m["collector_sent"] = sent;
  m["collector_dropped"] = dropped;
  m["collector_refused_ratio"] = refused_ratio();
  m["collector_dropped_ratio"] = dropped_ratio();
  m["collector_scrape_errors"] = static_cast<double>(scrape_errors);
  if (has_rss) m["collector_rss_mb"] = peak_rss_mb;
  if (has_cpu) {
    m["collector_cpu_cores"] = mean_cpu_cores;
    m["collector_cpu_cores_peak"] = peak_cpu_cores;
  }
  if (has_queue) m["collector_queue_size"] = peak_queue_size;
  return m;
}

}  // namespace tracesim::loadgen
