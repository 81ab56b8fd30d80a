#include "lint/evidence.h"

#include <algorithm>

#include "sim/model/faults.h"

namespace tracesim::lint {

namespace {
constexpr int64_t kSecond = 1'000'000'000;
uint64_t Max(const std::vector<uint64_t>& v) {
  return v.empty() ? 0 : *std::max_element(v.begin(), v.end());
}
}  // namespace

double TrafficEvidence::MeanNewTracesPerSecond() const {
  return duration_s > 0 ? static_cast<double>(traces) / duration_s : 0;
}
uint64_t TrafficEvidence::PeakNewTracesPerSecond() const { return Max(new_traces); }
uint64_t TrafficEvidence::PeakErrorSpansPerSecond() const { return Max(error_spans); }
uint64_t TrafficEvidence::PeakErrorBytesPerSecond() const { return Max(error_bytes); }

double TrafficEvidence::PercentileOf(const metrics::Histogram& h, int64_t value_ns) {
  if (h.Count() == 0) return 0;
  return 100.0 * static_cast<double>(h.CountAtOrBelow(value_ns)) / static_cast<double>(h.Count());
}

EvidenceSink::EvidenceSink(const sim::Model& model, int64_t start_unix_nanos, bool size_spans,
                           const std::vector<sampling::StrategyConfig>& strategies)
    : start_(start_unix_nanos) {
  if (size_spans) sizer_ = std::make_unique<sampling::SpanSizer>(model);
  windows_.resize(strategies.size());
  for (size_t k = 0; k < strategies.size(); ++k) {
    for (const sampling::CollectorStage& s : strategies[k].stages) {
      const auto* dyn = std::get_if<sampling::DynamicStageConfig>(&s.config);
      if (dyn == nullptr) continue;
      windows_[k].builder =
          std::make_unique<sampling::DynamicKeyBuilder>(dyn->field_list, dyn->use_trace_length);
      windows_[k].window_ns = dyn->kind == sampling::DynamicStageConfig::Kind::kDynamic
                                  ? dyn->dynamic.clear_frequency.nanos()
                                  : dyn->ema.adjustment_interval.nanos();
    }
  }
  ev_.dynamic_peak_keys.assign(strategies.size(), 0);
}

EvidenceSink::~EvidenceSink() = default;

void EvidenceSink::Bump(std::vector<uint64_t>* v, size_t i, uint64_t by) {
  if (v->size() <= i) v->resize(i + 1, 0);
  (*v)[i] += by;
}

void EvidenceSink::OnTrace(const sim::TraceView& trace) noexcept {
  if (trace.spans.empty() || trace.truth == nullptr) return;
  int64_t first_end = INT64_MAX, first_start = INT64_MAX, last_end = INT64_MIN;
  uint64_t bytes = 0;
  for (const sim::Span& s : trace.spans) {
    first_end = std::min(first_end, s.end_unix_nano);
    first_start = std::min(first_start, s.start_unix_nano);
    last_end = std::max(last_end, s.end_unix_nano);
    if (sizer_ && trace.truth->error) {
      bytes += sizer_->SizeOf(s, trace.events.subspan(s.first_event, s.event_count),
                              trace.links.subspan(s.first_link, s.link_count));
    }
  }
  const size_t second = static_cast<size_t>(std::max<int64_t>(0, first_end - start_) / kSecond);
  ++ev_.traces;
  Bump(&ev_.new_traces, second, 1);
  if (trace.truth->error) {
    ++ev_.error_traces;
    Bump(&ev_.error_spans, second, trace.spans.size());
    Bump(&ev_.error_bytes, second, bytes);
  }
  ev_.root_latency.Record(trace.truth->latency().nanos());
  ev_.trace_duration.Record(last_end - first_start);
  for (size_t k = 0; k < windows_.size(); ++k) {
    KeyWindow& w = windows_[k];
    if (!w.builder || w.window_ns <= 0) continue;
    const int64_t window = std::max<int64_t>(0, first_end - start_) / w.window_ns;
    if (window != w.current) {
      w.keys.clear();
      w.current = window;
    }
    w.keys.insert(w.builder->Build(trace));
    ev_.dynamic_peak_keys[k] = std::max<uint64_t>(ev_.dynamic_peak_keys[k], w.keys.size());
  }
}

void TrafficEvidence::Merge(const TrafficEvidence& other) {
  auto add = [](std::vector<uint64_t>* into, const std::vector<uint64_t>& from) {
    if (into->size() < from.size()) into->resize(from.size());
    for (size_t i = 0; i < from.size(); ++i) (*into)[i] += from[i];
  };
  traces += other.traces;
  error_traces += other.error_traces;
  add(&new_traces, other.new_traces);
  add(&error_spans, other.error_spans);
  add(&error_bytes, other.error_bytes);
  root_latency.Merge(other.root_latency);
  trace_duration.Merge(other.trace_duration);
  if (dynamic_peak_keys.size() < other.dynamic_peak_keys.size())
    dynamic_peak_keys.resize(other.dynamic_peak_keys.size());
  for (size_t i = 0; i < other.dynamic_peak_keys.size(); ++i)
    dynamic_peak_keys[i] = std::max(dynamic_peak_keys[i], other.dynamic_peak_keys[i]);
}

void TrafficEvidence::Save(sim::StateWriter& out) const {
  auto vec = [&out](const std::vector<uint64_t>& v) {
    out.U64(v.size());
    for (uint64_t x : v) out.U64(x);
  };
  out.U64(traces);
  out.U64(error_traces);
  vec(new_traces);
  vec(error_spans);
  vec(error_bytes);
  root_latency.Save(out);
  trace_duration.Save(out);
  vec(dynamic_peak_keys);
}

bool TrafficEvidence::Load(sim::StateReader& in) {
  auto vec = [&in](std::vector<uint64_t>* v) {
    v->assign(in.Count(), 0);
    for (uint64_t& x : *v) x = in.U64();
  };
  traces = in.U64();
  error_traces = in.U64();
  vec(&new_traces);
  vec(&error_spans);
  vec(&error_bytes);
  if (!root_latency.Load(in) || !trace_duration.Load(in)) return false;
  vec(&dynamic_peak_keys);
  return in.ok();
}

TrafficEvidence EvidenceSink::Take(double duration_s) {
  ev_.duration_s = duration_s;
  // Seconds past the arrival window hold only the drain's stragglers: keep them (a peak is a
  // peak), but the window's mean is over the window.
  return std::move(ev_);
}

}  // namespace tracesim::lint
