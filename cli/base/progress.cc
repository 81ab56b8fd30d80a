#include "cli/base/progress.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

#include "reports/text/table.h"

namespace tracesim::cli {

int TerminalColumns(FILE* stream) {
  struct winsize ws {};
  if (::ioctl(::fileno(stream), TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0) return ws.ws_col;
  if (const char* env = std::getenv("COLUMNS")) {
    const int n = std::atoi(env);
    if (n > 0) return n;
  }
  return 80;
}

std::string TooWideNote(const std::string& command, const std::string& text, int columns,
                        const std::string& offer, const std::string& what,
                        const std::string& items) {
  const size_t wide = reports::WidestLine(text);
  if (columns <= 0 || wide <= static_cast<size_t>(columns)) return "";
  return "tracesim " + command + ": the " + what + " is " + std::to_string(wide) +
         " columns wide, the terminal " + std::to_string(columns) + ": " + offer + " has every " +
         items + " without a width limit\n";
}

ProgressBar::ProgressBar(FILE* stream, bool enabled, double total_seconds,
                         std::chrono::milliseconds delay)
    : stream_(stream),
      enabled_(enabled && total_seconds > 0),
      total_(total_seconds),
      start_(std::chrono::steady_clock::now()),
      last_(start_),
      delay_(delay) {}

std::string ProgressBar::Render(double fraction, int width) {
  fraction = std::clamp(fraction, 0.0, 1.0);
  int full = static_cast<int>(fraction * width);
  std::string s = "[";
  for (int i = 0; i < width; ++i) s += i < full ? "█" : "·";
  s += "]";
  return s;
}

namespace {

std::string Seconds(double s) {
  char buf[32];
  if (s >= 3600)
    std::snprintf(buf, sizeof buf, "%dh%02dm", static_cast<int>(s / 3600),
                  static_cast<int>(s / 60) % 60);
  else if (s >= 60)
    std::snprintf(buf, sizeof buf, "%dm%02ds", static_cast<int>(s / 60), static_cast<int>(s) % 60);
  else
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  return buf;
}

}  // namespace

std::string ProgressBar::Line(double simulated, double total, double elapsed, int columns) {
  const double f = total > 0 ? std::clamp(simulated / total, 0.0, 1.0) : 0;
  char pct[16];
  std::snprintf(pct, sizeof pct, "%5.1f%%", f * 100);
  const std::string sim = Seconds(simulated) + "/" + Seconds(total) + " simulated";
  const std::string wall = "elapsed " + Seconds(elapsed);
  const std::string eta =
      f > 0 && f < 1 ? "ETA " + Seconds(elapsed * (1 - f) / f) : std::string("ETA -");
  // Parts in the order they are given up when the line does not fit: ETA, elapsed, the bar.
  const std::string text = std::string(pct) + "  " + sim;
  std::string tail = "  " + wall + "  " + eta;
  int room = columns - 1;  // never the last column: some terminals wrap there
  if (static_cast<int>(text.size() + tail.size()) > room) tail = "  " + wall;
  if (static_cast<int>(text.size() + tail.size()) > room) tail.clear();
  const int bar = std::min(30, room - static_cast<int>(text.size() + tail.size()) - 3);
  std::string line = bar >= 5 ? Render(f, bar) + " " + text + tail : text + tail;
  if (static_cast<int>(line.size()) > room && bar < 5) line.resize(std::max(room, 0));
  return line;
}

void ProgressBar::Update(double simulated_seconds) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - start_ < delay_ || now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  shown_ = true;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  std::fprintf(stream_, "\r%s\033[K",
               Line(simulated_seconds, total_, elapsed, TerminalColumns(stream_)).c_str());
  std::fflush(stream_);
}

void ProgressBar::Finish() {
  if (!shown_) return;
  std::fprintf(stream_, "\r\033[K");
  std::fflush(stream_);
  shown_ = false;
}

}  // namespace tracesim::cli
