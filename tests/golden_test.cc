// Golden runs: the same scenario and seed give byte-identical spans and summary, pinned by files
// in tests/golden/. After an intended change of output, regenerate them with
//   TRACESIM_REGENERATE_GOLDEN=1 ctest --preset release -R Golden
// and review the diff of the summary before committing.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"
#include "sim/rng.h"

namespace tracesim {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

struct RunOutput {
  std::string summary;  // JSON without the wall-clock "host" part
  std::string spans;    // the OTLP/JSON lines file
};

RunOutput RunScenario(const std::string& scenario, const std::string& seed,
                      const std::string& duration) {
  std::string spans_path = (std::filesystem::temp_directory_path() /
                            ("tracesim_golden_" + scenario + "_" + seed + ".jsonl"))
                               .string();
  std::ostringstream out, err;
  int code = cli::Main({"tracesim", "run", scenario, "--seed", seed, "--duration", duration,
                        "--format", "json", "--spans-out", spans_path, "--no-progress"},
                       out, err);
  EXPECT_EQ(code, 0) << err.str();
  auto j = nlohmann::ordered_json::parse(out.str());
  j.erase("host");
  j.erase("spans_out");
  RunOutput r{j.dump(2) + "\n", ReadFile(spans_path)};
  std::filesystem::remove(spans_path);
  return r;
}

void CheckGolden(const std::string& name, const RunOutput& r) {
  std::string dir = std::string(TRACESIM_SOURCE_DIR) + "/tests/golden/";
  std::string summary_path = dir + name + ".summary.json";
  std::string hash_path = dir + name + ".spans.fnv64";
  std::string hash =
      Hex64(sim::Fnv1a64(r.spans)) + "  " + std::to_string(r.spans.size()) + " bytes\n";
  if (std::getenv("TRACESIM_REGENERATE_GOLDEN") != nullptr) {
    std::ofstream(summary_path, std::ios::binary) << r.summary;
    std::ofstream(hash_path, std::ios::binary) << hash;
    GTEST_SKIP() << "regenerated " << summary_path << " and " << hash_path;
  }
  ASSERT_TRUE(std::filesystem::exists(summary_path))
      << "missing golden file; see the comment at the top";
  EXPECT_EQ(r.summary, ReadFile(summary_path));
  EXPECT_EQ(hash, ReadFile(hash_path)) << "spans differ from the golden run";
}

TEST(GoldenTest, CheckoutSeed42) { CheckGolden("checkout", RunScenario("checkout", "42", "5s")); }
TEST(GoldenTest, OnlineShopSeed7) {
  CheckGolden("online-shop", RunScenario("online-shop", "7", "5s"));
}

TEST(GoldenTest, SameSeedIsByteIdenticalOtherSeedDiffers) {
  RunOutput a = RunScenario("checkout", "3", "3s");
  RunOutput b = RunScenario("checkout", "3", "3s");
  RunOutput c = RunScenario("checkout", "4", "3s");
  EXPECT_EQ(a.spans, b.spans);
  EXPECT_EQ(a.summary, b.summary);
  EXPECT_NE(a.spans, c.spans);
  EXPECT_FALSE(a.spans.empty());
}

}  // namespace
}  // namespace tracesim
