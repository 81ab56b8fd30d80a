#include "metrics/truth_metrics.h"

namespace tracesim::metrics {

TruthMetricsSink::TruthMetricsSink(const sim::Model& model, const sim::FaultPlan* plan)
    : plan_(plan) {
  if (plan == nullptr) return;
  for (const sim::Fault& f : plan->faults) {
    FaultImpact fi;
    fi.id = f.id;
    fi.kind = std::string(sim::FaultKindName(f.kind));
    if (f.operation != sim::kNone) {
      fi.target = model.OperationRef(f.operation);
    } else if (f.service != sim::kNone) {
      fi.target = std::string(model.strings.Get(model.services[f.service].name));
    }
    if (f.instance != sim::kNone) fi.target += " [instance " + std::to_string(f.instance) + "]";
    fi.start_s = f.start.seconds();
    fi.end_s = f.end == sim::Time::Max() ? -1 : f.end.seconds();
    faults_.push_back(std::move(fi));
  }
}

void TruthMetricsSink::Merge(const TruthMetricsSink& other) {
  const TruthTotals& o = other.totals_;
  totals_.traces += o.traces;
  totals_.error_traces += o.error_traces;
  totals_.root_errors += o.root_errors;
  totals_.fragments += o.fragments;
  totals_.fragmented += o.fragmented;
  totals_.lost_spans += o.lost_spans;
  totals_.retries += o.retries;
  totals_.timeouts += o.timeouts;
  totals_.touched += o.touched;
  totals_.latency.Merge(o.latency);
  totals_.untouched_latency.Merge(o.untouched_latency);
  for (size_t i = 0; i < faults_.size() && i < other.faults_.size(); ++i) {
    FaultImpact& fi = faults_[i];
    const FaultImpact& of = other.faults_[i];
    fi.traces += of.traces;
    fi.error_traces += of.error_traces;
    fi.root_errors += of.root_errors;
    fi.root_caused += of.root_caused;
    fi.latency.Merge(of.latency);
  }
}

void TruthMetricsSink::SaveState(sim::StateWriter& out) const {
  const TruthTotals& t = totals_;
  for (uint64_t n : {t.traces, t.error_traces, t.root_errors, t.fragments, t.fragmented,
                     t.lost_spans, t.retries, t.timeouts, t.touched})
    out.U64(n);
  t.latency.Save(out);
  t.untouched_latency.Save(out);
  out.U64(faults_.size());
  for (const FaultImpact& fi : faults_) {
    for (uint64_t n : {fi.traces, fi.error_traces, fi.root_errors, fi.root_caused}) out.U64(n);
    fi.latency.Save(out);
  }
}

bool TruthMetricsSink::LoadState(sim::StateReader& in) {
  TruthTotals& t = totals_;
  for (uint64_t* n : {&t.traces, &t.error_traces, &t.root_errors, &t.fragments, &t.fragmented,
                      &t.lost_spans, &t.retries, &t.timeouts, &t.touched})
    *n = in.U64();
  if (!t.latency.Load(in) || !t.untouched_latency.Load(in)) return false;
  if (in.U64() != faults_.size()) return false;
  for (FaultImpact& fi : faults_) {
    for (uint64_t* n : {&fi.traces, &fi.error_traces, &fi.root_errors, &fi.root_caused})
      *n = in.U64();
    if (!fi.latency.Load(in)) return false;
  }
  return in.ok();
}

void TruthMetricsSink::OnTrace(const sim::TraceView& trace) noexcept {
  const sim::TraceTruth* t = trace.truth;
  if (t == nullptr) return;
  int64_t latency = t->latency().nanos();
  ++totals_.traces;
  totals_.error_traces += t->error;
  totals_.root_errors += t->root_error;
  totals_.fragments += t->fragment;
  totals_.fragmented += t->fragmented;
  totals_.lost_spans += t->lost_spans;
  totals_.retries += t->retries;
  totals_.timeouts += t->timeouts;
  totals_.latency.Record(latency);
  if (t->fault_mask == 0) {
    totals_.untouched_latency.Record(latency);
  } else {
    ++totals_.touched;
  }
  if (plan_ == nullptr) return;
  for (size_t i = 0; i < faults_.size(); ++i) {
    const sim::Fault& f = plan_->faults[i];
    FaultImpact& fi = faults_[i];
    if (t->root_cause_service != sim::kNone && t->root_cause_service == f.service &&
        (f.operation == sim::kNone || f.operation == t->root_cause_operation) &&
        (t->fault_mask >> i & 1)) {
      ++fi.root_caused;
    }
    if (!(t->fault_mask >> i & 1)) continue;
    ++fi.traces;
    fi.error_traces += t->error;
    fi.root_errors += t->root_error;
    fi.latency.Record(latency);
  }
}

}  // namespace tracesim::metrics
