// Interop with the OpenTelemetry JS packages (see CMakeLists.txt and the two .mjs scripts): runs
// the node scripts against the real tracesim binary and checks what they measured. Skips only
// when node/npm were not found at configure time.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>

namespace {

struct ProcessRun {
  int exit_code = -1;
  std::string out;
};

std::string Quote(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

ProcessRun RunCommand(const std::string& command) {
  ProcessRun run;
  FILE* p = ::popen(command.c_str(), "r");
  if (p == nullptr) return run;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = std::fread(buf.data(), 1, buf.size(), p)) > 0) run.out.append(buf.data(), n);
  int status = ::pclose(p);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  return run;
}

// The last non-empty line of `text`, parsed as JSON.
nlohmann::json LastJsonLine(const std::string& text) {
  size_t end = text.find_last_not_of('\n');
  if (end == std::string::npos) return nullptr;
  size_t start = text.rfind('\n', end);
  start = start == std::string::npos ? 0 : start + 1;
  return nlohmann::json::parse(text.substr(start, end - start + 1), nullptr, false);
}

class InteropTest : public ::testing::Test {
 protected:
  void SetUp() override {
    if (std::string(TRACESIM_INTEROP_NODE).empty() || std::string(TRACESIM_INTEROP_NPM).empty()) {
      GTEST_SKIP() << "node or npm not found when configuring; the JS interop tests need both";
    }
    js_dir_ = TRACESIM_INTEROP_JS_DIR;
    // node and npm are present, so the npm ci fixture must have installed the packages.
    ASSERT_TRUE(std::filesystem::exists(js_dir_ + "/node_modules/@opentelemetry/otlp-transformer"))
        << "npm ci (test interop_npm_ci) did not install the packages into " << js_dir_;
    work_dir_ = (std::filesystem::temp_directory_path() /
                 ("tracesim_interop_" + std::to_string(::getpid()) + "_" +
                  ::testing::UnitTest::GetInstance()->current_test_info()->name()))
                    .string();
    std::filesystem::remove_all(work_dir_);
  }
  void TearDown() override {
    if (!work_dir_.empty()) std::filesystem::remove_all(work_dir_);
  }

  ProcessRun Node(const std::string& script, const std::string& args) {
    return RunCommand("cd " + Quote(js_dir_) + " && " + Quote(TRACESIM_INTEROP_NODE) + " " +
                      Quote(script) + " " + args);
  }

  std::string js_dir_, work_dir_;
};

TEST_F(InteropTest, JsExportersToTracesimReceive) {
  ProcessRun run = Node("export_to_tracesim.mjs", Quote(TRACESIM_BINARY) + " " + Quote(work_dir_));
  ASSERT_EQ(run.exit_code, 0) << run.out;
  nlohmann::json r = LastJsonLine(run.out);
  ASSERT_TRUE(r.is_object()) << run.out;
  // http/protobuf 40 + http/json 30 + grpc 20 spans, each counted exactly once.
  EXPECT_EQ(r["plain"]["sent"], 90);
  EXPECT_EQ(r["plain"]["accepted"], 90);
  EXPECT_EQ(r["plain"]["rejected"], 0);
  int64_t http_ok = r["plain"]["requests_by_code"].value("http:200", 0);
  int64_t grpc_ok = r["plain"]["requests_by_code"].value("grpc:OK", 0);
  EXPECT_EQ(http_ok, r["plain"]["js_requests"]["proto"].get<int64_t>() +
                         r["plain"]["js_requests"]["json"].get<int64_t>());
  EXPECT_EQ(grpc_ok, r["plain"]["js_requests"]["grpc"].get<int64_t>());
  // With 429 + Retry-After on 30 % of requests the JS exporter retried until all arrived.
  EXPECT_EQ(r["retry"]["sent"], 48);
  EXPECT_EQ(r["retry"]["accepted"], 48);
  EXPECT_EQ(r["retry"]["duplicates"], 0);
  EXPECT_GT(r["retry"]["requests_by_code"].value("http:429", 0), 0);
  EXPECT_GT(r["retry"]["refused"].get<int64_t>(), 0);
}

TEST_F(InteropTest, JsDecodesWhatTracesimSends) {
  ProcessRun run =
      Node("decode_tracesim.mjs",
           Quote(TRACESIM_BINARY) + " " + Quote(TRACESIM_INTEROP_TOOL) + " " + Quote(work_dir_));
  ASSERT_EQ(run.exit_code, 0) << run.out;
  nlohmann::json r = LastJsonLine(run.out);
  ASSERT_TRUE(r.is_object()) << run.out;
  EXPECT_GT(r["spans"].get<int64_t>(), 1000);
  EXPECT_EQ(r["spans"], r["run_spans"]);
  EXPECT_EQ(r["traces"], r["run_traces"]);
  EXPECT_GT(r["parents"].get<int64_t>(), 0);
  // Spans leave tracesim a trace at a time, so every parent is in the same request.
  EXPECT_EQ(r["parents_in_request"], r["parents"]);
}

}  // namespace
