// ProgressBar: a one-line progress display on stderr for long simulations.
//
// Shown only when the stream is a terminal and the run has taken more than `delay` of wall time;
// redraws at most 10 times a second; Finish() erases the line. The simulation itself never
// reads the wall clock: only this display does.
#ifndef TRACESIM_CLI_PROGRESS_H_
#define TRACESIM_CLI_PROGRESS_H_

#include <chrono>
#include <cstdio>
#include <string>

namespace tracesim::cli {

class ProgressBar {
 public:
  // `enabled` false makes every call a no-op (not a terminal, --no-progress, JSON to a tty...).
  ProgressBar(FILE* stream, bool enabled, double total_seconds,
              std::chrono::milliseconds delay = std::chrono::milliseconds(1000));
  // Simulated seconds reached so far.
  void Update(double simulated_seconds);
  void Finish();

  // The text of the bar for `fraction` in [0, 1], `width` cells wide (for tests).
  static std::string Render(double fraction, int width);

 private:
  FILE* stream_;
  bool enabled_;
  double total_;
  std::chrono::steady_clock::time_point start_, last_;
  std::chrono::milliseconds delay_;
  bool shown_ = false;
};

}  // namespace tracesim::cli

#endif  // TRACESIM_CLI_PROGRESS_H_
