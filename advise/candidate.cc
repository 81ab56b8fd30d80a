#include "advise/candidate.h"

#include <cstdio>

namespace tracesim::advise {
namespace {

// Shortest decimal form: 0.05, 1, 99.9.
std::string Num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// "5%", "0.5%", "25%".
std::string Pct(double fraction) { return Num(fraction * 100) + "%"; }

// "p95", "p99.9".
std::string PctName(double pct) { return "p" + Num(pct); }

bool HasTail(Family f) { return f != Family::kHead; }
bool HasHead(Family f) { return f != Family::kTail; }

// The tail_sampling processor's body, each line indented by `indent` spaces.
std::string TailBody(const Candidate& c, const std::string& in) {
  std::string out =
      in + "decision_wait: " + std::to_string(c.decision_wait_s) + "s\n" + in +
      "num_traces: " + std::to_string(c.num_traces) + "\n" + in +
      "expected_new_traces_per_sec: " + std::to_string(c.expected_new_traces_per_sec) + "\n" + in +
      "policies:\n";
  out += in + "  - name: errors\n" + in + "    type: status_code\n" + in +
         "    status_code: {status_codes: [ERROR]}\n";
  if (c.latency_pct > 0) {
    out += in + "  - name: slow  # " + PctName(c.latency_pct) + " of the whole-trace duration\n" +
           in + "    type: latency\n" + in +
           "    latency: {threshold_ms: " + std::to_string(c.latency_ms) + "}\n";
  }
  if (c.baseline_pct > 0) {
    out += in + "  - name: baseline\n" + in + "    type: probabilistic\n" + in +
           "    probabilistic: {sampling_percentage: " + Num(c.baseline_pct) + "}\n";
  }
  return out;
}

}  // namespace

const char* FamilyName(Family f) {
  switch (f) {
    case Family::kHead:
      return "head";
    case Family::kTail:
      return "tail";
    case Family::kHeadTail:
      return "head+tail";
  }
  return "?";
}

std::string Candidate::Name() const {
  std::string tail;
  if (HasTail(family)) {
    tail = "tail";
    if (latency_pct > 0) tail += " " + PctName(latency_pct);
    if (baseline_pct > 0) tail += " +" + Num(baseline_pct) + "%";
    tail += " w" + std::to_string(decision_wait_s) + "s";
  }
  switch (family) {
    case Family::kHead:
      return "head " + Pct(head_ratio);
    case Family::kTail:
      return tail;
    case Family::kHeadTail:
      return "head " + Pct(head_ratio) + " > " + tail;
  }
  return tail;
}

std::string Candidate::Key() const {
  return std::string(FamilyName(family)) + "|" + Num(head_ratio) + "|" + Num(latency_pct) + "|" +
         Num(baseline_pct) + "|" + std::to_string(decision_wait_s) + "|" +
         std::to_string(num_traces);
}

std::string Candidate::SamplersYaml() const {
  std::string out = "- name: \"" + Name() + "\"\n";
  if (HasHead(family))
    out += "  head: {sampler: parentbased_traceidratio, ratio: " + Num(head_ratio) + "}\n";
  if (HasTail(family)) out += "  tail_sampling:\n" + TailBody(*this, "    ");
  return out;
}

std::string Candidate::DeployYaml() const {
  std::string out;
  if (HasHead(family)) {
    out +=
        "# every service's SDK environment\nOTEL_TRACES_SAMPLER=parentbased_traceidratio\n"
        "OTEL_TRACES_SAMPLER_ARG=" +
        Num(head_ratio) + "\n";
  }
  if (HasTail(family)) {
    if (!out.empty()) out += "\n";
    out +=
        "# the Collector (otelcol-contrib); one instance, or route by trace id\nprocessors:\n"
        "  tail_sampling:\n" +
        TailBody(*this, "    ") +
        "service:\n  pipelines:\n    traces:\n      processors: [tail_sampling, batch]\n";
  }
  return out;
}

}  // namespace tracesim::advise
