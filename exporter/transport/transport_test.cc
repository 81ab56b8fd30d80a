// The transports against real servers on 127.0.0.1 (ephemeral ports): an in-test gRPC
// TraceService (the generated service) and an in-test Beast HTTP server, both answering
// programmed responses. TLS material is generated per run with the openssl command-line tool.
#include "exporter/transport/transport.h"

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <condition_variable>
#include <cstdlib>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <future>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <set>
#include <thread>

#include "exporter/encoding/otlp_json.h"
#include "exporter/encoding/otlp_proto.h"
#include "exporter/encoding/test_model.h"
#include "exporter/encoding/zipkin_json.h"
#include "exporter/proto/rpc_status.pb.h"
#include "exporter/proto/trace_service.grpc.pb.h"
#include "exporter/proto/trace_service.pb.h"
#include "exporter/transport/transport_internal.h"
#include "sim/base/sanitizer_skips.h"

namespace tracesim::exporter {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using std::chrono::milliseconds;
namespace otlp = ::opentelemetry::proto;
using Kind = ExportResult::Kind;

// ---------------------------------------------------------------------------------------------
// TLS material: a throwaway CA, a server certificate for 127.0.0.1/localhost, a client
// certificate, and a second CA that signed nothing we use ("wrong CA").

struct Certs {
  std::string dir, ca, server_cert, server_key, client_cert, client_key, other_ca;
};

std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

const Certs& TestCerts() {
  static const Certs* certs = [] {
    auto* c = new Certs;
    char tmpl[] = "/tmp/tracesim-tls-XXXXXX";
    c->dir = mkdtemp(tmpl);
    const std::string d = c->dir;
    const std::string key = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    const std::string script =
        "cd " + d + " && " + "openssl req -x509 " + key +
        " -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca && " + "openssl req -x509 " + key +
        " -keyout other.key -out other.pem -days 2 -subj /CN=other && " + "openssl req " + key +
        " -keyout server.key -out server.csr -subj /CN=localhost && " +
        "printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\nextendedKeyUsage=serverAuth\\n' > "
        "s.ext && " +
        "openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
        "-extfile s.ext -out server.pem && " +
        "openssl req " + key + " -keyout client.key -out client.csr -subj /CN=client && " +
        "printf 'extendedKeyUsage=clientAuth\\n' > c.ext && " +
        "openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 2 "
        "-extfile c.ext -out client.pem) > " +
        d + "/openssl.log 2>&1";
    const std::string full = "(" + script;
    if (std::system(full.c_str()) != 0) {
      ADD_FAILURE() << "openssl failed: " << ReadAll(d + "/openssl.log");
    }
    c->ca = d + "/ca.pem";
    c->server_cert = d + "/server.pem";
    c->server_key = d + "/server.key";
    c->client_cert = d + "/client.pem";
    c->client_key = d + "/client.key";
    c->other_ca = d + "/other.pem";
    return c;
  }();
  return *certs;
}

// A port nothing listens on (bound, then closed).
int ClosedPort() {
  asio::io_context io;
  tcp::acceptor a(io, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  const int port = a.local_endpoint().port();
  a.close();
  return port;
}

// Sends one request and waits (bounded) for its result.
ExportResult ExportAndWait(Transport& t, std::string body, uint64_t spans = 5, uint64_t id = 7) {
  auto promise = std::make_shared<std::promise<ExportResult>>();
  auto future = promise->get_future();
  auto calls = std::make_shared<std::atomic<int>>(0);
  t.ExportAsync(ExportRequest{std::make_shared<const std::string>(std::move(body)), spans, id},
                [promise, calls](ExportResult r) {
                  if (calls->fetch_add(1) == 0) promise->set_value(std::move(r));
                });
  if (future.wait_for(std::chrono::seconds(20)) != std::future_status::ready) {
    ADD_FAILURE() << "no result within 20 s";
    return ExportResult{};
  }
  ExportResult r = future.get();
  EXPECT_EQ(r.id, id);
  EXPECT_EQ(r.spans, spans);
  return r;
}

std::string SampleBody(bool json = false) {
  static sim::Model* m = new sim::Model(testing::MakeTestModel());
  static testing::TestTrace* t = new testing::TestTrace(testing::MakeTestTrace(*m));
  std::string out;
  if (json) {
    OtlpJsonEncoder enc(*m);
    enc.Encode(t->View(*m), &out);
  } else {
    OtlpProtoEncoder enc(*m);
    enc.Encode(t->View(*m), &out);
  }
  return out;
}

std::string RetryInfoDetails(int code, const std::string& msg, int64_t seconds, int32_t nanos) {
  tracesim::rpc::Status st;
  st.set_code(code);
  st.set_message(msg);
  tracesim::rpc::RetryInfo ri;
  ri.mutable_retry_delay()->set_seconds(seconds);
  ri.mutable_retry_delay()->set_nanos(nanos);
  auto* any = st.add_details();
  any->set_type_url("type.googleapis.com/google.rpc.RetryInfo");
  any->set_value(ri.SerializeAsString());
  return st.SerializeAsString();
}

// ---------------------------------------------------------------------------------------------
// gRPC test server.

class GrpcTestServer final : public otlp::collector::trace::v1::TraceService::Service {
 public:
  using Handler = std::function<grpc::Status(
      grpc::ServerContext*, otlp::collector::trace::v1::ExportTraceServiceResponse*)>;
  struct Seen {
    std::string body;
    std::multimap<std::string, std::string> metadata;
    std::string peer;
  };

  // tls: 0 plaintext, 1 TLS, 2 mTLS (client certificate required and verified).
  explicit GrpcTestServer(int tls = 0) {
    std::shared_ptr<grpc::ServerCredentials> creds = grpc::InsecureServerCredentials();
    if (tls > 0) {
      const Certs& c = TestCerts();
      grpc::SslServerCredentialsOptions o(
          tls == 2 ? GRPC_SSL_REQUEST_AND_REQUIRE_CLIENT_CERTIFICATE_AND_VERIFY
                   : GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
      o.pem_root_certs = ReadAll(c.ca);
      o.pem_key_cert_pairs.push_back({ReadAll(c.server_key), ReadAll(c.server_cert)});
      creds = grpc::SslServerCredentials(o);
    }
    grpc::ServerBuilder b;
    b.AddListeningPort("127.0.0.1:0", creds, &port_);
    b.RegisterService(this);
    server_ = b.BuildAndStart();
  }
  ~GrpcTestServer() override {
    server_->Shutdown(std::chrono::system_clock::now() + milliseconds(500));
  }

  std::string endpoint() const { return "127.0.0.1:" + std::to_string(port_); }
  void set_handler(Handler h) {
    std::lock_guard<std::mutex> l(mu_);
    handler_ = std::move(h);
  }
  std::vector<Seen> seen() {
    std::lock_guard<std::mutex> l(mu_);
    return seen_;
  }

  grpc::Status Export(grpc::ServerContext* ctx,
                      const otlp::collector::trace::v1::ExportTraceServiceRequest* req,
                      otlp::collector::trace::v1::ExportTraceServiceResponse* resp) override {
    Handler h;
    {
      std::lock_guard<std::mutex> l(mu_);
      Seen s;
      s.body = req->SerializeAsString();
      for (const auto& [k, v] : ctx->client_metadata()) {
        s.metadata.emplace(std::string(k.data(), k.size()), std::string(v.data(), v.size()));
      }
      s.peer = ctx->peer();
      seen_.push_back(std::move(s));
      h = handler_;
    }
    return h ? h(ctx, resp) : grpc::Status::OK;
  }

 private:
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
  std::mutex mu_;
  Handler handler_;
  std::vector<Seen> seen_;
};

// Waits (bounded) until the client gives up, for "slow" handlers.
void WaitForCancel(grpc::ServerContext* ctx, milliseconds limit) {
  const auto until = std::chrono::steady_clock::now() + limit;
  while (!ctx->IsCancelled() && std::chrono::steady_clock::now() < until) {
    std::this_thread::sleep_for(milliseconds(5));
  }
}

std::unique_ptr<Transport> MakeTransport(TransportOptions o) {
  auto t = CreateTransport(o);
  EXPECT_TRUE(t.ok()) << t.status().ToString();
  if (!t.ok()) return nullptr;
  return std::move(t).value();
}

TEST(GrpcTransportTest, OkCarriesBodyAndHeaders) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  GrpcTestServer server;
  TransportOptions o;
  o.endpoint = server.endpoint();
  o.headers = {{"X-Api-Key", "secret"}, {"tenant", "t1"}};
  auto t = MakeTransport(o);
  ASSERT_NE(t, nullptr);
  const std::string body = SampleBody();
  ExportResult r = ExportAndWait(*t, body);
  EXPECT_EQ(r.kind, Kind::kOk) << r.code_name << " " << r.message;
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.rejected_spans, 0);
  EXPECT_GT(r.latency.count(), 0);
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body, body);
  auto md = seen[0].metadata;
  ASSERT_EQ(md.count("x-api-key"), 1u);
  EXPECT_EQ(md.find("x-api-key")->second, "secret");
  EXPECT_EQ(md.find("tenant")->second, "t1");
  ASSERT_EQ(md.count("user-agent"), 1u);
  EXPECT_NE(md.find("user-agent")->second.find("tracesim-otlp-exporter/"), std::string::npos);
  t->Shutdown();
}

TEST(GrpcTransportTest, PartialSuccessIsOkWithRejectedSpans) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  GrpcTestServer server;
  server.set_handler([](grpc::ServerContext*, auto* resp) {
    resp->mutable_partial_success()->set_rejected_spans(3);
    resp->mutable_partial_success()->set_error_message("3 spans too old");
    return grpc::Status::OK;
  });
  TransportOptions o;
  o.endpoint = server.endpoint();
  auto t = MakeTransport(o);
  ExportResult r = ExportAndWait(*t, SampleBody());
  EXPECT_EQ(r.kind, Kind::kOk);
  EXPECT_EQ(r.rejected_spans, 3);
  EXPECT_EQ(r.message, "3 spans too old");
}

TEST(GrpcTransportTest, StatusClassification) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  GrpcTestServer server;
  TransportOptions o;
  o.endpoint = server.endpoint();
  auto t = MakeTransport(o);
  struct Case {
    grpc::Status status;
    Kind kind;
    std::string name;
    std::optional<int64_t> retry_ms;
  };
  const Case cases[] = {
      {grpc::Status(grpc::StatusCode::UNAVAILABLE, "busy",
                    RetryInfoDetails(14, "busy", 1, 500'000'000)),
       Kind::kRetryable, "UNAVAILABLE", 1500},
      {grpc::Status(grpc::StatusCode::UNAVAILABLE, "down"), Kind::kRetryable, "UNAVAILABLE",
       std::nullopt},
      {grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "slow down",
                    RetryInfoDetails(8, "slow down", 2, 0)),
       Kind::kRetryable, "RESOURCE_EXHAUSTED", 2000},
      {grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED, "too big"), Kind::kFatal,
       "RESOURCE_EXHAUSTED", std::nullopt},
      {grpc::Status(grpc::StatusCode::INVALID_ARGUMENT, "bad span"), Kind::kFatal,
       "INVALID_ARGUMENT", std::nullopt},
      {grpc::Status(grpc::StatusCode::ABORTED, "a"), Kind::kRetryable, "ABORTED", std::nullopt},
      {grpc::Status(grpc::StatusCode::DATA_LOSS, "d"), Kind::kRetryable, "DATA_LOSS", std::nullopt},
      {grpc::Status(grpc::StatusCode::PERMISSION_DENIED, "p"), Kind::kFatal, "PERMISSION_DENIED",
       std::nullopt},
      {grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "u"), Kind::kFatal, "UNAUTHENTICATED",
       std::nullopt},
  };
  for (const Case& c : cases) {
    server.set_handler([&](grpc::ServerContext*, auto*) { return c.status; });
    ExportResult r = ExportAndWait(*t, SampleBody());
    EXPECT_EQ(r.kind, c.kind) << c.name;
    EXPECT_EQ(r.code, static_cast<int>(c.status.error_code())) << c.name;
    EXPECT_EQ(r.code_name, c.name);
    EXPECT_EQ(r.message, c.status.error_message());
    EXPECT_EQ(r.retry_after.has_value(), c.retry_ms.has_value()) << c.name;
    if (c.retry_ms && r.retry_after) {
      EXPECT_EQ(r.retry_after->count(), *c.retry_ms) << c.name;
    }
  }
}

TEST(GrpcTransportTest, DeadlineIsRetryable) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  GrpcTestServer server;
  server.set_handler([](grpc::ServerContext* ctx, auto*) {
    WaitForCancel(ctx, milliseconds(3000));
    return grpc::Status::OK;
  });
  TransportOptions o;
  o.endpoint = server.endpoint();
  o.timeout = milliseconds(150);
  auto t = MakeTransport(o);
  ExportResult r = ExportAndWait(*t, SampleBody());
  EXPECT_EQ(r.kind, Kind::kRetryable);
  EXPECT_EQ(r.code, 4);
  EXPECT_EQ(r.code_name, "DEADLINE_EXCEEDED");
  EXPECT_GE(r.latency, milliseconds(140));
  EXPECT_LT(r.latency, milliseconds(2500));
}

TEST(GrpcTransportTest, GzipArrivesIntact) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  GrpcTestServer server;
  TransportOptions o;
  o.endpoint = server.endpoint();
  o.gzip = true;
  auto t = MakeTransport(o);
  const std::string body = SampleBody();
  ExportResult r = ExportAndWait(*t, body);
  EXPECT_EQ(r.kind, Kind::kOk) << r.message;
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].body, body);
  auto it = seen[0].metadata.find("grpc-encoding");
  if (it != seen[0].metadata.end()) {
    EXPECT_EQ(it->second, "gzip");
  }
}

TEST(GrpcTransportTest, ConnectionRefusedIsRetryable) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  TransportOptions o;
  o.endpoint = "127.0.0.1:" + std::to_string(ClosedPort());
  o.timeout = milliseconds(2000);
  auto t = MakeTransport(o);
  ExportResult r = ExportAndWait(*t, SampleBody());
  EXPECT_EQ(r.kind, Kind::kRetryable);
  EXPECT_EQ(r.code_name, "UNAVAILABLE");
}

TEST(GrpcTransportTest, ConnectionsAreSeparateChannels) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  GrpcTestServer server;
  TransportOptions o;
  o.endpoint = server.endpoint();
  o.connections = 3;
  auto t = MakeTransport(o);
  for (int i = 0; i < 6; ++i) EXPECT_EQ(ExportAndWait(*t, SampleBody()).kind, Kind::kOk);
  std::set<std::string> peers;
  for (const auto& s : server.seen()) peers.insert(s.peer);
  EXPECT_EQ(peers.size(), 3u) << "one TCP connection per channel, used round robin";
}

// Many calls outstanding at once, started from several threads: each call's `done` runs exactly
// once, with its own id, and never on a caller's thread (the transport's poller reports them).
TEST(GrpcTransportTest, ConcurrentCallsEachReportOnceOnTheTransportThread) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  GrpcTestServer server;
  server.set_handler([](grpc::ServerContext*, auto*) {
    std::this_thread::sleep_for(milliseconds(2));  // keep calls overlapping
    return grpc::Status::OK;
  });
  TransportOptions o;
  o.endpoint = server.endpoint();
  o.connections = 2;
  auto t = MakeTransport(o);
  constexpr int kThreads = 4, kPerThread = 50;
  std::mutex mu;
  std::condition_variable cv;
  std::map<uint64_t, int> calls;  // id -> times done ran
  std::set<std::thread::id> callers;
  int ok = 0, on_caller = 0;
  std::vector<std::thread> starters;
  for (int th = 0; th < kThreads; ++th) {
    starters.emplace_back([&, th] {
      {
        std::lock_guard lk(mu);
        callers.insert(std::this_thread::get_id());
      }
      for (int i = 0; i < kPerThread; ++i) {
        const uint64_t id = static_cast<uint64_t>(th * kPerThread + i);
        t->ExportAsync(ExportRequest{std::make_shared<const std::string>(SampleBody()), 5, id},
                       [&, id](ExportResult r) {
                         std::lock_guard lk(mu);
                         ++calls[r.id];
                         ok += r.kind == Kind::kOk && r.id == id;
                         on_caller += callers.count(std::this_thread::get_id()) != 0;
                         cv.notify_all();
                       });
      }
    });
  }
  for (std::thread& s : starters) s.join();
  std::unique_lock lk(mu);
  ASSERT_TRUE(cv.wait_for(lk, std::chrono::seconds(20),
                          [&] { return calls.size() == kThreads * kPerThread; }))
      << calls.size() << " of " << kThreads * kPerThread << " calls reported within 20 s";
  lk.unlock();
  t->Shutdown();
  t->Shutdown();  // idempotent
  lk.lock();
  EXPECT_EQ(ok, kThreads * kPerThread);
  EXPECT_EQ(on_caller, 0) << "done must run on the transport's thread";
  for (const auto& [id, n] : calls) EXPECT_EQ(n, 1) << "call " << id;
  EXPECT_EQ(server.seen().size(), static_cast<size_t>(kThreads * kPerThread));
}

TEST(GrpcTransportTest, TlsAndMutualTls) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  const Certs& c = TestCerts();
  {
    GrpcTestServer server(1);
    TransportOptions o;
    o.endpoint = server.endpoint();
    o.tls = true;
    o.ca_file = c.ca;
    auto t = MakeTransport(o);
    ExportResult r = ExportAndWait(*t, SampleBody());
    EXPECT_EQ(r.kind, Kind::kOk) << r.code_name << " " << r.message;
    // Plaintext against a TLS server fails (retryable UNAVAILABLE, as gRPC reports it).
    TransportOptions plain;
    plain.endpoint = server.endpoint();
    plain.timeout = milliseconds(1000);
    auto p = MakeTransport(plain);
    EXPECT_NE(ExportAndWait(*p, SampleBody()).kind, Kind::kOk);
    // A CA that did not sign the server certificate: rejected.
    TransportOptions wrong = o;
    wrong.ca_file = c.other_ca;
    wrong.timeout = milliseconds(1000);
    auto w = MakeTransport(wrong);
    EXPECT_NE(ExportAndWait(*w, SampleBody()).kind, Kind::kOk);
  }
  {
    GrpcTestServer server(2);
    TransportOptions o;
    o.endpoint = "https://" + server.endpoint();  // https:// implies TLS
    o.ca_file = c.ca;
    o.client_cert_file = c.client_cert;
    o.client_key_file = c.client_key;
    auto t = MakeTransport(o);
    ExportResult r = ExportAndWait(*t, SampleBody());
    EXPECT_EQ(r.kind, Kind::kOk) << r.code_name << " " << r.message;
    TransportOptions no_cert = o;
    no_cert.client_cert_file.clear();
    no_cert.client_key_file.clear();
    no_cert.timeout = milliseconds(1000);
    auto n = MakeTransport(no_cert);
    EXPECT_NE(ExportAndWait(*n, SampleBody()).kind, Kind::kOk) << "mTLS server needs a client cert";
  }
}

TEST(GrpcTransportTest, ShutdownCancelsInFlight) {
  TRACESIM_SKIP_GRPC_UNDER_TSAN();
  GrpcTestServer server;
  server.set_handler([](grpc::ServerContext* ctx, auto*) {
    WaitForCancel(ctx, milliseconds(3000));
    return grpc::Status::OK;
  });
  TransportOptions o;
  o.endpoint = server.endpoint();
  auto t = MakeTransport(o);
  std::promise<ExportResult> p;
  t->ExportAsync(ExportRequest{std::make_shared<const std::string>(SampleBody()), 5, 1},
                 [&](ExportResult r) { p.set_value(r); });
  while (server.seen().empty()) std::this_thread::sleep_for(milliseconds(5));
  t->Shutdown();
  auto f = p.get_future();
  ASSERT_EQ(f.wait_for(std::chrono::seconds(0)), std::future_status::ready)
      << "done ran before Shutdown returned";
  EXPECT_EQ(f.get().kind, Kind::kShutdown);
  EXPECT_EQ(ExportAndWait(*t, SampleBody()).kind, Kind::kShutdown);
}

// ---------------------------------------------------------------------------------------------
// HTTP test server: blocking Beast, one thread per connection, programmed replies.

struct Reply {
  int status = 200;
  std::string content_type = "application/x-protobuf";
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;
  milliseconds delay{0};
  bool disconnect = false;   // close the connection without answering
  bool close_after = false;  // answer (keep-alive), then close the connection: an idle close
};

struct SeenRequest {
  std::string method, target, body;            // body after Content-Encoding is undone
  std::map<std::string, std::string> headers;  // lower-case names
  int connection = 0;                          // index of the accepted connection
};

class HttpTestServer {
 public:
  // tls: 0 plaintext, 1 TLS, 2 mTLS.
  explicit HttpTestServer(int tls = 0)
      : acceptor_(io_, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0)),
        ctx_(ssl::context::tls_server) {
    if (tls > 0) {
      const Certs& c = TestCerts();
      ctx_.use_certificate_chain_file(c.server_cert);
      ctx_.use_private_key_file(c.server_key, ssl::context::pem);
      if (tls == 2) {
        ctx_.load_verify_file(c.ca);
        ctx_.set_verify_mode(ssl::verify_peer | ssl::verify_fail_if_no_peer_cert);
      }
    }
    tls_ = tls > 0;
    port_ = acceptor_.local_endpoint().port();
    accept_thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~HttpTestServer() {
    stop_ = true;
    {  // Unblock accept() with a connection of our own, then every reader.
      beast::error_code ec;
      asio::io_context io;
      tcp::socket s(io);
      s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    }
    accept_thread_.join();
    {
      std::lock_guard<std::mutex> l(mu_);
      for (int fd : fds_) ::shutdown(fd, SHUT_RDWR);
    }
    for (auto& t : conn_threads_) t.join();
  }

  std::string url(const std::string& path = "") const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
  }
  void set_reply(std::function<Reply(const SeenRequest&)> f) {
    std::lock_guard<std::mutex> l(mu_);
    reply_ = std::move(f);
  }
  std::vector<SeenRequest> seen() {
    std::lock_guard<std::mutex> l(mu_);
    return seen_;
  }
  int connections() {
    std::lock_guard<std::mutex> l(mu_);
    return accepted_;
  }

 private:
  void AcceptLoop() {
    while (!stop_) {
      tcp::socket s(io_);
      beast::error_code ec;
      acceptor_.accept(s, ec);
      if (ec || stop_) return;
      std::lock_guard<std::mutex> l(mu_);
      fds_.push_back(s.native_handle());
      const int index = accepted_++;
      conn_threads_.emplace_back([this, index, sock = std::move(s)]() mutable {
        if (tls_) {
          ssl::stream<tcp::socket> stream(std::move(sock), ctx_);
          beast::error_code ec;
          stream.handshake(ssl::stream_base::server, ec);
          if (!ec) Serve(stream, index);
        } else {
          Serve(sock, index);
        }
      });
    }
  }

  template <class Stream>
  void Serve(Stream& stream, int index) {
    beast::flat_buffer buffer;
    for (int n = 0; n < 1000 && !stop_; ++n) {
      http::request<http::string_body> req;
      beast::error_code ec;
      http::read(stream, buffer, req, ec);
      if (ec) return;
      SeenRequest seen;
      seen.method = std::string(req.method_string());
      seen.target = std::string(req.target());
      seen.connection = index;
      for (const auto& f : req) {
        std::string name(f.name_string());
        for (char& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        seen.headers[name] = std::string(f.value());
      }
      seen.body = req.body();
      if (seen.headers["content-encoding"] == "gzip") {
        std::string plain;
        if (!internal::GzipDecompress(req.body(), &plain)) plain = "<gzip body did not inflate>";
        seen.body = plain;
      }
      std::function<Reply(const SeenRequest&)> f;
      {
        std::lock_guard<std::mutex> l(mu_);
        seen_.push_back(seen);
        f = reply_;
      }
      Reply reply = f ? f(seen) : Reply{};
      if (reply.delay.count() > 0) std::this_thread::sleep_for(reply.delay);
      if (reply.disconnect) return;
      http::response<http::string_body> res{static_cast<http::status>(reply.status), 11};
      res.set(http::field::content_type, reply.content_type);
      for (const auto& [k, v] : reply.headers) res.set(k, v);
      res.body() = reply.body;
      res.keep_alive(req.keep_alive());
      res.prepare_payload();
      http::write(stream, res, ec);
      if (ec || !req.keep_alive() || reply.close_after) return;
    }
  }

  asio::io_context io_;
  tcp::acceptor acceptor_;
  ssl::context ctx_;
  bool tls_ = false;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread accept_thread_;
  std::mutex mu_;
  std::vector<std::thread> conn_threads_;
  std::vector<int> fds_;
  int accepted_ = 0;
  std::function<Reply(const SeenRequest&)> reply_;
  std::vector<SeenRequest> seen_;
};

std::string PartialSuccessProto(int64_t rejected, const std::string& msg) {
  otlp::collector::trace::v1::ExportTraceServiceResponse resp;
  resp.mutable_partial_success()->set_rejected_spans(rejected);
  resp.mutable_partial_success()->set_error_message(msg);
  return resp.SerializeAsString();
}

TEST(HttpTransportTest, ProtobufOkCarriesBodyAndHeaders) {
  HttpTestServer server;
  TransportOptions o;
  o.protocol = WireProtocol::kHttpProtobuf;
  o.endpoint = server.url();  // no path: /v1/traces
  o.headers = {{"X-Api-Key", "secret"}};
  auto t = MakeTransport(o);
  ASSERT_NE(t, nullptr);
  const std::string body = SampleBody();
  ExportResult r = ExportAndWait(*t, body);
  EXPECT_EQ(r.kind, Kind::kOk) << r.code_name << " " << r.message;
  EXPECT_EQ(r.code, 200);
  EXPECT_EQ(r.code_name, "HTTP 200");
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].method, "POST");
  EXPECT_EQ(seen[0].target, "/v1/traces");
  EXPECT_EQ(seen[0].headers["content-type"], "application/x-protobuf");
  EXPECT_EQ(seen[0].headers["x-api-key"], "secret");
  EXPECT_EQ(seen[0].headers["host"],
            "127.0.0.1:" + server.url().substr(server.url().rfind(':') + 1));
  EXPECT_NE(seen[0].headers["user-agent"].find("tracesim"), std::string::npos);
  EXPECT_EQ(seen[0].body, body);
}

TEST(HttpTransportTest, PartialSuccessProtobufAndJson) {
  HttpTestServer server;
  {
    server.set_reply([](const SeenRequest&) {
      Reply r;
      r.body = PartialSuccessProto(2, "2 spans rejected");
      return r;
    });
    TransportOptions o;
    o.protocol = WireProtocol::kHttpProtobuf;
    o.endpoint = server.url("/custom/path");
    auto t = MakeTransport(o);
    ExportResult r = ExportAndWait(*t, SampleBody());
    EXPECT_EQ(r.kind, Kind::kOk);
    EXPECT_EQ(r.rejected_spans, 2);
    EXPECT_EQ(r.message, "2 spans rejected");
    EXPECT_EQ(server.seen().back().target, "/custom/path");
  }
  {
    server.set_reply([](const SeenRequest&) {
      Reply r;
      r.content_type = "application/json";
      r.body = R"({"partialSuccess":{"rejectedSpans":"4","errorMessage":"json says 4"}})";
      return r;
    });
    TransportOptions o;
    o.protocol = WireProtocol::kHttpJson;
    o.endpoint = server.url();
    auto t = MakeTransport(o);
    const std::string body = SampleBody(/*json=*/true);
    ExportResult r = ExportAndWait(*t, body);
    EXPECT_EQ(r.kind, Kind::kOk);
    EXPECT_EQ(r.rejected_spans, 4);
    EXPECT_EQ(r.message, "json says 4");
    EXPECT_EQ(server.seen().back().headers["content-type"], "application/json");
    EXPECT_EQ(server.seen().back().body, body);
  }
}

std::string HttpDate(std::chrono::system_clock::time_point t) {
  const time_t tt = std::chrono::system_clock::to_time_t(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[64];
  std::strftime(buf, sizeof(buf), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  return buf;
}

TEST(HttpTransportTest, StatusClassificationAndRetryAfter) {
  HttpTestServer server;
  TransportOptions o;
  o.protocol = WireProtocol::kHttpProtobuf;
  o.endpoint = server.url();
  auto t = MakeTransport(o);
  tracesim::rpc::Status bad;
  bad.set_code(3);
  bad.set_message("span 7 has no trace id");
  const std::string date = HttpDate(std::chrono::system_clock::now() + std::chrono::seconds(30));
  struct Case {
    Reply reply;
    Kind kind;
    std::optional<int64_t> min_ms, max_ms;
    std::string message;
  };
  const Case cases[] = {
      {{400, "application/x-protobuf", bad.SerializeAsString(), {}},
       Kind::kFatal,
       {},
       {},
       "span 7 has no trace id"},
      {{413, "text/plain", "too large", {}}, Kind::kFatal, {}, {}, "too large"},
      {{500, "text/plain", "oops", {}}, Kind::kFatal, {}, {}, "oops"},
      {{429, "text/plain", "", {{"Retry-After", "7"}}}, Kind::kRetryable, 7000, 7000, ""},
      {{503, "text/plain", "", {{"Retry-After", date}}}, Kind::kRetryable, 25000, 30000, ""},
      {{503, "text/plain", "", {}}, Kind::kRetryable, {}, {}, ""},
      {{502, "text/plain", "", {}}, Kind::kRetryable, {}, {}, ""},
      {{504, "text/plain", "", {}}, Kind::kRetryable, {}, {}, ""},
  };
  for (const Case& c : cases) {
    server.set_reply([&](const SeenRequest&) { return c.reply; });
    ExportResult r = ExportAndWait(*t, SampleBody());
    EXPECT_EQ(r.kind, c.kind) << c.reply.status;
    EXPECT_EQ(r.code, c.reply.status);
    EXPECT_EQ(r.code_name, "HTTP " + std::to_string(c.reply.status));
    EXPECT_EQ(r.message, c.message) << c.reply.status;
    EXPECT_EQ(r.retry_after.has_value(), c.min_ms.has_value()) << c.reply.status;
    if (c.min_ms && r.retry_after) {
      EXPECT_GE(r.retry_after->count(), *c.min_ms);
      EXPECT_LE(r.retry_after->count(), *c.max_ms);
    }
  }
  EXPECT_EQ(server.connections(), 1) << "keep-alive: one connection for every request";
}

TEST(HttpTransportTest, DisconnectAndDeadlineAndRefused) {
  HttpTestServer server;
  TransportOptions o;
  o.protocol = WireProtocol::kHttpProtobuf;
  o.endpoint = server.url();
  o.timeout = milliseconds(200);
  auto t = MakeTransport(o);
  server.set_reply([](const SeenRequest&) {
    Reply r;
    r.disconnect = true;
    return r;
  });
  ExportResult r = ExportAndWait(*t, SampleBody());
  EXPECT_EQ(r.kind, Kind::kRetryable);
  EXPECT_EQ(r.code, 0);
  EXPECT_EQ(r.code_name, "disconnected");
  server.set_reply([](const SeenRequest&) {
    Reply r;
    r.delay = milliseconds(600);
    return r;
  });
  r = ExportAndWait(*t, SampleBody());
  EXPECT_EQ(r.kind, Kind::kRetryable);
  EXPECT_EQ(r.code_name, "deadline");
  EXPECT_GE(r.latency, milliseconds(190));
  EXPECT_LT(r.latency, milliseconds(550));
  // The transport recovers: a fresh connection answers.
  server.set_reply([](const SeenRequest&) { return Reply{}; });
  EXPECT_EQ(ExportAndWait(*t, SampleBody()).kind, Kind::kOk);

  TransportOptions refused = o;
  refused.endpoint = "http://127.0.0.1:" + std::to_string(ClosedPort());
  auto rt = MakeTransport(refused);
  r = ExportAndWait(*rt, SampleBody());
  EXPECT_EQ(r.kind, Kind::kRetryable);
  EXPECT_EQ(r.code_name, "connection refused");
}

// Issue 16 item 7: a connection that drops after the request was written was taken for a stale
// keep-alive and the request re-sent at once: no backoff, not counted, a duplicate when the
// server had received it. It is now a retryable "disconnected" result (the caller's retry path
// counts and backs off), and the server saw the request once.
TEST(HttpTransportTest, DropAfterWriteIsAReportedRetryNotASilentResend) {
  HttpTestServer server;
  TransportOptions o;
  o.protocol = WireProtocol::kHttpProtobuf;
  o.endpoint = server.url();
  o.timeout = milliseconds(2000);
  auto t = MakeTransport(o);
  ASSERT_EQ(ExportAndWait(*t, SampleBody()).kind, Kind::kOk);  // the connection is now reused
  server.set_reply([](const SeenRequest&) {
    Reply r;
    r.disconnect = true;  // read the request, then drop the connection
    return r;
  });
  ExportResult r = ExportAndWait(*t, SampleBody());
  EXPECT_EQ(r.kind, Kind::kRetryable);
  EXPECT_EQ(r.code_name, "disconnected");
  EXPECT_EQ(server.seen().size(), 2u) << "the dropped request was re-sent silently";
}

// Issue 16 item 7: what the silent re-send was for still works without a retry: a connection
// the server closed while idle is noticed before the request is written and reopened.
TEST(HttpTransportTest, IdleConnectionClosedByTheServerIsReopenedBeforeWriting) {
  HttpTestServer server;
  TransportOptions o;
  o.protocol = WireProtocol::kHttpProtobuf;
  o.endpoint = server.url();
  o.timeout = milliseconds(2000);
  auto t = MakeTransport(o);
  server.set_reply([](const SeenRequest&) {
    Reply r;
    r.close_after = true;
    return r;
  });
  for (int i = 0; i < 3; ++i) {
    ExportResult r = ExportAndWait(*t, SampleBody());
    EXPECT_EQ(r.kind, Kind::kOk) << i << ": " << r.code_name << " " << r.message;
    std::this_thread::sleep_for(milliseconds(50));  // the server's FIN arrives
  }
  EXPECT_EQ(server.seen().size(), 3u);
  EXPECT_EQ(server.connections(), 3);
}

TEST(HttpTransportTest, GzipBodyInflates) {
  HttpTestServer server;
  TransportOptions o;
  o.protocol = WireProtocol::kHttpProtobuf;
  o.endpoint = server.url();
  o.gzip = true;
  auto t = MakeTransport(o);
  const std::string body = SampleBody();
  EXPECT_EQ(ExportAndWait(*t, body).kind, Kind::kOk);
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].headers["content-encoding"], "gzip");
  EXPECT_EQ(seen[0].body, body);
  EXPECT_NE(std::stoul(seen[0].headers["content-length"]), body.size());
}

TEST(HttpTransportTest, ParallelConnections) {
  HttpTestServer server;
  server.set_reply([](const SeenRequest&) {
    Reply r;
    r.delay = milliseconds(150);
    return r;
  });
  TransportOptions o;
  o.protocol = WireProtocol::kHttpProtobuf;
  o.endpoint = server.url();
  o.connections = 2;
  auto t = MakeTransport(o);
  std::vector<std::future<ExportResult>> results;
  std::vector<std::shared_ptr<std::promise<ExportResult>>> promises;
  for (int i = 0; i < 4; ++i) {
    auto p = std::make_shared<std::promise<ExportResult>>();
    results.push_back(p->get_future());
    t->ExportAsync(ExportRequest{std::make_shared<const std::string>(SampleBody()), 5,
                                 static_cast<uint64_t>(i)},
                   [p](ExportResult r) { p->set_value(r); });
    promises.push_back(p);
  }
  for (auto& f : results) {
    ASSERT_EQ(f.wait_for(std::chrono::seconds(10)), std::future_status::ready);
    EXPECT_EQ(f.get().kind, Kind::kOk);
  }
  EXPECT_EQ(server.connections(), 2);
  std::set<int> used;
  for (const auto& s : server.seen()) used.insert(s.connection);
  EXPECT_EQ(used.size(), 2u);
}

TEST(HttpTransportTest, TlsAndMutualTls) {
  const Certs& c = TestCerts();
  {
    HttpTestServer server(1);
    TransportOptions o;
    o.protocol = WireProtocol::kHttpProtobuf;
    o.endpoint = server.url();  // https://
    o.ca_file = c.ca;
    auto t = MakeTransport(o);
    ExportResult r = ExportAndWait(*t, SampleBody());
    EXPECT_EQ(r.kind, Kind::kOk) << r.code_name << " " << r.message;
    TransportOptions wrong = o;
    wrong.ca_file = c.other_ca;
    auto w = MakeTransport(wrong);
    r = ExportAndWait(*w, SampleBody());
    EXPECT_EQ(r.kind, Kind::kFatal);
    EXPECT_EQ(r.code_name, "tls handshake failed");
  }
  {
    HttpTestServer server(2);
    TransportOptions o;
    o.protocol = WireProtocol::kHttpProtobuf;
    o.endpoint = server.url();
    o.ca_file = c.ca;
    o.client_cert_file = c.client_cert;
    o.client_key_file = c.client_key;
    auto t = MakeTransport(o);
    ExportResult r = ExportAndWait(*t, SampleBody());
    EXPECT_EQ(r.kind, Kind::kOk) << r.code_name << " " << r.message;
    EXPECT_EQ(server.seen().size(), 1u);
    TransportOptions no_cert = o;
    no_cert.client_cert_file.clear();
    no_cert.client_key_file.clear();
    no_cert.timeout = milliseconds(1000);
    auto n = MakeTransport(no_cert);
    r = ExportAndWait(*n, SampleBody());
    EXPECT_NE(r.kind, Kind::kOk) << "mTLS server needs a client cert";
    EXPECT_EQ(server.seen().size(), 1u) << "nothing reached the handler without a client cert";
  }
}

TEST(HttpTransportTest, ZipkinPostsJsonArray) {
  HttpTestServer server;
  server.set_reply([](const SeenRequest&) {
    Reply r;
    r.status = 202;
    r.content_type = "text/plain";
    return r;
  });
  sim::Model m = testing::MakeTestModel();
  testing::TestTrace tr = testing::MakeTestTrace(m);
  ZipkinJsonEncoder enc(m);
  std::string body;
  enc.Encode(tr.View(m), &body);
  TransportOptions o;
  o.protocol = WireProtocol::kZipkinJson;
  o.endpoint = server.url();
  auto t = MakeTransport(o);
  ExportResult r = ExportAndWait(*t, body);
  EXPECT_EQ(r.kind, Kind::kOk) << r.message;
  EXPECT_EQ(r.code, 202);
  auto seen = server.seen();
  ASSERT_EQ(seen.size(), 1u);
  EXPECT_EQ(seen[0].target, "/api/v2/spans");
  EXPECT_EQ(seen[0].headers["content-type"], "application/json");
  EXPECT_EQ(nlohmann::json::parse(seen[0].body).size(), 5u);
}

TEST(HttpTransportTest, ShutdownCancelsInFlightAndQueued) {
  HttpTestServer server;
  server.set_reply([](const SeenRequest&) {
    Reply r;
    r.delay = milliseconds(800);
    return r;
  });
  TransportOptions o;
  o.protocol = WireProtocol::kHttpProtobuf;
  o.endpoint = server.url();
  auto t = MakeTransport(o);
  std::mutex mu;
  std::vector<ExportResult> results;
  for (int i = 0; i < 3; ++i) {
    t->ExportAsync(ExportRequest{std::make_shared<const std::string>(SampleBody()), 1,
                                 static_cast<uint64_t>(i)},
                   [&](ExportResult r) {
                     std::lock_guard<std::mutex> l(mu);
                     results.push_back(r);
                   });
  }
  while (server.seen().empty()) std::this_thread::sleep_for(milliseconds(5));
  const auto start = std::chrono::steady_clock::now();
  t->Shutdown();
  EXPECT_LT(std::chrono::steady_clock::now() - start, milliseconds(700)) << "did not wait";
  {
    std::lock_guard<std::mutex> l(mu);
    ASSERT_EQ(results.size(), 3u) << "each done ran exactly once before Shutdown returned";
    for (const auto& r : results) EXPECT_EQ(r.kind, Kind::kShutdown);
  }
  EXPECT_EQ(ExportAndWait(*t, SampleBody()).kind, Kind::kShutdown);
  t->Shutdown();  // idempotent
}

// ---------------------------------------------------------------------------------------------
// Options, endpoints and the pure classification helpers.

TEST(TransportOptionsTest, ValidateRejectsBadFields) {
  TransportOptions ok;
  EXPECT_TRUE(ok.Validate().ok()) << ok.Validate().ToString();
  struct Case {
    std::function<void(TransportOptions&)> edit;
    std::string want;
  };
  const Case cases[] = {
      {[](auto& o) { o.timeout = milliseconds(0); }, "transport.timeout"},
      {[](auto& o) { o.connections = 0; }, "transport.connections"},
      {[](auto& o) { o.connections = 5000; }, "transport.connections"},
      {[](auto& o) { o.endpoint = "localhost"; }, "transport.endpoint"},
      {[](auto& o) { o.endpoint = "localhost:99999"; }, "transport.endpoint"},
      {[](auto& o) {
         o.protocol = WireProtocol::kHttpProtobuf;
         o.endpoint = "localhost:4318";
       },
       "transport.endpoint"},
      {[](auto& o) {
         o.protocol = WireProtocol::kHttpJson;
         o.endpoint = "http://:4318/v1/traces";
       },
       "transport.endpoint"},
      {[](auto& o) {
         o.tls = true;
         o.client_cert_file = "c.pem";
       },
       "transport.client_key_file"},
      {[](auto& o) { o.ca_file = "ca.pem"; }, "transport.ca_file"},
      {[](auto& o) { o.headers["bad name"] = "v"; }, "transport.headers"},
      {[](auto& o) { o.headers["x"] = "a\r\nb"; }, "transport.headers['x']"},
      {[](auto& o) { o.headers["grpc-timeout"] = "1"; }, "reserved by gRPC"},
      {[](auto& o) {
         o.protocol = WireProtocol::kHttpProtobuf;
         o.headers["Content-Type"] = "text/plain";
       },
       "cannot be overridden"},
      {[](auto& o) { o.protocol = static_cast<WireProtocol>(9); }, "transport.protocol"},
  };
  for (const Case& c : cases) {
    TransportOptions o;
    c.edit(o);
    sim::Status st = o.Validate();
    ASSERT_FALSE(st.ok()) << c.want;
    EXPECT_EQ(st.code(), sim::Status::Code::kInvalidArgument);
    EXPECT_NE(st.message().find(c.want), std::string::npos) << st.message();
    EXPECT_FALSE(CreateTransport(o).ok());
  }
}

TEST(TransportOptionsTest, CreateFailsOnUnreadableOrBadTlsFiles) {
  for (WireProtocol p : {WireProtocol::kGrpc, WireProtocol::kHttpProtobuf}) {
    TransportOptions o;
    o.protocol = p;
    o.endpoint = p == WireProtocol::kGrpc ? "127.0.0.1:4317" : "https://127.0.0.1:4318";
    o.tls = true;
    o.ca_file = "/nonexistent/ca.pem";
    auto t = CreateTransport(o);
    ASSERT_FALSE(t.ok());
    EXPECT_NE(t.status().message().find("transport.ca_file"), std::string::npos);
    EXPECT_NE(t.status().message().find("/nonexistent/ca.pem"), std::string::npos);
  }
  TransportOptions o;
  o.protocol = WireProtocol::kHttpProtobuf;
  o.endpoint = "https://127.0.0.1:4318";
  o.ca_file = TestCerts().dir + "/openssl.log";  // readable, not PEM
  auto t = CreateTransport(o);
  ASSERT_FALSE(t.ok());
  EXPECT_NE(t.status().message().find("transport.ca_file"), std::string::npos)
      << t.status().ToString();
}

TEST(TransportInternalTest, UrlParsing) {
  auto u = internal::ParseHttpUrl("https://collector.example:4318", "/v1/traces");
  ASSERT_TRUE(u.ok());
  EXPECT_TRUE(u->tls);
  EXPECT_EQ(u->host, "collector.example");
  EXPECT_EQ(u->port, "4318");
  EXPECT_EQ(u->target, "/v1/traces");
  u = internal::ParseHttpUrl("http://[::1]/x?y=1", "/v1/traces");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->host, "::1");
  EXPECT_EQ(u->port, "80");
  EXPECT_EQ(u->target, "/x?y=1");
  EXPECT_FALSE(internal::ParseHttpUrl("ftp://x", "/").ok());
  EXPECT_FALSE(internal::ParseHttpUrl("http://u:p@x/", "/").ok());
  EXPECT_FALSE(internal::ParseHttpUrl("http://x:0/", "/").ok());
  bool tls = false;
  auto g = internal::ParseGrpcTarget("https://c:4317/", &tls);
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(*g, "c:4317");
  EXPECT_TRUE(tls);
  EXPECT_FALSE(internal::ParseGrpcTarget("c:4317/path", &tls).ok());
}

TEST(TransportInternalTest, RetryAfterForms) {
  const auto now = std::chrono::system_clock::from_time_t(784111777);  // Sun, 06 Nov 1994 08:49:37
  EXPECT_EQ(internal::ParseRetryAfter("120", now)->count(), 120000);
  EXPECT_EQ(internal::ParseRetryAfter(" 0 ", now)->count(), 0);
  EXPECT_EQ(internal::ParseRetryAfter("Sun, 06 Nov 1994 08:50:37 GMT", now)->count(), 60000);
  EXPECT_EQ(internal::ParseRetryAfter("Sunday, 06-Nov-94 08:49:47 GMT", now)->count(), 10000);
  EXPECT_EQ(internal::ParseRetryAfter("Sun Nov  6 08:49:39 1994", now)->count(), 2000);
  EXPECT_EQ(internal::ParseRetryAfter("Sun, 06 Nov 1994 08:00:00 GMT", now)->count(), 0);
  EXPECT_FALSE(internal::ParseRetryAfter("soon", now).has_value());
  EXPECT_FALSE(internal::ParseRetryAfter("12s", now).has_value());
  EXPECT_FALSE(internal::ParseRetryAfter("", now).has_value());
}

TEST(TransportInternalTest, ClassificationTables) {
  for (int code : {1, 4, 10, 11, 14, 15}) {
    EXPECT_EQ(internal::ClassifyGrpc(code, false), Kind::kRetryable) << code;
  }
  for (int code : {2, 3, 5, 6, 7, 9, 12, 13, 16}) {
    EXPECT_EQ(internal::ClassifyGrpc(code, true), Kind::kFatal) << code;
  }
  EXPECT_EQ(internal::ClassifyGrpc(8, false), Kind::kFatal);
  EXPECT_EQ(internal::ClassifyGrpc(8, true), Kind::kRetryable);
  EXPECT_EQ(internal::ClassifyGrpc(0, false), Kind::kOk);
  for (int s : {200, 202, 204}) EXPECT_EQ(internal::ClassifyHttp(s), Kind::kOk);
  for (int s : {429, 502, 503, 504}) EXPECT_EQ(internal::ClassifyHttp(s), Kind::kRetryable);
  for (int s : {400, 401, 403, 404, 408, 413, 500, 501}) {
    EXPECT_EQ(internal::ClassifyHttp(s), Kind::kFatal) << s;
  }
}

TEST(TransportInternalTest, GzipRoundTripAndResponseParsing) {
  const std::string body = SampleBody();
  std::string z, back;
  ASSERT_TRUE(internal::GzipCompress(body, &z));
  EXPECT_EQ(static_cast<unsigned char>(z[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>(z[1]), 0x8b);
  ASSERT_TRUE(internal::GzipDecompress(z, &back));
  EXPECT_EQ(back, body);
  EXPECT_FALSE(internal::GzipDecompress("not gzip", &back));
  ExportResult r;
  EXPECT_TRUE(internal::ParseExportResponse("", false, &r));
  EXPECT_FALSE(internal::ParseExportResponse("\xff\xff", false, &r));
  EXPECT_FALSE(internal::ParseExportResponse("{", true, &r));
  EXPECT_FALSE(
      internal::ParseExportResponse(R"({"partialSuccess":{"rejectedSpans":"x"}})", true, &r));
  EXPECT_TRUE(internal::ParseExportResponse(R"({"partialSuccess":{"rejectedSpans":9}})", true, &r));
  EXPECT_EQ(r.rejected_spans, 9);
}

}  // namespace
}  // namespace tracesim::exporter
