#include "sampling/lab/tail_figures.h"

#include <algorithm>
#include <cstdint>

namespace tracesim::sampling {

void AddTailCounters(const TailSamplingStats& from, TailSamplingStats* into, int sign) {
  uint64_t TailSamplingStats::*counts[] = {&TailSamplingStats::spans_received,
                                           &TailSamplingStats::traces_seen,
                                           &TailSamplingStats::traces_sampled,
                                           &TailSamplingStats::traces_not_sampled,
                                           &TailSamplingStats::traces_dropped,
                                           &TailSamplingStats::traces_dropped_too_early,
                                           &TailSamplingStats::traces_dropped_too_large,
                                           &TailSamplingStats::traces_dropped_on_shutdown,
                                           &TailSamplingStats::spans_released,
                                           &TailSamplingStats::spans_dropped,
                                           &TailSamplingStats::late_spans_inherited,
                                           &TailSamplingStats::late_spans_cached_sampled,
                                           &TailSamplingStats::late_spans_cached_not_sampled,
                                           &TailSamplingStats::late_spans_after_eviction,
                                           &TailSamplingStats::split_traces,
                                           &TailSamplingStats::evaluation_errors};
  auto add = [sign](uint64_t& x, uint64_t y) { x = sign > 0 ? x + y : x - y; };
  for (auto field : counts) add(into->*field, from.*field);
  for (size_t i = 0; i < into->policies.size() && i < from.policies.size(); ++i) {
    TailPolicyStats& p = into->policies[i];
    const TailPolicyStats& q = from.policies[i];
    add(p.sampled, q.sampled);
    add(p.not_sampled, q.not_sampled);
    add(p.dropped, q.dropped);
    add(p.errors, q.errors);
    add(p.credited, q.credited);
  }
  if (into->decision_latency_ms.size() < from.decision_latency_ms.size())
    into->decision_latency_ms.resize(from.decision_latency_ms.size());
  for (size_t i = 0; i < from.decision_latency_ms.size(); ++i)
    add(into->decision_latency_ms[i], from.decision_latency_ms[i]);
}

void MergeTailStats(const TailSamplingStats& from, TailSamplingStats* into) {
  AddTailCounters(from, into, +1);
  into->peak_traces_in_memory = std::max(into->peak_traces_in_memory, from.peak_traces_in_memory);
  into->peak_spans_buffered = std::max(into->peak_spans_buffered, from.peak_spans_buffered);
  into->peak_bytes_buffered = std::max(into->peak_bytes_buffered, from.peak_bytes_buffered);
}

void AddTailStats(const TailSamplingStats& ts, StrategyScore* s) {
  s->has_tail = true;
  s->peak_traces_buffered += ts.peak_traces_in_memory;
  s->peak_spans_buffered += ts.peak_spans_buffered;
  s->peak_bytes_buffered += ts.peak_bytes_buffered;
  s->evicted_before_decision += ts.traces_dropped_too_early;
  s->late_spans += ts.late_spans_inherited + ts.late_spans_cached_sampled +
                   ts.late_spans_cached_not_sampled + ts.late_spans_after_eviction;
  if (ts.decisions() > 0) {
    s->decision_latency_p50_s =
        std::max(s->decision_latency_p50_s, ts.DecisionLatencyQuantileMs(0.5) / 1e3);
    s->decision_latency_p99_s =
        std::max(s->decision_latency_p99_s, ts.DecisionLatencyQuantileMs(0.99) / 1e3);
  }
}

namespace {

using TailCount = uint64_t TailSamplingStats::*;
constexpr TailCount kTailFields[] = {&TailSamplingStats::spans_received,
                                     &TailSamplingStats::traces_seen,
                                     &TailSamplingStats::traces_sampled,
                                     &TailSamplingStats::traces_not_sampled,
                                     &TailSamplingStats::traces_dropped,
                                     &TailSamplingStats::traces_dropped_too_early,
                                     &TailSamplingStats::traces_dropped_too_large,
                                     &TailSamplingStats::traces_dropped_on_shutdown,
                                     &TailSamplingStats::overflow_waits,
                                     &TailSamplingStats::spans_refused_stalled,
                                     &TailSamplingStats::spans_released,
                                     &TailSamplingStats::spans_dropped,
                                     &TailSamplingStats::late_spans_inherited,
                                     &TailSamplingStats::late_span_ages,
                                     &TailSamplingStats::late_spans_cached_sampled,
                                     &TailSamplingStats::late_spans_cached_not_sampled,
                                     &TailSamplingStats::late_spans_after_eviction,
                                     &TailSamplingStats::split_traces,
                                     &TailSamplingStats::evaluation_errors,
                                     &TailSamplingStats::traces_in_memory,
                                     &TailSamplingStats::spans_buffered,
                                     &TailSamplingStats::bytes_buffered,
                                     &TailSamplingStats::peak_traces_in_memory,
                                     &TailSamplingStats::peak_spans_buffered,
                                     &TailSamplingStats::peak_bytes_buffered};

}  // namespace

void SaveTailStats(const TailSamplingStats& t, sim::StateWriter& out) {
  for (TailCount f : kTailFields) out.U64(t.*f);
  out.U64(t.policies.size());
  for (const TailPolicyStats& p : t.policies) {
    out.Str(p.name);
    for (uint64_t n : {p.sampled, p.not_sampled, p.dropped, p.errors, p.credited}) out.U64(n);
  }
  out.U64(t.decision_latency_ms.size());
  for (uint64_t n : t.decision_latency_ms) out.U64(n);
}

void LoadTailStats(sim::StateReader& in, TailSamplingStats* t) {
  for (TailCount f : kTailFields) t->*f = in.U64();
  t->policies.resize(in.Count(48));
  for (TailPolicyStats& p : t->policies) {
    p.name = in.Str();
    for (uint64_t* n : {&p.sampled, &p.not_sampled, &p.dropped, &p.errors, &p.credited})
      *n = in.U64();
  }
  t->decision_latency_ms.resize(in.Count());
  for (uint64_t& n : t->decision_latency_ms) n = in.U64();
}

void TailWindow::Edge(bool end, const std::vector<const TailSamplingStats*>& live) {
  std::vector<TailSamplingStats>& at = end ? at_end : at_begin;
  at.assign(live.size(), TailSamplingStats{});
  for (size_t i = 0; i < live.size(); ++i)
    if (live[i] != nullptr) at[i] = *live[i];
}

std::vector<TailSamplingStats> TailWindow::Figures(
    const std::vector<const TailSamplingStats*>& live) const {
  if (!merged.empty()) return merged;
  std::vector<TailSamplingStats> out(live.size());
  for (size_t i = 0; i < live.size(); ++i) {
    if (live[i] == nullptr) continue;
    out[i] = *live[i];
    if (!at_end.empty()) {
      TailSamplingStats peaks = out[i];
      out[i] = at_end[i];
      out[i].peak_traces_in_memory = peaks.peak_traces_in_memory;
      out[i].peak_spans_buffered = peaks.peak_spans_buffered;
      out[i].peak_bytes_buffered = peaks.peak_bytes_buffered;
    }
    if (!at_begin.empty()) AddTailCounters(at_begin[i], &out[i], -1);
  }
  return out;
}

}  // namespace tracesim::sampling
