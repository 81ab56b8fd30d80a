#include "app/receive.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "exporter/proto/trace_service.grpc.pb.h"
#include "receiver/test_requests.h"
#include "sim/base/sanitizer_skips.h"

namespace tracesim::app {
namespace {

using opentelemetry::proto::collector::trace::v1::TraceService;

TEST(RunReceiveTest, ValidateNamesTheFlag) {
  ReceiveOptions o;
  o.duration = sim::Duration::Nanos(0);
  sim::Result<ReceiveOutcome> r = RunReceive(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sim::Status::Code::kInvalidArgument);
  EXPECT_EQ(r.status().message(), "--duration: must be > 0");

  o = ReceiveOptions();
  o.receiver.out_path = "-";
  o.summary_json = "-";
  EXPECT_EQ(o.Validate().message(), "--out and --summary-json both name stdout ('-')");
  o.summary_json = "summary.json";
  EXPECT_TRUE(o.Validate().ok());

  o = ReceiveOptions();
  o.receiver.http_address = "nope";
  r = RunReceive(o);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), sim::Status::Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("receiver.http_address"), std::string::npos)
      << r.status().message();
}

TEST(RunReceiveTest, ListensCountsAndStopsOnRequest) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  ReceiveOptions o;
  o.receiver.grpc_address = "127.0.0.1:0";
  o.receiver.http_address = "";
  ReceiveAddresses addresses;
  int listening = 0;
  std::thread client;
  ReceiveCallbacks callbacks;
  callbacks.on_listening = [&](const ReceiveAddresses& a) {
    addresses = a;
    ++listening;
  };
  callbacks.on_ready = [&](receiver::Receiver& rx, std::function<void()> stop) {
    EXPECT_EQ(listening, 1);  // the addresses come first
    const uint16_t port = rx.grpc_port();
    client = std::thread([port, stop] {
      auto stub = TraceService::NewStub(grpc::CreateChannel("127.0.0.1:" + std::to_string(port),
                                                            grpc::InsecureChannelCredentials()));
      for (int i = 0; i < 2; ++i) {
        grpc::ClientContext ctx;
        ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
        receiver::ExportResponse resp;
        grpc::Status st = stub->Export(&ctx, receiver::testing::MakeRequest(4, 1, 2, i + 1), &resp);
        EXPECT_TRUE(st.ok()) << st.error_message();
      }
      stop();
    });
  };
  sim::Result<ReceiveOutcome> r = RunReceive(o, callbacks);
  client.join();
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->stop_reason, "stopped");
  EXPECT_TRUE(r->stopped.ok());
  EXPECT_EQ(r->stats.requests, 2u);
  EXPECT_EQ(r->stats.spans_accepted, 8u);
  EXPECT_GT(r->elapsed_seconds, 0);
  EXPECT_EQ(addresses.grpc.rfind("127.0.0.1:", 0), 0u) << addresses.grpc;
  EXPECT_NE(addresses.grpc, "127.0.0.1:0");  // the bound port, not the asked one
  EXPECT_EQ(addresses.http, "");
  EXPECT_EQ(addresses.metrics, "");
  auto j = nlohmann::json::parse(ReceiveSummaryJson(*r, o));
  EXPECT_EQ(j["requests"], 2);
  EXPECT_EQ(j["spans"]["accepted"], 8);
}

TEST(RunReceiveTest, DurationStopsItAndSecondsAreReported) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  ReceiveOptions o;
  o.receiver.grpc_address = "";
  o.receiver.http_address = "127.0.0.1:0";
  o.duration = sim::Duration::Nanos(1'500'000'000);
  ReceiveAddresses addresses;
  int seconds = 0;
  ReceiveCallbacks callbacks;
  callbacks.on_listening = [&](const ReceiveAddresses& a) { addresses = a; };
  callbacks.on_second = [&](const ReceiveSecond& s) {
    EXPECT_EQ(s.spans, 0);
    ++seconds;
  };
  sim::Result<ReceiveOutcome> r = RunReceive(o, callbacks);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->stop_reason, "duration");
  EXPECT_EQ(r->stats.requests, 0u);
  EXPECT_EQ(r->peak_spans_per_second, 0);
  EXPECT_GE(seconds, 1);  // the one-second timer fires before the 1.5s deadline
  EXPECT_EQ(addresses.http.rfind("http://127.0.0.1:", 0), 0u) << addresses.http;
  EXPECT_NE(addresses.http.find("/v1/traces"), std::string::npos);
}

}  // namespace
}  // namespace tracesim::app
