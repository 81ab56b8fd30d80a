// `tracesim advise` (issue 13): exit codes and what the text and JSON give a user.
#include "cli/advise_command.h"

#include <gtest/gtest.h>
#include <yaml-cpp/yaml.h>

#include <nlohmann/json.hpp>
#include <sstream>

#include "cli/commands.h"

namespace tracesim::cli {
namespace {

struct Result {
  int code;
  std::string out, err;
};

Result Cli(std::vector<std::string> args) {
  std::ostringstream out, err;
  args.insert(args.begin(), "tracesim");
  int code = Main(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(AdviseCommandTest, MeetingTargetsExitsZeroWithDeployableYaml) {
  Result r = Cli({"advise", "checkout-sampling", "--target", "error_recall>=0.95", "--duration",
                  "30s", "--budget", "3"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("tracesim advise: checkout-sampling, 30 s of traffic (seed 42)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("the scenario's samplers, on the same traffic (run 1):"), std::string::npos);
  const size_t at = r.out.find("to deploy it:\n\n");
  ASSERT_NE(at, std::string::npos) << r.out;
  // The deployment text parses as YAML with a tail_sampling processor (or an SDK environment).
  const std::string deploy = r.out.substr(at + 15);
  if (deploy.find("processors:") != std::string::npos) {
    YAML::Node doc = YAML::Load(deploy);
    EXPECT_TRUE(doc["processors"]["tail_sampling"]["policies"].IsSequence());
  } else {
    EXPECT_NE(deploy.find("OTEL_TRACES_SAMPLER_ARG="), std::string::npos);
  }
}

TEST(AdviseCommandTest, JsonListsEveryConfigurationAndTheBestOnes) {
  Result r = Cli({"advise", "checkout-sampling", "--target", "error_recall>=0.95", "--target",
                  "kept_ratio<=0.9", "--duration", "30s", "--budget", "2", "--top", "2", "--format",
                  "json"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["runs"], 2);
  EXPECT_EQ(j["yours"].size(), 6u);
  EXPECT_EQ(j["evaluated"].size(), 56u);  // the coarse grid, one run
  ASSERT_EQ(j["best"].size(), 2u);
  for (const auto& b : j["best"]) {
    EXPECT_TRUE(b["meets"].get<bool>());
    EXPECT_LE(b["kept_ratio"].get<double>(), 0.9);
    EXPECT_NE(b["samplers"].get<std::string>().find("- name: "), std::string::npos);
  }
  EXPECT_LE(j["best"][0]["objective"].get<double>(), j["best"][1]["objective"].get<double>());
}

TEST(AdviseCommandTest, NoConfigurationMeetingTheTargetsExitsOne) {
  Result r = Cli({"advise", "checkout-sampling", "--target", "error_recall>=0.99", "--target",
                  "kept_ratio<=0.001", "--family", "head", "--duration", "20s", "--budget", "2"});
  EXPECT_EQ(r.code, kExitFailed);
  EXPECT_NE(r.out.find("No configuration met every target. The closest:"), std::string::npos)
      << r.out;
  EXPECT_EQ(r.out.find("to deploy it"), std::string::npos);
}

}  // namespace
}  // namespace tracesim::cli
