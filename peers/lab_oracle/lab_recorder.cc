#include "peers/lab_oracle/lab_recorder.h"

namespace tracesim::peers {

LabRecorder::LabRecorder(const sim::Model& model, size_t strategies)
    : model_(model), per_(strategies) {}

sim::Status LabRecorder::Record(size_t k, const std::string& arrivals_path,
                                int64_t collector_start) {
  auto w = ArrivalStreamWriter::Open(arrivals_path, model_);
  if (!w.ok()) return w.status();
  per_[k].writer = std::move(w).value();
  per_[k].writer->WriteRequest(collector_start, "");
  per_[k].tally = std::make_unique<DecisionTally>();
  return sim::Status::Ok();
}

void LabRecorder::OnArrival(size_t strategy, const sim::Span& span,
                            std::span<const sim::SpanEvent> events,
                            std::span<const sim::SpanLink> links, int64_t arrival_unix_nano) {
  PerStrategy& p = per_[strategy];
  if (!p.writer) return;
  sim::Span& own = p.spans.emplace_back(span);
  own.first_event = static_cast<uint32_t>(p.events.size());
  own.first_link = static_cast<uint32_t>(p.links.size());
  p.events.insert(p.events.end(), events.begin(), events.end());
  p.links.insert(p.links.end(), links.begin(), links.end());
  p.arrival = arrival_unix_nano;
  p.tally->AddIn(span.trace_id);
}

void LabRecorder::OnExportEnd(size_t strategy) {
  PerStrategy& p = per_[strategy];
  if (!p.writer || p.spans.empty()) return;
  p.writer->WriteSpans(p.arrival, p.spans, p.events, p.links);
  p.spans.clear();
  p.events.clear();
  p.links.clear();
}

void LabRecorder::OnStored(size_t strategy, const sim::Span& span) {
  PerStrategy& p = per_[strategy];
  if (p.tally) p.tally->AddOut(span.trace_id);
}

sim::Status LabRecorder::Close() {
  sim::Status first = sim::Status::Ok();
  for (PerStrategy& p : per_) {
    if (!p.writer) continue;
    sim::Status s = p.writer->Close();
    if (first.ok() && !s.ok()) first = s;
  }
  return first;
}

}  // namespace tracesim::peers
