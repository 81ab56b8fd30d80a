// The run page's "kept by" notes (issue 13): under each exemplar waterfall, which sampling
// strategies kept that trace, the decisions `run --spans-out --tag-decisions` writes on its spans.
#include "reports/html/html_page.h"
#include "reports/html/html_report.h"

namespace tracesim::reports {

void HtmlReportCollector::OnScored(const sim::TraceId& trace_id,
                                   std::span<const uint32_t> kept_spans) {
  uint64_t kept = 0;
  for (size_t k = 0; k < kept_spans.size() && k < 64; ++k)
    if (kept_spans[k] > 0) kept |= uint64_t{1} << k;
  decisions_[trace_id] = kept;
}

std::string HtmlReportCollector::KeptBy(const sim::TraceId& trace_id) const {
  if (lab_ == nullptr) return "";
  auto it = decisions_.find(trace_id);
  if (it == decisions_.end()) return "";
  std::string kept, dropped;
  for (size_t k = 0; k < lab_->strategy_count() && k < 64; ++k) {
    std::string& list = (it->second >> k) & 1 ? kept : dropped;
    list += (list.empty() ? "" : ", ") + html::Escape(lab_->strategy(k).name);
  }
  return "<p class=\"note\">Sampling (tracesim.sampler.*.kept): kept by " +
         (kept.empty() ? std::string("none") : kept) + "; dropped by " +
         (dropped.empty() ? std::string("none") : dropped) + ".</p>\n";
}

}  // namespace tracesim::reports
