// Load partials (app/load/load_partial.h): real runs of RunLoad into a loopback receiver, each
// shard written as a partial and merged back; every way a merge must refuse its input.
#include "app/load/load_partial.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <nlohmann/json.hpp>

#include "app/load/load_outputs.h"
#include "loadgen/testing/loopback.h"

namespace tracesim::app {
namespace {

namespace fs = std::filesystem;

scenarios::Scenario Tiny() {
  fs::path dir = loadgen::testing::ProcessTempDir("tracesim_app_load_partial");
  auto sc = scenarios::LoadScenarioFile(loadgen::testing::WriteTinyScenario(dir).string());
  EXPECT_TRUE(sc.ok()) << sc.status().message();
  return std::move(sc).value();
}

// Shard `index` of `count` of a 61-trace load into `srv`, with two thresholds.
LoadOptions Shard(const loadgen::testing::LoopbackServer& srv, uint32_t index, uint32_t count) {
  LoadOptions o;
  o.max_traces = 61;
  o.rates.rate = "300";
  o.engine.batch_delay = std::chrono::milliseconds(20);
  o.getenv = [](const char*) -> const char* { return nullptr; };
  o.transport.protocol = exporter::WireProtocol::kHttpProtobuf;
  o.transport.endpoint = srv.endpoint() + "/v1/traces";
  o.shard = ShardIndex{index, count};
  o.thresholds = {*loadgen::ParseThreshold("accepted_ratio>=0.999"),
                  *loadgen::ParseThreshold("traces==61")};
  return o;
}

// Runs every shard of a `count`-way load and returns the partials, named "p<index>".
std::vector<NamedPartial> RunShards(const loadgen::testing::LoopbackServer& srv, uint32_t count) {
  std::vector<NamedPartial> out;
  for (uint32_t i = 0; i < count; ++i) {
    LoadOptions o = Shard(srv, i, count);
    auto r = RunLoad(Tiny(), o);
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (!r.ok()) return {};
    EXPECT_FALSE(r->thresholds_passed());  // traces==61 holds only for the whole load
    out.push_back({"p" + std::to_string(i), SaveLoadPartial(*r, o)});
  }
  return out;
}

TEST(LoadPartialTest, ShardsMergeIntoTheWholeLoadAndItsThresholdsAreJudgedOnIt) {
  auto srv = loadgen::testing::StartHttpServer({});
  std::vector<NamedPartial> parts = RunShards(*srv, 3);
  ASSERT_EQ(parts.size(), 3u);
  std::swap(parts[0], parts[2]);  // any order
  auto m = MergeLoadPartials(parts);
  ASSERT_TRUE(m.ok()) << m.status().message();
  const loadgen::LoadReport& r = m->outcome.report;
  EXPECT_EQ(r.traces, 61u);
  EXPECT_EQ(r.accepted, srv->accepted_spans());
  EXPECT_TRUE(r.IdentityHolds());
  ASSERT_EQ(m->shards.size(), 3u);
  EXPECT_EQ(m->shards[0].traces, 21u);  // in shard order: arrivals 0, 3, ..., 60
  ASSERT_EQ(m->outcome.thresholds.size(), 2u);
  EXPECT_TRUE(m->outcome.thresholds_passed());
  EXPECT_EQ(m->outcome.start.shard.count, 3u);
  auto j = nlohmann::json::parse(MergedLoadSummaryJson(*m));
  EXPECT_EQ(j["spans"]["accepted"], r.accepted);
  EXPECT_EQ(j["run"]["shard"]["count"], 3);
  EXPECT_EQ(j["run"]["rate_plan"]["rate"], "300");
  ASSERT_EQ(j["shards"].size(), 3u);
  EXPECT_EQ(j["shards"][1]["shard"], 1);
  EXPECT_FALSE(j["shards"][1].contains("seconds"));
  EXPECT_EQ(j["thresholds"][1]["passed"], true);
}

TEST(LoadPartialTest, BadInputIsRefusedNamingThePartial) {
  auto srv = loadgen::testing::StartHttpServer({});
  const std::vector<NamedPartial> parts = RunShards(*srv, 2);
  ASSERT_EQ(parts.size(), 2u);
  auto error = [](std::vector<NamedPartial> ps) {
    auto m = MergeLoadPartials(ps);
    EXPECT_FALSE(m.ok());
    return m.ok() ? std::string() : m.status().message();
  };
  EXPECT_NE(error({}).find("no partials"), std::string::npos);
  EXPECT_NE(error({parts[0]}).find("shard 1/2 is missing"), std::string::npos);
  EXPECT_NE(error({parts[0], parts[1], {"again", parts[1].bytes}}).find("again: shard 1/2 again"),
            std::string::npos);
  EXPECT_NE(error({{"junk", "hello"}}).find("junk: not a tracesim load partial"),
            std::string::npos);
  EXPECT_NE(
      error({{"run.bin", "tracesim partial result v4\n..."}}).find("partial of `tracesim run`"),
      std::string::npos);
  // Every truncation of a partial is refused as such.
  for (size_t cut = 0; cut < parts[1].bytes.size(); cut += 97) {
    const std::string m = error({parts[0], {"cut", parts[1].bytes.substr(0, cut)}});
    EXPECT_NE(m.find("cut: "), std::string::npos) << cut << ": " << m;
  }
  // Another seed, another shard count, another threshold list.
  auto other = [&](void (*edit)(LoadOptions*)) {
    LoadOptions o = Shard(*srv, 1, 2);
    edit(&o);
    auto r = RunLoad(Tiny(), o);
    EXPECT_TRUE(r.ok()) << r.status().message();
    return NamedPartial{"other", r.ok() ? SaveLoadPartial(*r, o) : ""};
  };
  EXPECT_NE(error({parts[0], other([](LoadOptions* o) { o->seed = 8; })})
                .find("other: written for seed 8"),
            std::string::npos);
  EXPECT_NE(error({parts[0], other([](LoadOptions* o) {
                     o->shard = {1, 3};
                   })})
                .find("3 shards"),
            std::string::npos);
  EXPECT_NE(error({parts[0], other([](LoadOptions* o) { o->thresholds.clear(); })})
                .find("another --threshold list"),
            std::string::npos);
}

TEST(LoadPartialTest, ShardAndStartAtAreChecked) {
  LoadOptions o;
  o.shard = ShardIndex{2, 2};
  EXPECT_NE(o.Validate().message().find("--shard"), std::string::npos);
  o.shard = ShardIndex{};
  o.start_at_unix_ms = 1000;  // 1970
  EXPECT_NE(o.Validate().message().find("has passed"), std::string::npos);
  o.start_at_unix_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch())
                           .count() +
                       48LL * 3600 * 1000;
  EXPECT_NE(o.Validate().message().find("24 h"), std::string::npos);
}

}  // namespace
}  // namespace tracesim::app
