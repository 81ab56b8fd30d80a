// `tracesim load --find-max` on a terminal narrower than its step table (issue 14): the table is
// printed whole and a note on stderr says how wide it is and that --summary-json has every figure.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "cli/base/test_terminal.h"
#include "cli/commands.h"
#include "cli/load_command.h"
#include "loadgen/testing/loopback.h"
#include "reports/text/table.h"

namespace tracesim::cli {
namespace {

namespace fs = std::filesystem;

fs::path TinyScenario() {
  fs::path dir = fs::temp_directory_path() / ("tracesim_width_load_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  return loadgen::testing::WriteTinyScenario(dir);
}

TEST(TerminalWidthLoadTest, FindMaxSaysWhenItsStepTableIsWiderThanTheTerminal) {
  auto srv = loadgen::testing::StartGrpcServer({});
  const std::vector<std::string> args = {TinyScenario().string(),
                                         "--endpoint",
                                         srv->endpoint(),
                                         "--find-max",
                                         "--rate",
                                         "50",
                                         "--step-duration",
                                         "1s",
                                         "--max-steps",
                                         "1",
                                         "--no-progress",
                                         "--batch-delay",
                                         "50ms"};
  std::ostringstream out, err;
  int code = 0;
  {
    testing::StdoutOnTerminal tty(80);
    ASSERT_TRUE(tty.ok()) << "no pseudo-terminal";
    code = LoadCommand(args, out, err);
  }
  EXPECT_TRUE(code == kExitOk || code == kExitThresholds) << code << err.str();
  const std::string text = out.str();
  const size_t at = text.find("step phase");
  ASSERT_NE(at, std::string::npos) << text;
  const size_t wide = reports::WidestLine(text.substr(at));
  ASSERT_GT(wide, 80u) << text;
  EXPECT_NE(err.str().find("tracesim load --find-max: the step table is " + std::to_string(wide) +
                           " columns wide, the terminal 80: --summary-json FILE has every "
                           "figure without a width limit\n"),
            std::string::npos)
      << err.str();
  // Not a terminal: no note.
  std::ostringstream out2, err2;
  LoadCommand(args, out2, err2);
  if (::isatty(1) != 1) {
    EXPECT_EQ(err2.str().find("columns wide"), std::string::npos) << err2.str();
  }
}

}  // namespace
}  // namespace tracesim::cli
