// ProgressBar: a one-line progress display on stderr for long simulations.
//
// Shown only when the stream is a terminal and the run has taken more than `delay` of wall time;
// redraws at most 10 times a second; Finish() erases the line. The line shows the bar, the
// fraction done, simulated time reached, wall time elapsed and an ETA, and fits the terminal's
// width (re-read at each redraw: narrower terminals drop the ETA, then the bar). The simulation
// itself never reads the wall clock: only this display does.
#ifndef TRACESIM_CLI_PROGRESS_H_
#define TRACESIM_CLI_PROGRESS_H_

#include <chrono>
#include <cstdio>
#include <string>

namespace tracesim::cli {

// Columns of the terminal `stream` is on; else $COLUMNS; else 80.
int TerminalColumns(FILE* stream);

// "" when every line of `text` fits `columns`; else one line for stderr saying how wide the
// output is and which format has the figures without a width ("tracesim run: the summary is 131
// columns wide, the terminal 100: --format json has every figure without a width limit"). `what`
// names the output, `items` what the offered format holds.
std::string TooWideNote(const std::string& command, const std::string& text, int columns,
                        const std::string& offer, const std::string& what = "summary",
                        const std::string& items = "figure");

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
  // The whole line for `simulated` of `total` simulated seconds after `elapsed` wall seconds, at
  // most `columns` display columns (for tests). The ETA assumes the rate so far holds.
  static std::string Line(double simulated, double total, double elapsed, int columns);

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
