// The CLI grammar's rules (issue 9, doc/cli.md), one negative or consistency test per rule and
// command, through real invocations of the built `tracesim` binary (not in-process): `-` is
// stdout for every output flag of run, load and receive; every duration flag takes Go's syntax;
// seeds are base 10; prefixes are not guessed but suggested; `:PORT` binds loopback.
// Each case is bounded by `timeout`, so a rule that breaks fails instead of hanging.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace tracesim::cli {
namespace {

namespace fs = std::filesystem;

std::string Binary() {
  const char* dir = std::getenv("TRACESIM_BINARY_DIR");
  return std::string(dir != nullptr ? dir : TRACESIM_SOURCE_DIR "/build") + "/cli/tracesim";
}

fs::path Dir() {
  static const fs::path dir = [] {
    fs::path d = fs::temp_directory_path() / ("tracesim_cli_rules_" + std::to_string(::getpid()));
    fs::create_directories(d);
    return d;
  }();
  return dir;
}

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

struct Ran {
  int code = -1;
  std::string out, err;
};

// Runs `tracesim ARGS` (a shell fragment) in Dir() with a time limit.
Ran Tracesim(const std::string& args, int seconds = 30) {
  const std::string cmd = "cd '" + Dir().string() + "' && timeout " + std::to_string(seconds) +
                          " '" + Binary() + "' " + args + " </dev/null >stdout.txt 2>stderr.txt";
  const int status = std::system(cmd.c_str());
  Ran r;
  r.code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = Slurp(Dir() / "stdout.txt");
  r.err = Slurp(Dir() / "stderr.txt");
  return r;
}

bool Contains(const std::string& s, const std::string& what) {
  return s.find(what) != std::string::npos;
}

// A port nothing listens on right now.
int FreePort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t n = sizeof a;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &n);
  ::close(fd);
  return ntohs(a.sin_port);
}

// The local address (hex, as /proc/net/tcp and tcp6 write it) of the socket listening on `port`,
// or "" when none is listening (yet).
std::string ListenAddress(int port) {
  char want[8];
  std::snprintf(want, sizeof want, "%04X", port);
  for (const char* table : {"/proc/net/tcp", "/proc/net/tcp6"}) {
    std::ifstream in(table);
    std::string line;
    std::getline(in, line);  // header
    while (std::getline(in, line)) {
      std::istringstream f(line);
      std::string slot, local, remote, state;
      f >> slot >> local >> remote >> state;
      const size_t colon = local.find(':');
      if (state == "0A" && local.substr(colon + 1) == want) return local.substr(0, colon);
    }
  }
  return "";
}

// 127.0.0.1, as IPv4 or as an IPv4-mapped IPv6 address (gRPC listens on ::ffff:127.0.0.1).
bool IsLoopback(const std::string& hex) {
  return hex == "0100007F" || hex == "0000000000000000FFFF00000100007F";
}

// A load run that needs no collector: the endpoint refuses, one attempt, no grace.
const std::string kQuickLoad =
    "load checkout --endpoint 127.0.0.1:1 --traces 3 --rate 100 --retry-attempts 1 --grace 0s "
    "--no-progress --allow-export-failures";  // nothing listens: without it, exit 1 (issue 12)

// ---- `-` is stdout ----------------------------------------------------------------------------

TEST(CliRulesTest, DashIsStdoutForEveryRunOutput) {
  Ran spans = Tracesim("run checkout --duration 1s --no-progress --spans-out -");
  ASSERT_EQ(spans.code, 0) << spans.err;
  EXPECT_FALSE(fs::exists(Dir() / "-"));
  EXPECT_TRUE(Contains(spans.out, "\"resourceSpans\"")) << spans.out.substr(0, 200);
  EXPECT_TRUE(Contains(spans.err, "p99 ms"));  // the summary moved to stderr

  Ran truth = Tracesim("run checkout --duration 1s --no-progress --truth-out - --format json");
  ASSERT_EQ(truth.code, 0) << truth.err;
  EXPECT_FALSE(fs::exists(Dir() / "-"));
  std::string first = truth.out.substr(0, truth.out.find('\n'));
  EXPECT_FALSE(nlohmann::json::parse(first, nullptr, false).is_discarded()) << first;
  EXPECT_FALSE(nlohmann::json::parse(truth.err, nullptr, false).is_discarded());

  Ran csv = Tracesim("run checkout-sampling --duration 2s --no-progress --report-csv -");
  ASSERT_EQ(csv.code, 0) << csv.err;
  EXPECT_FALSE(fs::exists(Dir() / "-"));
  EXPECT_EQ(csv.out.rfind("strategy,", 0), 0u) << csv.out.substr(0, 200);
  EXPECT_TRUE(Contains(csv.err, "p99 ms"));
}

TEST(CliRulesTest, DashIsStdoutForLoadSummaryJson) {
  Ran r = Tracesim(kQuickLoad + " --summary-json -");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_FALSE(fs::exists(Dir() / "-"));
  auto j = nlohmann::json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["traces"].get<uint64_t>(), 3u);
  EXPECT_TRUE(Contains(r.err, "tracesim 0.1.0 load: scenario checkout"));
}

TEST(CliRulesTest, DashIsStdoutForReceiveSummaryJsonAndOut) {
  Ran s =
      Tracesim("receive --grpc 127.0.0.1:0 --http 127.0.0.1:0 --duration 300ms --summary-json -");
  ASSERT_EQ(s.code, 0) << s.err;
  EXPECT_FALSE(fs::exists(Dir() / "-"));
  EXPECT_FALSE(nlohmann::json::parse(s.out, nullptr, false).is_discarded()) << s.out;
  EXPECT_TRUE(Contains(s.err, "otlp-grpc 127.0.0.1:"));  // the addresses moved to stderr
  EXPECT_TRUE(Contains(s.err, "tracesim receive: duration after"));

  // --out -: a real `load` sends to it once it listens; every accepted span is one line of stdout.
  const std::string port = std::to_string(FreePort());
  const std::string cmd =
      "cd '" + Dir().string() + "' && (timeout 30 '" + Binary() +
      "' receive --grpc 127.0.0.1:" + port +
      " --http 127.0.0.1:0 --duration 6s --out - >rx.out 2>rx.err &) && " +
      "for i in $(seq 100); do grep -q otlp-grpc rx.err && break; sleep 0.1; done && " +
      "timeout 20 '" + Binary() + "' load checkout --endpoint 127.0.0.1:" + port +
      " --traces 5 --rate 50 --no-progress --summary-json load.json >/dev/null 2>&1 && " +
      "for i in $(seq 150); do grep -q 'tracesim receive:' rx.err && break; sleep 0.1; done";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  const std::string out = Slurp(Dir() / "rx.out"), err = Slurp(Dir() / "rx.err");
  EXPECT_FALSE(fs::exists(Dir() / "-"));
  EXPECT_TRUE(Contains(err, "otlp-grpc 127.0.0.1:" + port)) << err;
  uint64_t spans = 0;
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line)) {
    auto req = nlohmann::json::parse(line, nullptr, false);
    ASSERT_FALSE(req.is_discarded()) << line.substr(0, 200);
    for (const auto& rs : req["resourceSpans"])
      for (const auto& ss : rs["scopeSpans"]) spans += ss["spans"].size();
  }
  auto load = nlohmann::json::parse(Slurp(Dir() / "load.json"), nullptr, false);
  ASSERT_FALSE(load.is_discarded());
  EXPECT_GT(spans, 0u);
  EXPECT_EQ(spans, load["spans"]["accepted"].get<uint64_t>());
}

// ---- durations: Go's syntax everywhere ----------------------------------------------------------

TEST(CliRulesTest, GoDurationsOnRunLoadAndReceive) {
  Ran run = Tracesim("run checkout --duration 1m30s --format json --no-progress");
  ASSERT_EQ(run.code, 0) << run.err;
  EXPECT_EQ(nlohmann::json::parse(run.out)["duration_s"].get<double>(), 90);

  Ran load = Tracesim(kQuickLoad +
                      " --duration 1m30s --batch-delay 0.1s --timeout 1m30s --retry-initial 1.5s "
                      "--retry-max 1m30s --retry-max-elapsed 1h1m --summary-json -");
  ASSERT_EQ(load.code, 0) << load.err;
  EXPECT_EQ(nlohmann::json::parse(load.out)["traces"].get<uint64_t>(), 3u);

  Ran rx = Tracesim("receive --grpc 127.0.0.1:0 --http 127.0.0.1:0 --duration 0.5s");
  ASSERT_EQ(rx.code, 0) << rx.err;
  EXPECT_TRUE(Contains(rx.out, "tracesim receive: duration after 5")) << rx.out;  // 500ms..
  Ran long_rx = Tracesim("receive --grpc 127.0.0.1:0 --http 127.0.0.1:0 --duration 1m30s", 1);
  EXPECT_EQ(long_rx.code, 124) << long_rx.err;  // accepted, and still running after 1 s

  for (const char* cmd : {"run checkout", "load checkout --endpoint 127.0.0.1:1", "receive"}) {
    Ran bad = Tracesim(std::string(cmd) + " --duration 90");
    EXPECT_EQ(bad.code, 2) << cmd;
    EXPECT_TRUE(Contains(bad.err, "--duration: ")) << cmd << ": " << bad.err;
    Ran zero = Tracesim(std::string(cmd) + " --duration 0s");
    EXPECT_EQ(zero.code, 2) << cmd;
    EXPECT_TRUE(Contains(zero.err, "--duration: must be > 0")) << cmd << ": " << zero.err;
  }
  Ran delay = Tracesim(kQuickLoad + " --batch-delay 90");
  EXPECT_EQ(delay.code, 2);
  EXPECT_TRUE(Contains(delay.err, "--batch-delay")) << delay.err;
}

// ---- seeds: base 10 ---------------------------------------------------------------------------

TEST(CliRulesTest, Seed010IsSeedTenEverywhere) {
  Ran a = Tracesim("run checkout --duration 2s --format json --no-progress --seed 010");
  Ran b = Tracesim("run checkout --duration 2s --format json --no-progress --seed 10");
  ASSERT_EQ(a.code, 0) << a.err;
  auto ja = nlohmann::json::parse(a.out), jb = nlohmann::json::parse(b.out);
  EXPECT_EQ(ja["seed"], 10);
  ja.erase("host");
  jb.erase("host");
  EXPECT_EQ(ja, jb);

  Ran load = Tracesim(kQuickLoad + " --seed 010");
  ASSERT_EQ(load.code, 0) << load.err;
  EXPECT_TRUE(Contains(load.out, ", seed 10\n")) << load.out;

  Ran rx = Tracesim(
      "receive --grpc 127.0.0.1:0 --http 127.0.0.1:0 --duration 200ms --fault seed=010 "
      "--summary-json rx.json");
  ASSERT_EQ(rx.code, 0) << rx.err;
  EXPECT_EQ(nlohmann::json::parse(Slurp(Dir() / "rx.json"))["config"]["faults"]["seed"], 10);

  for (const char* cmd : {"run checkout", "load checkout --endpoint 127.0.0.1:1"}) {
    for (const char* seed : {"0x10", "-1", "1e3"}) {
      Ran bad = Tracesim(std::string(cmd) + " --seed " + seed);
      EXPECT_EQ(bad.code, 2) << cmd << " " << seed;
      EXPECT_TRUE(Contains(bad.err, "is not a base-10 integer")) << bad.err;
    }
  }
}

// ---- no prefix guessing, did-you-mean -----------------------------------------------------------

TEST(CliRulesTest, PrefixIsAnErrorWithDidYouMeanEverywhere) {
  for (const char* cmd : {"run", "load", "receive"}) {
    Ran r = Tracesim(std::string(cmd) + " --dur 2s");
    EXPECT_EQ(r.code, 2) << cmd;
    EXPECT_TRUE(Contains(r.err, std::string("tracesim ") + cmd +
                                    ": unrecognised option '--dur' (did you mean '--duration'?)"))
        << r.err;
    EXPECT_TRUE(Contains(r.err, std::string("Try 'tracesim ") + cmd + " --help'."));
    Ran s = Tracesim(std::string(cmd) + " --summary-jsn x");
    EXPECT_EQ(s.code, 2) << cmd;
    if (std::string(cmd) != "run") {
      EXPECT_TRUE(Contains(s.err, "did you mean '--summary-json'?")) << s.err;
    }
  }
}

// ---- :PORT is loopback ------------------------------------------------------------------------

TEST(CliRulesTest, ColonPortBindsLoopbackForEveryListenFlag) {
  // receive: --grpc, --http and --metrics-addr, all as :PORT; load: --metrics-addr :PORT. Both
  // listen for a few seconds, then stop by themselves.
  const int g = FreePort(), h = FreePort(), m = FreePort(), lm = FreePort();
  const std::string cmd =
      "cd '" + Dir().string() + "' && (timeout 30 '" + Binary() +
      "' receive --grpc :" + std::to_string(g) + " --http :" + std::to_string(h) +
      " --metrics-addr :" + std::to_string(m) +
      " --duration 5s >ports.out 2>ports.err &) && (timeout 30 '" + Binary() +
      "' load checkout --endpoint 127.0.0.1:1 --duration 5s --rate 5 --retry-attempts 1 "
      "--grace 0s --no-progress --metrics-addr :" +
      std::to_string(lm) + " >load.out 2>load.err &)";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::string ga, ha, ma, la;
  for (int i = 0; i < 200 && (ga.empty() || ha.empty() || ma.empty() || la.empty()); ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    if (ga.empty()) ga = ListenAddress(g);
    if (ha.empty()) ha = ListenAddress(h);
    if (ma.empty()) ma = ListenAddress(m);
    if (la.empty()) la = ListenAddress(lm);
  }
  EXPECT_TRUE(IsLoopback(ga)) << "receive --grpc :" << g << " listens on '" << ga << "'";
  EXPECT_TRUE(IsLoopback(ha)) << "receive --http :" << h << " listens on '" << ha << "'";
  EXPECT_TRUE(IsLoopback(ma)) << "receive --metrics-addr :" << m << " listens on '" << ma << "'";
  EXPECT_TRUE(IsLoopback(la)) << "load --metrics-addr :" << lm << " listens on '" << la << "'";
  EXPECT_TRUE(Contains(Slurp(Dir() / "ports.out"), "otlp-grpc 127.0.0.1:" + std::to_string(g)));
}

}  // namespace
}  // namespace tracesim::cli
