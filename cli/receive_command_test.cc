#include "cli/receive_command.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "cli/commands.h"
#include "exporter/proto/trace_service.grpc.pb.h"
#include "receiver/otlp_codec.h"
#include "receiver/test_requests.h"

namespace tracesim::cli {
namespace {

using opentelemetry::proto::collector::trace::v1::TraceService;

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("tracesim_receive_cmd_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

int RunReceive(const std::vector<std::string>& args, std::string* out, std::string* err,
               const ReceiveHooks& hooks = {}) {
  std::ostringstream o, e;
  int code = ReceiveCommand(args, o, e, hooks);
  *out = o.str();
  *err = e.str();
  return code;
}

TEST(ReceiveCommandTest, BadUsageIsExitTwoWithAMessage) {
  std::string out, err;
  EXPECT_EQ(RunReceive({"--fault", "bogus=1"}, &out, &err), kExitUsage);
  EXPECT_NE(err.find("unknown key 'bogus'"), std::string::npos) << err;
  EXPECT_EQ(RunReceive({"--fault", "unavailable=2"}, &out, &err), kExitUsage);
  EXPECT_NE(err.find("--fault unavailable"), std::string::npos) << err;
  EXPECT_EQ(RunReceive({"--max-request-bytes", "12XB"}, &out, &err), kExitUsage);
  EXPECT_NE(err.find("--max-request-bytes: '12XB' is not a byte size: unknown unit"),
            std::string::npos)
      << err;
  EXPECT_EQ(RunReceive({"--duration", "0s"}, &out, &err), kExitUsage);
  EXPECT_NE(err.find("--duration"), std::string::npos) << err;
  EXPECT_EQ(RunReceive({"--http", "nope"}, &out, &err), kExitUsage);
  EXPECT_NE(err.find("receiver.http_address"), std::string::npos) << err;
  EXPECT_EQ(RunReceive({"--bogus"}, &out, &err), kExitUsage);
  EXPECT_EQ(RunReceive({"--help"}, &out, &err), kExitOk);
  EXPECT_NE(out.find("--fault"), std::string::npos);
  // Dispatch from the main entry point.
  std::ostringstream o, e;
  EXPECT_EQ(Main({"tracesim", "receive", "--fault", "x"}, o, e), kExitUsage);
  EXPECT_NE(e.str().find("KEY=VALUE"), std::string::npos);
}

TEST(ReceiveCommandTest, ReceivesCountsAndWritesTheSummary) {
  std::string summary = TempPath("summary.json"), spans = TempPath("spans.jsonl");
  std::thread client;
  ReceiveHooks hooks;
  hooks.on_ready = [&](receiver::Receiver& rx, std::function<void()> stop) {
    uint16_t port = rx.grpc_port();
    client = std::thread([port, stop] {
      auto stub = TraceService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                            grpc::InsecureChannelCredentials()));
      for (int i = 0; i < 3; ++i) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        receiver::ExportResponse resp;
        grpc::Status st =
            stub->Export(&ctx, receiver::testing::MakeRequest(10, 1, 5, i + 1), &resp);
        EXPECT_TRUE(st.ok()) << st.error_message();
      }
      stop();
    });
  };
  std::string out, err;
  int code = RunReceive({"--grpc", "127.0.0.1:0", "--http", "127.0.0.1:0", "--metrics-addr",
                         "127.0.0.1:0", "--summary-json", summary, "--out", spans, "--no-progress",
                         "--fault", "seed=3", "--max-request-bytes", "1MiB", "--duration", "60s"},
                        &out, &err, hooks);
  client.join();
  ASSERT_EQ(code, kExitOk) << err;
  EXPECT_NE(out.find("otlp-grpc 127.0.0.1:"), std::string::npos) << out;
  EXPECT_NE(out.find("otlp-http http://127.0.0.1:"), std::string::npos) << out;
  EXPECT_NE(out.find("metrics http://127.0.0.1:"), std::string::npos) << out;
  EXPECT_NE(out.find("3 requests, 30 spans accepted"), std::string::npos) << out;
  std::ifstream in(summary);
  auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["requests"], 3);
  EXPECT_EQ(j["requests_by_code"]["grpc:OK"], 3);
  EXPECT_EQ(j["spans"]["accepted"], 30);
  EXPECT_EQ(j["spans"]["rejected"], 0);
  EXPECT_EQ(j["traces_seen"], 6);
  EXPECT_EQ(j["config"]["max_request_bytes"], 1 << 20);
  EXPECT_EQ(j["config"]["faults"]["seed"], 3);
  EXPECT_GT(j["duration_s"].get<double>(), 0);
  std::ifstream lines(spans);
  std::string line;
  int n = 0;
  while (std::getline(lines, line)) {
    receiver::ExportRequest req;
    ASSERT_TRUE(receiver::ParseOtlpJson(line, &req).ok());
    EXPECT_EQ(req.resource_spans(0).scope_spans(0).spans_size(), 10);
    ++n;
  }
  EXPECT_EQ(n, 3);
  std::filesystem::remove(summary);
  std::filesystem::remove(spans);
}

TEST(ReceiveCommandTest, DurationStopsByItself) {
  std::string summary = TempPath("summary2.json");
  std::string out, err;
  auto t0 = std::chrono::steady_clock::now();
  int code = RunReceive({"--http", "127.0.0.1:0", "--duration", "300ms", "--summary-json", summary},
                        &out, &err);
  auto wall = std::chrono::steady_clock::now() - t0;
  ASSERT_EQ(code, kExitOk) << err;
  EXPECT_GE(wall, std::chrono::milliseconds(290));
  EXPECT_LT(wall, std::chrono::seconds(20));
  EXPECT_EQ(out.find("otlp-grpc"), std::string::npos);  // only HTTP was asked for
  EXPECT_NE(out.find("duration after"), std::string::npos) << out;
  std::ifstream in(summary);
  auto j = nlohmann::json::parse(in);
  EXPECT_EQ(j["requests"], 0);
  EXPECT_GE(j["duration_s"].get<double>(), 0.29);
  EXPECT_EQ(j["config"]["grpc"], "");
  std::filesystem::remove(summary);
}

TEST(ReceiveCommandTest, UnwritableSummaryIsAFailure) {
  std::string out, err;
  int code = RunReceive({"--http", "127.0.0.1:0", "--duration", "50ms", "--summary-json",
                         "/nonexistent-dir/summary.json"},
                        &out, &err);
  EXPECT_EQ(code, kExitFailed);
  EXPECT_NE(err.find("--summary-json /nonexistent-dir/summary.json: cannot write"),
            std::string::npos)
      << err;
}

}  // namespace
}  // namespace tracesim::cli
