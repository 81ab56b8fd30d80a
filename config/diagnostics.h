// Diagnostics: the one structured problem type of every configuration loader.
//
// A Diagnostic is a problem at a position of a file (1-based line and column, 0 when unknown),
// under a key path ("services[2].operations[0].work"), with a severity, a message and an optional
// suggestion. A Diagnostics collector keeps every problem (loaders report all of them at once, so
// a user fixes a file in one round), formats each as
//     FILE:LINE:COL: KEY.PATH: MESSAGE
// (position and path omitted when unknown; warnings say "warning: " before the message), sorted by
// position, duplicates dropped, and converts to sim::Status only at the edge. Callers read the
// fields, never parse the text back. Not thread-safe; one collector per load.
#ifndef TRACESIM_CONFIG_DIAGNOSTICS_H_
#define TRACESIM_CONFIG_DIAGNOSTICS_H_

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
  // Adds every problem of `other`.
  void Merge(const Diagnostics& other);

  bool has_errors() const { return errors_ > 0; }
  size_t error_count() const { return errors_; }
  bool empty() const { return items_.empty(); }
  // In the order added.
  const std::vector<Diagnostic>& items() const { return items_; }
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
  std::string file_;
  std::vector<Diagnostic> items_;
  size_t errors_ = 0;
};

}  // namespace tracesim::config

#endif  // TRACESIM_CONFIG_DIAGNOSTICS_H_
