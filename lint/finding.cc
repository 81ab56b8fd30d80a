#include "lint/finding.h"

#include <algorithm>
#include <tuple>

namespace tracesim::lint {

std::string_view SeverityName(Severity s) {
  switch (s) {
    case Severity::kError:
      return "error";
    case Severity::kWarning:
      return "warning";
    case Severity::kNote:
      return "note";
  }
  return "note";
}

std::string Finding::Format() const {
  std::string s = file;
  if (line > 0) s += ":" + std::to_string(line) + ":" + std::to_string(col);
  s += ": ";
  if (!key.empty()) s += key + ": ";
  s += std::string(SeverityName(severity)) + ": [" + rule + "] " + message;
  if (!fix.empty()) s += "\n    fix: " + fix;
  return s;
}

void SortFindings(std::vector<Finding>* findings) {
  std::stable_sort(findings->begin(), findings->end(), [](const Finding& a, const Finding& b) {
    return std::tie(a.file, a.line, a.col, a.rule, a.key) <
           std::tie(b.file, b.line, b.col, b.rule, b.key);
  });
}

Severity Worst(const std::vector<Finding>& findings) {
  Severity w = Severity::kNote;
  for (const Finding& f : findings) w = std::min(w, f.severity);
  return w;
}

}  // namespace tracesim::lint
