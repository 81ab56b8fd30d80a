#include "sim/base/time.h"

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

// Issue 9: one Go-compatible grammar (time.ParseDuration) for every flag and file.
TEST(DurationTest, GoSyntax) {
  EXPECT_EQ(ParseDuration("1m30s")->nanos(), 90'000'000'000);
  EXPECT_EQ(ParseDuration("1h2m3.5s")->nanos(), 3'723'500'000'000);
  EXPECT_EQ(ParseDuration("1.5h")->nanos(), 5'400'000'000'000);
  EXPECT_EQ(ParseDuration("-1s")->nanos(), -1'000'000'000);
  EXPECT_EQ(ParseDuration("+2ms")->nanos(), 2'000'000);
  EXPECT_EQ(ParseDuration(".5s")->nanos(), 500'000'000);
  EXPECT_EQ(ParseDuration("1.s")->nanos(), 1'000'000'000);
  EXPECT_EQ(ParseDuration("3\xC2\xB5s")->nanos(), 3000);  // U+00B5 micro sign
  EXPECT_EQ(ParseDuration("3\xCE\xBCs")->nanos(), 3000);  // U+03BC Greek mu
  EXPECT_EQ(ParseDuration("-0")->nanos(), 0);
  EXPECT_EQ(ParseDuration("9223372036854775807ns")->nanos(), INT64_MAX);
  EXPECT_EQ(ParseDuration("-9223372036854775808ns")->nanos(), INT64_MIN);
  EXPECT_EQ(ParseDuration("1.0000000009s")->nanos(), 1'000'000'000);  // Go truncates
}

TEST(DurationTest, GoSyntaxRejects) {
  for (const char* bad : {" 5s", "5s ", "1m 30s", "1m30", "00", ".s", "-", "+", "1e3s", "5S", "1d",
                          "9223372036854775808ns", "3000000h", "s5"}) {
    EXPECT_FALSE(ParseDuration(bad).ok()) << bad;
  }
  EXPECT_NE(ParseDuration("9223372036854775808ns").status().message().find("too large"),
            std::string::npos);
  EXPECT_NE(ParseDuration("1m30").status().message().find("is not a duration"), std::string::npos);
  EXPECT_NE(ParseDuration("1d").status().message().find("unknown unit 'd'"), std::string::npos);
}

TEST(DurationTest, FormatIsUnchanged) {
  EXPECT_EQ(FormatDuration(Duration::Seconds(90)), "1.5m");
  EXPECT_EQ(FormatDuration(Duration::Nanos(0)), "0s");
  EXPECT_EQ(FormatDuration(Duration::Millis(-250)), "-250ms");
  EXPECT_EQ(FormatDuration(Duration::Nanos(1234567)), "1234.567us");
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

namespace tracesim::sim {
namespace {

// Issue 16 item 13: times outside int64 unix nanoseconds wrapped around silently.
TEST(TimeRangeTest, Rfc3339OutsideInt64NanosIsAnError) {
  EXPECT_TRUE(ParseRfc3339("2262-04-11T23:47:16Z").ok());
  EXPECT_TRUE(ParseRfc3339("1677-09-21T00:12:44Z").ok());
  for (const char* t : {"2262-04-11T23:47:17Z", "2300-01-01T00:00:00Z", "1600-01-01T00:00:00Z"}) {
    auto r = ParseRfc3339(t);
    ASSERT_FALSE(r.ok()) << t;
    EXPECT_NE(r.status().message().find("outside the times tracesim can represent"),
              std::string::npos)
        << r.status().message();
  }
}

TEST(TimeRangeTest, StartPlusSpanMustFit) {
  const int64_t start = *ParseRfc3339("2026-01-01T00:00:00Z");
  EXPECT_TRUE(CheckUnixRange(start, Duration::Seconds(3600)).ok());
  Status st = CheckUnixRange(start, Duration::Seconds(2555555LL * 3600));
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("2262-04-11T23:47:16"), std::string::npos) << st.message();
  EXPECT_TRUE(CheckUnixRange(std::numeric_limits<int64_t>::max(), Duration()).ok());
}

}  // namespace
}  // namespace tracesim::sim
