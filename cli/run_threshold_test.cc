// `tracesim run --threshold 'STRATEGY.METRIC OP NUMBER'` (issue 13): exit 99 when crossed.
#include <gtest/gtest.h>

#include <sstream>

#include "cli/commands.h"
#include "cli/load_command.h"

namespace tracesim::cli {
namespace {

struct Result {
  int code;
  std::string out, err;
};

Result RunSampling(std::vector<std::string> args) {
  std::ostringstream out, err;
  args.insert(args.begin(), {"tracesim", "run", "checkout-sampling", "--duration", "20s",
                             "--no-progress", "--no-lint"});
  int code = Main(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(RunThresholdCliTest, PassingThresholdsExitZero) {
  Result r = RunSampling({"--threshold", "tail-errors-slow.error_recall>=0.99", "--threshold",
                          "keep-all.kept_ratio==1"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("thresholds:\n  ok     tail-errors-slow.error_recall>=0.99 (actual 1)\n"),
            std::string::npos)
      << r.out;
}

TEST(RunThresholdCliTest, CrossedThresholdExits99) {
  Result r = RunSampling({"--threshold", "head-ratio-10%.error_recall>=0.5"});
  EXPECT_EQ(r.code, kExitThresholds);
  EXPECT_NE(r.out.find("  FAILED head-ratio-10%.error_recall>=0.5 (actual "), std::string::npos);
  EXPECT_NE(r.err.find("tracesim run: threshold crossed: head-ratio-10%.error_recall>=0.5"),
            std::string::npos);
  // With --format json the verdicts go to stderr, stdout stays JSON.
  Result j = RunSampling({"--format", "json", "--threshold", "head-ratio-10%.error_recall>=0.5"});
  EXPECT_EQ(j.code, kExitThresholds);
  EXPECT_EQ(j.out.find("thresholds:"), std::string::npos);
  EXPECT_NE(j.err.find("FAILED"), std::string::npos);
}

TEST(RunThresholdCliTest, BadThresholdsAreUsageErrorsBeforeTheRun) {
  Result typo = RunSampling({"--threshold", "tail-errors-slow.error_recal>=0.99"});
  EXPECT_EQ(typo.code, kExitUsage);
  EXPECT_EQ(typo.err,
            "tracesim run: --threshold: threshold 'tail-errors-slow.error_recal>=0.99': unknown "
            "metric 'error_recal' (did you mean 'error_recall'?)\n");
  EXPECT_EQ(RunSampling({"--threshold", "nope.error_recall>=0.99"}).code, kExitUsage);
  std::ostringstream out, err;
  EXPECT_EQ(Main({"tracesim", "run", "checkout", "--threshold", "a.error_recall>1"}, out, err),
            kExitUsage);
  EXPECT_NE(err.str().find("needs a scenario with samplers:"), std::string::npos);
}

}  // namespace
}  // namespace tracesim::cli

namespace tracesim::cli {
namespace {

TEST(RunReplicationsCliTest, MeansAndIntervalsOverSeeds) {
  Result r = RunSampling({"--replications", "3"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("replications: 3 seeds (42..44), mean [95% t interval]"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("keep-all                     100.0% [100.0–100.0]"), std::string::npos)
      << r.out;
  // Deterministic (the table; the summary above it shows wall time).
  const std::string again = RunSampling({"--replications", "3"}).out;
  EXPECT_EQ(again.substr(again.find("replications:")), r.out.substr(r.out.find("replications:")));
  EXPECT_EQ(RunSampling({"--replications", "0"}).code, kExitUsage);
  EXPECT_EQ(RunSampling({"--replications", "x"}).code, kExitUsage);
}

}  // namespace
}  // namespace tracesim::cli
