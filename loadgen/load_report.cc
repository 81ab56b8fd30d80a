// LoadReport's derived views: threshold metrics, the --summary-json document, the text summary.
#include <cmath>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "loadgen/load_engine.h"

namespace tracesim::loadgen {

namespace {
double Ratio(uint64_t a, uint64_t b) { return b == 0 ? 0 : static_cast<double>(a) / b; }

// The collector's second: rates in spans/s; CPU, RSS and queue only when a source gave them.
nlohmann::json TargetSecondJson(const TargetSecond& t) {
  nlohmann::json j = {{"ok", t.ok},
                      {"accepted_per_s", t.accepted_per_s},
                      {"refused_per_s", t.refused_per_s},
                      {"sent_per_s", t.sent_per_s},
                      {"dropped_per_s", t.dropped_per_s}};
  if (t.has_queue) j["queue_size"] = t.queue_size;
  if (t.has_cpu) j["cpu_cores"] = t.cpu_cores;
  if (t.has_rss) j["rss_mb"] = t.rss_mb;
  return j;
}

nlohmann::json TargetSummaryJson(const TargetSummary& t) {
  nlohmann::json j = {{"urls", t.urls},
                      {"scrapes", t.scrapes},
                      {"scrape_errors", t.scrape_errors},
                      {"spans",
                       {{"accepted", t.accepted},
                        {"refused", t.refused},
                        {"sent", t.sent},
                        {"dropped", t.dropped}}},
                      {"refused_ratio", t.refused_ratio()},
                      {"dropped_ratio", t.dropped_ratio()},
                      {"wall_s", t.wall_seconds}};
  if (t.pid != 0) j["pid"] = t.pid;
  if (!t.last_error.empty()) j["last_error"] = t.last_error;
  if (t.has_rss) j["peak_rss_mb"] = t.peak_rss_mb;
  if (t.has_cpu) {
    j["mean_cpu_cores"] = t.mean_cpu_cores;
    j["peak_cpu_cores"] = t.peak_cpu_cores;
  }
  if (t.has_queue) j["peak_queue_size"] = t.peak_queue_size;
  return j;
}
}  // namespace

std::map<std::string, double> LoadReport::Metrics() const {
  std::map<std::string, double> m;
  auto d = [](uint64_t v) { return static_cast<double>(v); };
  m["generated"] = d(generated);
  m["traces"] = d(traces);
  m["accepted"] = d(accepted);
  m["rejected"] = d(rejected());
  m["rejected_partial"] = d(rejected_partial);
  m["rejected_fatal"] = d(rejected_fatal);
  m["dropped"] = d(dropped());
  m["dropped_queue_full"] = d(dropped_queue_full);
  m["dropped_non_retryable"] = d(dropped_non_retryable);
  m["dropped_retries_exhausted"] = d(dropped_retries_exhausted);
  m["dropped_shutdown"] = d(dropped_shutdown);
  m["in_flight"] = d(in_flight);
  // With nothing generated every ratio is vacuous: accepted_ratio 1, the others 0.
  m["accepted_ratio"] = generated == 0 ? 1.0 : Ratio(accepted, generated);
  m["rejected_ratio"] = Ratio(rejected(), generated);
  m["dropped_ratio"] = Ratio(dropped(), generated);
  m["requests"] = d(requests);
  m["failed_requests"] = d(failed_requests);
  m["retries"] = d(retries);
  m["failed_attempt_spans"] = d(failed_attempt_spans);
  m["error_rate"] = Ratio(failed_requests, requests);
  m["target_span_rate"] = target_span_rate;
  m["achieved_span_rate"] = achieved_span_rate;
  m["achieved_trace_rate"] = achieved_trace_rate;
  m["target_rate"] = rate_in_spans ? target_span_rate : target_trace_rate;
  m["achieved_rate"] = rate_in_spans ? achieved_span_rate : achieved_trace_rate;
  m["achieved_ratio"] = m["target_rate"] > 0 ? m["achieved_rate"] / m["target_rate"] : 0;
  m["export_p50_ms"] = export_p50_ms;
  m["export_p90_ms"] = export_p90_ms;
  m["export_p95_ms"] = export_p95_ms;
  m["export_p99_ms"] = export_p99_ms;
  m["export_max_ms"] = export_max_ms;
  m["export_mean_ms"] = export_mean_ms;
  m["duration_s"] = wall_seconds;
  if (target) m.merge(target->Metrics());
  return m;
}

std::string LoadReport::ToJson() const {
  using nlohmann::json;
  json j;
  j["schema"] = "tracesim.load.summary/v1";
  j["spans"] = {
      {"generated", generated},
      {"accepted", accepted},
      {"rejected",
       {{"total", rejected()}, {"partial_success", rejected_partial}, {"fatal", rejected_fatal}}},
      {"dropped",
       {{"total", dropped()},
        {"queue_full", dropped_queue_full},
        {"non_retryable", dropped_non_retryable},
        {"retries_exhausted", dropped_retries_exhausted},
        {"shutdown", dropped_shutdown}}},
      {"in_flight", in_flight},
      {"identity_holds", IdentityHolds()},
  };
  j["traces"] = traces;
  j["requests"] = {{"total", requests},   {"failed", failed_requests},
                   {"retries", retries},  {"failed_attempt_spans", failed_attempt_spans},
                   {"bytes", bytes_sent}, {"errors", errors}};
  j["rates"] = {{"unit", rate_in_spans ? "spans/s" : "traces/s"},
                {"window_s", window_seconds},
                {"measured_from_s", rate_from_seconds},
                {"measured_to_s", rate_to_seconds},
                {"arrival_to_end_p99_ms", arrival_delay_p99_ms},
                {"arrival_to_end_mean_ms", arrival_delay_mean_ms},
                {"target_traces_per_s", target_trace_rate},
                {"achieved_traces_per_s", achieved_trace_rate},
                {"target_spans_per_s", target_span_rate},
                {"achieved_spans_per_s", achieved_span_rate},
                {"scheduled_spans_per_s", scheduled_span_rate},
                {"mean_spans_per_trace", mean_spans_per_trace}};
  j["export_latency_ms"] = {{"p50", export_p50_ms}, {"p90", export_p90_ms},
                            {"p95", export_p95_ms}, {"p99", export_p99_ms},
                            {"max", export_max_ms}, {"mean", export_mean_ms}};
  j["release_lag_ms"] = {{"p99", release_lag_p99_ms}, {"max", release_lag_max_ms}};
  j["host"] = {{"wall_s", wall_seconds},
               {"cpu_s", cpu_seconds},
               {"spans_per_cpu_s", cpu_seconds > 0 ? generated / cpu_seconds : 0.0}};
  j["interrupted"] = interrupted;
  j["peak_queued_spans"] = peak_queued_spans;
  json secs = json::array();
  for (const SecondStats& s : seconds) {
    secs.push_back({{"second", s.second},
                    {"target_traces", s.target_traces},
                    {"target_spans", s.target_traces * mean_spans_per_trace},
                    {"generated_spans", s.generated_spans},
                    {"generated_traces", s.generated_traces},
                    {"accepted", s.accepted},
                    {"rejected", s.rejected},
                    {"dropped", s.dropped},
                    {"requests", s.requests},
                    {"failed_requests", s.failed_requests},
                    {"export_p50_ms", s.export_p50_ms},
                    {"export_p99_ms", s.export_p99_ms},
                    {"queued_spans", s.queued_spans},
                    {"in_flight_spans", s.in_flight_spans}});
    if (s.target) secs.back()["target"] = TargetSecondJson(*s.target);
  }
  j["seconds"] = std::move(secs);
  if (target) j["target"] = TargetSummaryJson(*target);
  return j.dump(2) + "\n";
}

std::string LoadReport::ToText() const {
  char buf[512];
  std::string out;
  std::snprintf(buf, sizeof buf,
                "  %s %.1f s (generation window %.1f s), cpu %.2f s (%.0f spans per cpu-second)\n",
                interrupted ? "interrupted after" : "ran", wall_seconds, window_seconds,
                cpu_seconds, cpu_seconds > 0 ? generated / cpu_seconds : 0.0);
  out += buf;
  std::snprintf(buf, sizeof buf,
                "  rate over %.2f-%.2f s: target %.1f traces/s (%.0f spans/s), achieved %.1f "
                "traces/s (%.0f spans/s; scheduled by the workload %.0f spans/s)\n",
                rate_from_seconds, rate_to_seconds, target_trace_rate, target_span_rate,
                achieved_trace_rate, achieved_span_rate, scheduled_span_rate);
  out += buf;
  std::snprintf(buf, sizeof buf,
                "  spans: generated %llu = accepted %llu + rejected %llu (partial %llu, fatal "
                "%llu) + dropped %llu + in flight %llu%s\n",
                (unsigned long long)generated, (unsigned long long)accepted,
                (unsigned long long)rejected(), (unsigned long long)rejected_partial,
                (unsigned long long)rejected_fatal, (unsigned long long)dropped(),
                (unsigned long long)in_flight, IdentityHolds() ? "" : "  (IDENTITY BROKEN)");
  out += buf;
  if (dropped() > 0) {
    std::snprintf(buf, sizeof buf,
                  "  dropped: queue_full %llu, non_retryable %llu, retries_exhausted %llu, "
                  "shutdown %llu\n",
                  (unsigned long long)dropped_queue_full, (unsigned long long)dropped_non_retryable,
                  (unsigned long long)dropped_retries_exhausted,
                  (unsigned long long)dropped_shutdown);
    out += buf;
  }
  std::snprintf(buf, sizeof buf,
                "  requests %llu (failed %llu, retries %llu), export latency ms p50 %.2f p95 %.2f "
                "p99 %.2f max %.2f\n",
                (unsigned long long)requests, (unsigned long long)failed_requests,
                (unsigned long long)retries, export_p50_ms, export_p95_ms, export_p99_ms,
                export_max_ms);
  out += buf;
  if (target) {
    std::snprintf(buf, sizeof buf,
                  "  collector: accepted %.0f, refused %.0f (ratio %.4f), sent %.0f, dropped %.0f",
                  target->accepted, target->refused, target->refused_ratio(), target->sent,
                  target->dropped);
    out += buf;
    if (target->has_cpu) {
      std::snprintf(buf, sizeof buf, ", cpu %.2f cores (peak %.2f)", target->mean_cpu_cores,
                    target->peak_cpu_cores);
      out += buf;
    }
    if (target->has_rss) {
      std::snprintf(buf, sizeof buf, ", peak rss %.1f MiB", target->peak_rss_mb);
      out += buf;
    }
    if (target->scrape_errors > 0) {
      out += ", " + std::to_string(target->scrape_errors) +
             " failed scrapes (last: " + target->last_error + ")";
    }
    out += "\n";
  }
  if (!errors.empty()) {
    out += "  errors:";
    for (const auto& [k, v] : errors) out += " " + k + "=" + std::to_string(v);
    out += "\n";
  }
  return out;
}

}  // namespace tracesim::loadgen
