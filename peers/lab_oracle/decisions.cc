#include "peers/lab_oracle/decisions.h"

#include <cmath>
#include <fstream>
#include <istream>
#include <ostream>
#include <sstream>

namespace tracesim::peers {

size_t DecisionTally::Index(const sim::TraceId& id) {
  auto [it, inserted] = index_.try_emplace(id, order_.size());
  if (inserted) {
    order_.push_back(id);
    in_.push_back(0);
    out_.push_back(0);
  }
  return it->second;
}

void DecisionTally::AddIn(const sim::TraceId& id) { ++in_[Index(id)]; }
void DecisionTally::AddOut(const sim::TraceId& id) { ++out_[Index(id)]; }

std::vector<TraceDecision> DecisionTally::Decisions() const {
  std::vector<TraceDecision> out;
  out.reserve(order_.size());
  for (size_t i = 0; i < order_.size(); ++i) {
    char hex[32];
    sim::TraceIdToHex(order_[i], hex);
    out.push_back(TraceDecision{std::string(hex, 32), in_[i], out_[i]});
  }
  return out;
}

void DecisionTally::Write(std::ostream& out) const {
  out << kDecisionsHeader << "\n";
  for (const TraceDecision& d : Decisions()) {
    out << d.trace_id << (d.sampled() ? " sampled " : " dropped ") << d.spans_in << " "
        << d.spans_out << "\n";
  }
}

sim::Result<std::vector<TraceDecision>> ParseDecisions(std::istream& in,
                                                       const std::string& source) {
  std::vector<TraceDecision> out;
  std::string line;
  int n = 0;
  while (std::getline(in, line)) {
    ++n;
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    TraceDecision d;
    std::string decision;
    int64_t in_spans = -1, out_spans = -1;
    std::string rest;
    ls >> d.trace_id >> decision >> in_spans >> out_spans;
    const bool hex_ok = d.trace_id.size() == 32 &&
                        d.trace_id.find_first_not_of("0123456789abcdef") == std::string::npos;
    if (!ls || (ls >> rest) || !hex_ok || in_spans < 0 || out_spans < 0 ||
        (decision != "sampled" && decision != "dropped") ||
        (decision == "sampled") != (out_spans > 0)) {
      return sim::Status::InvalidArgument(source + ":" + std::to_string(n) +
                                          ": not `TRACE_ID sampled|dropped IN OUT`: " + line);
    }
    d.spans_in = static_cast<uint32_t>(in_spans);
    d.spans_out = static_cast<uint32_t>(out_spans);
    out.push_back(std::move(d));
  }
  return out;
}

sim::Result<std::vector<TraceDecision>> ReadDecisions(const std::string& path) {
  std::ifstream in(path);
  if (!in) return sim::Status::IoError("cannot read " + path);
  return ParseDecisions(in, path);
}

double Agreement::identical_pct() const {
  return traces ? 100.0 * static_cast<double>(identical) / static_cast<double>(traces) : 100.0;
}

bool Agreement::SampledWithinBinomial() const {
  if (traces == 0) return true;
  const double n = static_cast<double>(traces);
  const double pt = static_cast<double>(sampled_tracesim) / n;
  const double po = static_cast<double>(sampled_oracle) / n;
  const double p = (pt + po) / 2;
  return std::abs(pt - po) <= 4 * std::sqrt(2 * p * (1 - p) / n) + 1 / n;
}

Agreement Compare(const std::vector<TraceDecision>& tracesim,
                  const std::vector<TraceDecision>& oracle) {
  Agreement a;
  std::unordered_map<std::string, const TraceDecision*> by_id;
  by_id.reserve(oracle.size());
  for (const TraceDecision& d : oracle) by_id.emplace(d.trace_id, &d);
  for (const TraceDecision& t : tracesim) {
    auto it = by_id.find(t.trace_id);
    if (it == by_id.end()) {
      ++a.only_tracesim;
      continue;
    }
    const TraceDecision& o = *it->second;
    by_id.erase(it);
    ++a.traces;
    if (t.spans_in != o.spans_in) ++a.spans_in_differ;
    if (t.sampled() == o.sampled()) ++a.same_decision;
    if (t.sampled() == o.sampled() && t.spans_out == o.spans_out) ++a.identical;
    a.sampled_tracesim += t.sampled();
    a.sampled_oracle += o.sampled();
    a.spans_out_tracesim += t.spans_out;
    a.spans_out_oracle += o.spans_out;
  }
  a.only_oracle = by_id.size();
  return a;
}

}  // namespace tracesim::peers
