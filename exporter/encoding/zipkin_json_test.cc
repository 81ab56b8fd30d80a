// ZipkinJsonEncoder against the Zipkin v2 rules (otlp_w3c.md §3.7) on the hand-built trace.
#include "exporter/encoding/zipkin_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <regex>

#include "exporter/encoding/test_model.h"

namespace tracesim::exporter {
namespace {

using nlohmann::json;

json FindById(const json& spans, const std::string& id) {
  for (const auto& s : spans)
    if (s["id"] == id) return s;
  return json();
}

TEST(ZipkinJsonEncoderTest, FollowsZipkinV2Rules) {
  sim::Model m = testing::MakeTestModel();
  testing::TestTrace t = testing::MakeTestTrace(m);
  m.services[1].port = 8443;
  ZipkinJsonEncoder enc(m);
  std::string out;
  enc.Encode(t.View(m), &out);
  json spans = json::parse(out);  // throws (fails the test) on invalid JSON
  ASSERT_TRUE(spans.is_array());
  ASSERT_EQ(spans.size(), 5u);
  const std::regex hex32("[a-f0-9]{32}"), hex16("[a-f0-9]{16}");
  for (const auto& s : spans) {
    EXPECT_TRUE(std::regex_match(s["traceId"].get<std::string>(), hex32));
    EXPECT_TRUE(std::regex_match(s["id"].get<std::string>(), hex16));
    if (s.contains("parentId")) {
      EXPECT_TRUE(std::regex_match(s["parentId"].get<std::string>(), hex16));
    }
    EXPECT_TRUE(s["timestamp"].is_number_integer());
    EXPECT_TRUE(s["duration"].is_number_integer());
    EXPECT_GE(s["duration"].get<int64_t>(), 1);
    for (const auto& [k, v] : s["tags"].items()) EXPECT_TRUE(v.is_string()) << k;
  }
  // Root: SERVER, no parentId, µs times truncated from ns, status OK.
  json root = FindById(spans, "0000000000000010");
  ASSERT_FALSE(root.is_null());
  EXPECT_EQ(root["traceId"], "a1b2c3d4e5f607180102030405060708");
  EXPECT_FALSE(root.contains("parentId"));
  EXPECT_EQ(root["kind"], "SERVER");
  EXPECT_EQ(root["name"], "GET /");
  EXPECT_EQ(root["timestamp"].get<int64_t>(), 1'700'000'000'000'016LL);  // ...016'000 ns
  EXPECT_EQ(root["duration"].get<int64_t>(), 5'000'000LL);               // 5'000'000'123 ns
  EXPECT_EQ(root["localEndpoint"]["serviceName"], "frontend");
  EXPECT_FALSE(root.contains("remoteEndpoint"));
  EXPECT_EQ(root["tags"]["otel.status_code"], "OK");
  EXPECT_FALSE(root["tags"].contains("error"));
  EXPECT_EQ(root["tags"]["k0"], "0");
  EXPECT_EQ(root["tags"]["otel.scope.name"], "io.opentelemetry.http");
  EXPECT_EQ(root["tags"]["otel.scope.version"], "1.2.0");
  // Checkout server span: every attribute kind as a string tag, error tag from the status.
  json srv = FindById(spans, "0000000000000020");
  EXPECT_EQ(srv["parentId"], "0000000000000010");
  EXPECT_EQ(srv["tags"]["http.request.method"], "POST");
  EXPECT_EQ(srv["tags"]["server.port"], "8080");
  EXPECT_EQ(srv["tags"]["s"], "caf\xC3\xA9 \xE2\x82\xAC");
  EXPECT_EQ(srv["tags"]["b"], "true");
  EXPECT_EQ(srv["tags"]["i"], "-9007199254740993");
  EXPECT_EQ(srv["tags"]["d"], "0.25");
  EXPECT_EQ(srv["tags"]["nan"], "NaN");
  EXPECT_EQ(srv["tags"]["inf"], "-Infinity");
  EXPECT_EQ(srv["tags"]["user.id"], "user-4812");
  EXPECT_EQ(srv["tags"]["otel.status_code"], "ERROR");
  EXPECT_EQ(srv["tags"]["error"], "boom \"x\"\n");
  // CLIENT span: remoteEndpoint names the callee, with its port.
  json cl = FindById(spans, "0000000000000011");
  EXPECT_EQ(cl["kind"], "CLIENT");
  EXPECT_EQ(cl["localEndpoint"]["serviceName"], "frontend");
  EXPECT_EQ(cl["remoteEndpoint"]["serviceName"], "checkout");
  EXPECT_EQ(cl["remoteEndpoint"]["port"], 8443);
  // Database CLIENT span: event -> annotation with attributes as compact JSON; error without a
  // message gives an empty error tag.
  json db = FindById(spans, "0000000000000050");
  EXPECT_EQ(db["remoteEndpoint"]["serviceName"], "postgres");
  EXPECT_FALSE(db["remoteEndpoint"].contains("port"));
  ASSERT_EQ(db["annotations"].size(), 1u);
  EXPECT_EQ(db["annotations"][0]["timestamp"].get<int64_t>(), 1'700'000'000'000'080LL);
  EXPECT_EQ(json::parse(db["annotations"][0]["value"].get<std::string>()),
            json::parse(R"({"retry":{"attempt":"2"}})"));
  EXPECT_EQ(db["tags"]["error"], "");
  // INTERNAL span: no kind; control characters survive escaping.
  json in = FindById(spans, "0000000000000030");
  EXPECT_FALSE(in.contains("kind"));
  EXPECT_EQ(in["name"], "a\"b\\c\nd\x01\x1f\te");
}

TEST(ZipkinJsonEncoderTest, SubMicrosecondDurationRoundsUpAndEmptyBatch) {
  sim::Model m = testing::MakeTestModel();
  testing::TestTrace t = testing::MakeTestTrace(m);
  t.spans[4].end_unix_nano = t.spans[4].start_unix_nano + 999;
  t.spans[4].event_count = 0;
  ZipkinJsonEncoder enc(m);
  std::string out;
  enc.Encode(std::span<const sim::Span>(&t.spans[4], 1), t.events, t.links, &out);
  json spans = json::parse(out);
  EXPECT_EQ(spans[0]["duration"], 1);
  std::string empty;
  enc.Encode(std::span<const sim::Span>(), {}, {}, &empty);
  EXPECT_EQ(empty, "[]");
}

}  // namespace
}  // namespace tracesim::exporter
