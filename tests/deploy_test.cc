// deploy/k8s/run-shards-job.yaml and load-shards-job.yaml (issue 15): parsed as Kubernetes would
// read it, and both Jobs' scripts run here with /bin/sh as their pods would (a temporary directory
// for the volume, the built tracesim on PATH, each JOB_COMPLETION_INDEX in turn): the merged
// summary must be the one `tracesim run --shards N` prints.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <future>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "receiver/receiver.h"

namespace tracesim {
namespace {

namespace fs = std::filesystem;

struct Shell {
  int code;
  std::string out;
};

// Runs `script` with /bin/sh -c and `env` added to the environment; stdout only.
Shell RunScript(const std::string& script, const std::map<std::string, std::string>& env) {
  std::string cmd;
  for (const auto& [k, v] : env) cmd += k + "='" + v + "' ";
  cmd += "/bin/sh -c '" + script + "'";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  const int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

// The container's environment from the manifest, with `overrides` on top.
std::map<std::string, std::string> EnvOf(const YAML::Node& container,
                                         const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> env;
  for (const YAML::Node& e : container["env"])
    env[e["name"].as<std::string>()] = e["value"].as<std::string>();
  for (const auto& [k, v] : overrides) env[k] = v;
  return env;
}

// An Indexed Job of N shard pods followed by a merge Job, as deploy/k8s/*-shards-job.yaml hold
// them: the checks Kubernetes would make of the pair, and the two containers.
struct ShardJobs {
  int n = 0;
  YAML::Node shard_box, merge_box;
};

ShardJobs ReadShardJobs(const std::string& file) {
  const std::vector<YAML::Node> docs =
      YAML::LoadAllFromFile(std::string(TRACESIM_SOURCE_DIR) + "/deploy/k8s/" + file);
  ShardJobs jobs;
  EXPECT_EQ(docs.size(), 2u) << file;
  if (docs.size() != 2) return jobs;
  const YAML::Node shards = docs[0], merge = docs[1];
  for (const YAML::Node& job : docs) {
    EXPECT_EQ(job["kind"].as<std::string>(), "Job");
    EXPECT_EQ(job["apiVersion"].as<std::string>(), "batch/v1");
  }
  EXPECT_EQ(shards["spec"]["completionMode"].as<std::string>(), "Indexed");
  jobs.n = shards["spec"]["completions"].as<int>();
  EXPECT_EQ(shards["spec"]["parallelism"].as<int>(), jobs.n);
  jobs.shard_box = shards["spec"]["template"]["spec"]["containers"][0];
  jobs.merge_box = merge["spec"]["template"]["spec"]["containers"][0];
  EXPECT_EQ(std::stoi(EnvOf(jobs.shard_box, {})["SHARDS"]), jobs.n);
  EXPECT_EQ(EnvOf(jobs.merge_box, {})["SHARDS"], EnvOf(jobs.shard_box, {})["SHARDS"]);
  EXPECT_EQ(jobs.shard_box["command"][0].as<std::string>(), "/bin/sh");
  return jobs;
}

TEST(DeployTest, IndexedJobShardsAndMergeJobGiveTheShardedRun) {
  const ShardJobs jobs = ReadShardJobs("run-shards-job.yaml");
  ASSERT_GT(jobs.n, 0);
  const int n = jobs.n;
  const YAML::Node &shard_box = jobs.shard_box, &merge_box = jobs.merge_box;

  // The pods' scripts, here: a short run of the same scenario into a temporary "volume".
  const fs::path volume =
      fs::temp_directory_path() / ("tracesim_deploy_test_" + std::to_string(::getpid()));
  fs::create_directories(volume);
  const char* bin = std::getenv("TRACESIM_BINARY_DIR");
  const std::map<std::string, std::string> here = {
      {"RESULTS_DIR", volume.string()},
      {"DURATION", "20s"},
      {"PATH", std::string(bin ? bin : ".") + "/cli:/usr/bin:/bin"}};
  for (int i = 0; i < n; ++i) {
    auto env = EnvOf(shard_box, here);
    env["JOB_COMPLETION_INDEX"] = std::to_string(i);
    Shell s = RunScript(shard_box["args"][0].as<std::string>(), env);
    ASSERT_EQ(s.code, 0) << s.out;
  }
  Shell merged = RunScript(merge_box["args"][0].as<std::string>(), EnvOf(merge_box, here));
  ASSERT_EQ(merged.code, 0) << merged.out;
  const auto env = EnvOf(shard_box, here);
  Shell threads = RunScript(
      "exec tracesim run \"$SCENARIO\" --duration \"$DURATION\" --seed "
      "\"$SEED\" --shards \"$SHARDS\" --format json --no-progress --no-lint",
      env);
  ASSERT_EQ(threads.code, 0) << threads.out;
  auto a = nlohmann::json::parse(merged.out), b = nlohmann::json::parse(threads.out);
  a.erase("host");
  b.erase("host");
  EXPECT_EQ(a, b);
  EXPECT_GT(a["traces"].get<int>(), 0);
  fs::remove_all(volume);
}

// deploy/k8s/load-shards-job.yaml: the shards' scripts run side by side (as the Indexed Job's
// pods do, START_AT a few seconds ahead) into a receiver on loopback, then the merge Job's
// script: the merged summary accounts for every span the receiver accepted.
TEST(DeployTest, IndexedLoadJobShardsAndMergeJobGiveTheWholeLoad) {
  const ShardJobs jobs = ReadShardJobs("load-shards-job.yaml");
  ASSERT_GT(jobs.n, 0);
  const int n = jobs.n;
  const YAML::Node &shard_box = jobs.shard_box, &merge_box = jobs.merge_box;

  receiver::ReceiverOptions ro;
  ro.grpc_address = "127.0.0.1:0";
  ro.http_address.clear();
  auto rx = receiver::Receiver::Start(ro);
  ASSERT_TRUE(rx.ok()) << rx.status().message();
  const fs::path volume =
      fs::temp_directory_path() / ("tracesim_deploy_load_test_" + std::to_string(::getpid()));
  fs::create_directories(volume);
  const char* bin = std::getenv("TRACESIM_BINARY_DIR");
  const std::time_t at = std::time(nullptr) + 4;
  char start_at[32];
  std::tm tm{};
  gmtime_r(&at, &tm);
  std::strftime(start_at, sizeof start_at, "%Y-%m-%dT%H:%M:%SZ", &tm);
  const std::map<std::string, std::string> here = {
      {"RESULTS_DIR", volume.string()},
      {"DURATION", "2s"},
      {"RATE", "2000spans"},
      {"START_AT", start_at},
      {"ENDPOINT", "127.0.0.1:" + std::to_string((*rx)->grpc_port())},
      {"PATH", std::string(bin ? bin : ".") + "/cli:/usr/bin:/bin"}};
  std::vector<std::future<Shell>> pods;
  for (int i = 0; i < n; ++i) {
    auto env = EnvOf(shard_box, here);
    env["JOB_COMPLETION_INDEX"] = std::to_string(i);
    pods.push_back(
        std::async(std::launch::async, RunScript, shard_box["args"][0].as<std::string>(), env));
  }
  for (auto& pod : pods) {
    Shell s = pod.get();
    EXPECT_EQ(s.code, 0) << s.out;
  }
  Shell merged = RunScript(merge_box["args"][0].as<std::string>(), EnvOf(merge_box, here));
  ASSERT_EQ(merged.code, 0) << merged.out;
  const uint64_t received = (*rx)->stats().Snapshot().spans_accepted;
  ASSERT_TRUE((*rx)->Stop().ok());
  auto j = nlohmann::json::parse(merged.out);
  EXPECT_EQ(j["spans"]["accepted"].get<uint64_t>(), received);
  EXPECT_GT(received, 0u);
  EXPECT_EQ(j["shards"].size(), static_cast<size_t>(n));
  EXPECT_EQ(j["thresholds"][0]["passed"], true);
  fs::remove_all(volume);
}

}  // namespace
}  // namespace tracesim
