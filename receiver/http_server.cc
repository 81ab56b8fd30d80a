#include "receiver/http_server.h"

#include <array>
#include <atomic>
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

// Open connections of one server, shared with its connections (which outlive Stop()).
using ConnectionCount = std::atomic<uint32_t>;

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  Connection(tcp::socket socket, const HttpLimits& limits,
             std::shared_ptr<const HttpHandler> handler, std::shared_ptr<ConnectionCount> count)
      : stream_(std::move(socket)),
        timer_(stream_.get_executor()),
        limits_(limits),
        handler_(std::move(handler)),
        count_(std::move(count)) {}
  ~Connection() { count_->fetch_sub(1); }

  void Start() {
    net::dispatch(stream_.get_executor(), [self = shared_from_this()] { self->Read(); });
  }

 private:
  // Waits for the first byte of the next request: the header timeout on a new connection, the
  // idle timeout between keep-alive requests.
  void Read() {
    parser_.emplace();
    parser_->body_limit(limits_.body_limit);
    parser_->header_limit(limits_.header_limit);
    if (buffer_.size() > 0) {
      ReadHeader();
      return;
    }
    stream_.expires_after(first_ ? limits_.header_timeout : limits_.idle_timeout);
    first_ = false;
    stream_.async_read_some(buffer_.prepare(4096),
                            [self = shared_from_this()](beast::error_code ec, size_t n) {
                              if (ec) {
                                self->Close();
                                return;
                              }
                              self->buffer_.commit(n);
                              self->ReadHeader();
                            });
  }

  // The whole header must arrive within the header timeout (slowloris).
  void ReadHeader() {
    stream_.expires_after(limits_.header_timeout);
    http::async_read_header(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  void OnHeader(beast::error_code ec) {
    if (ec) {
      OnRead(ec);
      return;
    }
    const HttpRequest& req = parser_->get();
    if (req.version() != 10 && req.version() != 11) {
      Fail(505, "HTTP version not supported; use HTTP/1.1\n");
      return;
    }
    if (parser_->is_done()) {
      OnRead(ec);
      return;
    }
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      stream_.expires_after(limits_.idle_timeout);
      net::async_write(stream_, net::buffer(kContinue, sizeof(kContinue) - 1),
                       [self = shared_from_this()](beast::error_code ec, size_t) {
                         if (ec) {
                           self->Close();
                           return;
                         }
                         self->ReadBody();
                       });
      return;
    }
    ReadBody();
  }

  void ReadBody() {
    stream_.expires_after(limits_.idle_timeout);
    http::async_read(
        stream_, buffer_, *parser_,
        [self = shared_from_this()](beast::error_code ec, size_t) { self->OnRead(ec); });
  }

  void OnRead(beast::error_code ec) {
    bool too_large = ec == http::error::body_limit;
    if (ec && !too_large) {
      // Framing errors are answered; end of stream, a reset or a timeout just close.
      if (ec == http::error::header_limit) {
        Fail(431, "request header exceeds the limit of " + std::to_string(limits_.header_limit) +
                      " bytes\n");
      } else if (ec == http::error::bad_version) {
        Fail(505, "HTTP version not supported; use HTTP/1.1\n");
      } else if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
                 ec != http::error::end_of_stream && ec != http::error::partial_message) {
        Fail(400, "malformed HTTP request: " + ec.message() + "\n");
      } else {
        Close();
      }
      return;
    }
    const HttpRequest& req = parser_->get();
    HttpReply reply = CallHandler(req, too_large);
    if (reply.drop) {
      Close();
      return;
    }
    drain_after_write_ = too_large;
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

  // Answers a request that cannot be read further, then closes (after draining).
  void Fail(unsigned status, std::string text) {
    res_ = {};
    res_.version(11);
    res_.result(status);
    res_.set(http::field::server, "tracesim");
    res_.set(http::field::content_type, "text/plain; charset=utf-8");
    res_.body() = std::move(text);
    res_.keep_alive(false);
    res_.prepare_payload();
    keep_alive_ = false;
    drain_after_write_ = true;
    Write();
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
    stream_.expires_after(limits_.idle_timeout);
    http::async_write(stream_, res_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (!ec && self->drain_after_write_) {
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

  // After answering a request that is not read to its end (oversized or malformed): stop
  // sending, then read and discard what the client still sends (bounded by a 5 s deadline) so
  // closing does not reset the connection before the client has read the answer.
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

  static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";

  beast::tcp_stream stream_;
  net::steady_timer timer_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  http::response<http::string_body> res_;
  bool first_ = true;
  bool keep_alive_ = false;
  bool drain_after_write_ = false;
  std::array<char, 16384> scratch_;
  HttpLimits limits_;
  std::shared_ptr<const HttpHandler> handler_;
  std::shared_ptr<ConnectionCount> count_;
};

// Answer to a connection over the cap, written without waiting (it fits any socket buffer).
constexpr char kTooManyConnections[] =
    "HTTP/1.1 503 Service Unavailable\r\nServer: tracesim\r\nContent-Type: text/plain; "
    "charset=utf-8\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: 21\r\n\r\n"
    "too many connections\n";

// Accept errors that mean "out of a resource for now": retry after a pause, not at once.
bool IsResourceShortage(const beast::error_code& ec) {
  return ec == net::error::no_descriptors || ec == net::error::no_buffer_space ||
         ec == net::error::no_memory || ec == boost::system::errc::too_many_files_open_in_system;
}

}  // namespace

struct HttpServer::State : std::enable_shared_from_this<HttpServer::State> {
  State(net::io_context& ioc)
      : ioc(ioc), acceptor(net::make_strand(ioc)), backoff(acceptor.get_executor()) {}

  // The context of the next connection (called on the acceptor's strand).
  net::io_context& NextContext() {
    if (spread.empty()) return ioc;
    net::io_context& c = *spread[next_context];
    next_context = (next_context + 1) % spread.size();
    return c;
  }

  void Accept() {
    acceptor.async_accept(net::make_strand(NextContext()), [self = shared_from_this()](
                                                               beast::error_code ec,
                                                               tcp::socket socket) {
      if (ec) {
        if (ec == net::error::operation_aborted || !self->acceptor.is_open()) return;
        if (IsResourceShortage(ec)) {
          // EMFILE and the like: the pending connection stays queued and accept would fail
          // again at once (a 100 % CPU spin); try again after a pause.
          self->backoff.expires_after(kAcceptBackoff);
          self->backoff.async_wait([self](beast::error_code wait_ec) {
            if (!wait_ec && self->acceptor.is_open()) self->Accept();
          });
          return;
        }
        self->Accept();
        return;
      }
      if (self->count->fetch_add(1) >= self->limits.max_connections) {
        self->count->fetch_sub(1);
        beast::error_code ignored;
        socket.non_blocking(true, ignored);
        socket.write_some(net::buffer(kTooManyConnections, sizeof(kTooManyConnections) - 1),
                          ignored);
        socket.shutdown(tcp::socket::shutdown_send, ignored);
        socket.close(ignored);
      } else {
        std::make_shared<Connection>(std::move(socket), self->limits, self->handler, self->count)
            ->Start();
      }
      self->Accept();
    });
  }

  static constexpr std::chrono::milliseconds kAcceptBackoff{100};

  net::io_context& ioc;
  std::vector<net::io_context*> spread;  // the connections' contexts, in turn (empty: ioc)
  size_t next_context = 0;               // on the acceptor's strand
  tcp::acceptor acceptor;
  net::steady_timer backoff;
  HttpLimits limits;
  std::shared_ptr<const HttpHandler> handler;
  std::shared_ptr<ConnectionCount> count = std::make_shared<ConnectionCount>(0);
};

HttpReply TextReply(unsigned status, std::string text) {
  HttpReply reply;
  reply.status = status;
  reply.content_type = "text/plain; charset=utf-8";
  reply.body = std::move(text);
  return reply;
}

HttpServer::~HttpServer() { Stop(); }

sim::Result<std::unique_ptr<HttpServer>> HttpServer::Start(
    net::io_context& ioc, const std::string& host, uint16_t port, const HttpLimits& limits,
    HttpHandler handler, std::vector<net::io_context*> connections) {
  std::unique_ptr<HttpServer> server(new HttpServer());
  auto state = std::make_shared<State>(ioc);
  state->spread = std::move(connections);
  state->limits = limits;
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

uint32_t HttpServer::connections() const { return state_ ? state_->count->load() : 0; }

void HttpServer::Stop() {
  if (!state_) return;
  auto state = state_;
  // Close on the acceptor's strand so it never races an async_accept completion.
  net::dispatch(state->acceptor.get_executor(), [state] {
    beast::error_code ignored;
    state->acceptor.close(ignored);
    state->backoff.cancel();
  });
  state_.reset();
}

}  // namespace tracesim::receiver
