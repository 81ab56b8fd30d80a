// Output that does not fit the terminal (issue 14): `run` and `validate` say so on stderr and
// offer the JSON format, `receive` fits its rate line and wraps its summary. The commands look at
// the real stdout (isatty, TIOCGWINSZ), so the tests point file descriptor 1 at a pseudo-terminal
// of a chosen width while the command writes its text into string streams.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cli/base/test_terminal.h"
#include "cli/commands.h"
#include "cli/receive_command.h"
#include "reports/text/table.h"
#include "sim/base/shared_testdata.h"

namespace tracesim::cli {
namespace {

using testing::StdoutOnTerminal;

struct Ran {
  int code;
  std::string out, err;
};

Ran Invoke(const std::vector<std::string>& args) {
  std::ostringstream out, err;
  const int code = Main(args, out, err);
  return {code, out.str(), err.str()};
}

// A Collector config whose warning line is about 190 columns wide (../shared's fixture).
std::string WideWarningFile() {
  return tracesim::testing::SharedDir() +
         "/testdata/jaeger-sampling-strategies/jaeger_v2_all-in-one_file_sampling.yaml";
}

TEST(TerminalWidthTest, ValidateSaysWhenItsLinesAreWiderThanTheTerminal) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  if (!std::filesystem::exists(WideWarningFile())) GTEST_SKIP() << "no ../shared testdata";
  StdoutOnTerminal tty(100);
  ASSERT_TRUE(tty.ok()) << "no pseudo-terminal";
  const Ran r = Invoke({"tracesim", "validate", WideWarningFile()});
  EXPECT_EQ(r.code, kExitOk) << r.err;
  const size_t wide = reports::WidestLine(r.out);
  ASSERT_GT(wide, 100u) << r.out;
  EXPECT_EQ(r.err, "tracesim validate: the report is " + std::to_string(wide) +
                       " columns wide, the terminal 100: --format json has every message "
                       "without a width limit\n");
  // The JSON has no width: no note; nor has text that fits.
  const Ran json = Invoke({"tracesim", "validate", "--format", "json", WideWarningFile()});
  EXPECT_EQ(json.code, kExitOk);
  EXPECT_EQ(json.err, "");
  EXPECT_NE(json.out.find("\"warnings\": [\n        \"" + WideWarningFile()), std::string::npos)
      << json.out;
  const Ran fits = Invoke({"tracesim", "validate", "--no-lint",
                           std::string(TRACESIM_SOURCE_DIR) + "/topologies/checkout.yaml"});
  EXPECT_EQ(fits.code, kExitOk);
  EXPECT_LE(reports::WidestLine(fits.out), 100u) << fits.out;
  EXPECT_EQ(fits.err, "");
}

TEST(TerminalWidthTest, ValidateNeverAddsTheNoteWhenStdoutIsNotATerminal) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  if (!std::filesystem::exists(WideWarningFile())) GTEST_SKIP() << "no ../shared testdata";
  if (::isatty(1) == 1) GTEST_SKIP() << "the test's own stdout is a terminal";
  const Ran r = Invoke({"tracesim", "validate", WideWarningFile()});
  EXPECT_GT(reports::WidestLine(r.out), 100u);
  EXPECT_EQ(r.err, "");
}

TEST(TerminalWidthTest, RunSaysWhenItsTableIsWiderThanTheTerminal) {
  StdoutOnTerminal tty(60);
  ASSERT_TRUE(tty.ok()) << "no pseudo-terminal";
  const Ran r = Invoke({"tracesim", "run", "checkout", "--duration", "2s", "--no-progress"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const size_t wide = reports::WidestLine(r.out);
  EXPECT_EQ(r.err, "tracesim run: the summary is " + std::to_string(wide) +
                       " columns wide, the terminal 60: --format json has every figure without "
                       "a width limit\n");
  const Ran json = Invoke(
      {"tracesim", "run", "checkout", "--duration", "2s", "--no-progress", "--format", "json"});
  EXPECT_EQ(json.err, "");
}

// The replications' table is part of the text the note measures, so --format json must hold
// its figures too: one JSON document with a "replications" object.
TEST(TerminalWidthTest, RunJsonHoldsTheReplicationsTheTableShows) {
  const std::vector<std::string> base = {
      "tracesim",      "run",       "checkout-sampling", "--duration", "5s",
      "--no-progress", "--no-lint", "--replications",    "2"};
  std::vector<std::string> json_args = base;
  json_args.insert(json_args.end(), {"--format", "json"});
  const Ran json = Invoke(json_args);
  ASSERT_EQ(json.code, kExitOk) << json.err;
  EXPECT_EQ(json.err.find("replications:"), std::string::npos) << json.err;  // not on stderr
  const auto j = nlohmann::json::parse(json.out);                            // one document
  ASSERT_TRUE(j.contains("replications")) << json.out;
  EXPECT_EQ(j["replications"]["seeds"], nlohmann::json::array({42, 43}));
  ASSERT_EQ(j["replications"]["strategies"].size(), j["sampling"].size());
  const auto& keep_all = j["replications"]["strategies"][0];
  EXPECT_EQ(keep_all["name"], j["sampling"][0]["name"]);
  EXPECT_EQ(keep_all["kept_ratio"]["mean"], 1.0);
  for (const auto& s : j["replications"]["strategies"])
    for (const char* m :
         {"kept_ratio", "error_recall", "slow_p99_recall", "usd_month", "est_error_rate"})
      EXPECT_LE(s[m]["low"].get<double>(), s[m]["high"].get<double>()) << s["name"] << " " << m;
  const Ran text = Invoke(base);
  ASSERT_EQ(text.code, kExitOk) << text.err;
  EXPECT_NE(text.out.find("replications: 2 seeds (42..43), mean [95% t interval]"),
            std::string::npos)
      << text.out;
  // Without --replications the JSON has no such key.
  EXPECT_FALSE(
      nlohmann::json::parse(Invoke({"tracesim", "run", "checkout-sampling", "--duration", "5s",
                                    "--no-progress", "--no-lint", "--format", "json"})
                                .out)
          .contains("replications"));
}

TEST(TerminalWidthTest, ReceiveWrapsItsSummaryAtTheTerminalsWidth) {
  StdoutOnTerminal tty(40);
  ASSERT_TRUE(tty.ok()) << "no pseudo-terminal";
  std::thread stopper;
  ReceiveHooks hooks;
  hooks.on_ready = [&stopper](receiver::Receiver&, std::function<void()> stop) {
    stopper = std::thread(stop);
  };
  std::ostringstream out, err;
  const int code = ReceiveCommand(
      {"--http", "127.0.0.1:0", "--grpc", "127.0.0.1:0", "--no-progress", "--duration", "60s"}, out,
      err, hooks);
  if (stopper.joinable()) stopper.join();
  ASSERT_EQ(code, kExitOk) << err.str();
  const std::string text = out.str();
  const size_t at = text.find("tracesim receive: stopped after");
  ASSERT_NE(at, std::string::npos) << text;
  const std::string summary = text.substr(at);
  EXPECT_LE(reports::WidestLine(summary), 39u) << summary;
  EXPECT_NE(summary.find("\n    "), std::string::npos) << summary;  // continuations indented
  EXPECT_NE(summary.find("~0 traces\n"), std::string::npos) << summary;
}

TEST(TerminalWidthTest, ReceiveRateLineLeavesFieldsOutRatherThanWrap) {
  app::ReceiveSecond s;
  s.spans = 123456;
  s.requests = 4321;
  s.total_spans = 98765432;
  s.total_requests = 1234567;
  const std::string full = "  123456 spans/s  4321 req/s  total 98765432 spans, 1234567 requests";
  EXPECT_EQ(ReceiveSecondLine(s, 200), full);
  EXPECT_EQ(ReceiveSecondLine(s, static_cast<int>(full.size()) + 1), full);
  EXPECT_EQ(ReceiveSecondLine(s, static_cast<int>(full.size())),
            "  123456 spans/s  4321 req/s  total 98765432 spans");
  EXPECT_EQ(ReceiveSecondLine(s, 40), "  123456 spans/s  4321 req/s");
  EXPECT_EQ(ReceiveSecondLine(s, 20), "  123456 spans/s");
  EXPECT_EQ(ReceiveSecondLine(s, 10), "  123456 ");  // never past the last column but one
  for (int columns : {1, 5, 17, 30, 52, 80})
    EXPECT_LT(ReceiveSecondLine(s, columns).size(), static_cast<size_t>(std::max(columns, 2)));
}

TEST(TerminalWidthTest, ValidateRejectsAnUnknownFormat) {
  const Ran r = Invoke({"tracesim", "validate", "--format", "csv", "x.yaml"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.err, "tracesim validate: --format: 'csv' is not a format (text or json)\n");
  EXPECT_EQ(r.out, "");
}

TEST(TerminalWidthTest, ValidateJsonHasEveryVerdictAndKeepsTheExitCode) {
  const std::string bad = (std::filesystem::temp_directory_path() /
                           ("tracesim_width_bad_" + std::to_string(::getpid()) + ".yaml"))
                              .string();
  std::ofstream(bad) << "services:\n  - name: a\n    bogus: 1\n";
  const std::string good = std::string(TRACESIM_SOURCE_DIR) + "/topologies/checkout.yaml";
  const Ran r = Invoke({"tracesim", "validate", "--format", "json", good, bad});
  std::filesystem::remove(bad);
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_NE(r.out.find("\"file\": \"" + good +
                       "\",\n      \"valid\": true,\n      \"summary\": "
                       "\"topology: "),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("\"file\": \"" + bad + "\",\n      \"valid\": false,"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find(bad + ":3:5: services[0].bogus"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("\"valid\": 1,\n  \"invalid\": 1\n}\n"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace tracesim::cli
