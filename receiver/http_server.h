// HttpServer: a small HTTP/1.1 server over Boost.Beast/Asio for the OTLP/HTTP receiver and the
// metrics endpoint. Keep-alive, one request at a time per connection, limits (HttpLimits) on
// body and header size, connections and time, and replies that may be delayed or replaced by
// closing the connection (fault injection). Malformed requests are answered (400, 431, 505)
// before closing; `Expect: 100-continue` is answered; accept errors such as EMFILE back off.
//
// The server runs on io_contexts owned by the caller: the listening socket on one, each connection
// on one of a set (round-robin), so that a connection's reads, handler and writes stay on the
// thread that runs its context (any number of threads may run each). Thread-safe: the handler is
// called concurrently from those threads. Stop() closes the listening socket; connections end
// when their peer closes or their io_context stops.
#ifndef TRACESIM_RECEIVER_HTTP_SERVER_H_
#define TRACESIM_RECEIVER_HTTP_SERVER_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "sim/base/status.h"

namespace tracesim::receiver {

using HttpRequest = boost::beast::http::request<boost::beast::http::string_body>;

// What to answer.
struct HttpReply {
  unsigned status = 200;
  std::string content_type;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Retry-After)
  std::chrono::milliseconds delay{0};                        // answer after this long
  bool drop = false;  // close the connection without answering
};

// What one server bounds (doc/receive.md, "Limits").
struct HttpLimits {
  // Largest request body; larger ones reach the handler with body_too_large. Default: 4 MiB.
  uint64_t body_limit = 4u << 20;
  // Largest request line + headers; larger ones get 431 and the connection is closed.
  // Default: 64 KiB.
  uint32_t header_limit = 64 * 1024;
  // Open connections; one more is answered 503 (Retry-After: 1) and closed at once.
  // Default: 1024.
  uint32_t max_connections = 1024;
  // From a connection's first byte of a request (or its accept) to the end of the headers.
  // Default: 10 s.
  std::chrono::milliseconds header_timeout{10'000};
  // Between requests on a keep-alive connection, and for reading a body or writing an answer.
  // Default: 30 s.
  std::chrono::milliseconds idle_timeout{30'000};
};

// A text/plain (UTF-8) reply with `status` and `text`.
HttpReply TextReply(unsigned status, std::string text);

// Called once per request. `body_too_large` is true when the body exceeded the limit: the
// request then carries headers only and the connection is closed after the reply. Anything the
// handler throws is answered 500 (text/plain, naming the exception); the server stays up.
using HttpHandler = std::function<HttpReply(const HttpRequest& request, bool body_too_large)>;

class HttpServer {
 public:
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;
  ~HttpServer();

  // Binds host:port (port 0 = ephemeral) and starts accepting on `ioc`. Connections are placed
  // on the contexts of `connections` in turn (empty: on `ioc`). Fails (IoError) when the
  // address cannot be bound, naming it. REQUIRES: the contexts of `connections` outlive `ioc`
  // (its pending accept holds the next connection's socket, made on one of them) and the
  // connections on them.
  static sim::Result<std::unique_ptr<HttpServer>> Start(
      boost::asio::io_context& ioc, const std::string& host, uint16_t port,
      const HttpLimits& limits, HttpHandler handler,
      std::vector<boost::asio::io_context*> connections = {});

  // The bound port.
  uint16_t port() const { return port_; }
  // Connections open now.
  uint32_t connections() const;
  // Stops accepting; idempotent.
  void Stop();

 private:
  struct State;
  HttpServer() = default;
  std::shared_ptr<State> state_;
  uint16_t port_ = 0;
};

}  // namespace tracesim::receiver

#endif  // TRACESIM_RECEIVER_HTTP_SERVER_H_
