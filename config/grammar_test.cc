#include "config/grammar.h"

#include <gtest/gtest.h>

namespace tracesim::config {
namespace {

TEST(GrammarTest, DurationIsGoSyntax) {
  EXPECT_EQ(ParseDuration("1m30s")->nanos(), 90'000'000'000);
  EXPECT_EQ(ParseDuration("250ms")->nanos(), 250'000'000);
  EXPECT_EQ(ParseDuration("1.5h")->nanos(), 5'400'000'000'000);
  EXPECT_EQ(ParseDuration("-1s")->nanos(), -1'000'000'000);
  EXPECT_EQ(ParseDuration("0")->nanos(), 0);
  EXPECT_EQ(ParseDuration("7us")->nanos(), 7000);
  EXPECT_EQ(ParseDuration("7\xC2\xB5s")->nanos(), 7000);
  EXPECT_FALSE(ParseDuration("90").ok());
  EXPECT_FALSE(ParseDuration("1m 30s").ok());
  EXPECT_FALSE(ParseDuration("banana").ok());
}

TEST(GrammarTest, ByteSizesBothConventionsExact) {
  EXPECT_EQ(*ParseByteSize("4MB"), 4'000'000u);
  EXPECT_EQ(*ParseByteSize("4MiB"), 4'194'304u);
  EXPECT_EQ(*ParseByteSize("512KiB"), 524'288u);
  EXPECT_EQ(*ParseByteSize("2kB"), 2000u);
  EXPECT_EQ(*ParseByteSize("2KB"), 2000u);
  EXPECT_EQ(*ParseByteSize("1GB"), 1'000'000'000u);
  EXPECT_EQ(*ParseByteSize("1GiB"), 1'073'741'824u);
  EXPECT_EQ(*ParseByteSize("1TB"), 1'000'000'000'000u);
  EXPECT_EQ(*ParseByteSize("1TiB"), 1'099'511'627'776u);
  EXPECT_EQ(*ParseByteSize("1000000"), 1'000'000u);
  EXPECT_EQ(*ParseByteSize("17B"), 17u);
  EXPECT_EQ(*ParseByteSize("0"), 0u);
}

TEST(GrammarTest, ByteSizesRejected) {
  for (const char* bad : {"", "MB", "-4MB", "+4MB", "4 MB", "4.5MB", "4XB", "4mib", "4MiB ",
                          "18446744073709551616", "17179869184GiB", "0x10"}) {
    EXPECT_FALSE(ParseByteSize(bad).ok()) << bad;
  }
  EXPECT_NE(ParseByteSize("4XB").status().message().find("unknown unit 'XB'"), std::string::npos);
  EXPECT_NE(ParseByteSize("17179869184GiB").status().message().find("too large"),
            std::string::npos);
}

TEST(GrammarTest, AmbiguousSizesNameBothReadings) {
  for (const char* bad : {"4M", "4m", "4mb", "4k", "4kb", "4G", "4gb", "4T"}) {
    auto r = ParseByteSize(bad);
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_NE(r.status().message().find("ambiguous"), std::string::npos) << bad;
  }
  EXPECT_EQ(ParseByteSize("4M").status().message(),
            "'4M' is ambiguous: write 4MB (powers of 1000) or 4MiB (powers of 1024)");
  EXPECT_EQ(ParseByteSize("4k").status().message(),
            "'4k' is ambiguous: write 4kB (powers of 1000) or 4KiB (powers of 1024)");
}

TEST(GrammarTest, FormatByteSize) {
  EXPECT_EQ(FormatByteSize(4'194'304), "4MiB");
  EXPECT_EQ(FormatByteSize(1500), "1500B");
  EXPECT_EQ(FormatByteSize(0), "0B");
  EXPECT_EQ(FormatByteSize(2048), "2KiB");
  EXPECT_EQ(*ParseByteSize(FormatByteSize(3ull << 40)), 3ull << 40);
}

TEST(GrammarTest, SeedIsBaseTen) {
  EXPECT_EQ(*ParseSeed("010"), 10u);
  EXPECT_EQ(*ParseSeed("0"), 0u);
  EXPECT_EQ(*ParseSeed("18446744073709551615"), UINT64_MAX);
  for (const char* bad :
       {"", "-1", "+1", "0x10", "1e3", " 1", "1 ", "18446744073709551616", "ten"}) {
    EXPECT_FALSE(ParseSeed(bad).ok()) << bad;
  }
  EXPECT_NE(ParseSeed("0x10").status().message().find("base-10"), std::string::npos);
}

}  // namespace
}  // namespace tracesim::config
