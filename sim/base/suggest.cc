#include "sim/base/suggest.h"

#include <algorithm>
#include <cctype>

namespace tracesim::sim {

namespace {

char Lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// The Levenshtein distance of `a` and `b` (ASCII case-insensitive) when it is at most `bound`,
// else bound + 1: a row whose every entry is above the bound can only grow, so the computation
// stops there. `prev` and `cur` are scratch rows, reused across calls.
size_t DistanceAtMost(std::string_view a, std::string_view b, size_t bound,
                      std::vector<size_t>& prev, std::vector<size_t>& cur) {
  prev.resize(b.size() + 1);
  cur.resize(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    size_t row_min = cur[0];
    const char ai = Lower(a[i - 1]);
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t sub = prev[j - 1] + (ai == Lower(b[j - 1]) ? 0 : 1);
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, sub});
      row_min = std::min(row_min, cur[j]);
    }
    if (row_min > bound) return bound + 1;
    std::swap(prev, cur);
  }
  return std::min(prev[b.size()], bound + 1);
}

}  // namespace

size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> prev, cur;
  return DistanceAtMost(a, b, std::max(a.size(), b.size()), prev, cur);
}

std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates) {
  const size_t limit = std::max<size_t>(2, word.size() / 3);
  std::string best;
  size_t best_d = limit + 1;
  std::vector<size_t> prev, cur;
  for (const std::string& c : candidates) {
    // The distance is at least the length difference, and only a distance below best_d counts:
    // skip or cut off what cannot beat it (the loaders call this for every unknown name; fuzzing
    // found it dominating their time).
    const size_t len_diff =
        c.size() > word.size() ? c.size() - word.size() : word.size() - c.size();
    if (len_diff >= best_d) continue;
    const size_t d = DistanceAtMost(word, c, best_d - 1, prev, cur);
    if (d < best_d) {
      best_d = d;
      best = c;
    }
  }
  return best;
}

std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates) {
  std::string m = ClosestMatch(word, candidates);
  return m.empty() ? std::string() : " (did you mean '" + m + "'?)";
}

}  // namespace tracesim::sim
