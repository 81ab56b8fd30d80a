// `tracesim run --shards N --warmup D` (issue 15, doc/scale.md): each flag rule has a negative
// case; a sharded run prints the same kind of summary with the same arrivals.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"

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

TEST(ShardsCommandTest, BadShardFlagsNameTheFlag) {
  struct Case {
    std::vector<std::string> args;
    std::string message;
  } cases[] = {
      {{"run", "--shards", "abc"}, "--shards must be a whole number of shards, got 'abc'"},
      {{"run", "--shards", "-2"}, "--shards must be a whole number of shards, got '-2'"},
      {{"run", "--shards", "2x"}, "--shards must be a whole number of shards, got '2x'"},
      {{"run", "--shards", "0"}, "--shards must be in [1, 1024], got 0"},
      {{"run", "--shards", "1025"}, "--shards must be in [1, 1024], got 1025"},
      {{"run", "--shards", "2", "--warmup", "soon"}, "--warmup: "},
      {{"run", "--shards", "2", "--report-html", "x.html"}, "--report-html needs --shards 1"},
  };
  for (const Case& c : cases) {
    Outcome o = Call(c.args);
    EXPECT_EQ(o.code, kExitUsage) << c.args.back();
    EXPECT_NE(o.err.find(c.message), std::string::npos) << "stderr was: " << o.err;
  }
}

TEST(ShardsCommandTest, ShardedRunSummarisesTheSameArrivals) {
  Outcome one = Call({"run", "--duration", "8s", "--format", "json", "--no-progress"});
  Outcome two = Call({"run", "--duration", "8s", "--format", "json", "--no-progress", "--shards",
                      "2", "--warmup", "2s"});
  ASSERT_EQ(one.code, kExitOk) << one.err;
  ASSERT_EQ(two.code, kExitOk) << two.err;
  auto a = nlohmann::json::parse(one.out), b = nlohmann::json::parse(two.out);
  EXPECT_EQ(a["traces"], b["traces"]);  // checkout has no fragments: one trace per arrival
  EXPECT_NE(a["events"], b["events"]);  // but another trajectory
  EXPECT_EQ(a["services"].size(), b["services"].size());
}

}  // namespace
}  // namespace tracesim::cli
