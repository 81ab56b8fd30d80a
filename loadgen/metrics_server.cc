#include "loadgen/metrics_server.h"

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <thread>

namespace tracesim::loadgen {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

sim::Status SplitHostPort(const std::string& address, std::string* host, uint16_t* port) {
  auto bad = [&](const std::string& why) {
    return sim::Status::InvalidArgument("address '" + address + "': " + why);
  };
  size_t colon = address.rfind(':');
  if (colon == std::string::npos) return bad("expected HOST:PORT");
  std::string h = address.substr(0, colon);
  if (h.size() >= 2 && h.front() == '[' && h.back() == ']') h = h.substr(1, h.size() - 2);
  std::string p = address.substr(colon + 1);
  unsigned v = 0;
  auto [ptr, ec] = std::from_chars(p.data(), p.data() + p.size(), v);
  if (p.empty() || ec != std::errc() || ptr != p.data() + p.size() || v > 65535)
    return bad("port must be a number in [0, 65535]");
  *host = h.empty() ? "127.0.0.1" : h;  // ":PORT" is loopback; all interfaces: 0.0.0.0:PORT
  *port = static_cast<uint16_t>(v);
  return sim::Status::Ok();
}

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const metrics::MetricsExposition* exp)
      : stream_(std::move(socket)), exp_(exp) {}
  void Start() { Read(); }

 private:
  void Read() {
    req_ = {};
    stream_.expires_after(std::chrono::seconds(10));
    http::async_read(stream_, buffer_, req_,
                     [self = shared_from_this()](beast::error_code ec, size_t) {
                       if (ec) return self->Close();
                       self->Respond();
                     });
  }
  void Respond() {
    res_ = {};
    res_.version(req_.version());
    res_.keep_alive(req_.keep_alive());
    res_.set(http::field::server, "tracesim-load");
    std::string target(req_.target());
    if (size_t q = target.find('?'); q != std::string::npos) target.resize(q);
    if (req_.method() != http::verb::get && req_.method() != http::verb::head) {
      res_.result(http::status::method_not_allowed);
      res_.set(http::field::allow, "GET, HEAD");
      res_.set(http::field::content_type, "text/plain");
      res_.body() = "method not allowed\n";
    } else if (target != "/metrics") {
      res_.result(http::status::not_found);
      res_.set(http::field::content_type, "text/plain");
      res_.body() = "not found; try /metrics\n";
    } else {
      res_.result(http::status::ok);
      res_.set(http::field::content_type, exp_->ContentType());
      res_.body() = exp_->Render();
    }
    res_.prepare_payload();
    if (req_.method() == http::verb::head) res_.body().clear();
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec || !self->res_.keep_alive()) return self->Close();
      self->Read();
    });
  }
  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> req_;
  http::response<http::string_body> res_;
  const metrics::MetricsExposition* exp_;
};

}  // namespace

class MetricsServer::Impl {
 public:
  explicit Impl(const metrics::MetricsExposition* exp) : exp_(exp), acceptor_(ioc_) {}
  ~Impl() { Stop(); }

  sim::Status Listen(const std::string& host, uint16_t port) {
    beast::error_code ec;
    auto addr = asio::ip::make_address(host, ec);
    if (ec) return sim::Status::InvalidArgument("address '" + host + "': not an IP address");
    tcp::endpoint ep(addr, port);
    acceptor_.open(ep.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(ep, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
      return sim::Status::Unavailable("cannot listen on " + host + ":" + std::to_string(port) +
                                      ": " + ec.message());
    port_ = acceptor_.local_endpoint().port();
    Accept();
    thread_ = std::thread([this] { ioc_.run(); });
    return sim::Status::Ok();
  }
  void Stop() {
    if (!thread_.joinable()) return;
    asio::post(ioc_, [this] {
      beast::error_code ec;
      acceptor_.close(ec);
    });
    ioc_.stop();
    thread_.join();
  }
  uint16_t port() const { return port_; }

 private:
  void Accept() {
    acceptor_.async_accept([this](beast::error_code ec, tcp::socket s) {
      if (ec) return;
      std::make_shared<Session>(std::move(s), exp_)->Start();
      Accept();
    });
  }
  const metrics::MetricsExposition* exp_;
  asio::io_context ioc_;
  tcp::acceptor acceptor_;
  std::thread thread_;
  uint16_t port_ = 0;
};

sim::Result<std::unique_ptr<MetricsServer>> MetricsServer::Start(
    const std::string& address, const metrics::MetricsExposition* exp) {
  std::string host;
  uint16_t port = 0;
  TRACESIM_RETURN_IF_ERROR(SplitHostPort(address, &host, &port));
  auto impl = std::make_unique<Impl>(exp);
  TRACESIM_RETURN_IF_ERROR(impl->Listen(host, port));
  return std::unique_ptr<MetricsServer>(new MetricsServer(std::move(impl)));
}

MetricsServer::MetricsServer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
MetricsServer::~MetricsServer() { Stop(); }
uint16_t MetricsServer::port() const { return impl_->port(); }
void MetricsServer::Stop() { impl_->Stop(); }

}  // namespace tracesim::loadgen
