#include "cli/commands.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

namespace tracesim::cli {
namespace {

struct Outcome {
  int code;
  std::string out, err;
};

Outcome Call(std::vector<std::string> args) {
  args.insert(args.begin(), "tracesim");
  std::ostringstream out, err;
  int code = Main(args, out, err);
  return {code, out.str(), err.str()};
}

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() / ("tracesim_cli_test_" + name)).string();
}

TEST(CliTest, VersionAndHelp) {
  Outcome v = Call({"--version"});
  EXPECT_EQ(v.code, kExitOk);
  EXPECT_EQ(v.out.rfind("tracesim ", 0), 0u);
  for (const char* cmd : {"run", "validate", "topology"}) {
    Outcome h = Call({cmd, "--help"});
    EXPECT_EQ(h.code, kExitOk) << cmd;
    EXPECT_NE(h.out.find("Usage: tracesim"), std::string::npos) << cmd;
  }
  EXPECT_EQ(Call({}).code, kExitUsage);
  Outcome u = Call({"frobnicate"});
  EXPECT_EQ(u.code, kExitUsage);
  EXPECT_NE(u.err.find("unknown command 'frobnicate'"), std::string::npos);
}

TEST(CliTest, RunRejectsBadFlags) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"run", "--sed", "1"}, "unrecognised option '--sed'"},
      {{"run", "--seed", "abc"}, "--seed must be an unsigned 64-bit integer"},
      {{"run", "--seed", "-3"}, "--seed must be an unsigned 64-bit integer"},
      {{"run", "--duration", "0"}, "--duration: must be > 0"},
      {{"run", "--duration", "10 parsecs"}, "--duration: duration '10 parsecs' has unknown unit"},
      {{"run", "--rate", "-5"}, "--rate must be a number"},
      {{"run", "--rate", "fast"}, "--rate must be a number"},
      {{"run", "--format", "xml"}, "--format must be 'table' or 'json'"},
      {{"run", "--start-time", "yesterday"}, "--start-time: 'yesterday' is not an RFC 3339"},
      {{"run", "no-such-scenario"}, "no-such-scenario"},
      {{"run", "--spans-out", "/nonexistent-dir/x.jsonl", "--duration", "1s"},
       "/nonexistent-dir/x.jsonl"},
  };
  for (const Case& c : cases) {
    Outcome o = Call(c.args);
    EXPECT_EQ(o.code, kExitUsage) << c.args.back();
    EXPECT_NE(o.err.find(c.message), std::string::npos) << "stderr was: " << o.err;
  }
}

TEST(CliTest, RunCheckoutJsonSummary) {
  std::string spans = TempPath("spans.jsonl");
  Outcome o =
      Call({"run", "--duration", "3s", "--format", "json", "--seed", "5", "--spans-out", spans});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  auto j = nlohmann::json::parse(o.out);
  EXPECT_EQ(j["seed"], 5);
  EXPECT_GT(j["traces"].get<uint64_t>(), 50u);
  EXPECT_GT(j["spans"].get<uint64_t>(), j["traces"].get<uint64_t>());
  ASSERT_FALSE(j["services"].empty());
  for (const auto& s : j["services"]) {
    for (const char* key : {"name", "requests", "errors", "p50_ms", "p99_ms"})
      EXPECT_TRUE(s.contains(key)) << key;
  }
  // Every span of the summary is in the file.
  std::ifstream in(spans);
  std::string line;
  uint64_t spans_in_file = 0;
  while (std::getline(in, line)) {
    auto req = nlohmann::json::parse(line);
    for (const auto& rs : req["resourceSpans"])
      for (const auto& ss : rs["scopeSpans"]) spans_in_file += ss["spans"].size();
  }
  EXPECT_EQ(spans_in_file, j["spans"].get<uint64_t>());
  std::filesystem::remove(spans);
}

TEST(CliTest, RunTableAndRateOverride) {
  Outcome slow = Call({"run", "--duration", "2s", "--rate", "10", "--format", "json"});
  Outcome fast = Call({"run", "--duration", "2s", "--rate", "40", "--format", "json"});
  ASSERT_EQ(slow.code, kExitOk) << slow.err;
  ASSERT_EQ(fast.code, kExitOk) << fast.err;
  double a = nlohmann::json::parse(slow.out)["offered_rate"],
         b = nlohmann::json::parse(fast.out)["offered_rate"];
  EXPECT_NEAR(b / a, 4.0, 1e-9);
  Outcome table = Call({"run", "--duration", "1s"});
  ASSERT_EQ(table.code, kExitOk) << table.err;
  EXPECT_NE(table.out.find("p99 ms"), std::string::npos);
  EXPECT_NE(table.out.find("api-gateway"), std::string::npos);
}

TEST(CliTest, ValidateReportsProblemsWithLines) {
  std::string good = std::string(TRACESIM_SOURCE_DIR) + "/topologies/checkout.yaml";
  std::string scenario = std::string(TRACESIM_SOURCE_DIR) + "/scenarios/checkout.yaml";
  Outcome ok = Call({"validate", good, scenario});
  EXPECT_EQ(ok.code, kExitOk) << ok.out;
  EXPECT_NE(ok.out.find(": ok"), std::string::npos);

  std::string bad = TempPath("bad.yaml");
  std::ofstream(bad) << "name: broken\nservices:\n  - name: a\n    instancs: 2\n";
  Outcome b = Call({"validate", bad});
  EXPECT_EQ(b.code, kExitFailed);
  EXPECT_NE(b.out.find(":4:"), std::string::npos) << b.out;
  EXPECT_NE(b.out.find("instancs"), std::string::npos) << b.out;

  std::string junk = TempPath("junk.yaml");
  std::ofstream(junk) << "key: [unclosed\n";
  Outcome j = Call({"validate", junk});
  EXPECT_EQ(j.code, kExitFailed);
  EXPECT_NE(j.out.find(junk + ":"), std::string::npos) << j.out;

  std::string other = TempPath("other.yaml");
  std::ofstream(other) << "hello: world\n";
  EXPECT_EQ(Call({"validate", other}).code, kExitFailed);
  EXPECT_EQ(Call({"validate", "/no/such/file.yaml"}).code, kExitFailed);
  EXPECT_EQ(Call({"validate"}).code, kExitUsage);
  for (const auto& p : {bad, junk, other}) std::filesystem::remove(p);
}

TEST(CliTest, TopologyTextAndDot) {
  Outcome text = Call({"topology", "checkout"});
  ASSERT_EQ(text.code, kExitOk) << text.err;
  EXPECT_NE(text.out.find("api-gateway"), std::string::npos);
  Outcome dot = Call({"topology", "checkout", "--format", "dot"});
  ASSERT_EQ(dot.code, kExitOk) << dot.err;
  EXPECT_EQ(dot.out.rfind("digraph", 0), 0u);
  EXPECT_EQ(Call({"topology", "nope"}).code, kExitUsage);
  EXPECT_EQ(Call({"topology", "checkout", "--format", "png"}).code, kExitUsage);
}

}  // namespace
}  // namespace tracesim::cli
