#include "cli/base/progress.h"

#include <gtest/gtest.h>

#include "reports/text/table.h"

namespace tracesim::cli {
namespace {

TEST(ProgressBarTest, ShowsSimulatedElapsedAndEta) {
  // A quarter done after 10 s of wall time: 30 s to go at the same pace.
  const std::string line = ProgressBar::Line(15, 60, 10, 120);
  EXPECT_NE(line.find(" 25.0%"), std::string::npos) << line;
  EXPECT_NE(line.find("15.0s/1m00s simulated"), std::string::npos) << line;
  EXPECT_NE(line.find("elapsed 10.0s"), std::string::npos) << line;
  EXPECT_NE(line.find("ETA 30.0s"), std::string::npos) << line;
  EXPECT_TRUE(line.starts_with("[")) << line;
}

TEST(ProgressBarTest, FitsTheTerminalDroppingTheEtaThenTheBar) {
  for (int columns : {20, 40, 60, 80, 128, 200}) {
    const std::string line = ProgressBar::Line(1234, 7200, 95, columns);
    EXPECT_LT(static_cast<int>(reports::DisplayWidth(line)), columns) << columns << ": " << line;
  }
  EXPECT_EQ(ProgressBar::Line(15, 60, 10, 45).find("ETA"), std::string::npos);
  EXPECT_NE(ProgressBar::Line(15, 60, 10, 200).find("ETA"), std::string::npos);
}

TEST(TooWideNoteTest, SaysHowWideAndOffersAFormatOnlyWhenALineDoesNotFit) {
  const std::string text = "short\n" + std::string(120, 'x') + "\n─────\n";
  EXPECT_EQ(TooWideNote("run", text, 120, "--format json"), "");
  EXPECT_EQ(TooWideNote("run", text, 100, "--format json"),
            "tracesim run: the summary is 120 columns wide, the terminal 100: --format json has "
            "every figure without a width limit\n");
  EXPECT_EQ(TooWideNote("run", "─────\n", 5, "--format json"), "");  // display columns
}

}  // namespace
}  // namespace tracesim::cli
