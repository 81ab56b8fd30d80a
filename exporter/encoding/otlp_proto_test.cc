// Independent check of the OTLP/JSON encoder: parse its output with protobuf's own JSON parser
// into our generated ExportTraceServiceRequest (after converting the hex id fields to base64, as
// proto3 JSON expects for bytes) and check the fields.
#include <google/protobuf/util/json_util.h>
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "exporter/encoding/otlp_json.h"
#include "exporter/encoding/test_model.h"
#include "exporter/proto/trace_service.pb.h"
#ifdef TRACESIM_HAVE_OTLP_GRPC
#include "exporter/proto/trace_service.grpc.pb.h"
#endif

namespace tracesim::exporter {
namespace {

using nlohmann::json;
namespace otlp = ::opentelemetry::proto;

std::string HexToBytes(const std::string& hex) {
  std::string out;
  for (size_t i = 0; i + 1 < hex.size(); i += 2) {
    out.push_back(static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16)));
  }
  return out;
}

std::string Base64(const std::string& bytes) {
  static constexpr char kAlphabet[] =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  size_t i = 0;
  for (; i + 2 < bytes.size(); i += 3) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8) | uint8_t(bytes[i + 2]);
    for (int k = 18; k >= 0; k -= 6) out.push_back(kAlphabet[(v >> k) & 63]);
  }
  if (i + 1 == bytes.size()) {
    uint32_t v = uint8_t(bytes[i]) << 16;
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], '=', '='};
  } else if (i + 2 == bytes.size()) {
    uint32_t v = (uint8_t(bytes[i]) << 16) | (uint8_t(bytes[i + 1]) << 8);
    out += {kAlphabet[v >> 18], kAlphabet[(v >> 12) & 63], kAlphabet[(v >> 6) & 63], '='};
  }
  return out;
}

// OTLP/JSON -> proto3 JSON: hex ids become base64 (spans and links).
std::string OtlpJsonToProto3Json(const std::string& otlp_json) {
  json req = json::parse(otlp_json);
  auto fix = [](json& obj, const char* key) {
    if (obj.contains(key)) obj[key] = Base64(HexToBytes(obj[key].get<std::string>()));
  };
  for (auto& rs : req["resourceSpans"])
    for (auto& ss : rs["scopeSpans"])
      for (auto& sp : ss["spans"]) {
        fix(sp, "traceId");
        fix(sp, "spanId");
        fix(sp, "parentSpanId");
        if (sp.contains("links"))
          for (auto& l : sp["links"]) {
            fix(l, "traceId");
            fix(l, "spanId");
          }
      }
  return req.dump();
}

TEST(Base64Test, KnownVectors) {
  EXPECT_EQ(Base64(""), "");
  EXPECT_EQ(Base64("f"), "Zg==");
  EXPECT_EQ(Base64("fo"), "Zm8=");
  EXPECT_EQ(Base64("foo"), "Zm9v");
  EXPECT_EQ(Base64("foobar"), "Zm9vYmFy");
}

const otlp::trace::v1::Span* FindSpan(
    const otlp::collector::trace::v1::ExportTraceServiceRequest& r, uint64_t span_id) {
  uint8_t want[8];
  for (int i = 0; i < 8; ++i) want[i] = static_cast<uint8_t>(span_id >> (56 - 8 * i));
  const std::string key(reinterpret_cast<const char*>(want), 8);
  for (const auto& rs : r.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& sp : ss.spans())
        if (sp.span_id() == key) return &sp;
  return nullptr;
}

std::map<std::string, otlp::common::v1::AnyValue> Attrs(
    const google::protobuf::RepeatedPtrField<otlp::common::v1::KeyValue>& kvs) {
  std::map<std::string, otlp::common::v1::AnyValue> m;
  for (const auto& kv : kvs) m[kv.key()] = kv.value();
  return m;
}

TEST(OtlpProtoTest, ProtobufParsesEncoderOutput) {
  sim::Model m = testing::MakeTestModel();
  testing::TestTrace t = testing::MakeTestTrace(m);
  OtlpJsonEncoder enc(m);
  std::string out;
  enc.Encode(t.View(m), &out);

  otlp::collector::trace::v1::ExportTraceServiceRequest req;
  google::protobuf::util::JsonParseOptions opts;
  opts.ignore_unknown_fields = true;
  auto st = google::protobuf::util::JsonStringToMessage(OtlpJsonToProto3Json(out), &req, opts);
  ASSERT_TRUE(st.ok()) << st.ToString();

  ASSERT_EQ(req.resource_spans_size(), 3);
  const auto& rs0 = req.resource_spans(0);
  auto res_attrs = Attrs(rs0.resource().attributes());
  EXPECT_EQ(res_attrs["service.name"].string_value(), "checkout");
  EXPECT_EQ(res_attrs["service.instance.id"].string_value(), "inst-0");
  ASSERT_EQ(rs0.scope_spans_size(), 1);
  EXPECT_EQ(rs0.scope_spans(0).scope().name(), "io.grpc");
  EXPECT_EQ(rs0.scope_spans(0).scope().version(), "1.60.0");
  int total = 0;
  for (const auto& rs : req.resource_spans())
    for (const auto& ss : rs.scope_spans()) total += ss.spans_size();
  EXPECT_EQ(total, 5);

  const auto* root = FindSpan(req, 0x10);
  ASSERT_NE(root, nullptr);
  uint8_t tid[16];
  t.spans[4].trace_id.ToBytes(tid);
  EXPECT_EQ(root->trace_id(), std::string(reinterpret_cast<const char*>(tid), 16));
  EXPECT_TRUE(root->parent_span_id().empty());
  EXPECT_EQ(root->kind(), otlp::trace::v1::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(root->flags(), 3u);
  EXPECT_EQ(root->trace_state(), "vendor=1");
  EXPECT_EQ(root->start_time_unix_nano(), 1'700'000'000'000'016'000ULL);
  EXPECT_EQ(root->end_time_unix_nano(), 1'700'000'005'000'016'123ULL);
  EXPECT_EQ(root->dropped_attributes_count(), 3u);
  EXPECT_EQ(root->attributes_size(), sim::kMaxDynamicAttrs);
  EXPECT_EQ(root->status().code(), otlp::trace::v1::Status::STATUS_CODE_OK);

  const auto* srv = FindSpan(req, 0x20);
  ASSERT_NE(srv, nullptr);
  EXPECT_EQ(srv->parent_span_id(), std::string("\0\0\0\0\0\0\0\x10", 8));
  EXPECT_EQ(srv->status().code(), otlp::trace::v1::Status::STATUS_CODE_ERROR);
  EXPECT_EQ(srv->status().message(), "boom \"x\"\n");
  auto a = Attrs(srv->attributes());
  EXPECT_EQ(srv->attributes(0).key(), "http.request.method");
  EXPECT_EQ(a["server.port"].int_value(), 8080);
  EXPECT_EQ(a["s"].string_value(), "caf\xC3\xA9 \xE2\x82\xAC");
  EXPECT_TRUE(a["b"].bool_value());
  EXPECT_EQ(a["i"].int_value(), -9'007'199'254'740'993LL);
  EXPECT_EQ(a["d"].double_value(), 0.25);
  EXPECT_TRUE(std::isnan(a["nan"].double_value()));
  EXPECT_EQ(a["inf"].double_value(), -std::numeric_limits<double>::infinity());
  EXPECT_EQ(a["user.id"].string_value(), "user-4812");

  const auto* db = FindSpan(req, 0x50);
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(db->kind(), otlp::trace::v1::Span::SPAN_KIND_CLIENT);
  ASSERT_EQ(db->events_size(), 1);
  EXPECT_EQ(db->events(0).name(), "retry");
  EXPECT_EQ(db->events(0).time_unix_nano(), 1'700'000'000'000'080'010ULL);
  EXPECT_EQ(db->events(0).attributes(0).value().int_value(), 2);

  const auto* in = FindSpan(req, 0x30);
  ASSERT_NE(in, nullptr);
  EXPECT_EQ(in->name(), "a\"b\\c\nd\x01\x1f\te");
  EXPECT_EQ(in->kind(), otlp::trace::v1::Span::SPAN_KIND_INTERNAL);
  ASSERT_EQ(in->links_size(), 1);
  EXPECT_EQ(in->links(0).span_id(), std::string("\0\0\0\0\0\xab\xcd\xef", 8));
  EXPECT_EQ(in->links(0).trace_state(), "ot=th:8");
  EXPECT_EQ(in->links(0).flags(), 0x301u);

  // Binary round trip keeps everything.
  std::string wire;
  ASSERT_TRUE(req.SerializeToString(&wire));
  otlp::collector::trace::v1::ExportTraceServiceRequest back;
  ASSERT_TRUE(back.ParseFromString(wire));
  EXPECT_EQ(back.SerializeAsString(), wire);
}

TEST(OtlpProtoTest, ServiceNamesMatchOtlp) {
  const auto* file = otlp::collector::trace::v1::ExportTraceServiceRequest::descriptor()->file();
  ASSERT_EQ(file->service_count(), 1);
  EXPECT_EQ(file->service(0)->full_name(), "opentelemetry.proto.collector.trace.v1.TraceService");
  EXPECT_EQ(file->service(0)->method(0)->name(), "Export");
  EXPECT_EQ(otlp::trace::v1::Span::descriptor()->FindFieldByName("flags")->number(), 16);
#ifdef TRACESIM_HAVE_OTLP_GRPC
  EXPECT_STREQ(otlp::collector::trace::v1::TraceService::service_full_name(),
               "opentelemetry.proto.collector.trace.v1.TraceService");
#endif
}

}  // namespace
}  // namespace tracesim::exporter
