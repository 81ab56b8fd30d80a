// The CLI grammar (cli/base/flags.h), one negative test per rule, through the real commands.
#include "cli/base/flags.h"

#include <gtest/gtest.h>

#include <sstream>

#include "cli/commands.h"

namespace tracesim::cli {
namespace {

struct Ran {
  int code;
  std::string out, err;
};

Ran Cli(std::vector<std::string> argv) {
  argv.insert(argv.begin(), "tracesim");
  std::ostringstream out, err;
  int code = Main(argv, out, err);
  return {code, out.str(), err.str()};
}

// The run's JSON summary without its wall-clock and host fields.
std::string Figures(const std::string& json) {
  std::istringstream in(json);
  std::string line, s;
  while (std::getline(in, line))
    if (line.find("wall") == std::string::npos && line.find("rss") == std::string::npos)
      s += line + "\n";
  return s;
}

TEST(CliGrammarTest, PrefixesAreNotGuessedButSuggested) {
  Ran r = Cli({"run", "--dur", "2s"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("unrecognised option '--dur' (did you mean '--duration'?)"),
            std::string::npos)
      << r.err;
}

TEST(CliGrammarTest, MisspeltFlagGetsDidYouMean) {
  Ran r = Cli({"run", "--sed", "3"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_NE(r.err.find("did you mean '--seed'?"), std::string::npos) << r.err;
  Ran v = Cli({"validate", "--hepl"});
  EXPECT_EQ(v.code, kExitUsage);
  EXPECT_NE(v.err.find("did you mean '--help'?"), std::string::npos) << v.err;
}

TEST(CliGrammarTest, SeedsAreBase10) {
  Ran a = Cli({"run", "--seed", "010", "--duration", "2s", "--format", "json", "--no-progress"});
  Ran b = Cli({"run", "--seed", "10", "--duration", "2s", "--format", "json", "--no-progress"});
  Ran c = Cli({"run", "--seed", "8", "--duration", "2s", "--format", "json", "--no-progress"});
  ASSERT_EQ(a.code, kExitOk) << a.err;
  EXPECT_EQ(Figures(a.out), Figures(b.out));
  EXPECT_NE(Figures(a.out), Figures(c.out));
  EXPECT_EQ(Cli({"run", "--seed", "0x10"}).code, kExitUsage);
  EXPECT_EQ(Cli({"run", "--seed", "-1"}).code, kExitUsage);
}

TEST(CliGrammarTest, GoDurationsWork) {
  Ran r = Cli({"run", "--duration", "1m30s", "--format", "json", "--no-progress"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("90"), std::string::npos);
  EXPECT_EQ(Cli({"run", "--duration", "90"}).code, kExitUsage);  // a unit is required
}

TEST(CliGrammarTest, RunAcceptsRatesInSpansLikeLoad) {
  Ran r = Cli({"run", "--rate", "500spans", "--duration", "2s", "--no-progress"});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  EXPECT_EQ(Cli({"run", "--rate", "500bananas"}).code, kExitUsage);
}

TEST(CliGrammarTest, HelpIsClean) {
  for (const char* cmd : {"run", "validate", "topology", "load", "receive", "trace"}) {
    Ran r = Cli({cmd, "--help"});
    EXPECT_EQ(r.code, kExitOk) << cmd;
    EXPECT_NE(r.out.find("  -h, --help"), std::string::npos) << cmd << r.out;
    EXPECT_EQ(r.out.find("[ --help ]"), std::string::npos) << cmd << r.out;
    EXPECT_EQ(r.out.find(" arg "), std::string::npos) << cmd << r.out;
    if (std::string(cmd) != "topology") {  // topology's --scenario is a flag, not the positional
      EXPECT_EQ(r.out.find("--scenario"), std::string::npos) << cmd << r.out;
    }
    EXPECT_EQ(r.out.find("--files"), std::string::npos) << cmd << r.out;
  }
  EXPECT_NE(Cli({"run", "--help"}).out.find("RFC 3339"), std::string::npos);
}

}  // namespace
}  // namespace tracesim::cli
