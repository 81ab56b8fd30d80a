// VolumeTally: how much telemetry a run's traffic makes, for the volume block every run prints
// (issue 13; doc/run-summary.md "volume"): the exported spans of the observed traces and their
// exact OTLP protobuf size, each span's Span message as encoded (sampling::SpanSizer, the size
// model the sampling lab costs with, so a keep-all strategy keeps exactly these bytes).
// Mergeable across shards and saved in partial results. Not thread-safe: simulation thread.
#ifndef TRACESIM_REPORTS_VOLUME_H_
#define TRACESIM_REPORTS_VOLUME_H_

#include <cstdint>

#include "sampling/collector/tail_sampling/tail_size.h"
#include "sim/base/state_io.h"
#include "sim/kernel/sink.h"
#include "sim/model/model.h"

namespace tracesim::reports {

class VolumeTally final : public sim::SpanSink {
 public:
  // REQUIRES: `model` outlives the tally.
  explicit VolumeTally(const sim::Model& model) : sizer_(model) {}

  void OnTrace(const sim::TraceView& trace) noexcept override;

  uint64_t traces() const { return traces_; }  // traces with at least one exported span
  uint64_t spans() const { return spans_; }
  uint64_t bytes() const { return bytes_; }  // sum of the spans' Span message sizes

  // Adds another shard's tally (same model).
  void Merge(const VolumeTally& other) noexcept;
  // SaveState then LoadState gives a tally that merges and reports as the saved one; LoadState
  // is false on a corrupt input.
  void SaveState(sim::StateWriter& out) const;
  bool LoadState(sim::StateReader& in);

 private:
  sampling::SpanSizer sizer_;
  uint64_t traces_ = 0, spans_ = 0, bytes_ = 0;
};

}  // namespace tracesim::reports

#endif  // TRACESIM_REPORTS_VOLUME_H_
