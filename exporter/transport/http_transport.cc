// OTLP/HTTP and Zipkin transports: Boost.Beast over Asio, one I/O thread, `connections`
// keep-alive connections (plain TCP or TLS) each serving the shared FIFO queue of requests with
// a C++20 coroutine. A request goes to the first idle connection; a connection that the server
// closed while idle is noticed before writing and reopened. A request is written at most once per
// call: losing the connection after writing it is reported as retryable (at-least-once delivery).
// clang-format off
#include <utility>  // before Asio: boost 1.74 awaitable.hpp uses std::exchange unincluded
// clang-format on

#include <sys/socket.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/ssl.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <cerrno>
#include <deque>
#include <mutex>
#include <thread>

#include "exporter/transport/transport_internal.h"

namespace tracesim::exporter::internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
namespace ssl = asio::ssl;
using asio::ip::tcp;
using Clock = std::chrono::steady_clock;

constexpr size_t kMaxResponseBytes = 4 << 20;  // OTLP: clients cap responses at 4 MiB

struct Pending {
  ExportRequest request;
  std::function<void(ExportResult)> done;
  Clock::time_point start;
  std::string gzipped;  // the compressed body when gzip is on
};

// One connection slot. Exactly one of plain/tls is set while connected.
struct Conn {
  std::unique_ptr<beast::tcp_stream> plain;
  std::unique_ptr<beast::ssl_stream<beast::tcp_stream>> tls;
  bool busy = false;
  bool open() const { return plain != nullptr || tls != nullptr; }
  beast::tcp_stream& lowest() { return plain ? *plain : beast::get_lowest_layer(*tls); }
  void Close() {
    if (!open()) return;
    beast::error_code ec;
    lowest().socket().shutdown(tcp::socket::shutdown_both, ec);
    lowest().socket().close(ec);
    plain.reset();
    tls.reset();
  }
};

// True when an idle connection can no longer carry a request: the peer closed it (EOF), reset
// it, or sent something unasked (a TLS close_notify, a stray answer). Non-blocking peek.
bool PeerClosed(beast::tcp_stream& stream) {
  char byte;
  ssize_t n = ::recv(stream.socket().native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  if (n < 0) return errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR;
  return true;  // 0: EOF; > 0: unexpected bytes on an idle connection
}

bool IsIpLiteral(const std::string& host) {
  beast::error_code ec;
  asio::ip::make_address(host, ec);
  return !ec;
}

class HttpTransport final : public Transport {
 public:
  HttpTransport(const TransportOptions& options, Url url, std::unique_ptr<ssl::context> ssl_ctx)
      : options_(options),
        url_(std::move(url)),
        ssl_ctx_(std::move(ssl_ctx)),
        work_(asio::make_work_guard(io_)),
        resolver_(io_) {
    zipkin_ = options.protocol == WireProtocol::kZipkinJson;
    json_ = options.protocol != WireProtocol::kHttpProtobuf;
    for (uint32_t i = 0; i < options.connections; ++i) conns_.push_back(std::make_unique<Conn>());
    host_header_ = url_.host.find(':') != std::string::npos ? "[" + url_.host + "]" : url_.host;
    if (url_.port != (url_.tls ? "443" : "80")) host_header_ += ":" + url_.port;
    thread_ = std::thread([this] { io_.run(); });
  }
  ~HttpTransport() override { Shutdown(); }

  void ExportAsync(ExportRequest request, std::function<void(ExportResult)> done) override {
    Pending p{std::move(request), std::move(done), Clock::now()};
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (!shutdown_) {
        asio::post(io_, [this, p = std::move(p)]() mutable {
          if (stopping_) {
            Report(p, ShutdownResult());
            return;
          }
          queue_.push_back(std::move(p));
          Dispatch();
        });
        return;
      }
    }
    Report(p, ShutdownResult());  // after Shutdown(): reported on the caller's thread
  }

  void Shutdown() override {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (shutdown_) {
        // Another caller got here first; wait for it (join is not re-entrant).
      } else {
        shutdown_ = true;
        asio::post(io_, [this] {
          stopping_ = true;
          resolver_.cancel();
          while (!queue_.empty()) {
            Pending p = std::move(queue_.front());
            queue_.pop_front();
            Report(p, ShutdownResult());
          }
          for (auto& c : conns_) {
            if (c->open()) {
              beast::error_code ec;
              c->lowest().socket().cancel(ec);
              c->lowest().socket().close(ec);
            }
          }
          work_.reset();
        });
      }
    }
    std::lock_guard<std::mutex> join_lock(join_mu_);
    if (thread_.joinable()) thread_.join();
  }

 private:
  // Written from a span over bytes the Pending owns (its shared body, or its gzipped copy).
  using Request = http::request<http::span_body<const char>>;

  static ExportResult ShutdownResult() {
    ExportResult r;
    r.kind = ExportResult::Kind::kShutdown;
    r.code_name = "shutdown";
    r.message = "transport shut down";
    return r;
  }

  void Report(Pending& p, ExportResult r) {
    r.id = p.request.id;
    r.spans = p.request.spans;
    r.latency = Clock::now() - p.start;
    try {
      p.done(std::move(r));
    } catch (...) {
      // `done` must not throw; the I/O thread has nowhere to report it.
    }
  }

  // I/O thread: hands queued requests to idle connections.
  void Dispatch() {
    for (auto& c : conns_) {
      if (queue_.empty()) return;
      if (c->busy) continue;
      c->busy = true;
      asio::co_spawn(io_, Serve(c.get()), asio::detached);
    }
  }

  asio::awaitable<void> Serve(Conn* c) {
    while (!queue_.empty() && !stopping_) {
      Pending p = std::move(queue_.front());
      queue_.pop_front();
      ExportResult r;
      try {
        r = co_await Exchange(c, p);
      } catch (const std::exception& e) {
        c->Close();
        r.kind = ExportResult::Kind::kRetryable;
        r.code_name = "transport error";
        r.message = e.what();
      }
      if (stopping_ && r.kind != ExportResult::Kind::kOk && r.code == 0) r = ShutdownResult();
      Report(p, std::move(r));
    }
    c->busy = false;
    if (stopping_) c->Close();
  }

  // The request writes from the caller's bytes (or p.gzipped): p must outlive it.
  Request BuildRequest(Pending& p) {
    Request req{http::verb::post, url_.target, 11};
    req.set(http::field::host, host_header_);
    req.set(http::field::user_agent, "tracesim-otlp-exporter/0.1.0");
    req.set(http::field::content_type, json_ ? "application/json" : "application/x-protobuf");
    for (const auto& [k, v] : options_.headers) req.set(k, v);
    req.keep_alive(true);
    const std::string& body = *p.request.body;
    req.body() = Request::body_type::value_type(body.data(), body.size());
    if (options_.gzip && GzipCompress(body, &p.gzipped)) {
      req.set(http::field::content_encoding, "gzip");
      req.body() = Request::body_type::value_type(p.gzipped.data(), p.gzipped.size());
    }
    req.prepare_payload();
    return req;
  }

  // Opens c (TCP connect, TLS handshake) before `deadline`. On failure fills *r.
  asio::awaitable<bool> Connect(Conn* c, Clock::time_point deadline, ExportResult* r) {
    beast::error_code ec;
    auto results = co_await resolver_.async_resolve(url_.host, url_.port,
                                                    asio::redirect_error(asio::use_awaitable, ec));
    if (ec) {
      r->kind = ExportResult::Kind::kRetryable;
      r->code_name = "resolve failed";
      r->message = url_.host + ": " + ec.message();
      co_return false;
    }
    if (ssl_ctx_) {
      c->tls = std::make_unique<beast::ssl_stream<beast::tcp_stream>>(io_, *ssl_ctx_);
    } else {
      c->plain = std::make_unique<beast::tcp_stream>(io_);
    }
    c->lowest().expires_at(deadline);
    co_await c->lowest().async_connect(results, asio::redirect_error(asio::use_awaitable, ec));
    if (!ec) c->lowest().socket().set_option(tcp::no_delay(true), ec);
    if (ec) {
      r->kind = ExportResult::Kind::kRetryable;
      r->code_name = ec == beast::error::timeout             ? "deadline"
                     : ec == asio::error::connection_refused ? "connection refused"
                                                             : "connect failed";
      r->message = url_.host + ":" + url_.port + ": " + ec.message();
      c->Close();
      co_return false;
    }
    if (c->tls) {
      SSL* native = c->tls->native_handle();
      if (IsIpLiteral(url_.host)) {
        X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(native), url_.host.c_str());
      } else {
        SSL_set_tlsext_host_name(native, url_.host.c_str());
        X509_VERIFY_PARAM_set1_host(SSL_get0_param(native), url_.host.c_str(), 0);
      }
      c->lowest().expires_at(deadline);
      co_await c->tls->async_handshake(ssl::stream_base::client,
                                       asio::redirect_error(asio::use_awaitable, ec));
      if (ec) {
        // A handshake the peer or our verification rejects will fail again: not retryable.
        r->kind = ec == beast::error::timeout ? ExportResult::Kind::kRetryable
                                              : ExportResult::Kind::kFatal;
        r->code_name = ec == beast::error::timeout ? "deadline" : "tls handshake failed";
        r->message = ec.message();
        c->Close();
        co_return false;
      }
    }
    co_return true;
  }

  template <class Stream>
  asio::awaitable<beast::error_code> RoundTrip(Stream& stream, beast::tcp_stream& lowest,
                                               Request& req,
                                               http::response_parser<http::string_body>& parser,
                                               Clock::time_point deadline, bool* got_bytes) {
    beast::error_code ec;
    lowest.expires_at(deadline);
    co_await http::async_write(stream, req, asio::redirect_error(asio::use_awaitable, ec));
    if (ec) co_return ec;
    beast::flat_buffer buffer;
    lowest.expires_at(deadline);
    co_await http::async_read(stream, buffer, parser,
                              asio::redirect_error(asio::use_awaitable, ec));
    *got_bytes = parser.got_some();
    co_return ec;
  }

  asio::awaitable<ExportResult> Exchange(Conn* c, Pending& p) {
    ExportResult r;
    const Clock::time_point deadline = p.start + options_.timeout;
    Request req = BuildRequest(p);
    // At most once per call: a connection the server closed while idle is noticed before the
    // request is written (PeerClosed) and reopened. A connection lost after the request was
    // written is reported as retryable ("disconnected"): the caller's retry path counts it and
    // backs off. The server may have processed it: delivery is at least once
    // (doc/transports.md). Issue 16 item 7: this used to be re-sent at once, uncounted.
    {
      if (c->open() && PeerClosed(c->lowest())) c->Close();
      if (!c->open() && !co_await Connect(c, deadline, &r)) co_return r;
      http::response_parser<http::string_body> parser;
      parser.body_limit(kMaxResponseBytes);
      parser.header_limit(64 * 1024);
      bool got_bytes = false;
      beast::error_code ec =
          c->tls ? co_await RoundTrip(*c->tls, c->lowest(), req, parser, deadline, &got_bytes)
                 : co_await RoundTrip(*c->plain, c->lowest(), req, parser, deadline, &got_bytes);
      if (ec) {
        c->Close();
        r.kind = ExportResult::Kind::kRetryable;
        if (ec == beast::error::timeout) {
          r.code_name = "deadline";
          r.message = "no response within " + std::to_string(options_.timeout.count()) + "ms";
        } else if (ec == http::error::body_limit || ec == http::error::header_limit) {
          r.kind = ExportResult::Kind::kFatal;
          r.code_name = "response too large";
          r.message = "response over 4 MiB";
        } else {
          r.code_name = "disconnected";
          r.message = "no complete response: " + ec.message();
        }
        co_return r;
      }
      auto& res = parser.get();
      if (!res.keep_alive()) c->Close();
      r.code = static_cast<int>(res.result_int());
      r.code_name = "HTTP " + std::to_string(r.code);
      r.kind = ClassifyHttp(r.code);
      if (zipkin_ && r.kind == ExportResult::Kind::kOk && r.code != 202) {
        r.message = "Zipkin answered " + std::to_string(r.code) + ", expected 202";
      }
      std::string body = std::move(res.body());
      if (auto enc = res.find(http::field::content_encoding);
          enc != res.end() && beast::iequals(enc->value(), "gzip")) {
        std::string plain;
        if (GzipDecompress(body, &plain)) body = std::move(plain);
      }
      const std::string content_type(res[http::field::content_type]);
      const bool body_json = content_type.find("json") != std::string::npos;
      if (r.kind == ExportResult::Kind::kOk) {
        if (!zipkin_ &&
            !ParseExportResponse(body, body_json || (json_ && content_type.empty()), &r)) {
          r.message = "unparsable ExportTraceServiceResponse (ignored)";
        }
      } else {
        if (auto ra = res.find(http::field::retry_after); ra != res.end()) {
          r.retry_after = ParseRetryAfter(std::string_view(ra->value().data(), ra->value().size()),
                                          std::chrono::system_clock::now());
        }
        std::string msg;
        if (!body_json && content_type.find("protobuf") != std::string::npos &&
            ParseRpcStatus(body, &msg, nullptr)) {
          r.message = msg;
        } else {
          r.message = body.substr(0, 512);
        }
      }
      co_return r;
    }
    co_return r;
  }

  const TransportOptions options_;
  const Url url_;
  std::unique_ptr<ssl::context> ssl_ctx_;
  bool zipkin_ = false, json_ = false;
  std::string host_header_;

  asio::io_context io_;
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  tcp::resolver resolver_;
  std::thread thread_;
  std::mutex join_mu_;

  std::mutex mu_;
  bool shutdown_ = false;  // GUARDED_BY(mu_)

  // I/O thread only.
  std::vector<std::unique_ptr<Conn>> conns_;
  std::deque<Pending> queue_;
  bool stopping_ = false;
};

}  // namespace

sim::Result<std::unique_ptr<Transport>> CreateHttpTransport(const TransportOptions& options) {
  const bool zipkin = options.protocol == WireProtocol::kZipkinJson;
  const std::string endpoint =
      options.endpoint.empty() ? DefaultEndpoint(options.protocol) : options.endpoint;
  auto url = ParseHttpUrl(endpoint, zipkin ? "/api/v2/spans" : "/v1/traces");
  if (!url.ok()) return url.status().WithContext("transport.endpoint");
  if (options.tls) url->tls = true;
  std::unique_ptr<ssl::context> ctx;
  if (url->tls) {
    // Check the files first, so the error names the option.
    if (!options.ca_file.empty()) {
      auto ca = ReadFileForOption("ca_file", options.ca_file);
      if (!ca.ok()) return ca.status();
    }
    if (!options.client_cert_file.empty()) {
      auto cert = ReadFileForOption("client_cert_file", options.client_cert_file);
      if (!cert.ok()) return cert.status();
      auto key = ReadFileForOption("client_key_file", options.client_key_file);
      if (!key.ok()) return key.status();
    }
    ctx = std::make_unique<ssl::context>(ssl::context::tls_client);
    ctx->set_verify_mode(ssl::verify_peer);
    beast::error_code ec;
    if (!options.ca_file.empty()) {
      ctx->load_verify_file(options.ca_file, ec);
      if (ec) {
        return sim::Status::InvalidArgument("transport.ca_file: '" + options.ca_file +
                                            "' is not a PEM certificate: " + ec.message());
      }
    } else {
      ctx->set_default_verify_paths(ec);
    }
    if (!options.client_cert_file.empty()) {
      ctx->use_certificate_chain_file(options.client_cert_file, ec);
      if (ec) {
        return sim::Status::InvalidArgument("transport.client_cert_file: '" +
                                            options.client_cert_file +
                                            "' is not a PEM certificate chain: " + ec.message());
      }
      ctx->use_private_key_file(options.client_key_file, ssl::context::pem, ec);
      if (ec) {
        return sim::Status::InvalidArgument("transport.client_key_file: '" +
                                            options.client_key_file +
                                            "' is not a PEM private key matching the "
                                            "certificate: " +
                                            ec.message());
      }
    }
  }
  return std::unique_ptr<Transport>(
      new HttpTransport(options, std::move(url).value(), std::move(ctx)));
}

}  // namespace tracesim::exporter::internal
