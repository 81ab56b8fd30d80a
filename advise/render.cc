#include "advise/render.h"

#include <cmath>
#include <map>
#include <nlohmann/json.hpp>
#include <set>

#include "reports/text/table.h"

namespace tracesim::advise {
namespace {

using nlohmann::ordered_json;
using reports::FormatCount;
using reports::FormatFixed;
using reports::FormatPercent;

double R6(double v) { return reports::Round6(v); }

// A figure as the target reads it: a share as a percent with its count and interval ("100.0%
// (201 of 201) [98.1%, 100.0%]"), money with cents, other numbers with up to 6 digits.
std::string Figure(const TargetResult& r) {
  if (r.has_interval) {
    return FormatPercent(r.actual, 1) + " (" + FormatCount(r.count) + " of " + FormatCount(r.of) +
           ") [" + FormatPercent(r.low, 1) + ", " + FormatPercent(r.high, 1) + "]";
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", r.actual);
  return buf;
}

// "meets", "meets*" (a target's 95 % interval crosses it), "misses error_recall >= 0.99".
std::string Verdict(const Evaluated& e, const std::vector<loadgen::Threshold>& targets) {
  if (e.meets) return e.sure ? "meets" : "meets*";
  std::string out;
  for (size_t i = 0; i < targets.size(); ++i) {
    const TargetResult& r = e.targets[i];
    if (r.met) continue;
    char want[32];
    std::snprintf(want, sizeof want, "%.6g", targets[i].value);
    out += (out.empty() ? "" : "; ") + r.metric + " " +
           std::string(loadgen::CompareOpText(targets[i].op)) + " " + want;
  }
  return "misses " + out;
}

// The footnote of "meets*", when a row shown has it.
constexpr char kUnsureNote[] =
    "  * meets on this run, but a target's 95% interval crosses it: too few such traces to be "
    "sure; a longer --duration narrows it\n";

reports::Table MakeTable(const Advice& a, bool rank) {
  std::vector<reports::Column> cols;
  if (rank) cols.push_back({"#", reports::Align::kRight});
  cols.push_back({"configuration", reports::Align::kLeft});
  cols.push_back({"kept", reports::Align::kRight});
  cols.push_back({a.minimize, reports::Align::kRight});
  for (const loadgen::Threshold& t : a.targets) cols.push_back({t.metric, reports::Align::kRight});
  cols.push_back({"verdict", reports::Align::kLeft});
  return reports::Table(cols);
}

void AddRow(const Advice& a, const Evaluated& e, size_t rank, reports::Table* t) {
  std::vector<std::string> row;
  if (rank > 0) row.push_back(std::to_string(rank));
  row.push_back(e.name);
  row.push_back(e.score.traces ? FormatPercent(static_cast<double>(e.score.traces_kept) /
                                                   static_cast<double>(e.score.traces),
                                               2)
                               : "-");
  char obj[32];
  std::snprintf(obj, sizeof obj, "%.6g", e.objective);
  row.push_back(a.minimize.rfind("usd", 0) == 0 ? FormatFixed(e.objective, 2) : obj);
  for (const TargetResult& r : e.targets) row.push_back(Figure(r));
  row.push_back(Verdict(e, a.targets));
  t->AddRow(std::move(row));
}

std::string Header(const Advice& a, const std::string& scenario) {
  const lint::TrafficEvidence& ev = a.evidence;
  std::string out =
      "tracesim advise: " + scenario + ", " + FormatFixed(a.duration_s, 0) +
      " s of traffic (seed " + std::to_string(a.seed) + "): " + FormatCount(ev.traces) +
      " traces, " + FormatFixed(ev.MeanNewTracesPerSecond(), 1) + " new traces/s (peak " +
      FormatCount(ev.PeakNewTracesPerSecond()) + "), whole-trace duration p90 " +
      FormatFixed(a.trace_p90_ms, 1) + " ms, p95 " + FormatFixed(a.trace_p95_ms, 1) + " ms, p99 " +
      FormatFixed(a.trace_p99_ms, 1) + " ms, p99.9 " + FormatFixed(a.trace_p999_ms, 1) + " ms\n";
  out += "targets: ";
  for (size_t i = 0; i < a.targets.size(); ++i) out += (i ? ", " : "") + a.targets[i].text;
  out += "; minimising " + a.minimize + " ($/month = " + sampling::PricingLabel(a.pricing) + ")\n";
  std::map<std::string, size_t> per_family;
  size_t candidates = 0;
  for (const Evaluated& e : a.evaluated) {
    if (e.yours) continue;
    ++candidates;
    ++per_family[FamilyName(e.candidate.family)];
  }
  out += "search: " + std::to_string(a.runs) + " of " + std::to_string(a.budget) + " runs, " +
         std::to_string(candidates) + " configurations (";
  bool first = true;
  for (const auto& [family, n] : per_family) {
    out += (first ? "" : ", ") + family + " " + std::to_string(n);
    first = false;
  }
  out += "), " + std::to_string(a.ranking.size()) + (a.ranking.size() == 1 ? " meets" : " meet") +
         " the targets\n";
  return out;
}

// What a candidate keeps, without decision_wait and num_traces (which decide when, not what):
// the top list shows the shortest wait of each.
std::string Policy(const Candidate& c) {
  return std::string(FamilyName(c.family)) + "|" + std::to_string(c.head_ratio) + "|" +
         std::to_string(c.latency_ms) + "|" + std::to_string(c.baseline_pct);
}

// "cheapest per family: head none meets; tail tail p95 w5s (1.04); head+tail ..." for the
// families searched.
std::string BestPerFamily(const Advice& a) {
  std::map<Family, const Evaluated*> best;
  std::set<Family> searched;
  for (const Evaluated& e : a.evaluated)
    if (!e.yours) searched.insert(e.candidate.family);
  for (size_t i : a.ranking) best.try_emplace(a.evaluated[i].candidate.family, &a.evaluated[i]);
  std::string out;
  for (Family f : searched) {
    out += out.empty() ? "  cheapest per family: " : "; ";
    out += std::string(FamilyName(f)) + " ";
    auto it = best.find(f);
    if (it == best.end()) {
      out += "none meets the targets";
    } else {
      char obj[32];
      std::snprintf(obj, sizeof obj, "%.6g", it->second->objective);
      out += "'" + it->second->name + "' (" + a.minimize + " " + obj + ")";
    }
  }
  return out.empty() ? out : out + "\n";
}

}  // namespace

std::string RenderAdviceText(const Advice& a, const std::string& scenario, size_t top) {
  std::string out = Header(a, scenario) + "\n";
  const Evaluated* best = nullptr;
  if (!a.ranking.empty()) {
    reports::Table t = MakeTable(a, true);
    bool unsure = false;
    std::set<std::string> shown;
    for (size_t i : a.ranking) {
      if (shown.size() == top) break;
      const Evaluated& e = a.evaluated[i];
      if (!shown.insert(Policy(e.candidate)).second) continue;  // only its wait differs
      AddRow(a, e, shown.size(), &t);
      unsure |= !e.sure;
    }
    out += t.Render();
    if (unsure) out += kUnsureNote;
    best = &a.evaluated[a.ranking[0]];
    out += BestPerFamily(a);
  } else {
    out += "No configuration met every target. The closest:\n";
    std::vector<const Evaluated*> rest;
    for (const Evaluated& e : a.evaluated)
      if (!e.yours) rest.push_back(&e);
    std::stable_sort(rest.begin(), rest.end(), [](const Evaluated* x, const Evaluated* y) {
      size_t mx = 0, my = 0;
      for (const TargetResult& r : x->targets) mx += r.met;
      for (const TargetResult& r : y->targets) my += r.met;
      return mx > my;
    });
    reports::Table t = MakeTable(a, true);
    for (size_t i = 0; i < rest.size() && i < top; ++i) AddRow(a, *rest[i], i + 1, &t);
    out += t.Render();
  }
  bool any_yours = false;
  for (const Evaluated& e : a.evaluated) any_yours |= e.yours;
  if (any_yours) {
    out += "\nthe scenario's samplers, on the same traffic (run 1):\n";
    reports::Table t = MakeTable(a, false);
    for (const Evaluated& e : a.evaluated)
      if (e.yours) AddRow(a, e, 0, &t);
    out += t.Render();
  }
  if (best != nullptr) {
    out += "\nbest: " + best->name + " (" + Verdict(*best, a.targets) + "); to deploy it:\n\n" +
           best->candidate.DeployYaml();
  }
  return out;
}

std::string RenderAdviceJson(const Advice& a, const std::string& scenario, size_t top) {
  ordered_json j;
  j["scenario"] = scenario;
  j["seed"] = a.seed;
  j["duration_s"] = a.duration_s;
  j["traffic"] = {{"traces", a.evidence.traces},
                  {"new_traces_per_s", R6(a.evidence.MeanNewTracesPerSecond())},
                  {"peak_new_traces_per_s", a.evidence.PeakNewTracesPerSecond()},
                  {"trace_p90_ms", R6(a.trace_p90_ms)},
                  {"trace_p95_ms", R6(a.trace_p95_ms)},
                  {"trace_p99_ms", R6(a.trace_p99_ms)},
                  {"trace_p999_ms", R6(a.trace_p999_ms)}};
  j["targets"] = ordered_json::array();
  for (const loadgen::Threshold& t : a.targets) j["targets"].push_back(t.text);
  j["minimize"] = a.minimize;
  j["runs"] = a.runs;
  j["budget"] = a.budget;
  auto entry = [](const Evaluated& e) {
    ordered_json x;
    x["name"] = e.name;
    if (!e.yours) x["family"] = FamilyName(e.candidate.family);
    x["run"] = e.run;
    x["kept_ratio"] = R6(e.score.traces ? static_cast<double>(e.score.traces_kept) /
                                              static_cast<double>(e.score.traces)
                                        : 0);
    x["objective"] = R6(e.objective);
    x["peak_bytes_buffered"] = e.score.peak_bytes_buffered;
    x["meets"] = e.meets;
    x["sure"] = e.sure;
    x["targets"] = ordered_json::array();
    for (const TargetResult& r : e.targets) {
      ordered_json t = {{"metric", r.metric}, {"actual", R6(r.actual)}, {"met", r.met}};
      if (r.has_interval) {
        t["count"] = r.count;
        t["of"] = r.of;
        t["ci"] = {R6(r.low), R6(r.high)};
      }
      x["targets"].push_back(t);
    }
    return x;
  };
  j["best"] = ordered_json::array();
  std::set<std::string> shown;
  for (size_t i : a.ranking) {
    if (shown.size() == top) break;
    const Evaluated& e = a.evaluated[i];
    if (!shown.insert(Policy(e.candidate)).second) continue;
    ordered_json x = entry(e);
    x["samplers"] = e.candidate.SamplersYaml();
    x["deploy"] = e.candidate.DeployYaml();
    j["best"].push_back(x);
  }
  j["yours"] = ordered_json::array();
  j["evaluated"] = ordered_json::array();
  for (const Evaluated& e : a.evaluated)
    (e.yours ? j["yours"] : j["evaluated"]).push_back(entry(e));
  return j.dump(2) + "\n";
}

}  // namespace tracesim::advise
