// Receiver end to end on loopback: real gRPC and HTTP servers, requests built with the generated
// protobuf classes, answers and counters checked exactly.
#include "receiver/receiver.h"

#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>

#include "exporter/proto/trace_service.grpc.pb.h"
#include "receiver/fault_injector.h"
#include "receiver/otlp_codec.h"
#include "receiver/proto/rpc_status.pb.h"
#include "receiver/test_http_client.h"
#include "receiver/test_requests.h"
#include "sim/base/sanitizer_skips.h"

namespace tracesim::receiver {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;
using opentelemetry::proto::collector::trace::v1::TraceService;
using testing::HttpClient;
using testing::HttpResult;
using testing::MakeRequest;

std::unique_ptr<TraceService::Stub> Stub(uint16_t port) {
  return TraceService::NewStub(
      grpc::CreateChannel("127.0.0.1:" + std::to_string(port), grpc::InsecureChannelCredentials()));
}

grpc::Status Export(TraceService::Stub& stub, const ExportRequest& req, ExportResponse* resp,
                    bool gzip = false) {
  grpc::ClientContext ctx;
  ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
  if (gzip) ctx.set_compression_algorithm(GRPC_COMPRESS_GZIP);
  return stub.Export(&ctx, req, resp);
}

ReceiverOptions LoopbackOptions() {
  ReceiverOptions o;
  o.grpc_address = "127.0.0.1:0";
  o.http_address = "127.0.0.1:0";
  return o;
}

std::unique_ptr<Receiver> StartOrDie(const ReceiverOptions& o) {
  auto r = Receiver::Start(o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  if (!r.ok()) return nullptr;
  EXPECT_NE((*r)->grpc_port(), 0);
  EXPECT_NE((*r)->http_port(), 0);
  return std::move(r).value();
}

rpc::Status ParseRpcStatus(const std::string& bytes) {
  rpc::Status st;
  EXPECT_TRUE(st.ParseFromString(bytes));
  return st;
}

// The RetryInfo delay in ms carried by a google.rpc.Status, or -1.
int64_t RetryDelayMs(const rpc::Status& st) {
  for (const auto& any : st.details()) {
    if (any.type_url() != "type.googleapis.com/google.rpc.RetryInfo") continue;
    rpc::RetryInfo info;
    EXPECT_TRUE(info.ParseFromString(any.value()));
    return info.retry_delay().seconds() * 1000 + info.retry_delay().nanos() / 1000000;
  }
  return -1;
}

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("tracesim_receiver_test_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

TEST(ReceiverTest, GrpcAndHttpCountsAreExact) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  ReceiverOptions o = LoopbackOptions();
  o.out_path = TempPath("out.jsonl");
  auto r = StartOrDie(o);
  ASSERT_NE(r, nullptr);
  auto stub = Stub(r->grpc_port());
  std::vector<ExportRequest> sent;
  for (int i = 0; i < 4; ++i) {
    sent.push_back(MakeRequest(100, 2, 10, 1 + i));  // 10 traces each
    ExportResponse resp;
    grpc::Status st = Export(*stub, sent.back(), &resp, /*gzip=*/i % 2 == 1);
    ASSERT_TRUE(st.ok()) << st.error_message();
    EXPECT_FALSE(resp.has_partial_success());
  }
  HttpClient client(r->http_port());
  // Protobuf.
  sent.push_back(MakeRequest(50, 1, 5, 11));
  HttpResult res = client.Post("application/x-protobuf", sent.back().SerializeAsString());
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.content_type, "application/x-protobuf");
  ExportResponse resp;
  ASSERT_TRUE(resp.ParseFromString(res.body));
  EXPECT_FALSE(resp.has_partial_success());
  // JSON on the same keep-alive connection.
  sent.push_back(MakeRequest(30, 3, 3, 12));
  res = client.Post("application/json; charset=utf-8", ToOtlpJson(sent.back()));
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.content_type, "application/json");
  EXPECT_EQ(res.body, "{}");
  // Gzip protobuf and gzip JSON.
  sent.push_back(MakeRequest(20, 1, 4, 13));
  res = client.Post("application/x-protobuf", Gzip(sent.back().SerializeAsString()),
                    {{"Content-Encoding", "gzip"}});
  ASSERT_EQ(res.status, 200);
  sent.push_back(MakeRequest(10, 1, 2, 14));
  res = client.Post("application/json", Gzip(ToOtlpJson(sent.back())),
                    {{"Content-Encoding", "gzip"}});
  ASSERT_EQ(res.status, 200);

  StatsSnapshot s = r->stats().Snapshot();
  EXPECT_EQ(s.requests, 8u);
  EXPECT_EQ(s.requests_by_code.at("grpc:OK"), 4u);
  EXPECT_EQ(s.requests_by_code.at("http:200"), 4u);
  EXPECT_EQ(s.spans_accepted, 400u + 50 + 30 + 20 + 10);
  EXPECT_EQ(s.spans_received, s.spans_accepted);
  EXPECT_EQ(s.spans_invalid + s.spans_partial + s.spans_refused, 0u);
  // 40 + 10 + 10 + 5 + 5 distinct traces; the sketch is near exact at this size.
  EXPECT_NEAR(static_cast<double>(s.traces_seen), 70, 1);
  EXPECT_GT(s.bytes_wire, 0u);
  EXPECT_GT(s.bytes_decoded, s.bytes_wire / 2);
  ASSERT_TRUE(r->Stop().ok());

  // The output file holds every request, one OTLP/JSON line each (order of arrival).
  std::ifstream in(o.out_path);
  std::string line;
  size_t n = 0;
  while (std::getline(in, line)) {
    ASSERT_LT(n, sent.size());
    ExportRequest back;
    ASSERT_TRUE(ParseOtlpJson(line, &back).ok()) << line.substr(0, 200);
    EXPECT_EQ(back.SerializeAsString(), sent[n].SerializeAsString()) << "line " << n;
    ++n;
  }
  EXPECT_EQ(n, sent.size());
  std::filesystem::remove(o.out_path);
}

TEST(ReceiverTest, HttpMalformedInputGetsTheProtocolAnswer) {
  ReceiverOptions o = LoopbackOptions();
  o.max_request_bytes = 64 * 1024;
  auto r = StartOrDie(o);
  ASSERT_NE(r, nullptr);
  HttpClient client(r->http_port());
  std::string good = MakeRequest(10).SerializeAsString();

  HttpResult res = client.Post("application/x-protobuf", good.substr(0, good.size() - 7));
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.content_type, "application/x-protobuf");
  rpc::Status st = ParseRpcStatus(res.body);
  EXPECT_EQ(st.code(), 3);
  EXPECT_NE(st.message().find("not a valid protobuf"), std::string::npos) << st.message();

  res = client.Post("text/plain", good);
  EXPECT_EQ(res.status, 415);
  EXPECT_EQ(res.content_type, "text/plain; charset=utf-8");  // issue 16 item 8
  EXPECT_NE(res.body.find("unsupported Content-Type 'text/plain'"), std::string::npos);

  res = client.Post("application/json", R"({"resourceSpans":[{)");
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.content_type, "application/json");
  auto j = nlohmann::json::parse(res.body);
  EXPECT_EQ(j["code"], 3);
  EXPECT_NE(j["message"].get<std::string>().find("malformed JSON"), std::string::npos);

  res = client.Post("application/json",
                    R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"zz"}]}]}]})");
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("spans[0].traceId: 'zz' is not a hex string"), std::string::npos);

  res = client.Send(http::verb::post, "/v1/metrics", "application/x-protobuf", good);
  EXPECT_EQ(res.status, 404);
  res = client.Send(http::verb::get, "/v1/traces", "", "");
  EXPECT_EQ(res.status, 405);
  EXPECT_EQ(res.headers["Allow"], "POST");

  res = client.Post("application/x-protobuf", "not gzip", {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(ParseRpcStatus(res.body).message().find("corrupt gzip"), std::string::npos);
  res = client.Post("application/x-protobuf", good, {{"Content-Encoding", "br"}});
  EXPECT_EQ(res.status, 415);

  // Over the limit after decompression only: 200 KB of spans gzip to far less than 64 KiB.
  std::string big = MakeRequest(2000).SerializeAsString();
  ASSERT_GT(big.size(), o.max_request_bytes);
  std::string big_gz = Gzip(big);
  ASSERT_LT(big_gz.size(), o.max_request_bytes);
  res = client.Post("application/x-protobuf", big_gz, {{"Content-Encoding", "gzip"}});
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(ParseRpcStatus(res.body).code(), 8);

  // All spans invalid: 400 with BadRequest details; some invalid: partial success.
  ExportRequest bad = MakeRequest(3);
  for (auto& span : *bad.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans()) {
    span.set_span_id(std::string(8, '\0'));
  }
  res = client.Post("application/x-protobuf", bad.SerializeAsString());
  EXPECT_EQ(res.status, 400);
  st = ParseRpcStatus(res.body);
  EXPECT_NE(st.message().find("all 3 spans are invalid"), std::string::npos) << st.message();
  ASSERT_EQ(st.details_size(), 1);
  EXPECT_EQ(st.details(0).type_url(), "type.googleapis.com/google.rpc.BadRequest");
  ExportRequest some = MakeRequest(5);
  some.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(2)->set_trace_id("short");
  res = client.Post("application/x-protobuf", some.SerializeAsString());
  ASSERT_EQ(res.status, 200);
  ExportResponse resp;
  ASSERT_TRUE(resp.ParseFromString(res.body));
  EXPECT_EQ(resp.partial_success().rejected_spans(), 1);
  EXPECT_NE(resp.partial_success().error_message().find("trace_id must be 16 bytes, got 5"),
            std::string::npos);

  // Over the limit as sent: 413, and the connection is closed after the answer.
  res = client.Post("application/x-protobuf", big);
  EXPECT_EQ(res.status, 413);

  // The receiver still serves.
  HttpClient again(r->http_port());
  EXPECT_EQ(again.Post("application/x-protobuf", good).status, 200);
  StatsSnapshot s = r->stats().Snapshot();
  EXPECT_EQ(s.requests_by_code.at("http:400"), 5u);
  EXPECT_EQ(s.requests_by_code.at("http:413"), 2u);
  EXPECT_EQ(s.requests_by_code.at("http:415"), 2u);
  EXPECT_EQ(s.requests_by_code.at("http:404"), 1u);
  EXPECT_EQ(s.requests_by_code.at("http:405"), 1u);
  EXPECT_EQ(s.requests_by_code.at("http:200"), 2u);
  EXPECT_EQ(s.spans_accepted, 4u + 10);
  EXPECT_EQ(s.spans_invalid, 3u + 1);
}

TEST(ReceiverTest, GrpcMalformedInputGetsTheProtocolAnswer) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  ReceiverOptions o = LoopbackOptions();
  o.max_request_bytes = 64 * 1024;
  auto r = StartOrDie(o);
  ASSERT_NE(r, nullptr);
  auto stub = Stub(r->grpc_port());
  ExportResponse resp;
  // Over the limit.
  grpc::Status st = Export(*stub, MakeRequest(2000), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << st.error_message();
  EXPECT_NE(st.error_message().find("exceeds the limit of 65536 bytes"), std::string::npos);
  // Over the limit after gzip decompression.
  st = Export(*stub, MakeRequest(2000), &resp, /*gzip=*/true);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << st.error_message();
  // All invalid: INVALID_ARGUMENT with a BadRequest in grpc-status-details-bin.
  ExportRequest bad = MakeRequest(2);
  for (auto& span : *bad.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans()) {
    span.set_trace_id(std::string(16, '\0'));
  }
  st = Export(*stub, bad, &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  rpc::Status details = ParseRpcStatus(st.error_details());
  EXPECT_EQ(details.code(), 3);
  ASSERT_EQ(details.details_size(), 1);
  rpc::BadRequest br;
  ASSERT_TRUE(br.ParseFromString(details.details(0).value()));
  EXPECT_EQ(br.field_violations(0).field(), "resource_spans[0].scope_spans[0].spans[0]");
  // Some invalid: partial success.
  ExportRequest some = MakeRequest(4);
  some.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(3)->set_parent_span_id(
      "123");
  resp.Clear();
  st = Export(*stub, some, &resp);
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(resp.partial_success().rejected_spans(), 1);
  // A truncated protobuf sent as raw bytes: INVALID_ARGUMENT (OTLP spec; issue 16 item 8).
  auto channel = grpc::CreateChannel("127.0.0.1:" + std::to_string(r->grpc_port()),
                                     grpc::InsecureChannelCredentials());
  grpc::GenericStub generic(channel);
  std::string good = MakeRequest(3).SerializeAsString();
  std::string truncated = good.substr(0, good.size() - 5);
  grpc::Slice slice(truncated.data(), truncated.size());
  grpc::ByteBuffer request_buffer(&slice, 1);
  grpc::ByteBuffer response_buffer;
  grpc::ClientContext ctx;
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  grpc::Status raw_status;
  generic.UnaryCall(&ctx, "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
                    grpc::StubOptions(), &request_buffer, &response_buffer, [&](grpc::Status s) {
                      std::lock_guard<std::mutex> lock(mu);
                      raw_status = s;
                      done = true;
                      cv.notify_all();
                    });
  {
    std::unique_lock<std::mutex> lock(mu);
    ASSERT_TRUE(cv.wait_for(lock, std::chrono::seconds(10), [&] { return done; }));
  }
  EXPECT_EQ(raw_status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_NE(raw_status.error_message().find("not a valid protobuf"), std::string::npos)
      << raw_status.error_message();
  // Still serving.
  resp.Clear();
  EXPECT_TRUE(Export(*stub, MakeRequest(7), &resp).ok());
  StatsSnapshot s = r->stats().Snapshot();
  EXPECT_EQ(s.requests_by_code.at("grpc:RESOURCE_EXHAUSTED"), 2u);
  EXPECT_EQ(s.requests_by_code.at("grpc:INVALID_ARGUMENT"), 2u);
  EXPECT_EQ(s.requests_by_code.at("grpc:OK"), 2u);
  EXPECT_EQ(s.spans_accepted, 3u + 7);
  // The gzip request over the limit is not inflated past it: its spans are not counted.
  EXPECT_EQ(s.spans_refused, 2000u);
}

TEST(ReceiverTest, FaultUnavailableAndThrottleCarryRetryHints) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  for (const char* mode : {"unavailable", "throttle"}) {
    SCOPED_TRACE(mode);
    ReceiverOptions o = LoopbackOptions();
    ASSERT_TRUE(ApplyFaultSpec(std::string(mode) + "=1", &o.faults).ok());
    o.faults.retry_after = std::chrono::milliseconds(1500);
    auto r = StartOrDie(o);
    ASSERT_NE(r, nullptr);
    bool unavailable = std::string(mode) == "unavailable";
    auto stub = Stub(r->grpc_port());
    ExportResponse resp;
    grpc::Status st = Export(*stub, MakeRequest(5), &resp);
    EXPECT_EQ(st.error_code(),
              unavailable ? grpc::StatusCode::UNAVAILABLE : grpc::StatusCode::RESOURCE_EXHAUSTED);
    EXPECT_EQ(RetryDelayMs(ParseRpcStatus(st.error_details())), 1500);
    HttpClient client(r->http_port());
    HttpResult res = client.Post("application/x-protobuf", MakeRequest(5).SerializeAsString());
    EXPECT_EQ(res.status, unavailable ? 503 : 429);
    EXPECT_EQ(res.headers["Retry-After"], "2");
    EXPECT_EQ(RetryDelayMs(ParseRpcStatus(res.body)), 1500);
    res = client.Post("application/json", ToOtlpJson(MakeRequest(5)));
    EXPECT_EQ(res.status, unavailable ? 503 : 429);
    auto j = nlohmann::json::parse(res.body);
    EXPECT_EQ(j["details"][0]["retryDelay"], "1.500s");
    StatsSnapshot s = r->stats().Snapshot();
    EXPECT_EQ(s.spans_refused, 15u);
    EXPECT_EQ(s.spans_accepted, 0u);
  }
}

TEST(ReceiverTest, FaultRejectAndNoRetryHint) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  ReceiverOptions o = LoopbackOptions();
  o.faults.reject = 1;
  auto r = StartOrDie(o);
  ASSERT_NE(r, nullptr);
  auto stub = Stub(r->grpc_port());
  ExportResponse resp;
  grpc::Status st = Export(*stub, MakeRequest(5), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(RetryDelayMs(ParseRpcStatus(st.error_details())), -1);
  HttpClient client(r->http_port());
  HttpResult res = client.Post("application/x-protobuf", MakeRequest(5).SerializeAsString());
  EXPECT_EQ(res.status, 400);
  EXPECT_EQ(res.headers.count("Retry-After"), 0u);
}

TEST(ReceiverTest, FaultDropClosesOrCancels) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  ReceiverOptions o = LoopbackOptions();
  o.faults.drop = 1;
  auto r = StartOrDie(o);
  ASSERT_NE(r, nullptr);
  HttpClient client(r->http_port());
  HttpResult res = client.Post("application/x-protobuf", MakeRequest(5).SerializeAsString());
  EXPECT_EQ(res.status, 0);  // closed without an answer
  auto stub = Stub(r->grpc_port());
  ExportResponse resp;
  grpc::Status st = Export(*stub, MakeRequest(5), &resp);
  EXPECT_EQ(st.error_code(), grpc::StatusCode::CANCELLED) << st.error_message();
  StatsSnapshot s = r->stats().Snapshot();
  EXPECT_EQ(s.requests_by_code.at("http:dropped"), 1u);
  EXPECT_EQ(s.requests_by_code.at("grpc:dropped"), 1u);
}

TEST(ReceiverTest, FaultSlowDelaysTheAnswer) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  ReceiverOptions o = LoopbackOptions();
  o.faults.slow = 1;
  o.faults.delay = std::chrono::milliseconds(300);
  auto r = StartOrDie(o);
  ASSERT_NE(r, nullptr);
  auto stub = Stub(r->grpc_port());
  ExportResponse resp;
  auto t0 = std::chrono::steady_clock::now();
  ASSERT_TRUE(Export(*stub, MakeRequest(5), &resp).ok());
  auto t1 = std::chrono::steady_clock::now();
  HttpClient client(r->http_port());
  EXPECT_EQ(client.Post("application/x-protobuf", MakeRequest(5).SerializeAsString()).status, 200);
  auto t2 = std::chrono::steady_clock::now();
  EXPECT_GE(t1 - t0, std::chrono::milliseconds(290));
  EXPECT_GE(t2 - t1, std::chrono::milliseconds(290));
}

TEST(ReceiverTest, FaultPartialAndMixedAnswersFollowTheSeed) {
  ReceiverOptions o = LoopbackOptions();
  o.faults.partial = 0.3;
  o.faults.unavailable = 0.25;
  o.faults.reject = 0.1;
  o.faults.seed = 5;
  o.faults.retry_after = std::chrono::milliseconds(0);  // no hint
  auto r = StartOrDie(o);
  ASSERT_NE(r, nullptr);
  FaultInjector expect(o.faults);
  HttpClient client(r->http_port());
  uint64_t expected_partial = 0, expected_accepted = 0;
  constexpr int kSpans = 20;
  for (uint64_t i = 0; i < 40; ++i) {
    HttpResult res = client.Post("application/x-protobuf", MakeRequest(kSpans).SerializeAsString());
    FaultDecision d = expect.At(i);
    int want = d.action == FaultAction::kUnavailable ? 503
               : d.action == FaultAction::kReject    ? 400
                                                     : 200;
    ASSERT_EQ(res.status, want) << "request " << i;
    if (want == 503) {
      EXPECT_EQ(res.headers.count("Retry-After"), 0u);
    }
    if (want != 200) continue;
    int64_t rejected = 0;
    for (int k = 0; k < kSpans; ++k) rejected += expect.RejectSpan(i, k);
    ExportResponse resp;
    ASSERT_TRUE(resp.ParseFromString(res.body));
    EXPECT_EQ(resp.partial_success().rejected_spans(), rejected) << "request " << i;
    if (rejected > 0) {
      EXPECT_NE(resp.partial_success().error_message().find("injected fault: partial"),
                std::string::npos);
    }
    expected_partial += rejected;
    expected_accepted += kSpans - rejected;
  }
  StatsSnapshot s = r->stats().Snapshot();
  EXPECT_EQ(s.spans_partial, expected_partial);
  EXPECT_EQ(s.spans_accepted, expected_accepted);
  EXPECT_GT(expected_partial, 0u);
  EXPECT_GT(s.requests_by_code.at("http:503"), 0u);
  EXPECT_GT(s.requests_by_code.at("http:400"), 0u);
}

// Parses a Prometheus text exposition into "name{labels}" -> value.
std::map<std::string, double> ParseExposition(const std::string& text) {
  std::map<std::string, double> samples;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    size_t space = line.rfind(' ');
    EXPECT_NE(space, std::string::npos) << line;
    samples[line.substr(0, space)] = std::stod(line.substr(space + 1));
  }
  return samples;
}

TEST(ReceiverTest, MetricsEndpointIsScrapable) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  ReceiverOptions o = LoopbackOptions();
  o.metrics_address = "127.0.0.1:0";
  auto r = StartOrDie(o);
  ASSERT_NE(r, nullptr);
  ASSERT_NE(r->metrics_port(), 0);
  auto stub = Stub(r->grpc_port());
  ExportResponse resp;
  ASSERT_TRUE(Export(*stub, MakeRequest(12, 1, 3), &resp).ok());
  HttpClient client(r->http_port());
  EXPECT_EQ(client.Post("text/xml", "x").status, 415);
  HttpClient scraper(r->metrics_port());
  HttpResult res = scraper.Send(http::verb::get, "/metrics", "", "");
  ASSERT_EQ(res.status, 200);
  EXPECT_EQ(res.content_type, "text/plain; version=0.0.4; charset=utf-8");
  auto samples = ParseExposition(res.body);
  EXPECT_EQ(samples["tracesim_receiver_requests_total{code=\"OK\",protocol=\"grpc\"}"], 1);
  EXPECT_EQ(samples["tracesim_receiver_requests_total{code=\"415\",protocol=\"http\"}"], 1);
  EXPECT_EQ(samples["tracesim_receiver_spans_total{result=\"accepted\"}"], 12);
  EXPECT_EQ(samples["tracesim_receiver_traces_seen"], 4);
  EXPECT_GT(samples["tracesim_receiver_bytes_total{protocol=\"grpc\",stage=\"wire\"}"], 0);
  EXPECT_EQ(scraper.Send(http::verb::get, "/other", "", "").status, 404);
  EXPECT_EQ(scraper.Send(http::verb::post, "/metrics", "", "").status, 405);
}

// --collector-metrics: the Collector's own series beside tracesim's, each named and labelled as
// the real Collector v0.161.0 exposes it (its scrape, loadgen/target/testdata/), counting the
// spans per transport: accepted, and every span not accepted as refused.
TEST(ReceiverTest, CollectorSeriesAreTheCollectorsNamesAndCountPerTransport) {
  ReceiverOptions o = LoopbackOptions();
  o.metrics_address = "127.0.0.1:0";
  o.collector_metrics = true;
  o.faults.partial = 0.5;  // rejected spans are not accepted: refused in the Collector's terms
  auto r = StartOrDie(o);
  ASSERT_NE(r, nullptr);
  HttpClient client(r->http_port());
  ASSERT_EQ(client.Post("application/x-protobuf", MakeRequest(8).SerializeAsString()).status, 200);
  HttpClient scraper(r->metrics_port());
  const HttpResult res = scraper.Send(http::verb::get, "/metrics", "", "");
  ASSERT_EQ(res.status, 200);
  auto samples = ParseExposition(res.body);
  const StatsSnapshot snap = r->stats().Snapshot();
  const std::string http = "{receiver=\"otlp\",transport=\"http\"}";
  EXPECT_EQ(samples["otelcol_receiver_accepted_spans" + http], snap.spans_accepted);
  EXPECT_EQ(samples["otelcol_receiver_refused_spans" + http], 8 - snap.spans_accepted);
  EXPECT_EQ(samples["otelcol_receiver_failed_spans" + http], 0);
  EXPECT_EQ(samples["otelcol_receiver_accepted_spans{receiver=\"otlp\",transport=\"grpc\"}"], 0);
  EXPECT_GT(samples["otelcol_process_memory_rss"], 1e6);
  EXPECT_GT(samples["otelcol_process_cpu_seconds"], 0);
  EXPECT_GT(samples["otelcol_process_uptime"], 0);
  // Every otelcol_ series is one the real Collector has, with the same label names.
  std::ifstream f(std::string(TRACESIM_SOURCE_DIR) +
                  "/loadgen/target/testdata/otelcol-0.161.0.prom");
  std::stringstream real;
  real << f.rdbuf();
  ASSERT_FALSE(real.str().empty());
  size_t otel = 0;
  for (const auto& [series, value] : samples) {
    if (series.rfind("otelcol_", 0) != 0) continue;
    ++otel;
    std::string shape = series;  // name{k1="v",k2="v"} -> name{k1=,k2=}
    for (size_t q = shape.find('"'); q != std::string::npos; q = shape.find('"', q)) {
      const size_t end = shape.find('"', q + 1);
      shape.erase(q, end - q + 1);
    }
    bool found = false;
    std::istringstream lines(real.str());
    for (std::string line; !found && std::getline(lines, line);) {
      if (line.empty() || line[0] == '#') continue;
      std::string real_shape = line.substr(0, line.rfind(' '));
      for (size_t q = real_shape.find('"'); q != std::string::npos; q = real_shape.find('"', q)) {
        const size_t end = real_shape.find('"', q + 1);
        real_shape.erase(q, end - q + 1);
      }
      found = real_shape == shape;
    }
    EXPECT_TRUE(found) << series << " is not in the Collector's own scrape";
  }
  EXPECT_EQ(otel, 9u);
}

TEST(ReceiverTest, SummaryAfterStop) {
  ReceiverOptions o = LoopbackOptions();
  o.faults.partial = 1;
  auto r = StartOrDie(o);
  ASSERT_NE(r, nullptr);
  HttpClient client(r->http_port());
  ASSERT_EQ(client.Post("application/x-protobuf", MakeRequest(8).SerializeAsString()).status, 200);
  ASSERT_TRUE(r->Stop().ok());
  ASSERT_TRUE(r->Stop().ok());  // idempotent
  double elapsed = r->Elapsed().count();
  std::string text = RenderSummaryJson(r->stats().Snapshot(), elapsed, 0, o);
  auto j = nlohmann::json::parse(text);
  EXPECT_EQ(j["requests"], 1);
  EXPECT_EQ(j["requests_by_code"]["http:200"], 1);
  EXPECT_EQ(j["spans"]["received"], 8);
  EXPECT_EQ(j["spans"]["accepted"], 0);
  EXPECT_EQ(j["spans"]["rejected"], 8);
  EXPECT_EQ(j["spans"]["partial"], 8);
  EXPECT_GT(j["bytes"]["wire"].get<uint64_t>(), 0u);
  EXPECT_EQ(j["traces_seen"], 0);
  EXPECT_DOUBLE_EQ(j["duration_s"].get<double>(), elapsed);
  EXPECT_EQ(j["config"]["faults"]["partial"], 1.0);
}

TEST(ReceiverTest, StartErrorsNameTheCause) {
  ReceiverOptions o = LoopbackOptions();
  auto first = StartOrDie(o);
  ASSERT_NE(first, nullptr);
  ReceiverOptions clash = LoopbackOptions();
  clash.http_address = "127.0.0.1:" + std::to_string(first->http_port());
  auto r = Receiver::Start(clash);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(
      r.status().message().find("cannot listen on 127.0.0.1:" + std::to_string(first->http_port())),
      std::string::npos)
      << r.status().message();
  ReceiverOptions grpc_clash = LoopbackOptions();
  grpc_clash.grpc_address = "127.0.0.1:" + std::to_string(first->grpc_port());
  r = Receiver::Start(grpc_clash);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("OTLP/gRPC: cannot listen on 127.0.0.1:" +
                                      std::to_string(first->grpc_port())),
            std::string::npos)
      << r.status().message();
  ReceiverOptions bad_out = LoopbackOptions();
  bad_out.out_path = "/nonexistent-dir/x/out.jsonl";
  r = Receiver::Start(bad_out);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("--out /nonexistent-dir/x/out.jsonl"), std::string::npos);
  ReceiverOptions invalid = LoopbackOptions();
  invalid.faults.drop = 2;
  r = Receiver::Start(invalid);
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("faults.drop"), std::string::npos);
}

}  // namespace
}  // namespace tracesim::receiver
