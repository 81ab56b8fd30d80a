#include "sim/base/suggest.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <string>
#include <vector>

namespace tracesim::sim {
namespace {

TEST(SuggestTest, EditDistance) {
  EXPECT_EQ(EditDistance("", ""), 0u);
  EXPECT_EQ(EditDistance("kitten", "sitting"), 3u);
  EXPECT_EQ(EditDistance("Seed", "seed"), 0u);
}

TEST(SuggestTest, ClosestMatchOnlyForPlausibleTypos) {
  const std::vector<std::string> keys = {"name", "duration", "seed", "workload"};
  EXPECT_EQ(ClosestMatch("duraton", keys), "duration");
  EXPECT_EQ(ClosestMatch("sed", keys), "seed");
  EXPECT_EQ(ClosestMatch("topology", keys), "");
  EXPECT_EQ(DidYouMean("worklaod", keys), " (did you mean 'workload'?)");
  EXPECT_EQ(DidYouMean("zzzzzz", keys), "");
}

// The cut-off search finds what comparing every full distance finds (first of the closest within
// the limit), on words of a small alphabet so that many are near each other.
TEST(SuggestTest, ClosestMatchEqualsTheFullSearch) {
  uint64_t state = 42;
  auto word = [&] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    std::string w(1 + (state >> 59) % 12, 'a');
    for (char& c : w) {
      state = state * 6364136223846793005ULL + 1442695040888963407ULL;
      c = static_cast<char>("abcAB"[(state >> 60) % 5]);
    }
    return w;
  };
  std::vector<std::string> candidates;
  for (int i = 0; i < 40; ++i) candidates.push_back(word());
  for (int n = 0; n < 500; ++n) {
    const std::string w = word();
    const size_t limit = std::max<size_t>(2, w.size() / 3);
    std::string want;
    size_t best = limit + 1;
    for (const std::string& c : candidates) {
      const size_t d = EditDistance(w, c);
      if (d < best) best = d, want = c;
    }
    EXPECT_EQ(ClosestMatch(w, candidates), want) << w;
  }
}

}  // namespace
}  // namespace tracesim::sim
