// `tracesim run --shards N --warmup D` (issue 15, doc/scale.md): each flag rule has a negative
// case; a sharded run prints the same kind of summary with the same arrivals.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "cli/load_command.h"

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
      {{"run", "--shards", "mpi", "--report-html", "x.html"},
       "--report-html does not go with --shards mpi"},
      {{"run", "--partial-out", "p.bin"}, "--partial-out needs --shard I/N"},
      {{"run", "--shard", "0/2"}, "--shard needs --partial-out FILE"},
      {{"run", "--shard", "2/2", "--partial-out", "p.bin"},
       "--shard must be I/N with 0 <= I < N <= 1024, got '2/2'"},
      {{"run", "--shard", "0/2", "--partial-out", "p.bin", "--shards", "2"},
       "--shard writes a partial result: --shards belongs to tracesim merge or to a whole run"},
      {{"run", "--shard", "0/2", "--partial-out", "p.bin", "--report-csv", "-"},
       "--shard writes a partial result: --report-csv belongs"},
      {{"merge", "checkout"}, "tracesim merge: give the partial result files"},
      {{"run", "--shards", "mpi", "--spans-out", "s.json"},
       "--spans-out does not go with --shards mpi"},
      {{"run", "--shards", "mpi", "--warmup", "soon"}, "--warmup: "},
      {{"merge", "checkout", "p.bin", "--shards", "2"}, "--shards applies to tracesim run"},
      {{"merge", "checkout", "p.bin", "--format", "xml"}, "--format must be 'table' or 'json'"},
      {{"merge", "checkout", "/nonexistent/p.bin"}, "/nonexistent/p.bin: cannot read"},
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

TEST(ShardsCommandTest, ShardedRunsLintTheirTrafficToo) {
  Outcome one = Call({"run", "checkout-sampling", "--duration", "60s", "--no-progress"});
  Outcome three =
      Call({"run", "checkout-sampling", "--duration", "60s", "--no-progress", "--shards", "3"});
  ASSERT_EQ(three.code, kExitOk) << three.err;
  EXPECT_NE(three.err.find("[head-below-tail]"), std::string::npos) << three.err;
  EXPECT_NE(one.err.find("[head-below-tail]"), std::string::npos) << one.err;
}

// The data block of an HTML report (the charts' figures), parsed.
nlohmann::json PageData(const std::string& path) {
  std::ifstream in(path);
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string open = "<script type=\"application/json\" id=\"tracesim-data\">";
  const size_t at = page.find(open);
  if (at == std::string::npos) return nullptr;
  const size_t body = at + open.size();
  return nlohmann::json::parse(page.substr(body, page.find("</script>", body) - body));
}

// A sharded run draws its page from one collector per shard, merged (doc/scale.md): on
// checkout-sampling, whose 60 s run 3 shards reproduce trace for trace, every chart's figures
// equal the whole run's but the tail stages' memory past the first 40 s (the third shard's
// 30 s warm-up does not replay the decided traces its stages would still hold).
TEST(ShardsCommandTest, ShardedRunDrawsTheWholeRunsPage) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("tracesim_html_shards_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const std::string one = (dir / "one.html").string(), three = (dir / "three.html").string();
  for (const auto& [path, shards] : {std::pair{one, "1"}, std::pair{three, "3"}}) {
    Outcome o = Call({"run", "checkout-sampling", "--duration", "60s", "--no-progress", "--no-lint",
                      "--shards", shards, "--report-html", path});
    ASSERT_EQ(o.code, kExitOk) << o.err;
  }
  nlohmann::json a = PageData(one), b = PageData(three);
  std::filesystem::remove_all(dir);
  ASSERT_TRUE(a.is_object() && b.is_object());
  ASSERT_EQ(a["tail_memory"].size(), 2u);
  ASSERT_EQ(b["tail_memory"].size(), 2u);
  for (size_t k = 0; k < 2; ++k) {
    for (const char* series : {"mib", "traces"}) {
      const nlohmann::json &x = a["tail_memory"][k][series], &y = b["tail_memory"][k][series];
      ASSERT_EQ(x.size(), 60u);
      ASSERT_EQ(y.size(), 60u);
      for (size_t i = 0; i < 40; ++i) EXPECT_EQ(x[i], y[i]) << series << " bucket " << i;
    }
  }
  a.erase("tail_memory");
  b.erase("tail_memory");
  EXPECT_EQ(a, b);
}

TEST(ShardsCommandTest, ShardsInProcessesMergeIntoTheShardedSummary) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("tracesim_partial_cli_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::vector<std::string> merge = {"merge", "checkout-sampling", "--duration",
                                    "20s",   "--format",          "json"};
  for (const char* i : {"1", "0"}) {
    const std::string file = (dir / (std::string("part-") + i)).string();
    Outcome o = Call({"run", "checkout-sampling", "--duration", "20s", "--shard",
                      std::string(i) + "/2", "--partial-out", file});
    ASSERT_EQ(o.code, kExitOk) << o.err;
    EXPECT_NE(o.out.find("shard " + std::string(i) + "/2 of checkout-sampling written to"),
              std::string::npos);
    merge.push_back(file);
  }
  Outcome merged = Call(merge);
  Outcome threads = Call({"run", "checkout-sampling", "--duration", "20s", "--format", "json",
                          "--no-progress", "--no-lint", "--shards", "2"});
  ASSERT_EQ(merged.code, kExitOk) << merged.err;
  ASSERT_EQ(threads.code, kExitOk) << threads.err;
  auto a = nlohmann::json::parse(merged.out), b = nlohmann::json::parse(threads.out);
  a.erase("host");
  b.erase("host");
  EXPECT_EQ(a, b);
  // Another seed than the shards': refused, naming the file.
  merge.push_back("--seed");
  merge.push_back("5");
  Outcome other = Call(merge);
  EXPECT_EQ(other.code, kExitUsage);
  EXPECT_NE(other.err.find("part-1: written for --seed 42 (this merge: 5)"), std::string::npos)
      << other.err;
  std::filesystem::remove_all(dir);
}

// Lint's evidence rides in the partials: `tracesim merge` prints the findings `run --shards N`
// prints (on stderr, after the summary), and judges --threshold on the merged scores as the run
// does. A partial written with --no-lint is refused by a merge that lints, naming the file;
// `merge --no-lint` takes it.
TEST(ShardsCommandTest, MergedPartialsLintAsTheShardedRun) {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() /
                                    ("tracesim_partial_lint_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  std::vector<std::string> merge = {"merge", "checkout-sampling", "--duration", "60s"};
  for (const char* i : {"0", "1", "2"}) {
    const std::string file = (dir / (std::string("part-") + i)).string();
    Outcome o = Call({"run", "checkout-sampling", "--duration", "60s", "--shard",
                      std::string(i) + "/3", "--partial-out", file});
    ASSERT_EQ(o.code, kExitOk) << o.err;
    EXPECT_EQ(o.err, "");  // the shard process lints nothing itself
    merge.push_back(file);
  }
  Outcome merged = Call(merge);
  Outcome threads =
      Call({"run", "checkout-sampling", "--duration", "60s", "--no-progress", "--shards", "3"});
  ASSERT_EQ(merged.code, kExitOk) << merged.err;
  ASSERT_EQ(threads.code, kExitOk) << threads.err;
  EXPECT_NE(merged.err.find("[head-below-tail]"), std::string::npos) << merged.err;
  EXPECT_EQ(merged.err, threads.err);
  for (const char* t :
       {"tail-errors-slow.error_recall>=0.99", "head-ratio-10%.error_recall>=0.5"}) {
    std::vector<std::string> judged = merge;
    judged.insert(judged.end(), {"--threshold", t, "--no-lint"});
    Outcome m = Call(judged);
    Outcome r = Call({"run", "checkout-sampling", "--duration", "60s", "--no-progress", "--no-lint",
                      "--shards", "3", "--threshold", t});
    EXPECT_EQ(m.code, std::string(t).rfind("head", 0) == 0 ? kExitThresholds : kExitOk) << t;
    EXPECT_EQ(m.code, r.code) << t;
    EXPECT_EQ(m.err, r.err) << t;
    EXPECT_NE(m.out.find("thresholds:\n"), std::string::npos) << m.out;
    EXPECT_EQ(m.out.substr(m.out.find("thresholds:")), r.out.substr(r.out.find("thresholds:")));
  }
  const std::string unlinted = (dir / "unlinted").string();
  Outcome o = Call({"run", "checkout-sampling", "--duration", "60s", "--shard", "2/3",
                    "--partial-out", unlinted, "--no-lint"});
  ASSERT_EQ(o.code, kExitOk) << o.err;
  merge.back() = unlinted;
  Outcome refused = Call(merge);
  EXPECT_EQ(refused.code, kExitUsage);
  EXPECT_NE(refused.err.find("unlinted: carries no lint evidence (its shard was run without it)"),
            std::string::npos)
      << refused.err;
  merge.push_back("--no-lint");
  Outcome quiet = Call(merge);
  EXPECT_EQ(quiet.code, kExitOk) << quiet.err;
  EXPECT_EQ(quiet.err, "");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace tracesim::cli
