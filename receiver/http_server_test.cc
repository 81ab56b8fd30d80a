// HttpServer on loopback: where its connections run.
#include "receiver/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

namespace tracesim::receiver {
namespace {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = boost::beast::http;

// Sends `n` keep-alive requests on one connection, each naming the connection in X-Conn.
class Client {
 public:
  Client(uint16_t port, std::string name) : socket_(ioc_), name_(std::move(name)) {
    socket_.connect(net::ip::tcp::endpoint(net::ip::make_address("127.0.0.1"), port));
  }
  int Send() {
    http::request<http::string_body> req{http::verb::post, "/", 11};
    req.set(http::field::host, "127.0.0.1");
    req.set("X-Conn", name_);
    req.body() = "x";
    req.keep_alive(true);
    req.prepare_payload();
    beast::error_code ec;
    http::write(socket_, req, ec);
    http::response<http::string_body> res;
    http::read(socket_, buffer_, res, ec);
    return ec ? 0 : static_cast<int>(res.result_int());
  }

 private:
  net::io_context ioc_;
  net::ip::tcp::socket socket_;
  beast::flat_buffer buffer_;
  std::string name_;
};

// Two contexts, one thread each: the connections take turns over them, and every request of a
// connection is handled on its context's thread.
TEST(HttpServerTest, EachConnectionStaysOnOneContextAndConnectionsTakeTurns) {
  net::io_context b(1);  // declared first, destroyed last: it outlives `a` (HttpServer::Start)
  net::io_context a(1);
  auto work_a = net::make_work_guard(a);
  auto work_b = net::make_work_guard(b);
  std::mutex mu;
  std::map<std::string, std::set<std::thread::id>> threads_of;  // GUARDED_BY(mu)
  auto server =
      HttpServer::Start(a, "127.0.0.1", 0, HttpLimits{},
                        [&](const HttpRequest& req, bool) {
                          std::lock_guard<std::mutex> lock(mu);
                          threads_of[std::string(req["X-Conn"])].insert(std::this_thread::get_id());
                          return TextReply(200, "ok");
                        },
                        {&a, &b});
  ASSERT_TRUE(server.ok()) << server.status().message();
  std::thread ta([&] { a.run(); });
  std::thread tb([&] { b.run(); });
  const uint16_t port = (*server)->port();
  {
    Client one(port, "one");
    ASSERT_EQ(one.Send(), 200);  // accepted before the second connects: the first context
    Client two(port, "two");
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(two.Send(), 200);
      EXPECT_EQ(one.Send(), 200);
    }
  }
  const std::thread::id on_a = ta.get_id(), on_b = tb.get_id();
  (*server)->Stop();
  work_a.reset();
  work_b.reset();
  a.stop();
  b.stop();
  ta.join();
  tb.join();
  ASSERT_EQ(threads_of.size(), 2u);
  ASSERT_EQ(threads_of["one"].size(), 1u) << "connection one moved between threads";
  ASSERT_EQ(threads_of["two"].size(), 1u) << "connection two moved between threads";
  EXPECT_EQ(*threads_of["one"].begin(), on_a) << "the first connection is not on the first context";
  EXPECT_EQ(*threads_of["two"].begin(), on_b)
      << "the second connection is not on the second context";
}

}  // namespace
}  // namespace tracesim::receiver
