#include "sampling/lab/lab_tally.h"

#include <iterator>
#include <string>
#include <string_view>

namespace tracesim::sampling {

namespace {

double Ratio(uint64_t a, uint64_t b) {
  return b ? static_cast<double>(a) / static_cast<double>(b) : 0.0;
}

// Whether no other strategy beats `s` on both bytes kept and `recall`.
bool OnFront(const std::vector<StrategyScore>& scores, const StrategyScore& s,
             double (*recall)(const StrategyScore&)) {
  for (const StrategyScore& o : scores) {
    if (&o == &s) continue;
    bool no_worse = o.bytes_kept <= s.bytes_kept && recall(o) >= recall(s);
    bool better = o.bytes_kept < s.bytes_kept || recall(o) > recall(s);
    if (no_worse && better) return false;
  }
  return true;
}

// The slow recall at (basis, at), 0 when absent.
double SlowAt(const StrategyScore& s, std::string_view basis, std::string_view at) {
  for (const StrategyScore::SlowRecall& r : s.slow)
    if (r.basis == basis && r.at == at) return r.recall;
  return 0;
}

// Slow recall of kept traces `kept` against all traces `all` above each percentile and above
// `threshold_ns`.
void AddSlow(std::string_view basis, const metrics::Histogram& all, const metrics::Histogram& kept,
             int64_t threshold_ns, StrategyScore* s) {
  struct At {
    const char* name;
    double pct;
  };
  static constexpr At kAt[] = {{"p90", 90}, {"p95", 95}, {"p99", 99}, {"threshold", -1}};
  for (const At& at : kAt) {
    const int64_t t = at.pct < 0 ? threshold_ns : all.Percentile(at.pct);
    StrategyScore::SlowRecall r;
    r.basis = std::string(basis);
    r.at = at.name;
    r.threshold_ms = static_cast<double>(t) / 1e6;
    r.traces = all.Count() - all.CountAtOrBelow(t);
    r.kept = kept.Count() - kept.CountAtOrBelow(t);
    r.recall = r.traces ? static_cast<double>(r.kept) / static_cast<double>(r.traces) : 0;
    r.ci = Wilson(std::min(r.kept, r.traces), r.traces);
    s->slow.push_back(std::move(r));
  }
}

// Recall per fault of the plan: errors[f] error traces fault f touched, kept[f] of them kept.
void AddFaultRecalls(const sim::FaultPlan& plan, const std::vector<uint64_t>& errors,
                     const std::vector<uint64_t>& kept, StrategyScore* s) {
  for (size_t f = 0; f < plan.faults.size(); ++f) {
    StrategyScore::FaultRecall fr;
    fr.id = plan.faults[f].id;
    fr.error_traces = errors[f];
    fr.kept = kept[f];
    fr.recall =
        fr.error_traces ? static_cast<double>(fr.kept) / static_cast<double>(fr.error_traces) : 0.0;
    s->by_fault.push_back(fr);
  }
}

// A set of 64-bit hashes, sorted so that equal sets give equal bytes.
void SaveSet(const std::unordered_set<uint64_t>& set, sim::StateWriter& out) {
  std::vector<uint64_t> v(set.begin(), set.end());
  std::sort(v.begin(), v.end());
  out.U64(v.size());
  for (uint64_t x : v) out.U64(x);
}

void LoadSet(sim::StateReader& in, std::unordered_set<uint64_t>* set) {
  set->clear();
  const uint64_t n = in.Count();
  for (uint64_t i = 0; i < n; ++i) set->insert(in.U64());
}

}  // namespace

LabTally::LabTally(size_t strategies, size_t faults, size_t services, int64_t window_ns)
    : strategies_(strategies),
      services_(services),
      fault_errors_(faults, 0),
      red_(strategies, services, window_ns) {
  for (Strategy& a : strategies_) {
    a.fault_errors.assign(faults, 0);
    a.fault_kept.assign(faults, 0);
  }
}

void LabTally::RecordTruth(const sim::TraceTruth& tr, int64_t lat, int64_t whole_ns) {
  ++traces_;
  latency_.Record(lat);
  whole_.Record(whole_ns);
  shapes_.insert(tr.shape);
  if (tr.error) {
    ++error_traces_;
    for (size_t f = 0; f < fault_errors_.size(); ++f)
      if (tr.fault_mask >> f & 1) ++fault_errors_[f];
    if (tr.root_cause_service != sim::kNone) ++root_cause_errors_[tr.root_cause_service];
  }
  if (tr.root_error) ++root_errors_;
}

void PriceScore(const PricingOptions& pricing, double compression_ratio, double duration_s,
                StrategyScore* s) {
  const Kept kept{static_cast<double>(s->bytes_kept), static_cast<double>(s->error_bytes_kept),
                  static_cast<double>(s->spans_kept), static_cast<double>(s->traces_kept)};
  const Costs c = Price(pricing, kept, compression_ratio, duration_s);
  s->compressed_bytes_kept = c.compressed_bytes;
  s->gb_per_month = c.gb_per_month;
  s->spans_millions_per_month = c.spans_millions_per_month;
  s->stored_gb_traces = c.stored_gb_traces;
  s->stored_gb_error_traces = c.stored_gb_error_traces;
  s->stored_gb_metadata = c.stored_gb_metadata;
  s->usd_storage_month = c.usd_storage_month;
  s->usd_ingest_month = c.usd_ingest_month;
  s->usd_per_span_month = c.usd_per_span_month;
  s->usd_month = c.usd_month;
}

void LabTally::Merge(const LabTally& o) {
  traces_ += o.traces_;
  error_traces_ += o.error_traces_;
  root_errors_ += o.root_errors_;
  for (size_t f = 0; f < fault_errors_.size() && f < o.fault_errors_.size(); ++f)
    fault_errors_[f] += o.fault_errors_[f];
  for (const auto& [svc, n] : o.root_cause_errors_) root_cause_errors_[svc] += n;
  latency_.Merge(o.latency_);
  whole_.Merge(o.whole_);
  shapes_.insert(o.shapes_.begin(), o.shapes_.end());
  red_.Merge(o.red_);
  for (size_t k = 0; k < strategies_.size() && k < o.strategies_.size(); ++k) {
    Strategy& a = strategies_[k];
    const Strategy& b = o.strategies_[k];
    a.spans_kept += b.spans_kept;
    a.bytes_kept += b.bytes_kept;
    a.error_bytes_kept += b.error_bytes_kept;
    a.traces += b.traces;
    a.traces_kept += b.traces_kept;
    a.spans += b.spans;
    a.complete_kept += b.complete_kept;
    a.fragmented_kept += b.fragmented_kept;
    a.error_traces += b.error_traces;
    a.error_kept += b.error_kept;
    for (size_t f = 0; f < a.fault_errors.size() && f < b.fault_errors.size(); ++f) {
      a.fault_errors[f] += b.fault_errors[f];
      a.fault_kept[f] += b.fault_kept[f];
    }
    for (const auto& [svc, rc] : b.root_cause) {
      a.root_cause[svc].first += rc.first;
      a.root_cause[svc].second += rc.second;
    }
    a.kept_latency.Merge(b.kept_latency);
    a.kept_whole.Merge(b.kept_whole);
    a.weighted_latency.Merge(b.weighted_latency);
    a.adj_traces += b.adj_traces;
    a.adj_root_errors += b.adj_root_errors;
    a.shapes_kept.insert(b.shapes_kept.begin(), b.shapes_kept.end());
  }
}

void LabTally::SaveTruth(sim::StateWriter& out) const {
  for (uint64_t n : {traces_, error_traces_, root_errors_}) out.U64(n);
  out.U64(fault_errors_.size());
  for (uint64_t n : fault_errors_) out.U64(n);
  out.U64(root_cause_errors_.size());
  for (const auto& [svc, n] : root_cause_errors_) {
    out.U64(svc);
    out.U64(n);
  }
  latency_.Save(out);
  whole_.Save(out);
  SaveSet(shapes_, out);
  red_.SaveTruth(out);
}

bool LabTally::LoadTruth(sim::StateReader& in) {
  for (uint64_t* n : {&traces_, &error_traces_, &root_errors_}) *n = in.U64();
  if (in.U64() != fault_errors_.size()) return false;
  for (uint64_t& n : fault_errors_) n = in.U64();
  root_cause_errors_.clear();
  const uint64_t causes = in.Count(16);
  for (uint64_t i = 0; i < causes; ++i) {
    const uint64_t svc = in.U64();
    if (svc >= services_) return false;  // a service the model does not have
    root_cause_errors_[static_cast<uint32_t>(svc)] = in.U64();
  }
  if (!latency_.Load(in) || !whole_.Load(in)) return false;
  LoadSet(in, &shapes_);
  return red_.LoadTruth(in);
}

void LabTally::SaveStrategy(size_t k, sim::StateWriter& out) const {
  const Strategy& a = strategies_[k];
  for (uint64_t n : {a.spans_kept, a.bytes_kept, a.error_bytes_kept, a.traces, a.traces_kept,
                     a.spans, a.complete_kept, a.fragmented_kept, a.error_traces, a.error_kept})
    out.U64(n);
  out.U64(a.fault_errors.size());
  for (size_t f = 0; f < a.fault_errors.size(); ++f) {
    out.U64(a.fault_errors[f]);
    out.U64(f < a.fault_kept.size() ? a.fault_kept[f] : 0);
  }
  out.U64(a.root_cause.size());
  for (const auto& [svc, rc] : a.root_cause) {
    out.U64(svc);
    out.U64(rc.first);
    out.U64(rc.second);
  }
  a.kept_latency.Save(out);
  a.kept_whole.Save(out);
  a.weighted_latency.Save(out);
  out.F64(a.adj_traces);
  out.F64(a.adj_root_errors);
  SaveSet(a.shapes_kept, out);
  red_.SaveStrategy(k, out);
}

bool LabTally::LoadStrategy(size_t k, sim::StateReader& in) {
  Strategy& a = strategies_[k];
  for (uint64_t* n :
       {&a.spans_kept, &a.bytes_kept, &a.error_bytes_kept, &a.traces, &a.traces_kept, &a.spans,
        &a.complete_kept, &a.fragmented_kept, &a.error_traces, &a.error_kept})
    *n = in.U64();
  if (in.U64() != a.fault_errors.size()) return false;
  for (size_t f = 0; f < a.fault_errors.size(); ++f) {
    a.fault_errors[f] = in.U64();
    a.fault_kept[f] = in.U64();
  }
  a.root_cause.clear();
  const uint64_t rcs = in.Count(24);
  for (uint64_t i = 0; i < rcs; ++i) {
    const uint64_t svc = in.U64();
    if (svc >= services_) return false;  // Fill names it from the model's services
    auto& rc = a.root_cause[static_cast<uint32_t>(svc)];
    rc.first = in.U64();
    rc.second = in.U64();
  }
  if (!a.kept_latency.Load(in) || !a.kept_whole.Load(in) || !a.weighted_latency.Load(in))
    return false;
  a.adj_traces = in.F64();
  a.adj_root_errors = in.F64();
  LoadSet(in, &a.shapes_kept);
  return red_.LoadStrategy(k, in);
}

void LabTally::Fill(size_t k, const sim::Model& model, const sim::FaultPlan* plan,
                    const LabOptions& options, double duration_s, StrategyScore* s) const {
  const Strategy& a = strategies_[k];
  const double p99 = static_cast<double>(latency_.Percentile(99));
  const int64_t slow_ns = static_cast<int64_t>(options.slow_threshold_ms * 1e6);
  s->traces = a.traces;
  s->traces_kept = a.traces_kept;
  s->spans = a.spans;
  s->spans_kept = a.spans_kept;
  s->bytes_kept = a.bytes_kept;
  s->error_bytes_kept = a.error_bytes_kept;
  PriceScore(options.pricing, options.compression_ratio, duration_s, s);
  s->error_traces = a.error_traces;
  s->error_traces_kept = a.error_kept;
  s->error_recall = Ratio(a.error_kept, a.error_traces);
  if (plan != nullptr) AddFaultRecalls(*plan, a.fault_errors, a.fault_kept, s);
  for (const auto& [svc, rc] : a.root_cause) {
    StrategyScore::ServiceRecall sr;
    sr.service = std::string(model.strings.Get(model.services[svc].name));
    sr.error_traces = rc.first;
    sr.kept = rc.second;
    sr.recall = Ratio(rc.second, rc.first);
    s->by_root_cause.push_back(sr);
  }
  s->slow_p99_ms = p99 / 1e6;
  s->slow_p99_traces = traces_ - latency_.CountAtOrBelow(static_cast<int64_t>(p99));
  s->slow_p99_kept = a.traces_kept - a.kept_latency.CountAtOrBelow(static_cast<int64_t>(p99));
  s->slow_recall_p99 = Ratio(s->slow_p99_kept, s->slow_p99_traces);
  s->slow_threshold_traces = traces_ - latency_.CountAtOrBelow(slow_ns);
  s->slow_threshold_kept = a.traces_kept - a.kept_latency.CountAtOrBelow(slow_ns);
  s->slow_recall_threshold = Ratio(s->slow_threshold_kept, s->slow_threshold_traces);
  s->shapes = shapes_.size();
  s->shapes_kept = a.shapes_kept.size();
  s->rare_path_recall = Ratio(s->shapes_kept, s->shapes);
  s->complete_kept = a.complete_kept;
  s->fragmented_kept = a.fragmented_kept;
  s->completeness = Ratio(a.complete_kept, a.traces_kept);
  s->true_error_rate = Ratio(root_errors_, traces_);
  s->est_error_rate = a.adj_traces > 0 ? a.adj_root_errors / a.adj_traces : 0;
  s->true_p99_ms = p99 / 1e6;
  s->est_p99_ms = a.weighted_latency.Count() ? a.weighted_latency.Percentile(99) / 1e6 : 0;
  s->true_rate = duration_s > 0 ? traces_ / duration_s : 0;
  s->est_rate = duration_s > 0 ? a.adj_traces / duration_s : 0;
  s->kept_ci = Wilson(a.traces_kept, a.traces);
  s->error_recall_ci = Wilson(a.error_kept, a.error_traces);
  s->true_p95_ms = static_cast<double>(latency_.Percentile(95)) / 1e6;
  s->error_rate_bias = s->est_error_rate - s->true_error_rate;
  s->rate_bias = s->true_rate > 0 ? s->est_rate / s->true_rate - 1 : 0;
  s->p99_bias = s->true_p99_ms > 0 && s->est_p99_ms > 0 ? s->est_p99_ms / s->true_p99_ms - 1 : 0;
  std::vector<std::string> names;
  for (const sim::Service& svc : model.services)
    names.push_back(std::string(model.strings.Get(svc.name)));
  s->red_by_service = red_.Estimates(k, names, duration_s);
  AddSlow("root", latency_, a.kept_latency, slow_ns, s);
  AddSlow("trace", whole_, a.kept_whole, slow_ns, s);
}

void MarkPareto(std::vector<StrategyScore>* scores) {
  using Recall = double (*)(const StrategyScore&);
  static constexpr Recall kRecalls[] = {
      [](const StrategyScore& s) { return s.error_recall; },
      [](const StrategyScore& s) { return SlowAt(s, "root", "p99"); },
      [](const StrategyScore& s) { return SlowAt(s, "trace", "p99"); },
      [](const StrategyScore& s) { return s.rare_path_recall; },
  };
  for (StrategyScore& s : *scores) {
    for (size_t f = 0; f < std::size(kRecalls); ++f)
      if (OnFront(*scores, s, kRecalls[f])) s.fronts.push_back(kParetoFronts[f]);
    s.pareto = !s.fronts.empty() && s.fronts.front() == kParetoFronts[0];
  }
}

}  // namespace tracesim::sampling
