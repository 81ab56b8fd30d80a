#include "cli/progress.h"

#include <algorithm>

namespace tracesim::cli {

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

void ProgressBar::Update(double simulated_seconds) {
  if (!enabled_) return;
  auto now = std::chrono::steady_clock::now();
  if (now - start_ < delay_ || now - last_ < std::chrono::milliseconds(100)) return;
  last_ = now;
  shown_ = true;
  double f = simulated_seconds / total_;
  std::fprintf(stream_, "\r%s %5.1f%%  %.1f/%.1f s simulated ", Render(f, 30).c_str(),
               std::min(f, 1.0) * 100, simulated_seconds, total_);
  std::fflush(stream_);
}

void ProgressBar::Finish() {
  if (!shown_) return;
  std::fprintf(stream_, "\r\033[K");
  std::fflush(stream_);
  shown_ = false;
}

}  // namespace tracesim::cli
