#include "cli/commands.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "absl/synchronization/mutex.h"
#include "sim/base/shared_testdata.h"

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
      {{"run", "--seed", "abc"}, "--seed: seed 'abc' is not a base-10 integer"},
      {{"run", "--seed", "-3"}, "--seed: seed '-3' is not a base-10 integer"},
      {{"run", "--duration", "0"}, "--duration: must be > 0"},
      {{"run", "--duration", "10 parsecs"}, "--duration: duration '10 parsecs' has unknown unit"},
      {{"run", "--rate", "-5"}, "--rate must be a rate in (0, 1e9]"},
      {{"run", "--rate", "fast"}, "--rate must be a rate in (0, 1e9]"},
      {{"run", "--max-spans", "many"}, "--max-spans must be a number of spans >= 0"},
      {{"run", "--rate", "1e9"}, "this run would simulate about"},
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

TEST(CliTest, RunReportHtmlDashIsStdoutLikeEveryOtherOutput) {
  Outcome r = Call({"run", "checkout-payment-outage", "--duration", "5s", "--report-html", "-"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_TRUE(r.out.starts_with("<!DOCTYPE html>")) << r.out.substr(0, 200);
  EXPECT_TRUE(r.out.ends_with("</html>\n"));
  EXPECT_NE(r.err.find("api-gateway"), std::string::npos);  // the summary went to stderr
  Outcome twice = Call({"run", "--duration", "1s", "--report-html", "-", "--spans-out", "-"});
  EXPECT_EQ(twice.code, kExitUsage);
  EXPECT_NE(twice.err.find("--spans-out and --report-html both name stdout ('-')"),
            std::string::npos)
      << twice.err;
}

// The tail_sampling stages' memory over time reaches the page through app::RunOptions::on_lab.
TEST(CliTest, RunReportHtmlChartsTailSamplingMemoryOverTime) {
  Outcome r = Call({"run", "checkout-sampling", "--duration", "20s", "--report-html", "-"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  EXPECT_NE(r.out.find("<h3>Tail-sampling memory</h3>"), std::string::npos);
  EXPECT_NE(r.out.find("id=\"chart-tail-memory\""), std::string::npos);
  const std::string open = "<script type=\"application/json\" id=\"tracesim-data\">";
  const size_t at = r.out.find(open);
  ASSERT_NE(at, std::string::npos);
  const size_t end = r.out.find("</script>", at);
  auto data = nlohmann::json::parse(r.out.substr(at + open.size(), end - at - open.size()));
  ASSERT_FALSE(data["tail_memory"].empty());
  for (const auto& series : data["tail_memory"]) {
    ASSERT_EQ(series["mib"].size(), 20u) << series["name"];  // one point per 1 s bucket
    double peak = 0;
    for (double mib : series["mib"]) peak = std::max(peak, mib);
    EXPECT_GT(peak, 0) << series["name"];  // the stages held spans while they waited
  }
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

std::string Shared(const std::string& rel) {
  return tracesim::testing::SharedDir() + "/testdata/" + rel;
}

bool Contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// Every sampling config in the shared test data validates, except the files the parsers reject
// on purpose (ValidateRejectsInvalidSamplingConfigs). Iterating the folders means a new fixture
// is covered (and must be classified) as soon as it is added.
TEST(CliTest, ValidateAcceptsEverySamplingFixture) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  // min_value > max_value is valid at v0.161.0 (issue 10; peers/otelcol/testdata-verdicts).
  const std::set<std::string> invalid = {
      "numeric_attribute_without_minvalue_or_maxvalue.yaml",
      "readme_practical_example.yaml",
      "invalid.yaml",
      "invalid_inf.yaml",
      "invalid_negative.yaml",
      "invalid_prec.yaml",
      "invalid_small.yaml",
      "invalid_zero.yaml",
      "bad_strategies.json",
  };
  size_t checked = 0;
  for (const char* dir : {"otelcol-tailsampling", "otel-io-blog", "otelcol-probabilisticsampler",
                          "jaeger-sampling-strategies"}) {
    ASSERT_TRUE(std::filesystem::is_directory(Shared(dir))) << Shared(dir);
    for (const auto& entry : std::filesystem::directory_iterator(Shared(dir))) {
      const std::string name = entry.path().filename().string();
      if (name.ends_with(".md") || invalid.count(name)) continue;
      const std::string path = entry.path().string();
      Outcome o = Call({"validate", path});
      EXPECT_EQ(o.code, kExitOk) << o.out << o.err;
      EXPECT_TRUE(Contains(o.out, path + ": ok (")) << o.out;
      ++checked;
    }
  }
  EXPECT_GE(checked, 17u);
}

TEST(CliTest, ValidateSummarisesSamplingConfigs) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  struct Case {
    std::string file, summary;
  } cases[] = {
      {"otel-io-blog/tail_sampling_2022_blog.yaml",
       ": ok (collector config: tail_sampling (2 policies))"},
      {"otelcol-tailsampling/tail_sampling_config_errormode.yaml",
       ": ok (processor: tail_sampling (1 policy))"},
      {"otelcol-probabilisticsampler/config.yaml",
       ": ok (collector config: probabilistic_sampler (15.3%, mode proportional), "
       "probabilistic_sampler/logs (15.3%, mode hash_seed, seed 22))"},
      {"jaeger-sampling-strategies/strategies.json",
       ": ok (jaeger strategies: 2 services, 0 operation strategies, default probabilistic 0.5)"},
      {"jaeger-sampling-strategies/sampling_strategies_example.json",
       ": ok (jaeger strategies: 2 services, 4 operation strategies, default probabilistic 0.5)"},
      {"jaeger-sampling-strategies/TestServiceNoPerOperationStrategies_ServiceB.json",
       ": ok (jaeger served strategy: ratelimiting 3 traces/s, 1 operation (default probability "
       "0.2))"},
      {"jaeger-sampling-strategies/jaeger_v2_config_adaptive.yaml",
       ": ok (jaeger config: remote_sampling adaptive (store some_store"},
      {"jaeger-sampling-strategies/jaeger_v2_all-in-one_file_sampling.yaml",
       ": ok (jaeger config: remote_sampling file (no path, default probability 1, reload every "
       "1s))"},
  };
  for (const Case& c : cases) {
    Outcome o = Call({"validate", Shared(c.file)});
    EXPECT_EQ(o.code, kExitOk) << o.out;
    EXPECT_TRUE(Contains(o.out, Shared(c.file) + c.summary)) << o.out;
  }
  // Parser warnings are printed and do not fail the file.
  Outcome w = Call({"validate", Shared("jaeger-sampling-strategies/missing-service-types.json")});
  EXPECT_EQ(w.code, kExitOk) << w.out;
  EXPECT_TRUE(Contains(w.out, ": warning: ")) << w.out;
  Outcome f = Call(
      {"validate", Shared("jaeger-sampling-strategies/jaeger_v2_all-in-one_file_sampling.yaml")});
  EXPECT_TRUE(Contains(f.out, ":44:7: extensions.remote_sampling.file.path: warning: empty"))
      << f.out;
}

TEST(CliTest, ValidateRejectsInvalidSamplingConfigs) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  struct Case {
    std::string file;
    std::vector<std::string> expect;  // substrings of the output, after "FILE"
  } cases[] = {
      // Rule 7 gives a boolean_attribute policy a string_attribute block: strict decoding.
      {"otelcol-tailsampling/readme_practical_example.yaml", {":193:", "string_attribute"}},
      {"otelcol-tailsampling/numeric_attribute_without_minvalue_or_maxvalue.yaml",
       {":13:", "numeric_attribute"}},
      {"otelcol-probabilisticsampler/invalid.yaml",
       {":9:", "processors.probabilistic_sampler/logs.severity"}},
      {"otelcol-probabilisticsampler/invalid_inf.yaml",
       {":7:", "processors.probabilistic_sampler/traces.sampling_percentage"}},
      {"otelcol-probabilisticsampler/invalid_negative.yaml",
       {":7:", "processors.probabilistic_sampler/traces.sampling_percentage"}},
      {"otelcol-probabilisticsampler/invalid_small.yaml",
       {":8:", "processors.probabilistic_sampler/traces.sampling_percentage"}},
      {"otelcol-probabilisticsampler/invalid_prec.yaml",
       {":8:", "processors.probabilistic_sampler/traces.sampling_precision"}},
      {"otelcol-probabilisticsampler/invalid_zero.yaml",
       {":8:", "processors.probabilistic_sampler/traces.sampling_precision"}},
      {"jaeger-sampling-strategies/bad_strategies.json", {": ", "expected an object, got string"}},
  };
  for (const Case& c : cases) {
    const std::string path = Shared(c.file);
    Outcome o = Call({"validate", path});
    EXPECT_EQ(o.code, kExitFailed) << c.file << "\n" << o.out;
    EXPECT_FALSE(Contains(o.out, ": ok")) << o.out;
    EXPECT_TRUE(Contains(o.out, path + c.expect[0])) << o.out;
    for (size_t i = 1; i < c.expect.size(); ++i) {
      EXPECT_TRUE(Contains(o.out, c.expect[i])) << c.file << " lacks " << c.expect[i] << ":\n"
                                                << o.out;
    }
  }
}

TEST(CliTest, ValidateSamplingEdgeCases) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  struct Case {
    std::string name, text;
    int code;
    std::vector<std::string> expect;
  } cases[] = {
      {"nosampling.yaml",
       "receivers:\n  otlp:\nprocessors:\n  batch:\n",
       kExitFailed,
       {":3:1: processors: no sampling processors found"}},
      {"bare_prob.yaml",
       "sampling_percentage: 25\nhash_seed: 7\n",
       kExitOk,
       {": ok (processor: probabilistic_sampler (25%, mode hash_seed, seed 7))"}},
      {"bare_prob_bad.yaml",
       "sampling_percentage: 25\nmode: fastest\n",
       kExitFailed,
       {":2:", "probabilistic_sampler.mode"}},
      {"bare_policies.yaml",
       "policies:\n  - {name: all, type: always_sample}\n",
       kExitOk,
       {": ok (processor: tail_sampling (1 policy))"}},
      {"named_blocks.yaml",
       "tail_sampling/a:\n  policies: [{name: x, type: always_sample}]\n"
       "probabilistic_sampler/b:\n  sampling_percentage: 1\n",
       kExitOk,
       {": ok (processor: tail_sampling/a (1 policy), probabilistic_sampler/b (1%, mode "
        "hash_seed, seed 0))"}},
      // Both processors are wrong: both problems are printed, not just the first.
      {"two_bad.yaml",
       "processors:\n  tail_sampling:\n    policies: [{name: x, type: sometimes}]\n"
       "  probabilistic_sampler:\n    sampling_percentag: 10\n",
       kExitFailed,
       {":3:", "sometimes", ":5:", "sampling_percentag"}},
      {"warn.yaml",
       "processors:\n  probabilistic_sampler:\n",
       kExitOk,
       {":2:3: processors.probabilistic_sampler: warning: sampling_percentage is not set",
        ": ok ("}},
      {"syntax.json",
       "{\n  \"default_strategy\": {\n    \"param\": 0.5,\n  }\n}\n",
       kExitFailed,
       {":4:", "not valid JSON"}},
      {"badtype.json",
       "{\"service_strategies\": [{\"service\": \"a\", \"param\": \"x\"}]}",
       kExitFailed,
       {":1:51: service_strategies[0].param: expected a number, got string"}},
      {"empty_object.json", "{}", kExitFailed, {":1:1: cannot tell what this file is"}},
  };
  for (const Case& c : cases) {
    const std::string path = TempPath(c.name);
    std::ofstream(path) << c.text;
    Outcome o = Call({"validate", path});
    EXPECT_EQ(o.code, c.code) << c.name << "\n" << o.out;
    for (size_t i = 0; i < c.expect.size(); ++i) {
      EXPECT_TRUE(Contains(o.out, (i == 0 ? path : "") + c.expect[i]))
          << c.name << " lacks " << c.expect[i] << ":\n"
          << o.out;
    }
    std::filesystem::remove(path);
  }
  // A malformed `processors:` is said once, not once per processor type, and is not followed by
  // "no sampling processors found".
  const std::string not_map = TempPath("not_a_map.yaml");
  std::ofstream(not_map) << "processors: [a]\n";
  Outcome nm = Call({"validate", not_map});
  EXPECT_EQ(nm.code, kExitFailed);
  EXPECT_EQ(nm.out, not_map + ":1:13: processors: must be a map of component ids\n");
  std::filesystem::remove(not_map);

  // Several files: each gets its own verdict; one bad file fails the run.
  Outcome mixed = Call({"validate", Shared("otel-io-blog/tail_sampling_2022_blog.yaml"),
                        Shared("jaeger-sampling-strategies/bad_strategies.json")});
  EXPECT_EQ(mixed.code, kExitFailed);
  EXPECT_TRUE(Contains(mixed.out, "tail_sampling_2022_blog.yaml: ok (")) << mixed.out;
  EXPECT_TRUE(Contains(mixed.out, "bad_strategies.json: ")) << mixed.out;
}

TEST(CliTest, TopologyTextAndDot) {
  Outcome text = Call({"topology", "checkout"});
  ASSERT_EQ(text.code, kExitOk) << text.err;
  EXPECT_NE(text.out.find("api-gateway"), std::string::npos);
  Outcome dot = Call({"topology", "checkout", "--format", "dot"});
  ASSERT_EQ(dot.code, kExitOk) << dot.err;
  EXPECT_EQ(dot.out.rfind("digraph", 0), 0u);
  EXPECT_EQ(Call({"topology", "nope"}).code, kExitUsage);
  EXPECT_EQ(Call({"topology", "checkout", "--format", "gif"}).code, kExitUsage);
}

// Debian's abseil is a debug build: by default a lock-order inversion between two absl::Mutex
// (what gRPC locks) aborts the process ("dying due to potential deadlock"), and every lock pays
// for the graph that detects it. Main turns that off; the inversion below aborts without it.
TEST(MainTest, GrpcLocksAreNotCheckedForDeadlocksAfterMain) {
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    std::ostringstream out, err;
    Main({"tracesim", "--version"}, out, err);
    absl::Mutex a, b;
    {
      absl::MutexLock la(&a);
      absl::MutexLock lb(&b);
    }
    {
      absl::MutexLock lb(&b);
      absl::MutexLock la(&a);
    }
    ::_exit(0);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

// Issue 16 item 12: running out of memory is a one-line failure (exit 1), not an abort. The child
// process caps its address space at what it uses now plus 128 MiB and runs a scenario whose
// 900,000-item mix list (6.3 MB, within the YAML limits) takes yaml-cpp ~1.1 GB to parse.
TEST(MainTest, OutOfMemoryIsAOneLineFailureNotAnAbort) {
#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
  GTEST_SKIP() << "a sanitizer's allocator reserves more address space than the cap allows";
#endif
  const std::string err_path =
      (std::filesystem::temp_directory_path() / ("tracesim_oom_" + std::to_string(::getpid())))
          .string();
  const std::string scenario = err_path + ".yaml";
  {
    std::ofstream f(scenario);
    f << "name: big\ntopology: checkout\nworkload:\n  rate: 1\n  mix: [";
    for (int i = 0; i < 900'000; ++i) f << "\"a.b\", ";
    f << "\"a.b\"]\n";
  }
  const pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    uint64_t pages = 0;
    if (FILE* f = std::fopen("/proc/self/statm", "r")) {
      if (std::fscanf(f, "%lu", &pages) != 1) pages = 0;
      std::fclose(f);
    }
    const rlim_t cap = pages * static_cast<uint64_t>(::sysconf(_SC_PAGESIZE)) + (128u << 20);
    const struct rlimit lim = {cap, cap};
    ::setrlimit(RLIMIT_AS, &lim);
    std::ofstream err(err_path);
    std::ostringstream out;
    const int code = Main({"tracesim", "run", scenario, "--no-progress"}, out, err);
    err.close();
    ::_exit(code);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  std::ifstream in(err_path);
  const std::string err((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  std::filesystem::remove(err_path);
  std::filesystem::remove(scenario);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status) << ": " << err;
  EXPECT_EQ(WEXITSTATUS(status), kExitFailed) << err;
  EXPECT_NE(err.find("tracesim run: out of memory"), std::string::npos) << err;
}

}  // namespace
}  // namespace tracesim::cli
