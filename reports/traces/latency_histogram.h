// ServiceLatencySink: each service's request latency as a histogram with fixed, log-spaced bins
// (1-2-5 steps from 0.1 ms to 20 s, then 30 s and 60 s), for the HTML report's per-service latency
// charts.
//
// The same requests as the RED table: SERVER and CONSUMER spans by the service that recorded them,
// and each leaf dependency (database, cache, external, messaging) by the CLIENT and PRODUCER spans
// that call it, as its callers see it. Deterministic; memory is one row of counts per service.
#ifndef TRACESIM_REPORTS_LATENCY_HISTOGRAM_H_
#define TRACESIM_REPORTS_LATENCY_HISTOGRAM_H_

#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "sim/kernel/sink.h"
#include "sim/model/model.h"

namespace tracesim::reports {

// One service's histogram over the bins in LatencyHistograms::bins.
struct ServiceLatency {
  std::string service;
  bool dependency = false;  // a leaf dependency, as its callers see it
  uint64_t requests = 0;
  std::vector<uint64_t> counts;  // one per bin
};

struct LatencyHistograms {
  // Bin labels ("<0.1", "0.1–0.2", ..., "≥30000", in ms), trimmed to the range any service uses.
  std::vector<std::string> bins;
  std::vector<ServiceLatency> services;  // services with requests, model order; then dependencies
};

class ServiceLatencySink final : public sim::SpanSink {
 public:
  // Upper bounds of the bins but the last, in nanoseconds: 0.1, 0.2, 0.5, 1, ... 60000 ms.
  static constexpr std::array<int64_t, 19> kBoundsNs = {
      100'000,        200'000,        500'000,        1'000'000,     2'000'000,
      5'000'000,      10'000'000,     20'000'000,     50'000'000,    100'000'000,
      200'000'000,    500'000'000,    1'000'000'000,  2'000'000'000, 5'000'000'000,
      10'000'000'000, 20'000'000'000, 30'000'000'000, 60'000'000'000};
  static constexpr size_t kBins = kBoundsNs.size() + 1;

  explicit ServiceLatencySink(const sim::Model& model);
  void OnTrace(const sim::TraceView& trace) noexcept override;
  // The histograms, empty bins at both ends left out.
  LatencyHistograms Histograms() const;
  // Adds `other`'s counts (a sink of another shard of the same run, the same model).
  void Merge(const ServiceLatencySink& other) noexcept;

 private:
  const sim::Model& model_;
  std::vector<std::array<uint64_t, kBins>> served_;  // per service: SERVER/CONSUMER spans
  std::vector<std::array<uint64_t, kBins>> called_;  // per leaf service: its callers' spans
};

}  // namespace tracesim::reports

#endif  // TRACESIM_REPORTS_LATENCY_HISTOGRAM_H_
