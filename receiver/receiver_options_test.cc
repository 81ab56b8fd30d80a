#include "receiver/receiver_options.h"

#include <gtest/gtest.h>

namespace tracesim::receiver {
namespace {

TEST(ReceiverOptionsTest, DefaultsAreValid) {
  ReceiverOptions o;
  EXPECT_TRUE(o.Validate().ok());
  EXPECT_EQ(o.grpc_address, "127.0.0.1:4317");
  EXPECT_EQ(o.http_address, "127.0.0.1:4318");
  EXPECT_EQ(o.max_request_bytes, 4u << 20);
}

TEST(ReceiverOptionsTest, RejectsBadFields) {
  ReceiverOptions o;
  o.grpc_address = "";
  o.http_address = "";
  EXPECT_NE(o.Validate().message().find("enable at least one"), std::string::npos);
  o = {};
  o.http_address = "127.0.0.1:70000";
  EXPECT_NE(o.Validate().message().find("receiver.http_address"), std::string::npos);
  o = {};
  o.grpc_address = "nocolon";
  EXPECT_NE(o.Validate().message().find("receiver.grpc_address"), std::string::npos);
  o = {};
  o.max_request_bytes = 10;
  EXPECT_NE(o.Validate().message().find("max_request_bytes"), std::string::npos);
  o = {};
  o.collector_metrics = true;  // without a metrics address
  EXPECT_NE(o.Validate().message().find("receiver.collector_metrics"), std::string::npos);
  o.metrics_address = "127.0.0.1:0";
  EXPECT_TRUE(o.Validate().ok());
  o = {};
  o.http_threads = 0;
  EXPECT_NE(o.Validate().message().find("http_threads"), std::string::npos);
  o = {};
  o.faults.drop = 0.6;
  o.faults.unavailable = 0.6;
  EXPECT_NE(o.Validate().message().find("must be <= 1"), std::string::npos);
  o = {};
  o.faults.partial = 1.5;
  EXPECT_NE(o.Validate().message().find("faults.partial"), std::string::npos);
  o = {};
  o.faults.delay = std::chrono::minutes(2);
  EXPECT_NE(o.Validate().message().find("faults.delay"), std::string::npos);
  // Issue 16 limits.
  o = {};
  o.http_max_connections = 0;
  EXPECT_NE(o.Validate().message().find("http_max_connections"), std::string::npos);
  o = {};
  o.http_header_timeout = std::chrono::milliseconds(50);
  EXPECT_NE(o.Validate().message().find("http_header_timeout"), std::string::npos);
  o = {};
  o.http_idle_timeout = std::chrono::hours(2);
  EXPECT_NE(o.Validate().message().find("http_idle_timeout"), std::string::npos);
  o = {};
  o.grpc_max_concurrent_streams = 0;
  EXPECT_NE(o.Validate().message().find("grpc_max_concurrent_streams"), std::string::npos);
  o = {};
  o.grpc_memory_limit_bytes = 1 << 20;
  EXPECT_NE(o.Validate().message().find("grpc_memory_limit_bytes"), std::string::npos);
  // A large request limit with the default gRPC memory limit is valid (the quota is raised).
  o = {};
  o.max_request_bytes = 1u << 30;
  EXPECT_TRUE(o.Validate().ok()) << o.Validate().message();
}

TEST(ReceiverOptionsTest, ParsesHostPort) {
  auto a = ParseHostPort("127.0.0.1:4317");
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 4317);
  auto b = ParseHostPort("localhost:0");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->host, "127.0.0.1");
  EXPECT_EQ(b->port, 0);
  auto c = ParseHostPort("[::1]:4318");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->host, "::1");
  auto d = ParseHostPort(":4318");
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(d->host, "127.0.0.1");
  EXPECT_FALSE(ParseHostPort("host:").ok());
  EXPECT_FALSE(ParseHostPort("host:12x").ok());
  EXPECT_FALSE(ParseHostPort("[::1]4318").ok());
}

TEST(ReceiverOptionsTest, AppliesFaultSpecs) {
  FaultOptions f;
  ASSERT_TRUE(ApplyFaultSpec("unavailable=0.1", &f).ok());
  ASSERT_TRUE(ApplyFaultSpec("partial=5%", &f).ok());
  ASSERT_TRUE(ApplyFaultSpec("retry-after=2s", &f).ok());
  ASSERT_TRUE(ApplyFaultSpec("delay=250ms", &f).ok());
  ASSERT_TRUE(ApplyFaultSpec("seed=7", &f).ok());
  ASSERT_TRUE(ApplyFaultSpec("drop=0", &f).ok());
  EXPECT_DOUBLE_EQ(f.unavailable, 0.1);
  EXPECT_DOUBLE_EQ(f.partial, 0.05);
  EXPECT_EQ(f.retry_after, std::chrono::seconds(2));
  EXPECT_EQ(f.delay, std::chrono::milliseconds(250));
  EXPECT_EQ(f.seed, 7u);
  EXPECT_TRUE(f.Validate().ok());
}

TEST(ReceiverOptionsTest, RejectsBadFaultSpecs) {
  FaultOptions f;
  EXPECT_NE(ApplyFaultSpec("bogus=1", &f).message().find("unknown key 'bogus'"), std::string::npos);
  EXPECT_NE(ApplyFaultSpec("reject", &f).message().find("KEY=VALUE"), std::string::npos);
  EXPECT_NE(ApplyFaultSpec("reject=1.5", &f).message().find("outside [0, 1]"), std::string::npos);
  EXPECT_NE(ApplyFaultSpec("reject=abc", &f).message().find("not a fraction"), std::string::npos);
  EXPECT_NE(ApplyFaultSpec("delay=fast", &f).message().find("--fault delay"), std::string::npos);
  EXPECT_NE(ApplyFaultSpec("seed=-1", &f).message().find("--fault seed"), std::string::npos);
}

}  // namespace
}  // namespace tracesim::receiver
