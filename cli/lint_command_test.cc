// `tracesim lint`, `run` and `validate` print the same lint findings (issue 13).
#include "cli/lint_command.h"

#include <gtest/gtest.h>

#include <sstream>

#include "cli/commands.h"

namespace tracesim::cli {
namespace {

struct Result {
  int code;
  std::string out, err;
};

Result Cli(std::vector<std::string> args) {
  std::ostringstream out, err;
  args.insert(args.begin(), "tracesim");
  int code = Main(args, out, err);
  return {code, out.str(), err.str()};
}

const std::string kBad = std::string(TRACESIM_SOURCE_DIR) + "/lint/testdata/bad.yaml";
const std::string kGood = std::string(TRACESIM_SOURCE_DIR) + "/lint/testdata/good.yaml";

// The finding lines (each "FILE:...: [rule] ..." and its "    fix:" line) of a text.
std::string Findings(const std::string& text) {
  std::istringstream in(text);
  std::string line, out;
  while (std::getline(in, line))
    if (line.find(": [") != std::string::npos || line.starts_with("    fix: ")) out += line + "\n";
  return out;
}

TEST(LintCommandTest, ErrorsExitOneAndRunAndValidatePrintTheSameFindings) {
  Result lint = Cli({"lint", kBad});
  EXPECT_EQ(lint.code, kExitFailed) << lint.err;
  EXPECT_NE(lint.out.find("[tail-num-traces]"), std::string::npos);
  EXPECT_NE(lint.out.find("tracesim lint: 12 findings (3 errors, 8 warnings, 1 note) in 8 "
                          "strategies; traffic: "),
            std::string::npos)
      << lint.out;
  Result run = Cli({"run", kBad, "--no-progress"});
  EXPECT_EQ(run.code, kExitOk) << run.err;
  EXPECT_EQ(Findings(run.err), Findings(lint.out));
  Result validate = Cli({"validate", kBad});
  EXPECT_EQ(validate.code, kExitOk) << validate.out;  // findings do not fail the file
  EXPECT_EQ(Findings(validate.out), Findings(lint.out));
  EXPECT_NE(validate.out.find("12 lint findings)"), std::string::npos);
}

TEST(LintCommandTest, CleanScenarioExitsZeroAndNoLintSkips) {
  Result lint = Cli({"lint", kGood, "--strict"});
  EXPECT_EQ(lint.code, kExitOk) << lint.out;
  EXPECT_EQ(Findings(lint.out), "");
  Result run = Cli({"run", kBad, "--no-progress", "--no-lint", "--duration", "5s"});
  EXPECT_EQ(run.code, kExitOk);
  EXPECT_EQ(Findings(run.err), "");
  Result validate = Cli({"validate", "--no-lint", kBad});
  EXPECT_EQ(validate.code, kExitOk);
  EXPECT_EQ(Findings(validate.out), "");
}

TEST(LintCommandTest, StrictFailsOnWarnings) {
  // checkout-sampling has one warning (head-below-tail) and no error.
  EXPECT_EQ(Cli({"lint", "checkout-sampling", "--duration", "20s"}).code, kExitOk);
  Result strict = Cli({"lint", "checkout-sampling", "--duration", "20s", "--strict"});
  EXPECT_EQ(strict.code, kExitFailed);
  EXPECT_NE(strict.out.find("[head-below-tail]"), std::string::npos);
}

TEST(LintCommandTest, BadUsage) {
  EXPECT_EQ(Cli({"lint"}).code, kExitUsage);
  Result none = Cli({"lint", "checkout"});
  EXPECT_EQ(none.code, kExitUsage);
  EXPECT_EQ(none.err, "tracesim lint: scenario 'checkout' has no samplers: to check\n");
  Result dur = Cli({"lint", "checkout-sampling", "--duration", "0s"});
  EXPECT_EQ(dur.code, kExitUsage);
  EXPECT_NE(dur.err.find("--duration"), std::string::npos);
  EXPECT_EQ(Cli({"lint", "checkout-sampling", "--seed", "x"}).code, kExitUsage);
  EXPECT_EQ(Cli({"lint", "no-such-scenario"}).code, kExitUsage);
  Result rules = Cli({"lint", "--list-rules"});
  EXPECT_EQ(rules.code, kExitOk);
  EXPECT_NE(rules.out.find("tail-num-traces: "), std::string::npos);
}

}  // namespace
}  // namespace tracesim::cli
