#include "loadgen/testing/loopback.h"

#include <grpcpp/grpcpp.h>
#include <unistd.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>
#include <vector>

#include "exporter/proto/rpc_status.pb.h"
#include "exporter/proto/trace_service.grpc.pb.h"
#include "exporter/proto/trace_service.pb.h"

namespace tracesim::loadgen::testing {
namespace {

namespace otlp = ::opentelemetry::proto::collector::trace::v1;
namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

uint64_t CountSpans(const otlp::ExportTraceServiceRequest& req) {
  uint64_t n = 0;
  for (const auto& rs : req.resource_spans())
    for (const auto& ss : rs.scope_spans()) n += ss.spans_size();
  return n;
}

uint64_t CountJsonSpans(const std::string& body, bool* ok) {
  auto j = nlohmann::json::parse(body, nullptr, false);
  *ok = !j.is_discarded() && j.contains("resourceSpans");
  uint64_t n = 0;
  if (!*ok) return 0;
  for (auto& rs : j["resourceSpans"])
    for (auto& ss : rs["scopeSpans"]) n += ss["spans"].size();
  return n;
}

std::string RetryInfoStatus(int code, int retry_after_ms) {
  tracesim::rpc::Status st;
  st.set_code(code);
  st.set_message("throttled by the test server");
  tracesim::rpc::RetryInfo ri;
  ri.mutable_retry_delay()->set_seconds(retry_after_ms / 1000);
  ri.mutable_retry_delay()->set_nanos((retry_after_ms % 1000) * 1000000);
  auto* any = st.add_details();
  any->set_type_url("type.googleapis.com/google.rpc.RetryInfo");
  any->set_value(ri.SerializeAsString());
  return st.SerializeAsString();
}

class GrpcServer final : public LoopbackServer, public otlp::TraceService::Service {
 public:
  explicit GrpcServer(Behavior b) : b_(b) {
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port_);
    builder.RegisterService(this);
    builder.SetMaxReceiveMessageSize(64 << 20);
    server_ = builder.BuildAndStart();
  }
  ~GrpcServer() override { Shutdown(); }
  std::string endpoint() const override { return "127.0.0.1:" + std::to_string(port_); }
  void Shutdown() override {
    if (server_) {
      server_->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
      server_.reset();
    }
  }

  grpc::Status Export(grpc::ServerContext*, const otlp::ExportTraceServiceRequest* req,
                      otlp::ExportTraceServiceResponse* resp) override {
    uint64_t n = CountSpans(*req);
    uint64_t k = requests_.fetch_add(1);
    received_spans_ += n;
    if (b_.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(b_.delay_ms));
    bool fail = b_.kind == Behavior::Kind::kError && (b_.fail_first == 0 || k < b_.fail_first);
    if (fail) {
      if (b_.retry_after_ms >= 0)
        return grpc::Status(static_cast<grpc::StatusCode>(b_.grpc_code), "test server error",
                            RetryInfoStatus(b_.grpc_code, b_.retry_after_ms));
      return grpc::Status(static_cast<grpc::StatusCode>(b_.grpc_code), "test server error");
    }
    int64_t rej = std::min<int64_t>(b_.rejected_per_request, n);
    if (rej > 0) {
      resp->mutable_partial_success()->set_rejected_spans(rej);
      resp->mutable_partial_success()->set_error_message("rejected by the test server");
    }
    accepted_spans_ += n - rej;
    return grpc::Status::OK;
  }

 private:
  Behavior b_;
  int port_ = 0;
  std::unique_ptr<grpc::Server> server_;
};

class HttpServer final : public LoopbackServer {
 public:
  explicit HttpServer(Behavior b) : b_(b), acceptor_(ioc_) {
    tcp::endpoint ep(asio::ip::make_address("127.0.0.1"), 0);
    acceptor_.open(ep.protocol());
    acceptor_.bind(ep);
    acceptor_.listen();
    port_ = acceptor_.local_endpoint().port();
    thread_ = std::thread([this] { AcceptLoop(); });
  }
  ~HttpServer() override { Shutdown(); }
  std::string endpoint() const override { return "http://127.0.0.1:" + std::to_string(port_); }
  void Shutdown() override {
    if (stopping_.exchange(true)) return;
    beast::error_code ec;
    // Wake the blocking accept with a connection of our own.
    tcp::socket s(ioc_);
    s.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port_), ec);
    thread_.join();
    std::vector<std::thread> conns;
    {
      std::lock_guard lk(mu_);
      for (auto& sock : sockets_) sock->shutdown(tcp::socket::shutdown_both, ec);
      conns.swap(conns_);
    }
    for (auto& t : conns) t.join();
  }

 private:
  void AcceptLoop() {
    for (;;) {
      auto sock = std::make_shared<tcp::socket>(ioc_);
      beast::error_code ec;
      acceptor_.accept(*sock, ec);
      if (stopping_) return;
      if (ec) continue;
      std::lock_guard lk(mu_);
      sockets_.push_back(sock);
      conns_.emplace_back([this, sock] { Serve(sock); });
    }
  }
  void Serve(std::shared_ptr<tcp::socket> sock) {
    beast::flat_buffer buf;
    for (;;) {
      http::request<http::string_body> req;
      beast::error_code ec;
      http::read(*sock, buf, req, ec);
      if (ec) return;
      bool json = req[http::field::content_type].starts_with("application/json");
      uint64_t n = 0;
      bool parsed = false;
      if (json) {
        n = CountJsonSpans(req.body(), &parsed);
      } else {
        otlp::ExportTraceServiceRequest msg;
        parsed = msg.ParseFromString(req.body());
        n = CountSpans(msg);
      }
      uint64_t k = requests_.fetch_add(1);
      received_spans_ += n;
      if (b_.delay_ms > 0) std::this_thread::sleep_for(std::chrono::milliseconds(b_.delay_ms));
      http::response<http::string_body> res;
      res.version(11);
      res.keep_alive(req.keep_alive());
      res.set(http::field::content_type, json ? "application/json" : "application/x-protobuf");
      bool fail = b_.kind == Behavior::Kind::kError && (b_.fail_first == 0 || k < b_.fail_first);
      if (!parsed) {
        res.result(http::status::bad_request);
      } else if (fail) {
        res.result(static_cast<http::status>(b_.http_status));
        if (b_.retry_after_ms >= 0)
          res.set(http::field::retry_after, std::to_string((b_.retry_after_ms + 999) / 1000));
      } else {
        res.result(http::status::ok);
        otlp::ExportTraceServiceResponse resp;
        int64_t rej = std::min<int64_t>(b_.rejected_per_request, n);
        if (rej > 0) {
          resp.mutable_partial_success()->set_rejected_spans(rej);
          resp.mutable_partial_success()->set_error_message("rejected by the test server");
        }
        accepted_spans_ += n - rej;
        if (json) {
          res.body() = rej > 0 ? "{\"partialSuccess\":{\"rejectedSpans\":\"" + std::to_string(rej) +
                                     "\",\"errorMessage\":\"rejected by the test server\"}}"
                               : "{}";
        } else {
          res.body() = resp.SerializeAsString();
        }
      }
      res.prepare_payload();
      http::write(*sock, res, ec);
      if (ec || !req.keep_alive()) return;
    }
  }

  Behavior b_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  int port_ = 0;
  std::atomic<bool> stopping_{false};
  std::thread thread_;
  std::mutex mu_;
  std::vector<std::shared_ptr<tcp::socket>> sockets_;
  std::vector<std::thread> conns_;
};

}  // namespace

std::unique_ptr<LoopbackServer> StartGrpcServer(Behavior behavior) {
  return std::make_unique<GrpcServer>(behavior);
}
std::unique_ptr<LoopbackServer> StartHttpServer(Behavior behavior) {
  return std::make_unique<HttpServer>(behavior);
}

int UnusedPort() {
  asio::io_context ioc;
  tcp::acceptor a(ioc, tcp::endpoint(asio::ip::make_address("127.0.0.1"), 0));
  int port = a.local_endpoint().port();
  a.close();
  return port;
}

std::string HttpGet(int port, const std::string& path) {
  namespace http = boost::beast::http;
  try {
    boost::asio::io_context ioc;
    boost::beast::tcp_stream conn(ioc);
    conn.expires_after(std::chrono::seconds(5));
    conn.connect({boost::asio::ip::make_address("127.0.0.1"), static_cast<uint16_t>(port)});
    http::request<http::string_body> req(http::verb::get, path, 11);
    req.set(http::field::host, "127.0.0.1");
    http::write(conn, req);
    boost::beast::flat_buffer buf;
    http::response<http::string_body> res;
    http::read(conn, buf, res);
    return res.body();
  } catch (const std::exception&) {
    return "";
  }
}

std::filesystem::path ProcessTempDir(const std::string& name) {
  auto dir = std::filesystem::temp_directory_path() / (name + "." + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  return dir;
}

void WriteTinyTopology(const std::filesystem::path& dir) {
  std::ofstream(dir / "tiny.yaml") << R"(name: tiny
network_latency: 100us
services:
  - name: front
    operations:
      - name: GET /x
        work: 2ms
        calls:
          - back.Get
  - name: back
    protocol: grpc
    operations:
      - {name: Get, work: 1ms}
)";
}

std::filesystem::path WriteTinyScenario(const std::filesystem::path& dir) {
  WriteTinyTopology(dir);
  std::ofstream(dir / "tiny-scenario.yaml") << R"(name: tiny
topology: tiny.yaml
duration: 10s
seed: 7
workload:
  process: uniform
  rate: 100
  mix:
    - {operation: "front.GET /x"}
)";
  return dir / "tiny-scenario.yaml";
}

}  // namespace tracesim::loadgen::testing
