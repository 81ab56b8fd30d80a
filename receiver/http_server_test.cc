// HttpServer on loopback: where its connections run.
#include "receiver/http_server.h"

#include <gtest/gtest.h>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/beast/http.hpp>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "receiver/test_http_client.h"

namespace tracesim::receiver {
namespace {

namespace net = boost::asio;
namespace http = boost::beast::http;

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
    auto send = [](testing::HttpClient& c, const std::string& name) {
      return c.Send(http::verb::post, "/", "text/plain", "x", {{"X-Conn", name}}).status;
    };
    testing::HttpClient one(port);
    ASSERT_EQ(send(one, "one"), 200);  // accepted before the second connects: the first context
    testing::HttpClient two(port);
    for (int i = 0; i < 4; ++i) {
      EXPECT_EQ(send(two, "two"), 200);
      EXPECT_EQ(send(one, "one"), 200);
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
