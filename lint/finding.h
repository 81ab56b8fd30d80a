// Finding: one lint result. A rule checks a sampling config against the simulated traffic and
// reports what is wrong, where (file, line, column and key path of the config value), how bad it
// is and how to fix it, with the figures of the run as evidence. Plain data.
#ifndef TRACESIM_LINT_FINDING_H_
#define TRACESIM_LINT_FINDING_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tracesim::lint {

// NOTE: printed ("error", "warning", "note"); do not renumber.
enum class Severity : uint8_t {
  kError = 0,    // the config loses the traces it is meant to keep (evictions, budgets)
  kWarning = 1,  // it probably does not do what its author thinks
  kNote = 2,     // a fact worth knowing about the config on this traffic
};
std::string_view SeverityName(Severity s);

struct Finding {
  std::string rule;       // rule id, "tail-num-traces" (doc/lint.md lists them)
  std::string strategy;   // the strategy's name (samplers[i].name)
  std::string file;       // the file holding the value: the scenario or a Collector config
  int line = 0, col = 0;  // 1-based; 0 when unknown
  std::string key;        // key path in `file`, "samplers[4].tail_sampling.num_traces"
  Severity severity = Severity::kWarning;
  std::string message;  // what is wrong, with the run's figures
  std::string fix;      // what to write instead ("set num_traces: 130000")

  // "FILE:LINE:COL: KEY: SEVERITY: [RULE] MESSAGE\n    fix: FIX" (position left out when
  // unknown, no fix line when `fix` is empty); no trailing newline.
  std::string Format() const;
};

// Sorted by (file, line, col, rule), the order every front end prints them in.
void SortFindings(std::vector<Finding>* findings);
// The worst severity among `findings`; kNote when empty.
Severity Worst(const std::vector<Finding>& findings);

}  // namespace tracesim::lint

#endif  // TRACESIM_LINT_FINDING_H_
