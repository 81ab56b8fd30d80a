#include "sim/base/suggest.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace tracesim::sim
