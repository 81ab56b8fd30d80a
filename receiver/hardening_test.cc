// Issue 16 regression tests: the receiver facing misbehaving clients. Real servers on loopback
// with ephemeral ports, raw bytes or real gRPC clients, loops bounded by counts or deadlines.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "exporter/proto/trace_service.grpc.pb.h"
#include "receiver/http_server.h"
#include "receiver/otlp_codec.h"
#include "receiver/receiver.h"
#include "receiver/test_h2.h"
#include "receiver/test_requests.h"
#include "sim/base/sanitizer_skips.h"

namespace tracesim::receiver {
namespace {

using opentelemetry::proto::collector::trace::v1::TraceService;
using testing::HeapInUseKib;
using testing::MakeRequest;
using testing::PeakRssKib;
using testing::RawH2Client;
using testing::ResetPeakRss;

// A connected loopback TCP socket with a receive timeout; -1 on failure.
int Connect(uint16_t port, std::chrono::milliseconds timeout = std::chrono::seconds(5)) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

bool SendAll(int fd, const std::string& bytes) {
  size_t off = 0;
  while (off < bytes.size()) {
    ssize_t n = ::send(fd, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return false;
    off += static_cast<size_t>(n);
  }
  return true;
}

// Reads until the peer closes, the timeout passes or `until` appears.
std::string ReadAll(int fd, const std::string& until = "") {
  std::string out;
  char buf[16384];
  for (;;) {
    ssize_t n = ::recv(fd, buf, sizeof(buf), 0);
    if (n <= 0) break;
    out.append(buf, static_cast<size_t>(n));
    if (!until.empty() && out.find(until) != std::string::npos) break;
  }
  return out;
}

struct RawReply {
  int status = 0;  // 0: closed without an answer
  std::string head;
  std::string body;
};

RawReply ParseReply(const std::string& raw) {
  RawReply r;
  size_t end = raw.find("\r\n\r\n");
  if (raw.rfind("HTTP/1.", 0) != 0 || end == std::string::npos) return r;
  r.status = std::atoi(raw.c_str() + 9);
  r.head = raw.substr(0, end);
  r.body = raw.substr(end + 4);
  return r;
}

// Sends `bytes` on a fresh connection and reads the answer until the server closes.
RawReply Exchange(uint16_t port, const std::string& bytes) {
  int fd = Connect(port);
  if (fd < 0) return {};
  SendAll(fd, bytes);
  std::string raw = ReadAll(fd);
  ::close(fd);
  return ParseReply(raw);
}

std::string Post(const std::string& content_type, const std::string& body,
                 const std::string& extra_headers = "") {
  return "POST /v1/traces HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Type: " +
         content_type + "\r\nContent-Length: " + std::to_string(body.size()) + "\r\n" +
         extra_headers + "\r\n" + body;
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
  return std::move(r).value();
}

bool StillServes(Receiver& r) {
  RawReply res =
      Exchange(r.http_port(), Post("application/x-protobuf", MakeRequest(2).SerializeAsString()));
  return res.status == 200;
}

// Item 9: `1e400` as application/json used to abort the process (uncaught out_of_range).
TEST(HardeningTest, JsonNumberOverflowIsA400) {
  auto r = StartOrDie(LoopbackOptions());
  ASSERT_NE(r, nullptr);
  for (const char* body : {"1e400", R"({"resourceSpans":[{"x":-1e400}]})"}) {
    RawReply res = Exchange(r->http_port(), Post("application/json", body));
    EXPECT_EQ(res.status, 400) << body;
    EXPECT_NE(res.body.find("JSON"), std::string::npos) << res.body;
  }
  EXPECT_TRUE(StillServes(*r));
}

// A string field with invalid UTF-8 (a KeyValue key of one 0xff byte) fails the protobuf parse:
// 400 to the client, and no libprotobuf line on stderr, which a client could otherwise fill.
TEST(HardeningTest, InvalidUtf8IsA400WithoutALogLine) {
  auto r = StartOrDie(LoopbackOptions());
  ASSERT_NE(r, nullptr);
  // ExportTraceServiceRequest{resource_spans{resource{attributes{key: "\xff"}}}}
  const std::string body("\x0a\x07\x0a\x05\x0a\x03\x0a\x01\xff", 9);
  ::testing::internal::CaptureStderr();
  RawReply res = Exchange(r->http_port(), Post("application/x-protobuf", body));
  const std::string logged = ::testing::internal::GetCapturedStderr();
  EXPECT_EQ(res.status, 400) << res.body;
  EXPECT_EQ(logged.find("libprotobuf"), std::string::npos) << logged;
  EXPECT_TRUE(StillServes(*r));
}

// Item 9: whatever a handler throws, the HTTP server answers 500 and keeps serving.
TEST(HardeningTest, HttpHandlerExceptionsBecome500) {
  boost::asio::io_context ioc;
  int calls = 0;
  auto server = HttpServer::Start(ioc, "127.0.0.1", 0, HttpLimits{},
                                  [&](const HttpRequest& req, bool) -> HttpReply {
                                    if (++calls == 1) throw std::runtime_error("boom");
                                    if (calls == 2) throw 42;  // not even a std::exception
                                    return TextReply(200, "ok");
                                  });
  ASSERT_TRUE(server.ok()) << server.status().message();
  uint16_t port = (*server)->port();
  std::thread t([&] { ioc.run_for(std::chrono::seconds(10)); });
  RawReply a = Exchange(port, Post("text/plain", "x"));
  RawReply b = Exchange(port, Post("text/plain", "x"));
  RawReply c = Exchange(port, Post("text/plain", "x"));
  (*server)->Stop();
  ioc.stop();
  t.join();
  EXPECT_EQ(a.status, 500);
  EXPECT_NE(a.body.find("boom"), std::string::npos) << a.body;
  EXPECT_EQ(b.status, 500);
  EXPECT_EQ(c.status, 200);
  EXPECT_EQ(c.body, "ok");
}

// Item 1: 100 k nested arrays (200 KB, or a few hundred bytes gzipped) used to overflow the
// stack in a recursive dump(); they are refused before anything recurses.
TEST(HardeningTest, DeeplyNestedJsonIsA400NamingTheLimit) {
  auto r = StartOrDie(LoopbackOptions());
  ASSERT_NE(r, nullptr);
  std::string deep =
      "{\"resourceSpans\":" + std::string(100000, '[') + std::string(100000, ']') + "}";
  RawReply res = Exchange(r->http_port(), Post("application/json", deep));
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("nested deeper than " + std::to_string(kMaxJsonDepth)), std::string::npos)
      << res.body;
  std::string gz = Gzip(deep);
  EXPECT_LT(gz.size(), 1000u);
  res = Exchange(r->http_port(), Post("application/json", gz, "Content-Encoding: gzip\r\n"));
  EXPECT_EQ(res.status, 400);
  EXPECT_TRUE(StillServes(*r));
}

// Item 8: a resourceSpans element that is not an object was answered 200.
TEST(HardeningTest, NonObjectResourceSpansIsA400) {
  auto r = StartOrDie(LoopbackOptions());
  ASSERT_NE(r, nullptr);
  RawReply res = Exchange(r->http_port(), Post("application/json", R"({"resourceSpans":[[]]})"));
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.body.find("resourceSpans[0]: must be an object"), std::string::npos) << res.body;
}

uint64_t Count(Receiver& r, const std::string& key) {
  auto s = r.stats().Snapshot();
  auto it = s.requests_by_code.find(key);
  return it == s.requests_by_code.end() ? 0 : it->second;
}

// Item 2: a gzip bomb over gRPC (48 MiB of zeros in ~47 KB) used to be inflated in full by gRPC
// before the size check (1.07 MiB of gzip: 1.19 GB). Now gRPC hands over the compressed bytes
// and the receiver inflates them with --max-request-bytes as the limit.
TEST(HardeningTest, GrpcGzipBombIsRefusedWithinTheLimit) {
  if (testing::kUnderSanitizer) GTEST_SKIP() << "RSS figures mean nothing under a sanitizer";
  ReceiverOptions o = LoopbackOptions();  // 4 MiB limit
  auto r = StartOrDie(o);
  ASSERT_NE(r, nullptr);
  std::string bomb = Gzip(std::string(48u << 20, '\0'));
  ASSERT_LT(bomb.size(), 60000u);  // one message within HTTP/2's initial 64 KiB window
  ASSERT_TRUE(ResetPeakRss());
  long before = PeakRssKib();
  for (uint32_t stream : {1u, 3u}) {  // two bombs on one connection, one after the other
    RawH2Client client(r->grpc_port());
    ASSERT_TRUE(client.ok());
    client.Headers(stream, "gzip");
    client.Message(stream, bomb, /*compressed=*/true);
    EXPECT_TRUE(client.AwaitEnd(stream, std::chrono::seconds(10)));
  }
  long grown_kib = PeakRssKib() - before;
  // Documented bound (doc/receive.md): ~2 x the limit per request being inflated; 3 x here.
  EXPECT_LT(grown_kib, 3 * 4096) << "peak RSS grew by " << grown_kib << " KiB";
  EXPECT_EQ(Count(*r, "grpc:RESOURCE_EXHAUSTED"), 2u);
  // A gzip request within the limit is still inflated and accepted.
  RawH2Client client(r->grpc_port());
  client.Headers(1, "gzip");
  client.Message(1, Gzip(MakeRequest(20).SerializeAsString()), /*compressed=*/true);
  EXPECT_TRUE(client.AwaitEnd(1, std::chrono::seconds(10)));
  EXPECT_EQ(Count(*r, "grpc:OK"), 1u);
  EXPECT_EQ(r->stats().Snapshot().spans_accepted, 20u);
}

// With gRPC's decompression off, the receiver inflates what real gRPC clients compress: gzip
// and deflate (zlib), and leaves uncompressed messages alone.
TEST(HardeningTest, GrpcClientCompressionStillWorks) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  auto r = StartOrDie(LoopbackOptions());
  ASSERT_NE(r, nullptr);
  auto stub = TraceService::NewStub(grpc::CreateChannel(
      "127.0.0.1:" + std::to_string(r->grpc_port()), grpc::InsecureChannelCredentials()));
  int spans = 0;
  for (grpc_compression_algorithm algo :
       {GRPC_COMPRESS_NONE, GRPC_COMPRESS_GZIP, GRPC_COMPRESS_DEFLATE}) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(10));
    ctx.set_compression_algorithm(algo);
    ExportResponse resp;
    spans += 50;
    grpc::Status st = stub->Export(&ctx, MakeRequest(50, 1, 1, 1 + algo), &resp);
    EXPECT_TRUE(st.ok()) << algo << ": " << st.error_message();
  }
  auto s = r->stats().Snapshot();
  EXPECT_EQ(s.spans_accepted, static_cast<uint64_t>(spans));
  EXPECT_LT(s.bytes_wire, s.bytes_decoded);  // the compressed ones count their wire size
}

// Item 8: a malformed protobuf over gRPC got UNIMPLEMENTED; the OTLP spec says INVALID_ARGUMENT.
TEST(HardeningTest, MalformedGrpcMessageIsInvalidArgument) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  auto r = StartOrDie(LoopbackOptions());
  ASSERT_NE(r, nullptr);
  std::string good = MakeRequest(3).SerializeAsString();
  RawH2Client client(r->grpc_port());
  client.Headers(1, "");
  client.Message(1, good.substr(0, good.size() - 5), /*compressed=*/false);
  EXPECT_TRUE(client.AwaitEnd(1, std::chrono::seconds(10)));
  client.Headers(3, "gzip");
  client.Message(3, "\x1f\x8b not really gzip", /*compressed=*/true);
  EXPECT_TRUE(client.AwaitEnd(3, std::chrono::seconds(10)));
  EXPECT_EQ(Count(*r, "grpc:INVALID_ARGUMENT"), 2u);
  EXPECT_EQ(Count(*r, "grpc:UNIMPLEMENTED"), 0u);
}

// Item 4: a client that keeps its connection (here: a call whose message never comes) makes
// the receiver close the connection itself at Stop(), which leaves the port's side in TIME_WAIT;
// the port probe, bound without SO_REUSEADDR, then refused the port for ~60 s.
TEST(HardeningTest, GrpcPortRebindsAfterStopWithAClientConnected) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  auto first = StartOrDie(LoopbackOptions());
  ASSERT_NE(first, nullptr);
  uint16_t port = first->grpc_port();
  RawH2Client client(port);
  client.Headers(1, "");  // no message, no END_STREAM: the call stays open
  client.Pump(std::chrono::milliseconds(200));
  ASSERT_TRUE(first->Stop().ok());  // waits up to 2 s, then closes the connection
  first.reset();
  ReceiverOptions o = LoopbackOptions();
  o.grpc_address = "127.0.0.1:" + std::to_string(port);
  auto second = Receiver::Start(o);
  ASSERT_TRUE(second.ok()) << second.status().message();
  // A second live receiver on the same port is still refused.
  auto third = Receiver::Start(o);
  EXPECT_FALSE(third.ok());
}

// Item 3: rapid reset (HEADERS then RST_STREAM at once, 10 k times, ~1 MB of traffic). gRPC 1.51
// creates a call (arena, stream) for every HEADERS before the reset is seen and frees it only
// when the server has drained it; a reset stream leaves the concurrency cap at once, and the
// resource quota reclaims only open streams. So no setting bounds the peak: it depends on how far
// gRPC's reader runs ahead of the call processing. Measured on 2 vCPUs (doc/receive.md, 20 k
// streams): 8-25 MiB in most runs, 57-364 MiB in some, up to 18 KiB per stream when the calls
// pile up. What is guaranteed and asserted: a reset call does no request work (no decode arena),
// so it costs a bounded amount (40 KiB per stream: over twice the worst measured), all of it is
// released once the burst is drained, and the receiver keeps serving.
TEST(HardeningTest, GrpcRapidResetIsDrainedAndReleased) {
  if (testing::kUnderSanitizer)
    GTEST_SKIP() << "RSS and heap figures mean nothing under a sanitizer";
  ReceiverOptions o = LoopbackOptions();
  auto r = StartOrDie(o);
  ASSERT_NE(r, nullptr);
  constexpr long kStreams = 10000;
  ASSERT_TRUE(ResetPeakRss());
  const long rss_before = PeakRssKib();
  const long heap_before = HeapInUseKib();
  RawH2Client client(r->grpc_port());
  ASSERT_TRUE(client.ok());
  client.Pump(std::chrono::milliseconds(50));
  uint32_t stream = 1;
  for (int batch = 0; batch < kStreams / 500 && client.ok(); ++batch) {
    for (int i = 0; i < 500; ++i, stream += 2) {
      client.Headers(stream, "");
      client.Reset(stream);
    }
    client.Pump(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(client.ok());
  // Drained: the heap returns near where it was (the calls are freed; gRPC keeps a few MiB of
  // connection buffers and caches), within 30 s.
  long heap_after = HeapInUseKib();
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (heap_after - heap_before > 12 * 1024 && std::chrono::steady_clock::now() < deadline) {
    client.Pump(std::chrono::milliseconds(100));
    heap_after = HeapInUseKib();
  }
  const long grown_kib = PeakRssKib() - rss_before;
  std::fprintf(stderr,
               "rapid reset: %u streams, peak RSS grew by %ld KiB (%.1f KiB per stream), heap "
               "%ld -> %ld KiB after the drain\n",
               stream / 2, grown_kib, static_cast<double>(grown_kib) / kStreams, heap_before,
               heap_after);
  EXPECT_LT(grown_kib, kStreams * 40) << "peak RSS grew by " << grown_kib << " KiB";
  EXPECT_LT(heap_after - heap_before, 32 * 1024) << "heap " << heap_before << " -> " << heap_after;
  // Still serving (a new connection).
  RawH2Client again(r->grpc_port());
  again.Headers(1, "");
  again.Message(1, MakeRequest(3).SerializeAsString(), false);
  EXPECT_TRUE(again.AwaitEnd(1, std::chrono::seconds(10)));
  EXPECT_EQ(Count(*r, "grpc:OK"), 1u);
}

// Item 8: framing errors used to close the connection without an answer.
TEST(HardeningTest, HttpFramingErrorsAreAnswered) {
  auto r = StartOrDie(LoopbackOptions());
  ASSERT_NE(r, nullptr);
  uint16_t port = r->http_port();
  RawReply res =
      Exchange(port, "POST /v1/traces HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n");
  EXPECT_EQ(res.status, 400);
  EXPECT_NE(res.head.find("text/plain"), std::string::npos) << res.head;
  res = Exchange(port, "\x01\x02 / HTTP/1.1\r\n\r\n");
  EXPECT_EQ(res.status, 400);
  res = Exchange(
      port, "GET /v1/traces HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(70000, 'a') + "\r\n\r\n");
  EXPECT_EQ(res.status, 431);
  EXPECT_NE(res.body.find("65536"), std::string::npos) << res.body;
  res = Exchange(port, "GET /v1/traces HTTP/3.0\r\nHost: x\r\n\r\n");
  EXPECT_EQ(res.status, 505);
  EXPECT_TRUE(StillServes(*r));
}

// Item 8: `Expect: 100-continue` was never answered (curl waited 1 s before sending the body).
TEST(HardeningTest, HttpExpectContinueIsAnswered) {
  auto r = StartOrDie(LoopbackOptions());
  ASSERT_NE(r, nullptr);
  std::string body = MakeRequest(5).SerializeAsString();
  int fd = Connect(r->http_port(), std::chrono::milliseconds(500));
  ASSERT_GE(fd, 0);
  std::string head = Post("application/x-protobuf", "", "Expect: 100-continue\r\n");
  head.replace(head.find("Content-Length: 0"), 17,
               "Content-Length: " + std::to_string(body.size()));
  ASSERT_TRUE(SendAll(fd, head));
  std::string interim = ReadAll(fd, "\r\n\r\n");  // within the 500 ms receive timeout
  EXPECT_EQ(interim, "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(SendAll(fd, body));
  timeval tv{5, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  RawReply res = ParseReply(ReadAll(fd));
  ::close(fd);
  EXPECT_EQ(res.status, 200);
  EXPECT_EQ(r->stats().Snapshot().spans_accepted, 5u);
}

// Item 8: error bodies to a GET or a text/plain POST were binary protobuf; the message of a
// decompression over the limit read "decompressed decompressed body".
TEST(HardeningTest, HttpErrorBodiesFollowTheRequest) {
  ReceiverOptions o = LoopbackOptions();
  o.max_request_bytes = 64 * 1024;
  auto r = StartOrDie(o);
  ASSERT_NE(r, nullptr);
  RawReply res =
      Exchange(r->http_port(), "GET /v1/traces HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  EXPECT_EQ(res.status, 405);
  EXPECT_NE(res.head.find("Content-Type: text/plain"), std::string::npos) << res.head;
  EXPECT_EQ(res.body, "method GET not allowed; use POST\n");
  res = Exchange(r->http_port(), Post("text/plain", "hello"));
  EXPECT_EQ(res.status, 415);
  EXPECT_NE(res.head.find("Content-Type: text/plain"), std::string::npos) << res.head;
  EXPECT_NE(res.body.find("unsupported Content-Type 'text/plain'"), std::string::npos);
  res = Exchange(r->http_port(), Post("application/json", Gzip(std::string(200000, ' ') + "{}"),
                                      "Content-Encoding: gzip\r\n"));
  EXPECT_EQ(res.status, 413);
  EXPECT_EQ(res.body.find("decompressed decompressed"), std::string::npos) << res.body;
  EXPECT_NE(res.body.find("decompressed body exceeds the limit of 65536 bytes"), std::string::npos)
      << res.body;
}

// Item 5: no connection cap. Over the cap, a connection gets 503 at once and is closed; the
// receiver serves again when one closes.
TEST(HardeningTest, HttpConnectionsAreCapped) {
  ReceiverOptions o = LoopbackOptions();
  o.http_max_connections = 8;
  auto r = StartOrDie(o);
  ASSERT_NE(r, nullptr);
  std::vector<int> held;
  for (int i = 0; i < 8; ++i) {
    held.push_back(Connect(r->http_port()));
    ASSERT_GE(held.back(), 0);
  }
  // The accepts happen asynchronously: wait (bounded) until all 8 are counted.
  for (int i = 0; i < 100 && r->stats().Snapshot().requests == 0; ++i) {
    RawReply over = Exchange(r->http_port(), "");
    if (over.status == 503) {
      EXPECT_NE(over.body.find("too many connections"), std::string::npos);
      break;
    }
    ASSERT_LT(i, 99) << "never refused";
  }
  ::close(held.back());
  held.pop_back();
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    served = StillServes(*r);
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  EXPECT_TRUE(served);
  for (int fd : held) ::close(fd);
}

// Item 5: idle connections lived 120 s, and a header could be sent a byte at a time forever.
TEST(HardeningTest, HttpHeaderAndIdleTimeoutsCloseConnections) {
  ReceiverOptions o = LoopbackOptions();
  o.http_header_timeout = std::chrono::milliseconds(300);
  o.http_idle_timeout = std::chrono::milliseconds(400);
  auto r = StartOrDie(o);
  ASSERT_NE(r, nullptr);
  auto closed_within = [](int fd, std::chrono::milliseconds budget) {
    auto start = std::chrono::steady_clock::now();
    char c;
    while (std::chrono::steady_clock::now() - start < budget) {
      ssize_t n = ::recv(fd, &c, 1, 0);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK)) return true;
      if (n > 0) continue;
    }
    return false;
  };
  // Slowloris: a header trickled a byte every 100 ms never completes.
  int slow = Connect(r->http_port(), std::chrono::milliseconds(100));
  ASSERT_GE(slow, 0);
  std::string head = "POST /v1/traces HTTP/1.1\r\nHost: x\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaa";
  auto start = std::chrono::steady_clock::now();
  bool closed = false;
  for (size_t i = 0; i < head.size() && !closed; ++i) {
    if (!SendAll(slow, head.substr(i, 1))) closed = true;
    char c;
    ssize_t n = ::recv(slow, &c, 1, 0);  // waits up to 100 ms
    if (n == 0) closed = true;
  }
  EXPECT_TRUE(closed || closed_within(slow, std::chrono::milliseconds(1000)));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  ::close(slow);
  // Idle keep-alive connection after one request.
  int idle = Connect(r->http_port(), std::chrono::milliseconds(100));
  ASSERT_GE(idle, 0);
  std::string req = Post("application/x-protobuf", MakeRequest(1).SerializeAsString());
  req.replace(req.find("Connection: close"), 17, "Connection: keep-alive");
  ASSERT_TRUE(SendAll(idle, req));
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  std::string answer = ReadAll(idle, "\r\n\r\n");
  EXPECT_EQ(ParseReply(answer).status, 200);
  EXPECT_TRUE(closed_within(idle, std::chrono::milliseconds(1500)));
  ::close(idle);
}

// Item 5: on EMFILE the accept loop retried at once, forever (100 % CPU). With the descriptor
// table full and connections queued, the process now uses a small fraction of one core.
TEST(HardeningTest, HttpAcceptBacksOffWhenOutOfDescriptors) {
#if defined(__SANITIZE_ADDRESS__)
  // UBSan's vptr check opens a pipe to probe memory; with every descriptor taken it cannot and
  // reports a valid object as having an "invalid vptr" (seen in CI). TSan and release run it.
  GTEST_SKIP() << "takes every file descriptor, which the ASan+UBSan runtime needs itself";
#endif
  auto r = StartOrDie(LoopbackOptions());
  ASSERT_NE(r, nullptr);
  rlimit saved{};
  ASSERT_EQ(::getrlimit(RLIMIT_NOFILE, &saved), 0);
  // Fill the descriptor table with client connections, queued in the listen backlog.
  rlimit tight = saved;
  int probe = ::dup(0);
  ASSERT_GE(probe, 0);
  ::close(probe);
  tight.rlim_cur = static_cast<rlim_t>(probe + 64);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &tight), 0);
  std::vector<int> fds;
  for (int i = 0; i < 200; ++i) {
    int fd = Connect(r->http_port(), std::chrono::milliseconds(100));
    if (fd < 0) break;
    fds.push_back(fd);
  }
  // Whatever is left, take it, so the server's accept fails with EMFILE.
  for (int fd = ::dup(0); fd >= 0; fd = ::dup(0)) fds.push_back(fd);
  auto cpu_ms = [] {
    rusage u{};
    ::getrusage(RUSAGE_SELF, &u);
    return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000.0 +
           (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1000.0;
  };
  double cpu_before = cpu_ms();
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  double used = cpu_ms() - cpu_before;
  for (int fd : fds) ::close(fd);
  ASSERT_EQ(::setrlimit(RLIMIT_NOFILE, &saved), 0);
  EXPECT_LT(used, 100.0) << "CPU ms used in 500 ms of EMFILE";
  bool served = false;
  for (int i = 0; i < 100 && !served; ++i) {
    served = StillServes(*r);
    if (!served) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  EXPECT_TRUE(served);
}

}  // namespace
}  // namespace tracesim::receiver
