#include "sim/time.h"

#include <gtest/gtest.h>

namespace tracesim::sim {
namespace {

TEST(DurationTest, ParsesUnits) {
  EXPECT_EQ(ParseDuration("250us")->nanos(), 250'000);
  EXPECT_EQ(ParseDuration("1.5ms")->nanos(), 1'500'000);
  EXPECT_EQ(ParseDuration("30s")->nanos(), 30'000'000'000);
  EXPECT_EQ(ParseDuration("2m")->nanos(), 120'000'000'000);
  EXPECT_EQ(ParseDuration("1h")->nanos(), 3'600'000'000'000);
  EXPECT_EQ(ParseDuration("100ns")->nanos(), 100);
  EXPECT_EQ(ParseDuration("0")->nanos(), 0);
  EXPECT_EQ(ParseDuration("-5ms")->nanos(), -5'000'000);
}

TEST(DurationTest, RejectsBadText) {
  for (const char* bad : {"", "ms", "5", "5 parsecs", "1.2.3s", "abc"}) {
    auto r = ParseDuration(bad);
    EXPECT_FALSE(r.ok()) << bad;
  }
  EXPECT_NE(ParseDuration("5 parsecs").status().message().find("unknown unit"), std::string::npos);
}

TEST(DurationTest, FormatRoundTrips) {
  for (int64_t ns :
       {1LL, 999LL, 1500LL, 2'000'000LL, 1'500'000LL, 30'000'000'000LL, 90'000'000'000LL}) {
    std::string s = FormatDuration(Duration::Nanos(ns));
    auto back = ParseDuration(s);
    ASSERT_TRUE(back.ok()) << s;
    EXPECT_EQ(back->nanos(), ns) << s;
  }
  EXPECT_EQ(FormatDuration(Duration::Micros(1500)), "1.5ms");
  EXPECT_EQ(FormatDuration(Duration::Seconds(120)), "2m");
}

TEST(Rfc3339Test, ParsesAndFormats) {
  auto t = ParseRfc3339("2026-01-01T00:00:00Z");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t, 1767225600LL * 1000'000'000);
  EXPECT_EQ(FormatRfc3339(*t), "2026-01-01T00:00:00Z");
  auto f = ParseRfc3339("1970-01-01T00:00:01.5Z");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(*f, 1'500'000'000);
  EXPECT_EQ(FormatRfc3339(*f), "1970-01-01T00:00:01.5Z");
  EXPECT_FALSE(ParseRfc3339("2026-13-01T00:00:00Z").ok());
  EXPECT_FALSE(ParseRfc3339("2026-01-01 00:00:00").ok());
}

TEST(TimeTest, Arithmetic) {
  Time t = Time::Zero() + Duration::Millis(5);
  EXPECT_EQ(t.nanos(), 5'000'000);
  EXPECT_EQ((t - Time::Zero()).nanos(), 5'000'000);
  EXPECT_LT(Time::Zero(), t);
}

}  // namespace
}  // namespace tracesim::sim
