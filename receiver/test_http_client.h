// Test helper: a keep-alive HTTP/1.1 client on one loopback connection (Boost.Beast), for the
// receiver's and the HTTP server's tests.
#ifndef TRACESIM_RECEIVER_TEST_HTTP_CLIENT_H_
#define TRACESIM_RECEIVER_TEST_HTTP_CLIENT_H_

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cstdint>
#include <map>
#include <string>

namespace tracesim::receiver::testing {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

struct HttpResult {
  int status = 0;  // 0: the connection closed without an answer
  std::string body;
  std::string content_type;
  std::map<std::string, std::string> headers;
};

// A keep-alive HTTP/1.1 client on one connection.
class HttpClient {
 public:
  explicit HttpClient(uint16_t port) : socket_(ioc_) {
    socket_.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }

  HttpResult Send(http::verb verb, const std::string& target, const std::string& content_type,
                  const std::string& body, const std::map<std::string, std::string>& headers = {}) {
    http::request<http::string_body> req{verb, target, 11};
    req.set(http::field::host, "127.0.0.1");
    if (!content_type.empty()) req.set(http::field::content_type, content_type);
    for (const auto& [k, v] : headers) req.set(k, v);
    req.body() = body;
    req.keep_alive(true);
    req.prepare_payload();
    beast::error_code ec;
    http::write(socket_, req, ec);
    HttpResult result;
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res, ec);
    if (ec) return result;
    result.status = static_cast<int>(res.result_int());
    result.body = res.body();
    result.content_type = std::string(res[http::field::content_type]);
    for (const auto& f : res) {
      result.headers[std::string(f.name_string())] = std::string(f.value());
    }
    return result;
  }

  HttpResult Post(const std::string& content_type, const std::string& body,
                  const std::map<std::string, std::string>& headers = {}) {
    return Send(http::verb::post, "/v1/traces", content_type, body, headers);
  }

 private:
  net::io_context ioc_;
  net::ip::tcp::socket socket_;
  beast::flat_buffer buffer_;
};

}  // namespace tracesim::receiver::testing

#endif  // TRACESIM_RECEIVER_TEST_HTTP_CLIENT_H_
