#include "app/load/load_outputs.h"

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <nlohmann/json.hpp>

#include "app/run.h"

namespace tracesim::app {

namespace {

// Floats to 6 significant digits, recursively (the summary's measurements are not more exact).
void RoundFloats(nlohmann::json* j) {
  if (j->is_number_float()) {
    double v = j->get<double>();
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.6g", v);
    *j = std::isfinite(v) ? nlohmann::json(std::strtod(buf, nullptr)) : nlohmann::json();
  } else if (j->is_structured()) {
    for (auto& v : *j) RoundFloats(&v);
  }
}

}  // namespace

std::string LoadSummaryJson(const LoadOutcome& outcome, const LoadOptions& options,
                            const std::vector<loadgen::LoadReport>* shards) {
  nlohmann::json j = nlohmann::json::parse(outcome.report.ToJson());
  const LoadStart& s = outcome.start;
  char when[32] = "";
  std::time_t t = static_cast<std::time_t>(s.start_unix_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  std::strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", &tm);
  j["run"] = {{"version", "tracesim " + Version()},
              {"scenario", s.scenario},
              {"source", s.source},
              {"seed", s.seed},
              {"protocol", s.protocol},
              {"endpoint", s.endpoint},
              {"tls", s.tls},
              {"tls_reason", s.tls_reason},
              {"rate_plan",
               {{"rate", options.rates.rate},
                {"ramp", options.rates.ramp},
                {"steps", options.rates.steps},
                {"unit", outcome.report.rate_in_spans ? "spans/s" : "traces/s"},
                {"mean_spans_per_trace", s.mean_spans_per_trace}}},
              {"start_time", when},
              {"start_unix_ms", s.start_unix_ms}};
  if (s.shard.count > 1) {
    j["run"]["shard"] = shards != nullptr
                            ? nlohmann::json{{"merged", true}, {"count", s.shard.count}}
                            : nlohmann::json{{"index", s.shard.index}, {"count", s.shard.count}};
  }
  if (shards != nullptr) {
    nlohmann::json all = nlohmann::json::array();
    for (size_t i = 0; i < shards->size(); ++i) {
      nlohmann::json r = nlohmann::json::parse((*shards)[i].ToJson());
      r.erase("seconds");
      r["shard"] = i;
      all.push_back(std::move(r));
    }
    j["shards"] = std::move(all);
  }
  nlohmann::json th = nlohmann::json::array();
  for (const loadgen::ThresholdOutcome& o : outcome.thresholds) {
    th.push_back({{"threshold", o.threshold.text},
                  {"actual", std::isfinite(o.actual) ? nlohmann::json(o.actual) : nlohmann::json()},
                  {"passed", o.passed}});
  }
  j["thresholds"] = th;
  RoundFloats(&j);
  return j.dump(2) + "\n";
}

std::string TargetText(const LoadStart& s) {
  return s.protocol + " " + s.endpoint + ", TLS " + (s.tls ? "on" : "off") + " (" + s.tls_reason +
         ")";
}

void ExportFailFast::Observe(const loadgen::SecondStats& s) {
  accepted_ += s.accepted;
  failed_ += s.failed_requests;
  requests_ += s.requests;
  if (!s.last_error.empty()) last_error_ = s.last_error;
  if (enabled_ && !tripped_ && s.second + 1 >= kSeconds && accepted_ == 0 && failed_ > 0) {
    tripped_ = true;
    if (stop_ != nullptr) stop_->store(2);  // stop now, no grace: nothing is getting through
  }
}

bool ExportFailFast::Failed(const loadgen::LoadReport& r) const {
  const bool none_accepted = r.generated > 0 && r.accepted == 0 && r.failed_requests > 0;
  return enabled_ && (tripped_ || none_accepted);
}

std::string ExportFailFast::Diagnosis(const LoadStart& start) const {
  return "nothing was accepted: " + std::to_string(failed_) + " of " + std::to_string(requests_) +
         " export attempts failed in the first " + std::to_string(kSeconds) +
         " s.\n  endpoint: " + TargetText(start) +
         "\n  last error: " + (last_error_.empty() ? "(none reported)" : last_error_) +
         "\n  (--allow-export-failures runs on regardless)";
}

sim::Status SeriesOutputs::Open(const std::vector<std::string>& specs, bool with_target) {
  for (const std::string& spec : specs) {
    auto w = loadgen::SeriesWriter::Open(spec, with_target);
    if (!w.ok()) return w.status();
    writers_.push_back(std::move(w).value());
  }
  return sim::Status::Ok();
}

void SeriesOutputs::Write(const loadgen::SecondStats& s) {
  for (auto& w : writers_) w->Write(s, mean_spans_);
}

void SeriesOutputs::SetStep(uint32_t step) {
  for (auto& w : writers_) w->set_step(step);
}

bool SeriesOutputs::Close(std::ostream& err) {
  bool ok = true;
  for (auto& w : writers_) {
    if (!w->Close()) {
      err << "tracesim load: --out: cannot write '" << w->path() << "'\n";
      ok = false;
    }
  }
  return ok;
}

}  // namespace tracesim::app
