// LoadReport across shards: the percentiles from the histograms, the merge of the N shards'
// reports, and the report as bytes (one field list, walked by a writer and by a reader).
#include <algorithm>
#include <map>
#include <string>
#include <type_traits>

#include "loadgen/load_engine.h"

namespace tracesim::loadgen {

namespace {

constexpr double kNanosPerMs = 1e6;

// Walks every field of a report in one fixed order: Save writes them, Load reads them back.
struct Writer {
  sim::StateWriter& out;
  void U(const uint64_t& v) { out.U64(v); }
  void U(const uint32_t& v) { out.U64(v); }
  void I(const int64_t& v) { out.I64(v); }
  void F(const double& v) { out.F64(v); }
  void B(const bool& v) { out.U64(v ? 1 : 0); }
  void S(const std::string& v) { out.Str(v); }
  void H(const metrics::Histogram& h) { h.Save(out); }
  void Map(const std::map<std::string, uint64_t>& m) {
    out.U64(m.size());
    for (const auto& [k, v] : m) out.Str(k), out.U64(v);
  }
  // A container: its size, then each element by `each`.
  template <class C, class Each>
  void List(const C& c, Each each) {
    out.U64(c.size());
    for (const auto& e : c) each(*this, e);
  }
  bool ok() const { return true; }
};

struct Reader {
  sim::StateReader& in;
  bool good = true;
  void U(uint64_t& v) { v = in.U64(); }
  void U(uint32_t& v) {
    const uint64_t w = in.U64();
    good = good && w <= UINT32_MAX;
    v = static_cast<uint32_t>(w);
  }
  void I(int64_t& v) { v = in.I64(); }
  void F(double& v) { v = in.F64(); }
  void B(bool& v) { v = in.U64() != 0; }
  void S(std::string& v) { v = in.Str(); }
  void H(metrics::Histogram& h) { good = h.Load(in) && good; }
  void Map(std::map<std::string, uint64_t>& m) {
    m.clear();
    const uint64_t n = in.Count(16);
    for (uint64_t i = 0; i < n && in.ok(); ++i) {
      std::string k = in.Str();
      m[std::move(k)] = in.U64();
    }
  }
  // Each element takes at least 8 bytes: a count above what is left is corrupt (StateReader).
  template <class C, class Each>
  void List(C& c, Each each) {
    const uint64_t n = in.Count(8);
    c.clear();
    for (uint64_t i = 0; i < n && in.ok(); ++i) each(*this, c.emplace_back());
  }
  bool ok() const { return good && in.ok(); }
};

template <class IO, class T>
void TargetSecondFields(IO& io, T& t) {
  io.B(t.ok);
  io.F(t.accepted_per_s), io.F(t.refused_per_s), io.F(t.sent_per_s), io.F(t.dropped_per_s);
  io.F(t.queue_size), io.F(t.cpu_cores), io.F(t.rss_mb);
  io.B(t.has_cpu), io.B(t.has_rss), io.B(t.has_queue);
}

template <class IO, class T>
void SecondFields(IO& io, T& s) {
  io.U(s.second);
  io.F(s.target_traces);
  io.U(s.generated_spans), io.U(s.generated_traces), io.U(s.accepted), io.U(s.rejected);
  io.U(s.dropped), io.U(s.requests), io.U(s.failed_requests);
  io.F(s.export_p50_ms), io.F(s.export_p99_ms);
  io.U(s.queued_spans), io.U(s.in_flight_spans);
  io.S(s.last_error);
  bool has_target = s.target.has_value();
  io.B(has_target);
  if (!has_target) return;
  if constexpr (std::is_const_v<T>) {
    TargetSecondFields(io, *s.target);
  } else {
    TargetSecondFields(io, s.target.emplace());
  }
}

template <class IO, class T>
void TargetSummaryFields(IO& io, T& t) {
  io.List(t.urls, [](IO& io, auto& u) { io.S(u); });
  io.I(t.pid);
  io.U(t.scrapes), io.U(t.scrape_errors);
  io.S(t.last_error);
  io.F(t.accepted), io.F(t.refused), io.F(t.sent), io.F(t.dropped), io.F(t.wall_seconds);
  io.F(t.peak_rss_mb), io.F(t.mean_cpu_cores), io.F(t.peak_cpu_cores), io.F(t.peak_queue_size);
  io.B(t.has_cpu), io.B(t.has_rss), io.B(t.has_queue);
}

// Every field of LoadReport (the percentiles are derived from the histograms, not stored).
template <class IO, class R>
void ReportFields(IO& io, R& r) {
  io.U(r.generated), io.U(r.traces), io.U(r.accepted);
  io.U(r.rejected_partial), io.U(r.rejected_fatal);
  io.U(r.dropped_queue_full), io.U(r.dropped_non_retryable), io.U(r.dropped_retries_exhausted);
  io.U(r.dropped_shutdown), io.U(r.in_flight);
  io.U(r.requests), io.U(r.failed_requests), io.U(r.retries), io.U(r.failed_attempt_spans);
  io.U(r.bytes_sent);
  io.Map(r.errors);
  io.F(r.window_seconds), io.F(r.wall_seconds), io.F(r.cpu_seconds);
  io.F(r.rate_from_seconds), io.F(r.rate_to_seconds);
  io.F(r.arrival_delay_p99_ms), io.F(r.arrival_delay_mean_ms);
  io.F(r.target_trace_rate), io.F(r.achieved_trace_rate);
  io.F(r.target_span_rate), io.F(r.achieved_span_rate), io.F(r.scheduled_span_rate);
  io.B(r.rate_in_spans);
  io.F(r.mean_spans_per_trace);
  io.B(r.interrupted);
  io.U(r.peak_queued_spans);
  io.H(r.export_latency), io.H(r.release_lag);
  io.List(r.seconds, [](IO& io, auto& s) { SecondFields(io, s); });
  bool has_target = r.target.has_value();
  io.B(has_target);
  if (!has_target) return;
  if constexpr (std::is_const_v<R>) {
    TargetSummaryFields(io, *r.target);
  } else {
    TargetSummaryFields(io, r.target.emplace());
  }
}

}  // namespace

void LoadReport::SetPercentiles() {
  export_p50_ms = export_latency.Percentile(50) / kNanosPerMs;
  export_p90_ms = export_latency.Percentile(90) / kNanosPerMs;
  export_p95_ms = export_latency.Percentile(95) / kNanosPerMs;
  export_p99_ms = export_latency.Percentile(99) / kNanosPerMs;
  export_max_ms = export_latency.Max() / kNanosPerMs;
  export_mean_ms = export_latency.Mean() / kNanosPerMs;
  release_lag_p99_ms = release_lag.Percentile(99) / kNanosPerMs;
  release_lag_max_ms = release_lag.Max() / kNanosPerMs;
}

namespace {

// Second `from` into `into` (the same second of another shard).
void AddSecond(const SecondStats& from, SecondStats* into) {
  into->target_traces += from.target_traces;
  into->generated_spans += from.generated_spans;
  into->generated_traces += from.generated_traces;
  into->accepted += from.accepted;
  into->rejected += from.rejected;
  into->dropped += from.dropped;
  into->requests += from.requests;
  into->failed_requests += from.failed_requests;
  into->export_p50_ms = std::max(into->export_p50_ms, from.export_p50_ms);
  into->export_p99_ms = std::max(into->export_p99_ms, from.export_p99_ms);
  into->queued_spans += from.queued_spans;
  into->in_flight_spans += from.in_flight_spans;
  if (into->last_error.empty()) into->last_error = from.last_error;
  if (!into->target) into->target = from.target;
}

}  // namespace

LoadReport MergeLoadReports(const std::vector<LoadReport>& reports) {
  LoadReport m = reports.front();
  for (size_t i = 1; i < reports.size(); ++i) {
    const LoadReport& r = reports[i];
    m.generated += r.generated, m.traces += r.traces, m.accepted += r.accepted;
    m.rejected_partial += r.rejected_partial, m.rejected_fatal += r.rejected_fatal;
    m.dropped_queue_full += r.dropped_queue_full;
    m.dropped_non_retryable += r.dropped_non_retryable;
    m.dropped_retries_exhausted += r.dropped_retries_exhausted;
    m.dropped_shutdown += r.dropped_shutdown, m.in_flight += r.in_flight;
    m.requests += r.requests, m.failed_requests += r.failed_requests, m.retries += r.retries;
    m.failed_attempt_spans += r.failed_attempt_spans, m.bytes_sent += r.bytes_sent;
    for (const auto& [code, n] : r.errors) m.errors[code] += n;
    m.window_seconds = std::max(m.window_seconds, r.window_seconds);
    m.wall_seconds = std::max(m.wall_seconds, r.wall_seconds);
    m.cpu_seconds += r.cpu_seconds;
    m.rate_from_seconds = std::max(m.rate_from_seconds, r.rate_from_seconds);
    m.rate_to_seconds = std::max(m.rate_to_seconds, r.rate_to_seconds);
    m.arrival_delay_p99_ms = std::max(m.arrival_delay_p99_ms, r.arrival_delay_p99_ms);
    m.arrival_delay_mean_ms = std::max(m.arrival_delay_mean_ms, r.arrival_delay_mean_ms);
    m.target_trace_rate += r.target_trace_rate, m.achieved_trace_rate += r.achieved_trace_rate;
    m.target_span_rate += r.target_span_rate, m.achieved_span_rate += r.achieved_span_rate;
    m.scheduled_span_rate += r.scheduled_span_rate;
    m.interrupted = m.interrupted || r.interrupted;
    m.peak_queued_spans = std::max(m.peak_queued_spans, r.peak_queued_spans);
    m.export_latency.Merge(r.export_latency);
    m.release_lag.Merge(r.release_lag);
    if (m.seconds.size() < r.seconds.size()) {
      for (size_t k = m.seconds.size(); k < r.seconds.size(); ++k) {
        m.seconds.emplace_back();
        m.seconds.back().second = r.seconds[k].second;
      }
    }
    for (size_t k = 0; k < r.seconds.size(); ++k) AddSecond(r.seconds[k], &m.seconds[k]);
    if (!m.target) m.target = r.target;
  }
  m.SetPercentiles();
  return m;
}

void SaveLoadReport(const LoadReport& report, sim::StateWriter& out) {
  Writer w{out};
  ReportFields(w, report);
}

bool LoadLoadReport(sim::StateReader& in, LoadReport* report) {
  LoadReport r;
  Reader rd{in};
  ReportFields(rd, r);
  if (!rd.ok()) return false;
  *report = std::move(r);
  report->SetPercentiles();
  return true;
}

}  // namespace tracesim::loadgen
