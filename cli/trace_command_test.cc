#include "cli/trace_command.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "cli/commands.h"
#include "reports/text/table.h"

namespace tracesim::cli {
namespace {

struct Result {
  int code;
  std::string out, err;
};

Result Trace(std::vector<std::string> args) {
  std::ostringstream out, err;
  args.insert(args.begin(), {"tracesim", "trace"});
  int code = Main(args, out, err);
  return {code, out.str(), err.str()};
}

std::string FirstTraceId(const std::string& text) {
  const size_t at = text.find("trace ");
  return at == std::string::npos ? "" : text.substr(at + 6, 32);
}

TEST(TraceCommandTest, SlowestFitsTheWidthWithoutColourAndTheIdFindsItAgain) {
  Result r = Trace({"checkout", "--duration", "5s", "--slowest", "2", "--width", "90"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
  std::istringstream lines(r.out);
  std::string line;
  int headers = 0;
  while (std::getline(lines, line)) {
    EXPECT_LE(reports::DisplayWidth(line), 90u) << line;
    if (line.starts_with("trace ")) ++headers;
  }
  EXPECT_EQ(headers, 2);
  const std::string id = FirstTraceId(r.out);
  Result again = Trace({"checkout", "--duration", "5s", "--id", id, "--width", "90"});
  ASSERT_EQ(again.code, 0) << again.err;
  EXPECT_EQ(FirstTraceId(again.out), id);
  Result colour = Trace({"checkout", "--duration", "5s", "--color", "always"});
  EXPECT_NE(colour.out.find("\x1b["), std::string::npos);
}

TEST(TraceCommandTest, SpansOutHoldsOnlyTheShownTracesAndTheirFragments) {
  const std::string path = (std::filesystem::temp_directory_path() /
                            ("tracesim_trace_spans_" + std::to_string(::getpid()) + ".jsonl"))
                               .string();
  Result r = Trace({"checkout-broken-propagation", "--duration", "20s", "--fault",
                    "stripped-headers", "--spans-out", path, "--width", "120"});
  ASSERT_EQ(r.code, 0) << r.err;
  std::set<std::string> shown;  // ids of the drawn traces and fragments
  std::istringstream text(r.out);
  std::string line;
  while (std::getline(text, line)) {
    if (line.starts_with("trace ")) shown.insert(line.substr(6, 32));
    if (line.starts_with("fragment ")) shown.insert(line.substr(9, 32));
  }
  EXPECT_GE(shown.size(), 2u) << r.out;  // the trace and at least one fragment
  std::ifstream in(path);
  std::set<std::string> written;
  while (std::getline(in, line)) {
    auto doc = nlohmann::json::parse(line);
    for (const auto& rs : doc["resourceSpans"])
      for (const auto& ss : rs["scopeSpans"])
        for (const auto& s : ss["spans"]) written.insert(s["traceId"].get<std::string>());
  }
  std::filesystem::remove(path);
  EXPECT_EQ(written, shown);
}

TEST(TraceCommandTest, ErrorsAndBadSelections) {
  Result r = Trace({"checkout-payment-outage", "--duration", "90s", "--errors", "1"});
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("ERROR"), std::string::npos);
  EXPECT_EQ(Trace({"checkout", "--fault", "x"}).code, kExitUsage);
  EXPECT_EQ(Trace({"checkout", "--id", "abc"}).code, kExitUsage);
  EXPECT_EQ(Trace({"checkout", "--slowest", "1", "--errors", "1"}).code, kExitUsage);
  EXPECT_EQ(Trace({"checkout", "--width", "10"}).code, kExitUsage);
  Result none = Trace({"checkout", "--duration", "2s", "--id", std::string(32, 'f')});
  EXPECT_EQ(none.code, kExitFailed);
  EXPECT_NE(none.err.find("no trace with id"), std::string::npos) << none.err;
}

Result Cli(std::vector<std::string> args) {
  std::ostringstream out, err;
  args.insert(args.begin(), "tracesim");
  int code = Main(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(TopologyMapTest, SvgPngAndScenarioRatesOnTheEdges) {
  Result dot = Cli({"topology", "online-shop", "--format", "dot", "--edges", "pair"});
  ASSERT_EQ(dot.code, 0) << dot.err;
  EXPECT_NE(dot.out.find("cluster_legend"), std::string::npos);
  Result rated = Cli({"topology", "--scenario", "checkout", "--duration", "5s", "--format", "dot"});
  ASSERT_EQ(rated.code, 0) << rated.err;
  EXPECT_NE(rated.out.find("\"api-gateway\" -> \"payment\" [label=\""), std::string::npos)
      << rated.out;
  EXPECT_NE(rated.out.find("/s"), std::string::npos);
  EXPECT_EQ(Cli({"topology", "checkout", "--format", "gif"}).code, kExitUsage);
  EXPECT_EQ(Cli({"topology", "checkout", "--scenario", "checkout", "--format", "svg"}).code,
            kExitUsage);
  Result svg = Cli({"topology", "checkout", "--format", "svg"});
  if (svg.code == kExitUsage && svg.err.find("without Graphviz") != std::string::npos)
    GTEST_SKIP() << "built without libgraphviz-dev";
  ASSERT_EQ(svg.code, 0) << svg.err;
  EXPECT_TRUE(svg.out.starts_with("<svg")) << svg.out.substr(0, 60);
  Result png = Cli({"topology", "checkout", "--format", "png"});
  ASSERT_EQ(png.code, 0);
  EXPECT_TRUE(png.out.starts_with("\x89PNG"));
}

}  // namespace
}  // namespace tracesim::cli
