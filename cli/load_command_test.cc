// `tracesim load` driven in-process against real loopback receivers (loadgen/testing/loopback.h).
#include "cli/load_command.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <future>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "loadgen/testing/loopback.h"

namespace tracesim::cli {
namespace {

namespace fs = std::filesystem;

fs::path TestDir() { return loadgen::testing::ProcessTempDir("tracesim_load_cli_test"); }

fs::path TinyScenarioFile() {
  fs::path dir = TestDir();
  return loadgen::testing::WriteTinyScenario(dir);
}

struct Ran {
  int code;
  std::string out, err;
};

Ran Load(std::vector<std::string> args) {
  std::ostringstream out, err;
  int code = LoadCommand(args, out, err);
  return {code, out.str(), err.str()};
}

TEST(LoadCommandTest, BadFlagsAreUsageErrorsNamingTheFlag) {
  std::string sc = TinyScenarioFile().string();
  struct Case {
    std::vector<std::string> args;
    std::string needle;
  };
  std::vector<Case> cases = {
      {{sc, "--senders", "0"}, "--senders"},
      {{sc, "--rate", "abc"}, "--rate"},
      {{sc, "--ramp", "1:2"}, "--ramp"},
      {{sc, "--threshold", "latency<1"}, "--threshold"},
      {{sc, "--threshold", "dropped=0"}, "--threshold"},
      {{sc, "--protocol", "carrier-pigeon"}, "--protocol"},
      {{sc, "--no-such-flag"}, "no-such-flag"},
      {{sc, "--batch-bytes", "10"}, "--batch-bytes"},
      {{sc, "--header", "novalue"}, "--header"},
      {{sc, "--duration", "0s"}, "--duration"},
      {{sc, "--traces", "-3"}, "--traces"},
      {{sc, "--timeout", "soon"}, "--timeout"},
      {{sc, "--queue-spans", "10"}, "--queue-spans"},
      {{sc, "--retry-attempts", "0"}, "--retry-attempts"},
      {{sc, "--arrivals", "bursty"}, "--arrivals"},
      {{"no-such-scenario"}, "no-such-scenario"},
      {{sc, "--target-pid", "abc"}, "--target-pid must be a positive process id, got 'abc'"},
      {{sc, "--target-pid", "0"}, "--target-pid"},
      {{sc, "--target-metrics", "https://x:1/"}, "--target-metrics 'https://x:1/'"},
      {{sc, "--threshold", "collector_refused_ratio<0.001"}, "needs --target-metrics"},
      {{sc, "--shard", "3/3"}, "--shard must be I/N with 0 <= I < N <= 1024, got '3/3'"},
      {{sc, "--shard", "1"}, "--shard must be I/N"},
      {{sc, "--shards", "4"}, "--shards must be 'mpi' for load"},
      {{sc, "--shards", "mpi", "--shard", "0/2"}, "takes no --shard or --partial-out"},
      {{sc, "--shards", "mpi", "--partial-out", "p.bin"}, "takes no --shard or --partial-out"},
      {{sc, "--start-at", "tomorrow"}, "--start-at"},
      {{sc, "--start-at", "2020-01-01T00:00:00Z"}, "has passed"},
      {{sc, "--find-max", "--shard", "0/2"}, "--find-max searches with one generator"},
  };
  for (const Case& c : cases) {
    Ran r = Load(c.args);
    EXPECT_EQ(r.code, kExitUsage) << c.needle << ": " << r.err;
    EXPECT_NE(r.err.find(c.needle), std::string::npos) << r.err;
  }
  // An unreachable target is a failure to start (exit 1), named, before any span is sent.
  Ran t = Load({sc, "--target-metrics", "127.0.0.1:1", "--traces", "1"});
  EXPECT_EQ(t.code, kExitFailed) << t.err;
  EXPECT_NE(t.err.find("--target-metrics 127.0.0.1:1: "), std::string::npos) << t.err;
  Ran m = Load({sc, "--metrics-addr", "nonsense", "--traces", "1"});
  EXPECT_EQ(m.code, kExitUsage) << m.err;
  EXPECT_NE(m.err.find("--metrics-addr"), std::string::npos) << m.err;
}

// `tracesim merge --load`: bad input is a usage error naming the file; a merge of real partials
// prints the merged summary (app/load/load_partial_test.cc checks the merge itself).
TEST(LoadCommandTest, MergeLoadNamesTheBadPartialAndMergesGoodOnes) {
  auto merge = [](std::vector<std::string> args) {
    std::ostringstream out, err;
    args.insert(args.begin(), "--load");
    int code = MergeCommand(args, out, err);
    return Ran{code, out.str(), err.str()};
  };
  fs::path dir = TestDir();
  std::ofstream(dir / "junk.bin") << "junk";
  Ran none = merge({});
  EXPECT_EQ(none.code, kExitUsage);
  EXPECT_NE(none.err.find("no partials"), std::string::npos) << none.err;
  Ran missing = merge({(dir / "nope.bin").string()});
  EXPECT_EQ(missing.code, kExitUsage);
  EXPECT_NE(missing.err.find("cannot read '" + (dir / "nope.bin").string() + "'"),
            std::string::npos)
      << missing.err;
  Ran junk = merge({(dir / "junk.bin").string()});
  EXPECT_EQ(junk.code, kExitUsage);
  EXPECT_NE(junk.err.find("junk.bin: not a tracesim load partial"), std::string::npos) << junk.err;

  auto srv = loadgen::testing::StartGrpcServer({});
  for (const char* i : {"0", "1"}) {
    Ran r = Load({TinyScenarioFile().string(), "--endpoint", srv->endpoint(), "--rate", "200",
                  "--traces", "21", "--shard", std::string(i) + "/2", "--partial-out",
                  (dir / (std::string("part") + i + ".bin")).string(), "--threshold", "traces==21",
                  "--no-progress"});
    EXPECT_EQ(r.code, kExitThresholds) << r.err;  // each shard sent part of the 21 traces
    EXPECT_NE(r.out.find(", shard " + std::string(i) + "/2"), std::string::npos) << r.out;
  }
  Ran ok =
      merge({(dir / "part1.bin").string(), (dir / "part0.bin").string(), "--summary-json", "-"});
  EXPECT_EQ(ok.code, kExitOk) << ok.err;
  auto j = nlohmann::json::parse(ok.out);
  EXPECT_EQ(j["traces"], 21);
  EXPECT_EQ(j["spans"]["accepted"], srv->accepted_spans());
  EXPECT_EQ(j["shards"].size(), 2u);
  EXPECT_NE(ok.err.find("ok     traces==21"), std::string::npos) << ok.err;
}

TEST(LoadCommandTest, SummaryJsonDashIsStdout) {
  auto srv = loadgen::testing::StartGrpcServer({});
  fs::remove("-");
  Ran r = Load({TinyScenarioFile().string(), "--endpoint", srv->endpoint(), "--rate", "200",
                "--traces", "20", "--summary-json", "-", "--no-progress", "--batch-delay", "50ms"});
  EXPECT_EQ(r.code, kExitOk) << r.out << r.err;
  EXPECT_FALSE(fs::exists("-"));  // no file named '-'
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["traces"].get<uint64_t>(), 20u);
  EXPECT_NE(r.err.find("accepted"), std::string::npos) << r.err;  // the text summary
}

TEST(LoadCommandTest, ReportHtmlDashIsStdoutAndTheSummaryGoesToStderr) {
  auto srv = loadgen::testing::StartGrpcServer({});
  fs::remove("-");
  Ran r = Load({TinyScenarioFile().string(), "--endpoint", srv->endpoint(), "--rate", "200",
                "--traces", "20", "--report-html", "-", "--no-progress", "--batch-delay", "50ms"});
  EXPECT_EQ(r.code, kExitOk) << r.out << r.err;
  EXPECT_FALSE(fs::exists("-"));
  EXPECT_TRUE(r.out.starts_with("<!DOCTYPE html>")) << r.out.substr(0, 200);
  EXPECT_TRUE(r.out.ends_with("</html>\n"));
  EXPECT_NE(r.err.find("accepted"), std::string::npos) << r.err;  // the text summary
  Ran both = Load({TinyScenarioFile().string(), "--report-html", "-", "--summary-json", "-"});
  EXPECT_EQ(both.code, kExitUsage);
  EXPECT_NE(both.err.find("--summary-json and --report-html both name stdout"), std::string::npos)
      << both.err;
}

TEST(LoadCommandTest, SecondLineFitsTheTerminalLeavingOutTheLeastUsefulFields) {
  loadgen::SecondStats s;
  s.second = 41;
  s.target_traces = 1000;
  s.generated_spans = 9'999'999;
  s.accepted = 9'999'000;
  s.rejected = 12;
  s.dropped = 3;
  s.queued_spans = 65'536;
  s.export_p99_ms = 812.5;
  s.failed_requests = 7;
  const std::string wide = LoadSecondLine(s, 10, 200);
  for (const char* f : {"[  42s]", "target", "generated", "accepted", "rejected", "dropped",
                        "queued", "p99", "errors 7"})
    EXPECT_NE(wide.find(f), std::string::npos) << f << " in " << wide;
  for (int columns : {20, 40, 60, 80, 100, 128}) {
    const std::string line = LoadSecondLine(s, 10, columns);
    EXPECT_LT(line.size(), static_cast<size_t>(columns)) << columns << ": " << line;
    EXPECT_TRUE(line.starts_with("[  42s]")) << line;
  }
  const std::string eighty = LoadSecondLine(s, 10, 80);
  EXPECT_NE(eighty.find("accepted 9999000"), std::string::npos) << eighty;
  EXPECT_EQ(eighty.find("queued"), std::string::npos) << eighty;  // the first to go
}

TEST(LoadCommandTest, GrammarIsTheCliGrammar) {
  std::string sc = TinyScenarioFile().string();
  Ran d = Load({sc, "--dur", "2s"});  // no prefix guessing
  EXPECT_EQ(d.code, kExitUsage);
  EXPECT_NE(d.err.find("did you mean '--duration'"), std::string::npos) << d.err;
  Ran b = Load({sc, "--batch-bytes", "4M"});  // ambiguous: 4MB or 4MiB
  EXPECT_EQ(b.code, kExitUsage);
  EXPECT_NE(b.err.find("--batch-bytes"), std::string::npos) << b.err;
  Ran s = Load({sc, "--seed", "0x10"});  // base 10 only
  EXPECT_EQ(s.code, kExitUsage);
  EXPECT_NE(s.err.find("--seed"), std::string::npos) << s.err;
}

TEST(LoadCommandTest, HelpListsThresholdMetrics) {
  Ran r = Load({"--help"});
  EXPECT_EQ(r.code, kExitOk);
  EXPECT_NE(r.out.find("--summary-json"), std::string::npos);
  EXPECT_NE(r.out.find("export_p99_ms"), std::string::npos);
}

TEST(LoadCommandTest, OutWritesThePerSecondSeriesAsCsvAndJsonLines) {
  auto srv = loadgen::testing::StartGrpcServer({});
  fs::path dir = TestDir();
  fs::path json = dir / "series-summary.json", csv = dir / "series.csv",
           lines = dir / "series.jsonl";
  Ran r = Load({TinyScenarioFile().string(), "--endpoint", srv->endpoint(), "--rate", "200",
                "--traces", "100", "--summary-json", json.string(), "--no-progress", "--out",
                "csv=" + csv.string(), "--out", "json=" + lines.string()});
  ASSERT_EQ(r.code, kExitOk) << r.out << r.err;
  std::ifstream sf(json);
  auto summary = nlohmann::json::parse(sf);
  const size_t seconds = summary["seconds"].size();
  ASSERT_GT(seconds, 0u);
  std::ifstream cf(csv), jf(lines);
  std::vector<std::string> csv_lines, json_lines;
  for (std::string l; std::getline(cf, l);) csv_lines.push_back(l);
  for (std::string l; std::getline(jf, l);) json_lines.push_back(l);
  ASSERT_EQ(csv_lines.size(), seconds + 1);  // the header
  EXPECT_EQ(csv_lines[0].rfind("step,second,target_spans_per_s,generated_spans,accepted,", 0), 0u);
  ASSERT_EQ(json_lines.size(), seconds);
  uint64_t accepted = 0;
  for (size_t k = 0; k < seconds; ++k) {
    auto line = nlohmann::json::parse(json_lines[k]);
    EXPECT_EQ(line["second"], summary["seconds"][k]["second"]);
    EXPECT_EQ(line["generated_spans"], summary["seconds"][k]["generated_spans"]);
    accepted += line["accepted"].get<uint64_t>();
  }
  EXPECT_EQ(accepted, srv->accepted_spans());  // every accepted span is in some second
  Ran bad = Load({TinyScenarioFile().string(), "--out", "xml=x", "--traces", "1"});
  EXPECT_EQ(bad.code, kExitUsage);
  EXPECT_NE(bad.err.find("--out must be csv=FILE or json=FILE, got 'xml=x'"), std::string::npos);
}

TEST(LoadCommandTest, EndToEndGrpcWithSummaryAndThresholds) {
  auto srv = loadgen::testing::StartGrpcServer({});
  fs::path json = TestDir() / "summary.json";
  fs::remove(json);
  Ran r = Load({TinyScenarioFile().string(),
                "--endpoint",
                srv->endpoint(),
                "--protocol",
                "grpc",
                "--rate",
                "200",
                "--traces",
                "100",
                "--summary-json",
                json.string(),
                "--threshold",
                "dropped==0",
                "--threshold",
                "accepted_ratio>=1",
                "--threshold",
                "achieved_ratio>=0.9",
                "--no-progress",
                "--batch-delay",
                "50ms"});
  // --traces without --duration: the rate is measured over the real window, not reported as 0.
  EXPECT_EQ(r.code, kExitOk) << r.out << r.err;
  std::ifstream f(json);
  auto j = nlohmann::json::parse(f, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_EQ(j["traces"].get<uint64_t>(), 100u);
  EXPECT_GT(j["rates"]["achieved_traces_per_s"].get<double>(), 180);
  // The run that made it, and the thresholds' results.
  EXPECT_EQ(j["run"]["scenario"], "tiny");
  EXPECT_EQ(j["run"]["protocol"], "grpc");
  EXPECT_EQ(j["run"]["endpoint"], srv->endpoint());
  EXPECT_EQ(j["run"]["tls"], false);
  EXPECT_EQ(j["run"]["rate_plan"]["rate"], "200");
  EXPECT_EQ(j["run"]["version"].get<std::string>().rfind("tracesim ", 0), 0u);
  EXPECT_EQ(j["run"]["start_time"].get<std::string>().size(), 20u);  // 2026-12-04T21:00:00Z
  ASSERT_EQ(j["thresholds"].size(), 3u);
  EXPECT_EQ(j["thresholds"][2]["threshold"], "achieved_ratio>=0.9");
  EXPECT_EQ(j["thresholds"][2]["passed"], true);
  // Floats are rounded (6 significant digits).
  std::string mean = j["rates"]["mean_spans_per_trace"].dump();
  EXPECT_LE(mean.size(), 8u) << mean;
  EXPECT_EQ(j["spans"]["generated"].get<uint64_t>(), srv->accepted_spans());
  EXPECT_EQ(j["spans"]["accepted"].get<uint64_t>(), srv->accepted_spans());
  EXPECT_TRUE(j["spans"]["identity_holds"].get<bool>());
  EXPECT_EQ(j["spans"]["in_flight"].get<uint64_t>(), 0u);
  EXPECT_NE(r.out.find("ok     dropped==0"), std::string::npos) << r.out;
}

TEST(LoadCommandTest, NothingAcceptedFailsFastWithADiagnosis) {
  loadgen::testing::Behavior b;
  b.kind = loadgen::testing::Behavior::Kind::kError;
  b.grpc_code = 14;  // UNAVAILABLE, every time
  auto srv = loadgen::testing::StartGrpcServer(b);
  std::vector<std::string> args = {TinyScenarioFile().string(),
                                   "--endpoint",
                                   srv->endpoint(),
                                   "--rate",
                                   "100",
                                   "--duration",
                                   "60s",
                                   "--retry-initial",
                                   "10ms",
                                   "--retry-max",
                                   "20ms",
                                   "--no-progress"};
  Ran r = Load(args);
  EXPECT_EQ(r.code, kExitFailed) << r.out << r.err;
  EXPECT_NE(r.err.find("nothing was accepted"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("endpoint: grpc " + srv->endpoint() + ", TLS off (no --tls, no https://)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("last error: UNAVAILABLE"), std::string::npos) << r.err;
  EXPECT_NE(r.out.find("interrupted after"), std::string::npos) << r.out;  // stopped early
  // --allow-export-failures runs on; a short run shows every failure (retries exhausted).
  args[6] = "2s";
  args.push_back("--allow-export-failures");
  Ran allowed = Load(args);
  EXPECT_EQ(allowed.code, kExitOk) << allowed.err;
  EXPECT_EQ(allowed.err.find("nothing was accepted"), std::string::npos) << allowed.err;
}

TEST(LoadCommandTest, HeaderSaysWhyTlsIsOn) {
  // An OTEL_EXPORTER_OTLP_ENDPOINT without a scheme means TLS for gRPC (the OTLP spec).
  auto srv = loadgen::testing::StartGrpcServer({});
  ::setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv->endpoint().c_str(), 1);
  Ran r = Load({TinyScenarioFile().string(), "--traces", "5", "--rate", "100", "--no-progress",
                "--retry-attempts", "1", "--grace", "1s"});
  ::unsetenv("OTEL_EXPORTER_OTLP_ENDPOINT");
  EXPECT_EQ(r.code, kExitFailed) << r.out << r.err;  // a plaintext server: nothing accepted
  EXPECT_NE(r.out.find(", TLS on (OTEL_EXPORTER_OTLP_ENDPOINT has no scheme: the OTLP spec's "
                       "gRPC default is TLS"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("nothing was accepted"), std::string::npos) << r.err;
}

TEST(LoadCommandTest, CrossedThresholdExits99AndSaysWhich) {
  auto srv = loadgen::testing::StartHttpServer({});
  Ran r = Load({TinyScenarioFile().string(), "--endpoint", srv->endpoint() + "/v1/traces",
                "--protocol", "http/json", "--traces", "20", "--rate", "200", "--threshold",
                "accepted_ratio>=1", "--threshold", "export_p99_ms<0", "--no-progress"});
  EXPECT_EQ(r.code, kExitThresholds) << r.out << r.err;
  EXPECT_NE(r.err.find("threshold crossed: export_p99_ms<0"), std::string::npos) << r.err;
  EXPECT_EQ(r.err.find("accepted_ratio"), std::string::npos) << r.err;
}

TEST(LoadCommandTest, SigintStopsCleanly) {
  auto srv = loadgen::testing::StartGrpcServer({});
  fs::path json = TestDir() / "sigint.json";
  fs::remove(json);
  // Until the command installs its handler, a SIGINT must not kill the test binary.
  struct sigaction ign {
  }, old{};
  ign.sa_handler = SIG_IGN;
  sigaction(SIGINT, &ign, &old);
  auto fut = std::async(std::launch::async, [&] {
    return Load({TinyScenarioFile().string(), "--endpoint", srv->endpoint(), "--duration", "60s",
                 "--summary-json", json.string(), "--no-progress"});
  });
  // Signal the process every 300ms until the command returns (bounded: 30 tries).
  int tries = 0;
  while (fut.wait_for(std::chrono::milliseconds(300)) != std::future_status::ready && tries < 30) {
    ::kill(::getpid(), SIGINT);
    ++tries;
  }
  Ran r = fut.get();
  sigaction(SIGINT, &old, nullptr);
  EXPECT_LT(tries, 30);
  // Its own exit code: a CI tells an interrupted run from a complete one; the summary is written.
  EXPECT_EQ(r.code, kExitInterrupted) << r.err;
  EXPECT_NE(r.out.find("interrupted"), std::string::npos) << r.out;
  std::ifstream f(json);
  auto j = nlohmann::json::parse(f, nullptr, false);
  ASSERT_FALSE(j.is_discarded());
  EXPECT_TRUE(j["interrupted"].get<bool>());
  EXPECT_TRUE(j["spans"]["identity_holds"].get<bool>());
  EXPECT_EQ(j["spans"]["in_flight"].get<uint64_t>(), 0u);
}

TEST(LoadCommandTest, DispatchedFromMain) {
  std::ostringstream out, err;
  EXPECT_EQ(Main({"tracesim", "load", "--help"}, out, err), kExitOk);
  EXPECT_NE(out.str().find("tracesim load"), std::string::npos);
}

}  // namespace
}  // namespace tracesim::cli
