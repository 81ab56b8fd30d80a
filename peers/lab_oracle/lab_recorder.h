// LabRecorder: a sampling::LabTap that writes, per recorded strategy, the arrival stream its
// first Collector stage sees (ArrivalStreamWriter; one record per SDK export request) and tallies
// its per-trace decisions (DecisionTally): the two inputs of the comparison with the real Collector
// (doc/collector.md). Simulation thread only.
#ifndef TRACESIM_PEERS_LAB_ORACLE_LAB_RECORDER_H_
#define TRACESIM_PEERS_LAB_ORACLE_LAB_RECORDER_H_

#include <memory>
#include <string>
#include <vector>

#include "peers/lab_oracle/arrival_stream.h"
#include "peers/lab_oracle/decisions.h"
#include "sampling/lab/lab.h"

namespace tracesim::peers {

class LabRecorder final : public sampling::LabTap {
 public:
  // `strategies` lab strategies; none is recorded until Record() is called for it.
  LabRecorder(const sim::Model& model, size_t strategies);

  // Records strategy `k`'s arrivals into `arrivals_path`. Its first record is an empty request
  // at `collector_start` (Unix ns), the lab's Collector start (LabOptions::start_unix_nanos): the
  // replay starts the real processors at the first record, so their tickers run in the lab's
  // phase. REQUIRES: k < strategies.
  sim::Status Record(size_t k, const std::string& arrivals_path, int64_t collector_start);

  void OnArrival(size_t strategy, const sim::Span& span, std::span<const sim::SpanEvent> events,
                 std::span<const sim::SpanLink> links, int64_t arrival_unix_nano) override;
  void OnStored(size_t strategy, const sim::Span& span) override;
  // Writes the spans OnArrival collected since the last call as one request.
  void OnExportEnd(size_t strategy) override;

  // Closes every arrival stream; the first error.
  sim::Status Close();
  // Strategy k's decisions. REQUIRES: Record(k) was called.
  const DecisionTally& tally(size_t k) const { return *per_[k].tally; }
  uint64_t records(size_t k) const { return per_[k].writer ? per_[k].writer->records() : 0; }
  uint64_t last_arrival(size_t k) const {
    return per_[k].writer ? per_[k].writer->last_arrival() : 0;
  }

 private:
  struct PerStrategy {
    std::unique_ptr<ArrivalStreamWriter> writer;  // null: not recorded
    std::unique_ptr<DecisionTally> tally;
    // The export request being collected (span event/link ranges index these vectors).
    std::vector<sim::Span> spans;
    std::vector<sim::SpanEvent> events;
    std::vector<sim::SpanLink> links;
    int64_t arrival = 0;
  };
  const sim::Model& model_;
  std::vector<PerStrategy> per_;
};

}  // namespace tracesim::peers

#endif  // TRACESIM_PEERS_LAB_ORACLE_LAB_RECORDER_H_
