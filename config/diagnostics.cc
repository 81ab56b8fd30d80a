#include "config/diagnostics.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace tracesim::config {

std::string Diagnostic::Format() const {
  std::string out = file;
  if (line > 0) {
    out += ":" + std::to_string(line);
    if (col > 0) out += ":" + std::to_string(col);
  }
  out += ": ";
  if (!path.empty()) out += path + ": ";
  if (severity == Severity::kWarning) out += "warning: ";
  out += message;
  return out;
}

void Diagnostics::Error(int line, int col, std::string_view path, std::string_view message,
                        std::string_view suggestion, sim::Status::Code code) {
  Add(Diagnostic{file_, line, col, std::string(path), Severity::kError, std::string(message),
                 std::string(suggestion), code});
}

void Diagnostics::Warning(int line, int col, std::string_view path, std::string_view message,
                          std::string_view suggestion) {
  Add(Diagnostic{file_, line, col, std::string(path), Severity::kWarning, std::string(message),
                 std::string(suggestion), sim::Status::Code::kOk});
}

void Diagnostics::Add(Diagnostic d) {
  const bool error = d.severity == Severity::kError;
  if (error) ++errors_;
  if (items_.size() >= kMaxKept) {
    ++(error ? omitted_errors_ : omitted_warnings_);
    return;
  }
  items_.push_back(std::move(d));
}

std::string Diagnostics::OmittedText(bool errors_only) const {
  return OmittedLine(file_, omitted_errors_ + (errors_only ? 0 : omitted_warnings_));
}

std::string Diagnostics::OmittedLine(std::string_view file, size_t n) {
  if (n == 0) return "";
  return std::string(file) + ": " + std::to_string(n) +
         (n == 1 ? " more problem" : " more problems") + " not shown (only the first " +
         std::to_string(kMaxKept) + " are kept; fix those and check again)";
}

std::vector<Diagnostic> Diagnostics::Sorted() const {
  std::vector<Diagnostic> sorted = items_;
  std::stable_sort(sorted.begin(), sorted.end(), [](const Diagnostic& a, const Diagnostic& b) {
    return std::tie(a.line, a.col) < std::tie(b.line, b.col);
  });
  std::vector<Diagnostic> out;
  std::set<std::string> seen;
  for (Diagnostic& d : sorted) {
    if (seen.insert(d.Format()).second) out.push_back(std::move(d));
  }
  return out;
}

namespace {
std::string Lines(const std::vector<Diagnostic>& items, bool errors_only) {
  std::string out;
  for (const Diagnostic& d : items) {
    if (errors_only && d.severity != Severity::kError) continue;
    if (!out.empty()) out += "\n";
    out += d.Format();
  }
  return out;
}
}  // namespace

std::vector<Diagnostic> Diagnostics::Warnings() const {
  std::vector<Diagnostic> out;
  for (Diagnostic& d : Sorted()) {
    if (d.severity == Severity::kWarning) out.push_back(std::move(d));
  }
  return out;
}

std::string Diagnostics::Text() const { return WithOmitted(Lines(Sorted(), false), false); }
std::string Diagnostics::ErrorText() const { return WithOmitted(Lines(Sorted(), true), true); }

std::string Diagnostics::WithOmitted(std::string lines, bool errors_only) const {
  const std::string omitted = OmittedText(errors_only);
  if (omitted.empty()) return lines;
  return lines.empty() ? omitted : lines + "\n" + omitted;
}

sim::Status Diagnostics::ToStatus() const {
  if (errors_ == 0) return sim::Status::Ok();
  std::vector<Diagnostic> sorted = Sorted();
  sim::Status::Code code = sim::Status::Code::kInvalidArgument;
  for (const Diagnostic& d : sorted) {
    if (d.severity == Severity::kError) {
      code = d.code;
      break;
    }
  }
  return sim::Status(code, WithOmitted(Lines(sorted, true), true));
}

}  // namespace tracesim::config
