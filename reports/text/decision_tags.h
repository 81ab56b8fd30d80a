// DecisionTagSink: `tracesim run --spans-out FILE --tag-decisions` (issue 13). Writes the spans
// as OTLP/JSON lines, as exporter::OtlpJsonFileSink does, with one more attribute per span and
// sampling strategy: `tracesim.sampler.<name>.kept`, true when the strategy kept the span's trace
// (stored at least one of its spans: the lab's traces_kept), in the style of Refinery's dry run,
// which tags every span with its trace's decision. Loaded into a backend, the spans show what
// each policy would keep: filter on the attribute.
//
// A trace is held until the sampling lab has scored it (every strategy decided; LabTap::OnScored),
// so memory is the traces inside the slowest strategy's decision wait, as in the lab itself.
// Lines come in the order the traces completed, the lab's scoring order. Deterministic.
#ifndef TRACESIM_REPORTS_DECISION_TAGS_H_
#define TRACESIM_REPORTS_DECISION_TAGS_H_

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <vector>

#include "exporter/encoding/otlp_json_file_sink.h"
#include "sampling/lab/lab.h"
#include "sim/base/status.h"
#include "sim/kernel/sink.h"
#include "sim/model/model.h"

namespace tracesim::reports {

// "tracesim.sampler.<strategy>.kept".
std::string DecisionTagKey(std::string_view strategy);

// Interns every strategy's DecisionTagKey into `model`'s strings: the attribute keys must be in
// the model the encoder reads. Call before the model is shared (before a run starts).
void InternDecisionTags(const std::vector<std::string>& strategies, sim::Model* model);

class DecisionTagSink final : public sim::SpanSink, public sampling::LabTap {
 public:
  // Opens (truncates) `path` ("-" = stdout) for the spans of a run whose lab has `strategies`, in
  // lab order (at most 64). Errors: the file cannot be opened; a strategy's key was not interned
  // (InternDecisionTags). The model must outlive the sink.
  static sim::Result<std::unique_ptr<DecisionTagSink>> Open(const std::string& path,
                                                            const sim::Model& model,
                                                            std::vector<std::string> strategies);

  // SpanSink: holds the trace until OnScored.
  void OnTrace(const sim::TraceView& trace) noexcept override;
  // LabTap: the arrivals and stored spans are not needed, the lab's per-trace tally is.
  void OnArrival(size_t, const sim::Span&, std::span<const sim::SpanEvent>,
                 std::span<const sim::SpanLink>, int64_t) override {}
  void OnStored(size_t, const sim::Span&) override {}
  void OnScored(const sim::TraceId& trace_id, std::span<const uint32_t> kept_spans) override;
  // Writes any trace the lab never scored (untagged; counted in untagged_traces()), then closes
  // the file. Returns the first I/O error.
  sim::Status Close() override;

  uint64_t tagged_traces() const { return tagged_; }
  uint64_t untagged_traces() const { return untagged_; }

 private:
  struct Held {
    uint64_t sequence = 0;
    sim::TraceTruth truth;
    std::vector<sim::Span> spans;
    std::vector<sim::SpanEvent> events;
    std::vector<sim::SpanLink> links;
  };

  DecisionTagSink(const sim::Model& model, std::vector<sim::StrId> keys,
                  std::unique_ptr<exporter::OtlpJsonFileSink> file);
  // The span's static attributes followed by one boolean per strategy (bit k of `kept`).
  const std::vector<sim::Attr>& Tagged(const sim::Span& span, uint64_t kept);
  void Write(const sim::TraceId& id, Held& held);

  const sim::Model& model_;
  std::vector<sim::StrId> keys_;  // per strategy
  std::unique_ptr<exporter::OtlpJsonFileSink> file_;
  std::unordered_map<sim::TraceId, Held, sim::TraceIdHash> held_;
  // Tagged attribute arrays by (static template, its size, decisions); each lives as long as the
  // sink (the encoder reads them through Span::static_attrs).
  std::map<std::tuple<const sim::Attr*, uint16_t, uint64_t>,
           std::unique_ptr<std::vector<sim::Attr>>>
      tagged_attrs_;
  uint64_t tagged_ = 0, untagged_ = 0;
};

}  // namespace tracesim::reports

#endif  // TRACESIM_REPORTS_DECISION_TAGS_H_
