// Diagnostics: the one structured problem type of every configuration loader.
//
// A Diagnostic is a problem at a position of a file (1-based line and column, 0 when unknown),
// under a key path ("services[2].operations[0].work"), with a severity, a message and an optional
// suggestion. A Diagnostics collector takes every problem (loaders report all of them at once, so
// a user fixes a file in one round), formats each as
//     FILE:LINE:COL: KEY.PATH: MESSAGE
// (position and path omitted when unknown; warnings say "warning: " before the message), sorted by
// position, duplicates dropped, and converts to sim::Status only at the edge. It keeps the first
// kMaxKept problems and only counts the rest, so that a file whose aliases repeat one mistake a
// million times costs kilobytes and prints a screenful, not gigabytes. Callers read the fields,
// never parse the text back. Not thread-safe; one collector per load.
#ifndef TRACESIM_CONFIG_DIAGNOSTICS_H_
#define TRACESIM_CONFIG_DIAGNOSTICS_H_

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "sim/base/status.h"

namespace tracesim::config {

// NOTE: printed in messages; do not renumber.
enum class Severity : uint8_t { kError = 0, kWarning = 1 };

struct Diagnostic {
  std::string file;  // as given to the collector ("checkout.yaml", "builtin:checkout.yaml")
  int line = 0;      // 1-based; 0 when unknown
  int col = 0;       // 1-based; 0 when unknown
  std::string path;  // key path, "" for the document itself
  Severity severity = Severity::kError;
  std::string message;     // what is wrong, including any " (did you mean 'x'?)"
  std::string suggestion;  // the did-you-mean candidate or fix alone, "" when none
  sim::Status::Code code = sim::Status::Code::kInvalidArgument;  // the Status code at the edge

  // "FILE:LINE:COL: PATH: [warning: ]MESSAGE".
  std::string Format() const;
};

class Diagnostics {
 public:
  // Problems kept (items(), Sorted(), the texts); later ones are counted in omitted_errors() and
  // omitted_warnings(), and the texts end with a line saying how many were left out.
  static constexpr size_t kMaxKept = 100;

  explicit Diagnostics(std::string file) : file_(std::move(file)) {}

  const std::string& file() const { return file_; }

  // Adds an error at (line, col) under `path`. `suggestion` is stored apart; `message` is the
  // full text shown to the user.
  void Error(int line, int col, std::string_view path, std::string_view message,
             std::string_view suggestion = {},
             sim::Status::Code code = sim::Status::Code::kInvalidArgument);
  void Warning(int line, int col, std::string_view path, std::string_view message,
               std::string_view suggestion = {});
  // Adds a problem as is (its own file, e.g. one from an included file).
  void Add(Diagnostic d);

  bool has_errors() const { return errors_ > 0; }
  // Every error reported, kept or not.
  size_t error_count() const { return errors_; }
  bool empty() const { return items_.empty(); }
  // The kept problems (the first kMaxKept), in the order added.
  const std::vector<Diagnostic>& items() const { return items_; }
  // Problems reported after the first kMaxKept, counted but not kept.
  size_t omitted_errors() const { return omitted_errors_; }
  size_t omitted_warnings() const { return omitted_warnings_; }
  // "FILE: N more problems not shown (...)" for the omitted errors (or all omitted problems);
  // "" when none were omitted. The texts below end with it.
  std::string OmittedText(bool errors_only) const;
  // The line OmittedText() writes for `n` problems of `file` left out; "" when n == 0.
  static std::string OmittedLine(std::string_view file, size_t n);
  // Sorted by (line, col), stable; exact duplicates dropped.
  std::vector<Diagnostic> Sorted() const;

  // The warnings alone, sorted (what a parser's Result-returning edge hands its caller).
  std::vector<Diagnostic> Warnings() const;

  // Every problem (errors and warnings), sorted, one per line.
  std::string Text() const;
  // Errors only, sorted, one per line.
  std::string ErrorText() const;
  // OK when there is no error; else the first (by position) error's code with ErrorText().
  sim::Status ToStatus() const;

 private:
  // `lines`, then OmittedText(errors_only) on a line of its own when there is one.
  std::string WithOmitted(std::string lines, bool errors_only) const;

  std::string file_;
  std::vector<Diagnostic> items_;
  size_t errors_ = 0;
  size_t omitted_errors_ = 0;
  size_t omitted_warnings_ = 0;
};

}  // namespace tracesim::config

#endif  // TRACESIM_CONFIG_DIAGNOSTICS_H_
