#include "peers/lab_oracle/counters.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace tracesim::peers {

TailCounters TailCountersOf(const std::vector<const sampling::TailSamplingStats*>& stages) {
  TailCounters c = {{"new_trace_id_received", 0},  {"trace_dropped_too_early", 0},
                    {"traces_sampled", 0},         {"traces_not_sampled", 0},
                    {"traces_dropped", 0},         {"traces_dropped_too_large", 0},
                    {"cache_released_sampled", 0}, {"cache_released_not_sampled", 0},
                    {"late_span_age_count", 0},    {"policy_evaluation_error", 0}};
  for (const sampling::TailSamplingStats* s : stages) {
    c[0].second += s->traces_seen;
    c[1].second += s->traces_dropped_too_early;
    c[2].second += s->traces_sampled;
    // Upstream's global count has no entry for a trace over maximum_trace_size_bytes; tracesim
    // counts it as not sampled.
    c[3].second += s->traces_not_sampled - s->traces_dropped_too_large;
    c[4].second += s->traces_dropped;
    c[5].second += s->traces_dropped_too_large;
    c[6].second += s->late_spans_cached_sampled;
    c[7].second += s->late_spans_cached_not_sampled;
    c[8].second += s->late_span_ages;
    c[9].second += s->evaluation_errors;
  }
  return c;
}

void WriteCounters(const TailCounters& counters, std::ostream& out) {
  out << "# tracesim oracle counters v1: name value\n";
  for (const auto& [name, value] : counters) out << name << ' ' << value << '\n';
}

sim::Result<TailCounters> ReadCounters(const std::string& path) {
  std::ifstream in(path);
  if (!in) return sim::Status::IoError("cannot read " + path);
  TailCounters out;
  std::string line;
  for (int n = 1; std::getline(in, line); ++n) {
    if (line.empty() || line[0] == '#') continue;
    std::istringstream ls(line);
    std::string name;
    uint64_t value = 0;
    std::string rest;
    if (!(ls >> name >> value) || (ls >> rest)) {
      return sim::Status::InvalidArgument(path + ":" + std::to_string(n) +
                                          ": expected 'NAME VALUE', got '" + line + "'");
    }
    out.emplace_back(name, value);
  }
  return out;
}

std::vector<std::string> CounterDifferences(const TailCounters& a, const TailCounters& b,
                                            const std::vector<std::string>& only) {
  auto get = [](const TailCounters& c, const std::string& n) -> uint64_t {
    for (const auto& [name, v] : c)
      if (name == n) return v;
    return 0;
  };
  std::vector<std::string> names;
  for (const auto* c : {&a, &b})
    for (const auto& [name, v] : *c)
      if (std::find(names.begin(), names.end(), name) == names.end()) names.push_back(name);
  std::vector<std::string> out;
  for (const std::string& n : names) {
    if (!only.empty() && std::find(only.begin(), only.end(), n) == only.end()) continue;
    if (get(a, n) != get(b, n)) out.push_back(n);
  }
  return out;
}

}  // namespace tracesim::peers
