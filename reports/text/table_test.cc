#include "reports/text/table.h"

#include <gtest/gtest.h>

namespace tracesim::reports {
namespace {

TEST(TableTest, AlignsColumns) {
  Table t({{"service", Align::kLeft}, {"req/s", Align::kRight}});
  t.AddRow({"cart", "12.5"});
  t.AddRow({"api-gateway", "100.0"});
  EXPECT_EQ(t.Render(0),
            "service      req/s\n"
            "──────────────────\n"
            "cart          12.5\n"
            "api-gateway  100.0\n");
}

TEST(WrapLinesTest, BreaksLongLinesAtSpacesAndIndentsTheRest) {
  const std::string text =
      "  requests 12 (failed 3, retries 1), export latency ms p50 1.00 p99 2.00\nshort\n";
  const std::string wrapped = WrapLines(text, 40);
  EXPECT_EQ(wrapped,
            "  requests 12 (failed 3, retries 1),\n"
            "      export latency ms p50 1.00 p99\n"
            "      2.00\n"
            "short\n");
  EXPECT_LE(WidestLine(wrapped), 40u);
  EXPECT_EQ(WrapLines(text, 200), text);  // fits: unchanged
  EXPECT_EQ(WrapLines(text, 0), text);
  EXPECT_EQ(WrapLines("abcdefghij klm", 5), "abcdefghij\n    klm");  // a word longer than the room
  EXPECT_EQ(WidestLine("ab\n─────\nc"), 5u);                         // display columns, not bytes
}

TEST(TableTest, Utf8WidthAndSeparator) {
  Table t({{"a", Align::kLeft}, {"b", Align::kRight}});
  t.AddRow({"µs", "1"});
  t.AddSeparator();
  t.AddRow({"xyz", "22"});
  std::string r = t.Render(1);
  EXPECT_NE(r.find(" µs    1\n"), std::string::npos) << r;
  EXPECT_NE(r.find(" xyz  22\n"), std::string::npos) << r;
}

TEST(FormatTest, Numbers) {
  EXPECT_EQ(FormatCount(0), "0");
  EXPECT_EQ(FormatCount(999), "999");
  EXPECT_EQ(FormatCount(1234567), "1,234,567");
  EXPECT_EQ(FormatFixed(3.14159, 2), "3.14");
  EXPECT_EQ(FormatFixed(-0.0001, 2), "0.00");
  EXPECT_EQ(FormatPercent(0.0123), "1.23%");
}

}  // namespace
}  // namespace tracesim::reports
