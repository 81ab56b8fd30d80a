#include "receiver/http_server.h"

#include <array>
#include <boost/asio/bind_executor.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <optional>

namespace tracesim::receiver {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;
using tcp = net::ip::tcp;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, uint64_t body_limit, std::shared_ptr<const HttpHandler> handler)
      : stream_(std::move(socket)),
        timer_(stream_.get_executor()),
        body_limit_(body_limit),
        handler_(std::move(handler)) {}

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

 private:
  void Read() {
    parser_.emplace();
    parser_->body_limit(body_limit_);
    parser_->header_limit(64 * 1024);
    // An idle keep-alive connection is closed after 2 minutes.
    stream_.expires_after(std::chrono::minutes(2));
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    bool too_large = ec == http::error::body_limit;
    if (ec && !too_large) {
      // end_of_stream, a reset, a timeout or a malformed request line: just close.
      Close();
      return;
    }
    const HttpRequest& req = parser_->get();
    HttpReply reply = CallHandler(req, too_large);
    if (reply.drop) {
      Close();
      return;
    }
    too_large_ = too_large;
    keep_alive_ = !too_large && req.keep_alive();
    res_ = {};
    res_.version(req.version());
    res_.result(reply.status);
    res_.set(http::field::server, "tracesim");
    if (!reply.content_type.empty()) res_.set(http::field::content_type, reply.content_type);
    for (auto& [k, v] : reply.headers) res_.set(k, v);
    res_.body() = std::move(reply.body);
    res_.keep_alive(keep_alive_);
    res_.prepare_payload();
    if (reply.delay.count() > 0) {
      stream_.expires_never();
      timer_.expires_after(reply.delay);
      timer_.async_wait([self = shared_from_this()](beast::error_code) { self->Write(); });
    } else {
      Write();
    }
  }

  // The handler behind a catch-all: whatever it throws becomes a 500 and the server stays up.
  HttpReply CallHandler(const HttpRequest& req, bool too_large) {
    std::string what = "unknown exception";
    try {
      return (*handler_)(req, too_large);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    return TextReply(500, "internal error: " + what + "\n");
  }

  void Write() {
    stream_.expires_after(std::chrono::seconds(30));
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec && self->too_large_) {
        self->Drain();
        return;
      }
      if (ec || !self->keep_alive_) {
        self->Close();
        return;
      }
      self->Read();
    });
  }

  // After answering an oversized request: stop sending, then read and discard what the client
  // still sends (bounded by a 5 s deadline) so closing does not reset the connection before the
  // client has read the answer.
  void Drain() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(std::chrono::seconds(5));
    DrainSome();
  }

  void DrainSome() {
    stream_.async_read_some(net::buffer(scratch_),
                            [self = shared_from_this()](beast::error_code ec, size_t) {
                              if (ec) {
                                self->Close();
                                return;
                              }
                              self->DrainSome();
                            });
  }

  void Close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.socket().close(ignored);
  }

  beast::tcp_stream stream_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  bool keep_alive_ = false;
  bool too_large_ = false;
  std::array<char, 16384> scratch_;
  uint64_t body_limit_;
  std::shared_ptr<const HttpHandler> handler_;
};

}  // namespace

struct HttpServer::State : std::enable_shared_from_this<HttpServer::State> {
  State(net::io_context& ioc) : ioc(ioc), acceptor(net::make_strand(ioc)) {}

  void Accept() {
    acceptor.async_accept(net::make_strand(ioc), [self = shared_from_this()](beast::error_code ec,
                                                                             tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !self->acceptor.is_open()) return;
        self->Accept();
        return;
      }
      std::make_shared<Connection>(std::move(socket), self->body_limit, self->handler)->Start();
      self->Accept();
    });
  }

  net::io_context& ioc;
  tcp::acceptor acceptor;
  uint64_t body_limit = 0;
  std::shared_ptr<const HttpHandler> handler;
};

HttpReply TextReply(unsigned status, std::string text) {
  HttpReply reply;
  reply.status = status;
  reply.content_type = "text/plain; charset=utf-8";
  reply.body = std::move(text);
  return reply;
}

HttpServer::~HttpServer() { Stop(); }

sim::Result<std::unique_ptr<HttpServer>> HttpServer::Start(net::io_context& ioc,
                                                           const std::string& host, uint16_t port,
                                                           uint64_t body_limit,
                                                           HttpHandler handler) {
  std::unique_ptr<HttpServer> server(new HttpServer());
  auto state = std::make_shared<State>(ioc);
  state->body_limit = body_limit;
  state->handler = std::make_shared<const HttpHandler>(std::move(handler));
  beast::error_code ec;
  auto address = net::ip::make_address(host, ec);
  if (ec) {
    return sim::Status::InvalidArgument("'" + host + "' is not an IP address (" + ec.message() +
                                        ")");
  }
  tcp::endpoint endpoint(address, port);
  std::string where = host + ":" + std::to_string(port);
  state->acceptor.open(endpoint.protocol(), ec);
  if (!ec) state->acceptor.set_option(net::socket_base::reuse_address(true), ec);
  if (!ec) state->acceptor.bind(endpoint, ec);
  if (!ec) state->acceptor.listen(net::socket_base::max_listen_connections, ec);
  if (ec) return sim::Status::IoError("cannot listen on " + where + ": " + ec.message());
  server->port_ = state->acceptor.local_endpoint().port();
  state->Accept();
  server->state_ = std::move(state);
  return server;
}

void HttpServer::Stop() {
  if (!state_) return;
  auto state = state_;
  // Close on the acceptor's strand so it never races an async_accept completion.
  net::dispatch(state->acceptor.get_executor(), [state] {
    beast::error_code ignored;
    state->acceptor.close(ignored);
  });
  state_.reset();
}

}  // namespace tracesim::receiver
