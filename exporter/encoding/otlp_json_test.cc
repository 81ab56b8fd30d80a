#include "exporter/encoding/otlp_json.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "exporter/encoding/test_model.h"

namespace tracesim::exporter {
namespace {

using nlohmann::json;

std::string Escaped(std::string_view s) {
  std::string out;
  AppendJsonEscaped(s, &out);
  return out;
}

json EncodeToJson(const sim::Model& m, const testing::TestTrace& t, std::string* raw = nullptr) {
  OtlpJsonEncoder enc(m);
  std::string out;
  enc.Encode(t.View(m), &out);
  if (raw != nullptr) *raw = out;
  return json::parse(out);
}

// Finds a span by its hex id anywhere in the request.
const json* FindSpan(const json& req, const std::string& span_id) {
  for (const auto& rs : req["resourceSpans"])
    for (const auto& ss : rs["scopeSpans"])
      for (const auto& sp : ss["spans"])
        if (sp["spanId"] == span_id) return &sp;
  return nullptr;
}

// Attributes as a map key -> AnyValue json.
std::map<std::string, json> AttrMap(const json& attrs) {
  std::map<std::string, json> m;
  for (const auto& kv : attrs) m[kv["key"].get<std::string>()] = kv["value"];
  return m;
}

TEST(AppendJsonEscapedTest, EscapesQuotesBackslashAndControls) {
  EXPECT_EQ(Escaped("plain"), "plain");
  EXPECT_EQ(Escaped("a\"b\\c"), "a\\\"b\\\\c");
  EXPECT_EQ(Escaped("l1\nl2\r\t"), "l1\\nl2\\r\\t");
  EXPECT_EQ(Escaped(std::string_view("\x00\x01\x1f\x7f", 4)), "\\u0000\\u0001\\u001f\x7f");
  EXPECT_EQ(Escaped("\b\f"), "\\u0008\\u000c");
}

TEST(AppendJsonEscapedTest, PassesValidUtf8AndReplacesInvalid) {
  EXPECT_EQ(Escaped("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"),
            "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(Escaped("a\xFF"
                    "b"),
            "a\\ufffdb");
  EXPECT_EQ(Escaped("\xC3"), "\\ufffd");                        // truncated sequence
  EXPECT_EQ(Escaped("\xC0\xAF"), "\\ufffd\\ufffd");             // overlong
  EXPECT_EQ(Escaped("\xED\xA0\x80"), "\\ufffd\\ufffd\\ufffd");  // surrogate
  // Whatever the input, the output parses as JSON.
  std::string all;
  for (int c = 0; c < 256; ++c) all.push_back(static_cast<char>(c));
  EXPECT_NO_THROW(json::parse("\"" + Escaped(all) + "\""));
}

TEST(AppendJsonDoubleTest, ShortestAndNonFinite) {
  auto d = [](double v) {
    std::string s;
    AppendJsonDouble(v, &s);
    return s;
  };
  EXPECT_EQ(d(0.25), "0.25");
  EXPECT_EQ(d(0.1), "0.1");
  EXPECT_EQ(d(-3), "-3");
  EXPECT_EQ(d(std::numeric_limits<double>::quiet_NaN()), "\"NaN\"");
  EXPECT_EQ(d(std::numeric_limits<double>::infinity()), "\"Infinity\"");
  EXPECT_EQ(d(-std::numeric_limits<double>::infinity()), "\"-Infinity\"");
  EXPECT_EQ(json::parse(d(1e300)).get<double>(), 1e300);
}

TEST(OtlpJsonEncoderTest, CompactSingleLine) {
  sim::Model m = testing::MakeTestModel();
  testing::TestTrace t = testing::MakeTestTrace(m);
  std::string raw;
  EncodeToJson(m, t, &raw);
  EXPECT_EQ(raw.find('\n'), std::string::npos);
  EXPECT_EQ(raw.rfind("{\"resourceSpans\":[{\"resource\":{\"attributes\":[", 0), 0u);
}

TEST(OtlpJsonEncoderTest, GroupsByResourceThenScopeInFirstAppearanceOrder) {
  sim::Model m = testing::MakeTestModel();
  testing::TestTrace t = testing::MakeTestTrace(m);
  json req = EncodeToJson(m, t);
  const json& rss = req["resourceSpans"];
  ASSERT_EQ(rss.size(), 3u);
  // Spans ended in order: res1, res1, res0, res2, res0.
  auto instance_of = [](const json& rs) {
    return AttrMap(rs["resource"]["attributes"])["service.instance.id"]["stringValue"];
  };
  auto service_of = [](const json& rs) {
    return AttrMap(rs["resource"]["attributes"])["service.name"]["stringValue"];
  };
  EXPECT_EQ(service_of(rss[0]), "checkout");
  EXPECT_EQ(instance_of(rss[0]), "inst-0");
  EXPECT_EQ(service_of(rss[1]), "frontend");
  EXPECT_EQ(service_of(rss[2]), "checkout");
  EXPECT_EQ(instance_of(rss[2]), "inst-1");

  // checkout#0: the db CLIENT span takes checkout's scope (its operation is postgres').
  ASSERT_EQ(rss[0]["scopeSpans"].size(), 1u);
  EXPECT_EQ(rss[0]["scopeSpans"][0]["scope"], json({{"name", "io.grpc"}, {"version", "1.60.0"}}));
  ASSERT_EQ(rss[0]["scopeSpans"][0]["spans"].size(), 2u);
  EXPECT_EQ(rss[0]["scopeSpans"][0]["spans"][0]["spanId"], "0000000000000050");
  EXPECT_EQ(rss[0]["scopeSpans"][0]["spans"][1]["spanId"], "0000000000000020");
  // frontend#0: the CLIENT span naming checkout's operation still uses frontend's scope.
  ASSERT_EQ(rss[1]["scopeSpans"].size(), 1u);
  EXPECT_EQ(rss[1]["scopeSpans"][0]["scope"]["name"], "io.opentelemetry.http");
  EXPECT_EQ(rss[1]["scopeSpans"][0]["scope"]["version"], "1.2.0");
  ASSERT_EQ(rss[1]["scopeSpans"][0]["spans"].size(), 2u);
  EXPECT_EQ(rss[1]["scopeSpans"][0]["spans"][0]["spanId"], "0000000000000011");
  EXPECT_EQ(rss[1]["scopeSpans"][0]["spans"][1]["spanId"], "0000000000000010");
  ASSERT_EQ(rss[2]["scopeSpans"][0]["spans"].size(), 1u);
}

TEST(OtlpJsonEncoderTest, SeveralScopesInOneResource) {
  sim::Model m = testing::MakeTestModel();
  sim::Operation op = m.operations[0];
  op.name = op.span_name = m.strings.Intern("GET /health");
  op.scope_name = m.strings.Intern("custom");
  op.scope_version = sim::kEmptyStr;
  m.operations.push_back(op);
  m.services[0].operations.push_back(3);
  testing::TestTrace t = testing::MakeTestTrace(m);
  sim::Span extra = t.spans[4];
  extra.span_id = 0x99;
  extra.operation = 3;
  extra.name = op.name;
  // Order: custom scope first, then the trace (http scope), then custom again.
  t.spans.insert(t.spans.begin(), extra);
  extra.span_id = 0x98;
  t.spans.push_back(extra);
  json req = EncodeToJson(m, t);
  const json& rss = req["resourceSpans"];
  ASSERT_EQ(rss.size(), 3u);
  EXPECT_EQ(AttrMap(rss[0]["resource"]["attributes"])["service.name"]["stringValue"], "frontend");
  const json& scopes = rss[0]["scopeSpans"];
  ASSERT_EQ(scopes.size(), 2u);
  EXPECT_EQ(scopes[0]["scope"], json({{"name", "custom"}}));  // empty version omitted
  ASSERT_EQ(scopes[0]["spans"].size(), 2u);
  EXPECT_EQ(scopes[0]["spans"][0]["spanId"], "0000000000000099");
  EXPECT_EQ(scopes[0]["spans"][1]["spanId"], "0000000000000098");
  EXPECT_EQ(scopes[1]["scope"]["name"], "io.opentelemetry.http");
  EXPECT_EQ(scopes[1]["spans"].size(), 2u);
}

TEST(OtlpJsonEncoderTest, IdsTimesKindsFlags) {
  sim::Model m = testing::MakeTestModel();
  testing::TestTrace t = testing::MakeTestTrace(m);
  json req = EncodeToJson(m, t);
  const json* root = FindSpan(req, "0000000000000010");
  ASSERT_NE(root, nullptr);
  EXPECT_EQ((*root)["traceId"], "a1b2c3d4e5f607180102030405060708");
  EXPECT_FALSE(root->contains("parentSpanId"));
  EXPECT_EQ((*root)["kind"], 2);
  EXPECT_TRUE((*root)["kind"].is_number_integer());
  EXPECT_EQ((*root)["flags"], 3);
  EXPECT_TRUE((*root)["flags"].is_number());
  EXPECT_EQ((*root)["traceState"], "vendor=1");
  EXPECT_EQ((*root)["name"], "GET /");
  EXPECT_TRUE((*root)["startTimeUnixNano"].is_string());
  EXPECT_EQ((*root)["startTimeUnixNano"], "1700000000000016000");
  EXPECT_EQ((*root)["endTimeUnixNano"], "1700000005000016123");
  EXPECT_EQ((*root)["status"], json({{"code", 1}}));
  EXPECT_EQ((*root)["droppedAttributesCount"], 3);
  EXPECT_EQ((*root)["attributes"].size(), static_cast<size_t>(sim::kMaxDynamicAttrs));

  const json* client = FindSpan(req, "0000000000000011");
  ASSERT_NE(client, nullptr);
  EXPECT_EQ((*client)["parentSpanId"], "0000000000000010");
  EXPECT_EQ((*client)["kind"], 3);
  EXPECT_FALSE(client->contains("status"));  // unset
  EXPECT_FALSE(client->contains("attributes"));
  EXPECT_FALSE(client->contains("droppedAttributesCount"));
  EXPECT_FALSE(client->contains("traceState"));
  EXPECT_FALSE(client->contains("events"));
  EXPECT_FALSE(client->contains("links"));
  EXPECT_EQ(FindSpan(req, "0000000000000030")->at("kind"), 1);
}

TEST(OtlpJsonEncoderTest, AttributeKindsStaticThenDynamic) {
  sim::Model m = testing::MakeTestModel();
  testing::TestTrace t = testing::MakeTestTrace(m);
  json req = EncodeToJson(m, t);
  const json& attrs = FindSpan(req, "0000000000000020")->at("attributes");
  ASSERT_EQ(attrs.size(), 9u);
  EXPECT_EQ(attrs[0]["key"], "http.request.method");  // static first
  EXPECT_EQ(attrs[1]["key"], "server.port");
  EXPECT_EQ(attrs[2]["key"], "s");
  EXPECT_EQ(attrs[0]["value"], json({{"stringValue", "POST"}}));
  EXPECT_EQ(attrs[1]["value"], json({{"intValue", "8080"}}));
  auto a = AttrMap(attrs);
  EXPECT_EQ(a["s"], json({{"stringValue", "caf\xC3\xA9 \xE2\x82\xAC"}}));
  EXPECT_EQ(a["b"], json({{"boolValue", true}}));
  EXPECT_EQ(a["i"], json({{"intValue", "-9007199254740993"}}));
  EXPECT_EQ(a["d"], json({{"doubleValue", 0.25}}));
  EXPECT_TRUE(a["d"]["doubleValue"].is_number_float());
  EXPECT_EQ(a["nan"], json({{"doubleValue", "NaN"}}));
  EXPECT_EQ(a["inf"], json({{"doubleValue", "-Infinity"}}));
  EXPECT_EQ(a["user.id"], json({{"stringValue", "user-4812"}}));
}

// Static attribute templates are written once per encoder and copied after that (StaticAttrBlocks);
// past kMaxBlocks templates, or for a span that shows a stored template with fewer attributes,
// the encoder writes them inline. Either way each span carries its own attributes, static first.
TEST(OtlpJsonEncoderTest, StaticAttributeTemplatesStayExactWhenStoredFullOrShortened) {
  sim::Model m = testing::MakeTestModel();
  testing::TestTrace t = testing::MakeTestTrace(m);
  const size_t n = StaticAttrBlocks::kMaxBlocks + 20;
  std::vector<std::vector<sim::Attr>> templates;
  std::vector<sim::Span> spans = testing::SpansWithTemplates(m, t, n, &templates);
  for (size_t i = 0; i < n; i += 2)
    spans[i].AddAttr(m.strings.Intern("dyn"), sim::AttrValue::Bool(true));
  OtlpJsonEncoder enc(m);
  std::string first, second;
  enc.Encode(spans, {}, {}, &first);   // stores the blocks
  enc.Encode(spans, {}, {}, &second);  // copies them
  EXPECT_EQ(first, second);
  json req = json::parse(second);
  const json& out = req["resourceSpans"][0]["scopeSpans"][0]["spans"];
  ASSERT_EQ(out.size(), n + 1);
  for (size_t i = 0; i < n; ++i) {
    const json& attrs = out[i]["attributes"];
    ASSERT_EQ(attrs.size(), i % 2 == 0 ? 3u : 2u) << i;
    EXPECT_EQ(attrs[0]["value"]["intValue"], std::to_string(i));
    EXPECT_EQ(attrs[1]["value"]["stringValue"], "svc-" + std::to_string(i % 7));
  }
  ASSERT_EQ(out[n]["attributes"].size(), 1u);
  EXPECT_EQ(out[n]["attributes"][0]["value"]["intValue"], "3");
}

TEST(OtlpJsonEncoderTest, StatusEventsLinksAndEscaping) {
  sim::Model m = testing::MakeTestModel();
  testing::TestTrace t = testing::MakeTestTrace(m);
  std::string raw;
  json req = EncodeToJson(m, t, &raw);
  const json* srv = FindSpan(req, "0000000000000020");
  EXPECT_EQ((*srv)["status"], json({{"code", 2}, {"message", "boom \"x\"\n"}}));
  EXPECT_NE(raw.find(R"("message":"boom \"x\"\n")"), std::string::npos);

  const json* db = FindSpan(req, "0000000000000050");
  EXPECT_EQ((*db)["status"], json({{"code", 2}}));
  ASSERT_EQ((*db)["events"].size(), 1u);
  EXPECT_EQ((*db)["events"][0]["name"], "retry");
  EXPECT_EQ((*db)["events"][0]["timeUnixNano"], "1700000000000080010");
  EXPECT_EQ((*db)["events"][0]["attributes"][0],
            json({{"key", "attempt"}, {"value", {{"intValue", "2"}}}}));

  const json* in = FindSpan(req, "0000000000000030");
  EXPECT_EQ((*in)["name"], "a\"b\\c\nd\x01\x1f\te");
  EXPECT_NE(raw.find(R"("name":"a\"b\\c\nd\u0001\u001f\te")"), std::string::npos);
  ASSERT_EQ((*in)["links"].size(), 1u);
  EXPECT_EQ((*in)["links"][0], json({{"traceId", "00000000000000ff0000000000000001"},
                                     {"spanId", "0000000000abcdef"},
                                     {"traceState", "ot=th:8"},
                                     {"flags", 0x301}}));
}

TEST(OtlpJsonEncoderTest, DeterministicAndReusable) {
  sim::Model m = testing::MakeTestModel();
  testing::TestTrace t = testing::MakeTestTrace(m);
  OtlpJsonEncoder enc(m);
  std::string a, b, c;
  enc.Encode(t.View(m), &a);
  enc.Encode(t.View(m), &b);
  OtlpJsonEncoder other(m);
  other.Encode(t.View(m), &c);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
  // Appends rather than overwrites.
  std::string two;
  enc.Encode(t.View(m), &two);
  enc.Encode(t.View(m), &two);
  EXPECT_EQ(two, a + a);
}

TEST(OtlpJsonEncoderTest, EmptyBatchAndUnknownResource) {
  sim::Model m = testing::MakeTestModel();
  OtlpJsonEncoder enc(m);
  std::string out;
  enc.Encode({}, {}, {}, &out);
  EXPECT_EQ(out, R"({"resourceSpans":[]})");
  sim::Span s;
  s.span_id = 1;
  s.trace_id = {0, 1};
  out.clear();
  enc.Encode(std::span<const sim::Span>(&s, 1), {}, {}, &out);
  json req = json::parse(out);
  EXPECT_EQ(req["resourceSpans"][0]["resource"], json::object());
  EXPECT_EQ(req["resourceSpans"][0]["scopeSpans"][0]["scope"], json({{"name", ""}}));
  EXPECT_EQ(req["resourceSpans"][0]["scopeSpans"][0]["spans"][0]["kind"], 1);
}

}  // namespace
}  // namespace tracesim::exporter
