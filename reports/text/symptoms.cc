#include "reports/text/symptoms.h"

#include <algorithm>
#include <cmath>

#include "reports/text/table.h"

namespace tracesim::reports {

SymptomsSink::SymptomsSink(const sim::Model& model, const sim::FaultPlan* plan)
    : model_(model), plan_(plan), consumed_broker_(model.services.size(), false) {
  for (const sim::Topic& t : model.topics)
    if (!t.consumers.empty() && t.broker < consumed_broker_.size())
      consumed_broker_[t.broker] = true;
  if (plan_ != nullptr) {
    for (size_t i = 0; i < plan_->faults.size(); ++i) {
      rows_.push_back(SymptomRow{plan_->faults[i].id});
      if (plan_->faults[i].kind == sim::Fault::Kind::kClockSkew && i < 64)
        skew_mask_ |= uint64_t{1} << i;
    }
  }
  rows_.push_back(SymptomRow{});
}

bool SymptomsSink::ExpectsChild(const sim::Span& span) const {
  if (span.peer == sim::kNone || span.peer >= model_.services.size()) return false;
  if (span.kind == sim::SpanKind::kClient)
    return model_.services[span.peer].kind == sim::ServiceKind::kService;
  if (span.kind == sim::SpanKind::kProducer) return consumed_broker_[span.peer];
  return false;
}

void SymptomsSink::OnTrace(const sim::TraceView& trace) noexcept {
  if (trace.truth == nullptr) return;
  const sim::TraceTruth& truth = *trace.truth;
  SymptomRow found;
  found.traces = 1;
  found.fragment_roots = truth.fragment ? 1 : 0;
  // Without an error, a lost context, a lost span or a skewed clock every call has its child and
  // every child starts after its parent: only the traces that may show a symptom are walked.
  const bool may_show = truth.error || truth.fragment || truth.fragmented || truth.lost_spans > 0 ||
                        (truth.fault_mask & skew_mask_) != 0;
  if (may_show) Walk(trace, &found);
  auto add = [&found](SymptomRow& row) {
    row.traces += found.traces;
    row.fragment_roots += found.fragment_roots;
    row.orphan_spans += found.orphan_spans;
    row.calls_without_child += found.calls_without_child;
    row.child_before_parent += found.child_before_parent;
    row.worst_skew_ns = std::max(row.worst_skew_ns, found.worst_skew_ns);
  };
  const uint64_t mask = truth.fault_mask;
  if (mask == 0) return add(rows_.back());
  for (size_t f = 0; f + 1 < rows_.size() && f < 64; ++f)
    if (mask & (uint64_t{1} << f)) add(rows_[f]);
}

void SymptomsSink::Walk(const sim::TraceView& trace, SymptomRow* found) {
  starts_.clear();
  parents_.clear();
  for (const sim::Span& s : trace.spans) {
    starts_.emplace_back(s.span_id, s.start_unix_nano);
    if (s.parent_span_id != 0) parents_.push_back(s.parent_span_id);
  }
  std::sort(starts_.begin(), starts_.end());
  std::sort(parents_.begin(), parents_.end());
  for (const sim::Span& s : trace.spans) {
    if (s.parent_span_id != 0) {
      auto p = std::lower_bound(starts_.begin(), starts_.end(),
                                std::make_pair(s.parent_span_id, INT64_MIN));
      if (p == starts_.end() || p->first != s.parent_span_id) {
        ++found->orphan_spans;
      } else if (s.start_unix_nano < p->second) {
        ++found->child_before_parent;
        found->worst_skew_ns = std::max(found->worst_skew_ns, p->second - s.start_unix_nano);
      }
    }
    if (ExpectsChild(s) && !std::binary_search(parents_.begin(), parents_.end(), s.span_id))
      ++found->calls_without_child;
  }
}

std::vector<SymptomRow> SymptomsSink::Rows() const { return rows_; }

void SymptomsSink::Merge(const SymptomsSink& other) {
  for (size_t i = 0; i < rows_.size() && i < other.rows_.size(); ++i) {
    SymptomRow& a = rows_[i];
    const SymptomRow& b = other.rows_[i];
    a.traces += b.traces;
    a.fragment_roots += b.fragment_roots;
    a.orphan_spans += b.orphan_spans;
    a.calls_without_child += b.calls_without_child;
    a.child_before_parent += b.child_before_parent;
    a.worst_skew_ns = std::max(a.worst_skew_ns, b.worst_skew_ns);
  }
}

void SymptomsSink::SaveState(sim::StateWriter& out) const {
  out.U64(rows_.size());
  for (const SymptomRow& r : rows_) {
    out.U64(r.traces);
    out.U64(r.fragment_roots);
    out.U64(r.orphan_spans);
    out.U64(r.calls_without_child);
    out.U64(r.child_before_parent);
    out.I64(r.worst_skew_ns);
  }
}

bool SymptomsSink::LoadState(sim::StateReader& in) {
  if (in.U64() != rows_.size() || !in.ok()) return false;
  for (SymptomRow& r : rows_) {
    r.traces = in.U64();
    r.fragment_roots = in.U64();
    r.orphan_spans = in.U64();
    r.calls_without_child = in.U64();
    r.child_before_parent = in.U64();
    r.worst_skew_ns = in.I64();
  }
  return in.ok();
}

std::string RenderSymptomTable(const std::vector<SymptomRow>& rows) {
  bool any = false;
  for (const SymptomRow& r : rows)
    any |= r.fragment_roots || r.orphan_spans || r.calls_without_child || r.child_before_parent;
  if (rows.size() < 2 || !any) return "";  // no faults, or nothing a backend would show
  std::string out = "\nsymptoms (what a tracing backend shows, per fault)\n";
  Table t({{"fault", Align::kLeft},
           {"traces", Align::kRight},
           {"fragment roots", Align::kRight},
           {"orphan spans", Align::kRight},
           {"calls w/o child", Align::kRight},
           {"child < parent", Align::kRight},
           {"worst skew ms", Align::kRight}});
  for (const SymptomRow& r : rows) {
    t.AddRow(
        {r.fault.empty() ? "(no fault)" : r.fault, FormatCount(r.traces),
         FormatCount(r.fragment_roots), FormatCount(r.orphan_spans),
         FormatCount(r.calls_without_child), FormatCount(r.child_before_parent),
         r.child_before_parent ? FormatFixed(static_cast<double>(r.worst_skew_ns) / 1e6, 2) : "-"});
  }
  return out + t.Render() +
         "  calls w/o child: CLIENT/PRODUCER spans to an instrumented service or a consumed topic\n"
         "  with no child span (lost context or spans, refused calls); worst skew: the largest\n"
         "  parent start - child start\n";
}

nlohmann::ordered_json SymptomsJson(const std::vector<SymptomRow>& rows) {
  nlohmann::ordered_json j = nlohmann::ordered_json::array();
  for (const SymptomRow& r : rows) {
    nlohmann::ordered_json x;
    if (r.fault.empty()) {
      x["fault"] = nullptr;
    } else {
      x["fault"] = r.fault;
    }
    x["traces"] = r.traces;
    x["fragment_roots"] = r.fragment_roots;
    x["orphan_spans"] = r.orphan_spans;
    x["calls_without_child"] = r.calls_without_child;
    x["child_before_parent"] = r.child_before_parent;
    x["worst_skew_ms"] = std::round(static_cast<double>(r.worst_skew_ns) / 1e3) / 1e3;
    j.push_back(x);
  }
  return j;
}

}  // namespace tracesim::reports
