#include "loadgen/series_writer.h"

#include <cerrno>
#include <cmath>
#include <cstring>
#include <vector>

namespace tracesim::loadgen {

namespace {

// %.3f without trailing zeros ("12", "0.5", "1.234").
std::string Num(double v) {
  if (!std::isfinite(v)) return "0";
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.3f", std::round(v * 1000) / 1000);
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  if (s == "-0") s = "0";
  return s;
}

const char* const kBase[] = {
    "step",          "second",       "target_spans_per_s", "generated_spans", "accepted",
    "rejected",      "dropped",      "requests",           "failed_requests", "export_p50_ms",
    "export_p99_ms", "queued_spans", "in_flight_spans"};
const char* const kTarget[] = {
    "collector_ok",         "collector_accepted_per_s", "collector_refused_per_s",
    "collector_sent_per_s", "collector_dropped_per_s",  "collector_queue_size",
    "collector_cpu_cores",  "collector_rss_mb"};

}  // namespace

sim::Result<std::unique_ptr<SeriesWriter>> SeriesWriter::Open(const std::string& spec,
                                                              bool with_target) {
  size_t eq = spec.find('=');
  std::string kind = eq == std::string::npos ? "" : spec.substr(0, eq);
  std::string path = eq == std::string::npos ? "" : spec.substr(eq + 1);
  if ((kind != "csv" && kind != "json") || path.empty())
    return sim::Status::InvalidArgument("--out must be csv=FILE or json=FILE, got '" + spec + "'");
  std::FILE* f = stdout;
  bool owned = false;
  if (path != "-") {
    f = std::fopen(path.c_str(), "w");
    if (f == nullptr)
      return sim::Status::Unavailable("--out: cannot write '" + path +
                                      "': " + std::strerror(errno));
    owned = true;
  }
  auto w =
      std::unique_ptr<SeriesWriter>(new SeriesWriter(f, owned, kind == "json", with_target, path));
  if (!w->json_) {
    std::string header;
    for (const char* c : kBase) header += std::string(header.empty() ? "" : ",") + c;
    if (with_target)
      for (const char* c : kTarget) header += std::string(",") + c;
    header += "\n";
    if (std::fputs(header.c_str(), f) < 0) w->failed_ = true;
    std::fflush(f);
  }
  return w;
}

SeriesWriter::SeriesWriter(std::FILE* f, bool owned, bool json, bool with_target, std::string path)
    : f_(f), owned_(owned), json_(json), with_target_(with_target), path_(std::move(path)) {}

SeriesWriter::~SeriesWriter() { Close(); }

void SeriesWriter::Write(const SecondStats& s, double mean_spans_per_trace) {
  if (f_ == nullptr) return;
  auto u = [](uint64_t v) { return std::to_string(v); };
  std::vector<std::string> values = {u(step_),
                                     u(s.second),
                                     Num(s.target_traces * mean_spans_per_trace),
                                     u(s.generated_spans),
                                     u(s.accepted),
                                     u(s.rejected),
                                     u(s.dropped),
                                     u(s.requests),
                                     u(s.failed_requests),
                                     Num(s.export_p50_ms),
                                     Num(s.export_p99_ms),
                                     u(s.queued_spans),
                                     u(s.in_flight_spans)};
  std::vector<std::string> target(std::size(kTarget));  // "" = unknown
  if (with_target_ && s.target) {
    const TargetSecond& t = *s.target;
    target = {t.ok ? "true" : "false",
              Num(t.accepted_per_s),
              Num(t.refused_per_s),
              Num(t.sent_per_s),
              Num(t.dropped_per_s),
              t.has_queue ? Num(t.queue_size) : "",
              t.has_cpu ? Num(t.cpu_cores) : "",
              t.has_rss ? Num(t.rss_mb) : ""};
  }
  std::string line;
  if (json_) {
    line = "{";
    for (size_t k = 0; k < values.size(); ++k)
      line += std::string(k ? "," : "") + "\"" + kBase[k] + "\":" + values[k];
    if (with_target_)
      for (size_t k = 0; k < target.size(); ++k)
        if (!target[k].empty()) line += std::string(",\"") + kTarget[k] + "\":" + target[k];
    line += "}\n";
  } else {
    for (size_t k = 0; k < values.size(); ++k) line += (k ? "," : "") + values[k];
    if (with_target_)
      for (const std::string& v : target) line += "," + v;
    line += "\n";
  }
  if (std::fputs(line.c_str(), f_) < 0 || std::fflush(f_) != 0) failed_ = true;
}

bool SeriesWriter::Close() {
  if (f_ == nullptr) return !failed_;
  if (std::fflush(f_) != 0) failed_ = true;
  if (owned_ && std::fclose(f_) != 0) failed_ = true;
  f_ = nullptr;
  return !failed_;
}

}  // namespace tracesim::loadgen
