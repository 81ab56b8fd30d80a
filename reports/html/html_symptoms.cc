// The run page's symptoms table (issue 13): what a tracing backend shows of each fault, the
// same rows as `tracesim run`'s symptoms section (reports/text/symptoms.h).
#include "reports/html/html_page.h"
#include "reports/text/symptoms.h"
#include "reports/text/table.h"

namespace tracesim::reports::html {

std::string SymptomTable(const std::vector<SymptomRow>& rows) {
  bool any = false;
  for (const SymptomRow& r : rows)
    any |= r.fragment_roots || r.orphan_spans || r.calls_without_child || r.child_before_parent;
  if (rows.size() < 2 || !any) return "";
  HtmlTable t({"fault", "traces", "fragment roots", "orphan spans", "calls without a child",
               "child before parent", "worst skew ms"},
              1);
  for (const SymptomRow& r : rows)
    t.Row({r.fault.empty() ? "(no fault)" : r.fault, FormatCount(r.traces),
           FormatCount(r.fragment_roots), FormatCount(r.orphan_spans),
           FormatCount(r.calls_without_child), FormatCount(r.child_before_parent),
           r.child_before_parent ? Ms(static_cast<double>(r.worst_skew_ns) / 1e6) : "-"});
  return "<h3>Symptoms: what a tracing backend shows</h3>\n"
         "<p>Fragment roots: traces that began mid-request after a lost context. Orphan spans: "
         "their parent was never exported. Calls without a child: CLIENT/PRODUCER spans to an "
         "instrumented service or a consumed topic with no child span. Child before parent: "
         "spans that start before their parent (clock skew), with the worst offset.</p>\n" +
         t.Render();
}

}  // namespace tracesim::reports::html
