// Partial results (app/partial.h): N processes' partials merge into the very report of
// `--shards N`, in any order; every broken input is refused with the file's name.
#include "app/partial.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "app/test_scenarios.h"
#include "reports/text/run_report.h"

namespace tracesim::app {
namespace {

using testing::Builtin;

std::string Json(const RunOutcome& o) { return reports::RenderRunJson(o.report, false); }

std::vector<NamedPartial> Partials(const scenarios::Scenario& sc, const RunOptions& o, uint32_t n,
                                   sim::Duration warmup) {
  std::vector<NamedPartial> out;
  for (uint32_t i = 0; i < n; ++i) {
    auto p = RunPartial(sc, o, ShardIndex{i, n}, warmup);
    EXPECT_TRUE(p.ok()) << p.status().message();
    out.push_back({"part-" + std::to_string(i), std::move(p).value()});
  }
  return out;
}

std::string MergeError(const scenarios::Scenario& sc, const RunOptions& o,
                       const std::vector<NamedPartial>& parts) {
  auto r = MergePartials(sc, o, parts);
  EXPECT_FALSE(r.ok());
  if (r.ok()) return "";
  EXPECT_EQ(r.status().code(), sim::Status::Code::kInvalidArgument);
  return r.status().message();
}

TEST(PartialTest, MergedPartialsAreTheShardedRunInAnyOrder) {
  for (const char* name : {"checkout-sampling", "checkout-db-failover"}) {
    SCOPED_TRACE(name);
    scenarios::Scenario sc = Builtin(name);
    RunOptions o;
    o.duration = sim::Duration::Seconds(90);
    ShardOptions s;
    s.count = 3;
    auto threads = RunSharded(sc, o, s);
    ASSERT_TRUE(threads.ok()) << threads.status().message();
    std::vector<NamedPartial> parts = Partials(sc, o, 3, s.warmup);
    std::reverse(parts.begin(), parts.end());
    auto merged = MergePartials(sc, o, parts);
    ASSERT_TRUE(merged.ok()) << merged.status().message();
    EXPECT_EQ(Json(*merged), Json(*threads));
  }
}

TEST(PartialTest, OnePartialOfOneIsThePlainRun) {
  scenarios::Scenario sc = Builtin("checkout-sampling");
  RunOptions o;
  o.duration = sim::Duration::Seconds(30);
  auto plain = RunScenario(sc, o);
  ASSERT_TRUE(plain.ok());
  auto merged = MergePartials(sc, o, Partials(sc, o, 1, sim::Duration::Seconds(30)));
  ASSERT_TRUE(merged.ok()) << merged.status().message();
  EXPECT_EQ(Json(*merged), Json(*plain));
}

TEST(PartialTest, BrokenInputsNameTheFile) {
  scenarios::Scenario sc = Builtin("checkout");
  RunOptions o;
  o.duration = sim::Duration::Seconds(10);
  const sim::Duration warmup = sim::Duration::Seconds(2);
  std::vector<NamedPartial> parts = Partials(sc, o, 2, warmup);
  EXPECT_EQ(MergeError(sc, o, {parts[0]}), "tracesim merge: shard 1/2 is missing");
  EXPECT_EQ(MergeError(sc, o, {parts[0], parts[0]}), "part-0: shard 0/2 again (also in part-0)");
  EXPECT_EQ(MergeError(sc, o, {}), "tracesim merge: no partial results");
  NamedPartial junk{"junk.bin", "hello"};
  EXPECT_NE(MergeError(sc, o, {parts[0], junk}).find("junk.bin: not a tracesim partial result"),
            std::string::npos);
  NamedPartial cut{"cut.bin", parts[1].bytes.substr(0, parts[1].bytes.size() / 2)};
  EXPECT_EQ(MergeError(sc, o, {parts[0], cut}), "cut.bin: corrupt or truncated partial result");
  NamedPartial longer{"long.bin", parts[1].bytes + "x"};
  EXPECT_EQ(MergeError(sc, o, {parts[0], longer}), "long.bin: corrupt or truncated partial result");
  RunOptions other = o;
  other.seed = 7;
  EXPECT_EQ(MergeError(sc, other, parts), "part-0: written for --seed 42 (this merge: 7)");
  std::vector<NamedPartial> three = Partials(sc, o, 3, warmup);
  EXPECT_EQ(MergeError(sc, o, {parts[0], three[1]}),
            "part-1: written for shard count N 3 (this merge: 2)");
  scenarios::Scenario baseline = Builtin("checkout-baseline");
  EXPECT_NE(MergeError(baseline, o, parts).find("part-0: written for scenario checkout"),
            std::string::npos);
  RunOptions kept = o;
  kept.keep_traces = 1;
  auto r = RunPartial(sc, kept, ShardIndex{0, 2}, warmup);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().message(), "partial results carry no kept traces or per-second series");
}

TEST(PartialTest, ShardIndexParsing) {
  auto ok = ParseShardIndex("3/8");
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->index, 3u);
  EXPECT_EQ(ok->count, 8u);
  for (const char* bad : {"", "3", "8/8", "9/8", "-1/8", "1/0", "1/1025", "a/2", "1/2x", "1 /2"}) {
    SCOPED_TRACE(bad);
    auto r = ParseShardIndex(bad);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message(),
              "--shard must be I/N with 0 <= I < N <= 1024, got '" + std::string(bad) + "'");
  }
}

}  // namespace
}  // namespace tracesim::app
