// The run page's "kept by" notes (issue 13): under each exemplar waterfall, which sampling
// strategies kept that trace, the decisions `run --spans-out --tag-decisions` writes on its spans.
#include "reports/html/html_page.h"
#include "reports/html/html_report.h"

namespace tracesim::reports {

void HtmlReportCollector::OnScored(const sim::TraceId& trace_id,
                                   std::span<const uint32_t> kept_spans) {
  auto it = decisions_.find(trace_id);
  if (it == decisions_.end()) return;  // no picker held the trace when it finished
  uint64_t kept = 0;
  for (size_t k = 0; k < kept_spans.size() && k < 64; ++k)
    if (kept_spans[k] > 0) kept |= uint64_t{1} << k;
  it->second = {kept, true};
}

void HtmlReportCollector::NoteCandidate(const sim::TraceView& trace) {
  const sim::TraceId& id = trace.trace_id;
  bool held = slowest_.Holds(id) || rare_.Holds(trace.truth->shape, id);
  for (size_t f = 0; !held && f < by_fault_.size(); ++f) held = by_fault_[f]->Holds(id);
  if (!held) return;
  decisions_.try_emplace(id);
  if (decisions_.size() < prune_at_) return;
  std::vector<sim::TraceId> ids;
  slowest_.HeldIds(&ids);
  for (const auto& p : by_fault_) p->HeldIds(&ids);
  rare_.HeldIds(&ids);
  std::unordered_map<sim::TraceId, Decision, sim::TraceIdHash> still;
  for (const sim::TraceId& h : ids) {
    auto it = decisions_.find(h);
    if (it != decisions_.end()) still.insert(*it);
  }
  decisions_.swap(still);
  prune_at_ = 2 * decisions_.size() + 1024;
}

std::string HtmlReportCollector::KeptBy(const sim::TraceId& trace_id) const {
  if (lab_ == nullptr) return "";
  auto it = decisions_.find(trace_id);
  if (it == decisions_.end() || !it->second.scored) return "";
  std::string kept, dropped;
  for (size_t k = 0; k < lab_->strategy_count() && k < 64; ++k) {
    std::string& list = (it->second.kept >> k) & 1 ? kept : dropped;
    list += (list.empty() ? "" : ", ") + html::Escape(lab_->strategy(k).name);
  }
  return "<p class=\"note\">Sampling (tracesim.sampler.*.kept): kept by " +
         (kept.empty() ? std::string("none") : kept) + "; dropped by " +
         (dropped.empty() ? std::string("none") : dropped) + ".</p>\n";
}

}  // namespace tracesim::reports
