// ParseGoIntMagnitude / ParseGoInt: Go's base-0 integer syntax (strconv.ParseInt(s, 0, 64)), the
// one implementation behind the SDK env parsers and the Collector config's YAML integers.
#include "sampling/core/head_format.h"

#include <gtest/gtest.h>

#include <limits>

namespace tracesim::sampling {
namespace {

TEST(ParseGoIntTest, BasePrefixesSignsAndUnderscores) {
  int64_t v = 0;
  const std::pair<const char*, int64_t> cases[] = {
      {"0", 0},     {"42", 42},      {"+42", 42},   {"-42", -42}, {"0x1F", 31},
      {"0X1f", 31}, {"0o17", 15},    {"0O17", 15},  {"017", 15},  {"0b101", 5},
      {"0B101", 5}, {"1_000", 1000}, {"-0x10", -16}};
  for (const auto& [text, want] : cases) {
    ASSERT_TRUE(ParseGoInt(text, &v)) << text;
    EXPECT_EQ(v, want) << text;
  }
}

TEST(ParseGoIntTest, RejectsWhatGoRejects) {
  int64_t v = 7;
  for (const char* bad : {"", "+", "-", "0x", "0b", "08", "0b2", "1.5", "1e3", " 1", "1 ", "1__0",
                          "_1", "1_", "abc", "0x1G"}) {
    EXPECT_FALSE(ParseGoInt(bad, &v)) << "'" << bad << "'";
  }
  EXPECT_EQ(v, 7);  // unchanged on failure
}

TEST(ParseGoIntTest, Int64RangeAndMagnitudeBeyondIt) {
  int64_t v = 0;
  ASSERT_TRUE(ParseGoInt("9223372036854775807", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::max());
  ASSERT_TRUE(ParseGoInt("-9223372036854775808", &v));
  EXPECT_EQ(v, std::numeric_limits<int64_t>::min());
  EXPECT_FALSE(ParseGoInt("9223372036854775808", &v));
  EXPECT_FALSE(ParseGoInt("-9223372036854775809", &v));

  bool negative = true;
  uint64_t magnitude = 0;
  ASSERT_TRUE(ParseGoIntMagnitude("18446744073709551615", &negative, &magnitude));
  EXPECT_FALSE(negative);
  EXPECT_EQ(magnitude, std::numeric_limits<uint64_t>::max());
  ASSERT_TRUE(ParseGoIntMagnitude("-0xFF", &negative, &magnitude));
  EXPECT_TRUE(negative);
  EXPECT_EQ(magnitude, 255u);
  EXPECT_FALSE(ParseGoIntMagnitude("18446744073709551616", &negative, &magnitude));
  EXPECT_FALSE(ParseGoIntMagnitude("0x1_0000_0000_0000_0000", &negative, &magnitude));
}

}  // namespace
}  // namespace tracesim::sampling
