// Did-you-mean suggestions for misspelt names: YAML keys, operation and generator references.
//
// Pure functions, thread-safe.
#ifndef TRACESIM_SIM_SUGGEST_H_
#define TRACESIM_SIM_SUGGEST_H_

#include <string>
#include <string_view>
#include <vector>

namespace tracesim::sim {

// Levenshtein distance, ASCII case-insensitive.
size_t EditDistance(std::string_view a, std::string_view b);

// The candidate closest to `word` if it is close enough to be a plausible typo (distance at
// most max(2, |word| / 3)), else "". Ties go to the first candidate.
std::string ClosestMatch(std::string_view word, const std::vector<std::string>& candidates);

// " (did you mean 'x'?)" when ClosestMatch finds one, else "".
std::string DidYouMean(std::string_view word, const std::vector<std::string>& candidates);

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_SUGGEST_H_
