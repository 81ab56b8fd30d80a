#include "loadgen/metrics_server.h"

#include <gtest/gtest.h>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace tracesim::loadgen {
namespace {

namespace http = boost::beast::http;

// GETs `target` from 127.0.0.1:port with a real HTTP client; returns status and body.
std::pair<int, std::string> HttpGet(uint16_t port, const std::string& target,
                                    http::verb verb = http::verb::get) {
  boost::asio::io_context ioc;
  boost::beast::tcp_stream s(ioc);
  s.connect({boost::asio::ip::make_address("127.0.0.1"), port});
  http::request<http::string_body> req(verb, target, 11);
  req.set(http::field::host, "127.0.0.1");
  http::write(s, req);
  boost::beast::flat_buffer buf;
  http::response<http::string_body> res;
  http::read(s, buf, res);
  return {res.result_int(), res.body()};
}

TEST(MetricsServerTest, ServesTheRegistry) {
  metrics::MetricsRegistry reg;
  auto c = reg.AddCounter("tracesim_load_spans_generated_total", "help");
  ASSERT_TRUE(c.ok());
  (*c)->Increment(42);
  auto srv = MetricsServer::Start("127.0.0.1:0", &reg);
  ASSERT_TRUE(srv.ok()) << srv.status().message();
  ASSERT_NE((*srv)->port(), 0);
  auto [code, body] = HttpGet((*srv)->port(), "/metrics");
  EXPECT_EQ(code, 200);
  EXPECT_NE(body.find("tracesim_load_spans_generated_total 42"), std::string::npos) << body;
  (*c)->Increment(1);
  EXPECT_NE(HttpGet((*srv)->port(), "/metrics?x=1").second.find("generated_total 43"),
            std::string::npos);
  EXPECT_EQ(HttpGet((*srv)->port(), "/").first, 404);
  EXPECT_EQ(HttpGet((*srv)->port(), "/metrics", http::verb::post).first, 405);
  (*srv)->Stop();
}

TEST(MetricsServerTest, BarePortIsLoopbackAllInterfacesMustBeAsked) {
  std::string host;
  uint16_t port = 0;
  ASSERT_TRUE(SplitHostPort(":9464", &host, &port).ok());
  EXPECT_EQ(host, "127.0.0.1");
  EXPECT_EQ(port, 9464);
  ASSERT_TRUE(SplitHostPort("0.0.0.0:9464", &host, &port).ok());
  EXPECT_EQ(host, "0.0.0.0");
}

TEST(MetricsServerTest, BadAddressesAndBusyPort) {
  metrics::MetricsRegistry reg;
  for (const char* bad : {"nonsense", "127.0.0.1:http", "127.0.0.1:70000", "not-an-ip:9090"}) {
    auto s = MetricsServer::Start(bad, &reg);
    EXPECT_FALSE(s.ok()) << bad;
    if (!s.ok()) {
      EXPECT_NE(s.status().message().find("address"), std::string::npos) << bad;
    }
  }
  auto a = MetricsServer::Start("127.0.0.1:0", &reg);
  ASSERT_TRUE(a.ok());
  auto b = MetricsServer::Start("127.0.0.1:" + std::to_string((*a)->port()), &reg);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), sim::Status::Code::kUnavailable);
}

}  // namespace
}  // namespace tracesim::loadgen
