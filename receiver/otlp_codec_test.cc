#include "receiver/otlp_codec.h"

#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "receiver/test_requests.h"
#include "sim/base/shared_testdata.h"

namespace tracesim::receiver {
namespace {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

TEST(OtlpCodecTest, ParsesTheCanonicalExample) {
  TRACESIM_SKIP_WITHOUT_SHARED();
  std::string text =
      ReadFile(tracesim::testing::SharedDir() + "/testdata/otlp-proto-examples/trace.json");
  ASSERT_FALSE(text.empty());
  ExportRequest req;
  sim::Status st = ParseOtlpJson(text, &req);
  ASSERT_TRUE(st.ok()) << st.message();
  ASSERT_EQ(req.resource_spans_size(), 1);
  const auto& span = req.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(BytesToHex(span.trace_id()), "5b8efff798038103d269b633813fc60c");
  EXPECT_EQ(BytesToHex(span.span_id()), "eee19b7ec3c1b174");
  EXPECT_EQ(BytesToHex(span.parent_span_id()), "eee19b7ec3c1b173");
  EXPECT_EQ(span.name(), "I'm a server span");
  EXPECT_EQ(span.kind(), opentelemetry::proto::trace::v1::Span::SPAN_KIND_SERVER);
  EXPECT_EQ(span.start_time_unix_nano(), 1544712660000000000ull);
  EXPECT_EQ(req.resource_spans(0).scope_spans(0).scope().version(), "1.0.0");
  SpanCheck check = CheckSpans(req);
  EXPECT_EQ(check.spans, 1u);
  EXPECT_EQ(check.invalid, 0u);
}

TEST(OtlpCodecTest, JsonRoundTripIsLossless) {
  ExportRequest req = testing::MakeRequest(25, 3, 5);
  std::string line = ToOtlpJson(req);
  EXPECT_EQ(line.find('\n'), std::string::npos);
  EXPECT_NE(line.find("\"traceId\":\"" +
                      BytesToHex(req.resource_spans(0).scope_spans(0).spans(0).trace_id()) + "\""),
            std::string::npos);
  EXPECT_NE(line.find("\"kind\":2"), std::string::npos);
  EXPECT_NE(line.find("\"startTimeUnixNano\":\"1700000000000000000\""), std::string::npos);
  ExportRequest back;
  ASSERT_TRUE(ParseOtlpJson(line, &back).ok());
  EXPECT_TRUE(google::protobuf::util::MessageDifferencer::Equals(req, back));
}

TEST(OtlpCodecTest, AcceptsNumbersUnknownFieldsAndUppercaseHex) {
  const char* text = R"({"resourceSpans":[{"futureField":{"x":1},"scopeSpans":[{"spans":[{
      "traceId":"0AF7651916CD43DD8448EB211C80319C","spanId":"B7AD6B7169203331",
      "startTimeUnixNano":1544712660000000000,"kind":3,"flags":257,"newThing":"ignored"}]}]}]})";
  ExportRequest req;
  sim::Status st = ParseOtlpJson(text, &req);
  ASSERT_TRUE(st.ok()) << st.message();
  const auto& span = req.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(BytesToHex(span.trace_id()), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(span.start_time_unix_nano(), 1544712660000000000ull);
  EXPECT_EQ(span.kind(), 3);
  EXPECT_EQ(span.flags(), 257u);
}

TEST(OtlpCodecTest, RejectsMalformedJson) {
  ExportRequest req;
  sim::Status st = ParseOtlpJson(R"({"resourceSpans":[)", &req);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("malformed JSON"), std::string::npos) << st.message();
  st = ParseOtlpJson("[1,2]", &req);
  EXPECT_NE(st.message().find("JSON object"), std::string::npos) << st.message();
  st = ParseOtlpJson(R"({"resourceSpans":5})", &req);
  EXPECT_NE(st.message().find("not an OTLP/JSON"), std::string::npos) << st.message();
  st = ParseOtlpJson(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":"b7ad"},
      {"traceId":"xyz1"}]}]}]})",
                     &req);
  EXPECT_NE(st.message().find("resourceSpans[0].scopeSpans[0].spans[1].traceId: 'xyz1' is not a "
                              "hex string"),
            std::string::npos)
      << st.message();
  st = ParseOtlpJson(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{"spanId":12}]}]}]})", &req);
  EXPECT_NE(st.message().find("spans[0].spanId: must be a hex string"), std::string::npos)
      << st.message();
}

// Issue 16 item 9: nlohmann throws out_of_range (406) for a number that overflows a double;
// the decoder answers an error instead of letting it escape.
TEST(OtlpCodecTest, LibraryExceptionsBecomeErrors) {
  ExportRequest req;
  for (const char* text : {"1e400", "-1e400", R"({"resourceSpans":[{"x":1e999}]})"}) {
    sim::Status st = ParseOtlpJson(text, &req);
    EXPECT_FALSE(st.ok()) << text;
    EXPECT_EQ(st.code(), sim::Status::Code::kInvalidArgument) << text;
    EXPECT_NE(st.message().find("JSON"), std::string::npos) << st.message();
  }
}

// Issue 16 item 1: nesting is bounded before anything recurses; 100 k nested arrays are an
// error naming the limit, and the limit itself is accepted by the scan.
TEST(OtlpCodecTest, NestingDepthIsBounded) {
  ExportRequest req;
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  sim::Status st = ParseOtlpJson(deep, &req);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("nested deeper than " + std::to_string(kMaxJsonDepth)),
            std::string::npos)
      << st.message();
  std::string objects;
  for (int i = 0; i < 50000; ++i) objects += R"({"a":)";
  objects += "1" + std::string(50000, '}');
  EXPECT_NE(ParseOtlpJson(objects, &req).message().find("nested deeper"), std::string::npos);
  // Brackets inside strings do not count.
  std::string in_string = R"({"resourceSpans":[],"x":")" + std::string(1000, '[') + R"("})";
  EXPECT_TRUE(ParseOtlpJson(in_string, &req).ok());
  // Exactly the limit passes the scan (then fails as not-OTLP, which is fine).
  std::string at_limit =
      "{\"x\":" + std::string(kMaxJsonDepth - 1, '[') + std::string(kMaxJsonDepth - 1, ']') + "}";
  EXPECT_EQ(ParseOtlpJson(at_limit, &req).message().find("nested deeper"), std::string::npos);
  std::string over =
      "{\"x\":" + std::string(kMaxJsonDepth, '[') + std::string(kMaxJsonDepth, ']') + "}";
  EXPECT_NE(ParseOtlpJson(over, &req).message().find("nested deeper"), std::string::npos);
}

// Issue 16 item 8: an element of resourceSpans / scopeSpans / spans that is not an object is an
// error (it used to be skipped and answered 200).
TEST(OtlpCodecTest, NonObjectElementsAreErrors) {
  ExportRequest req;
  sim::Status st = ParseOtlpJson(R"({"resourceSpans":[[]]})", &req);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("resourceSpans[0]: must be an object"), std::string::npos)
      << st.message();
  st = ParseOtlpJson(R"({"resourceSpans":[{"scopeSpans":[{"spans":[{}, 3]}]}]})", &req);
  EXPECT_NE(st.message().find("resourceSpans[0].scopeSpans[0].spans[1]: must be an object"),
            std::string::npos)
      << st.message();
  st = ParseOtlpJson(R"({"resourceSpans":[{"scopeSpans":[null]}]})", &req);
  EXPECT_NE(st.message().find("scopeSpans[0]: must be an object"), std::string::npos)
      << st.message();
}

TEST(OtlpCodecTest, ChecksSpanIds) {
  ExportRequest req = testing::MakeRequest(6);
  auto* spans = req.mutable_resource_spans(0)->mutable_scope_spans(0);
  spans->mutable_spans(1)->set_trace_id(std::string(15, 'a'));
  spans->mutable_spans(2)->set_trace_id(std::string(16, '\0'));
  spans->mutable_spans(3)->set_span_id(std::string(8, '\0'));
  spans->mutable_spans(4)->set_parent_span_id("abc");
  std::string mask;
  SpanCheck check = CheckSpans(req, &mask);
  EXPECT_EQ(check.spans, 6u);
  EXPECT_EQ(check.invalid, 4u);
  EXPECT_EQ(mask, std::string("\0\1\1\1\1\0", 6));
  EXPECT_EQ(check.first_problem,
            "resource_spans[0].scope_spans[0].spans[1]: trace_id must be 16 bytes, got 15");
  spans->mutable_spans(0)->set_span_id("1234567");
  EXPECT_EQ(CheckSpans(req).invalid, 5u);
}

TEST(OtlpCodecTest, GunzipHonoursTheLimit) {
  std::string data(100000, 'x');
  for (size_t i = 0; i < data.size(); i += 7) data[i] = static_cast<char>('a' + i % 26);
  std::string gz = Gzip(data);
  EXPECT_LT(gz.size(), data.size());
  std::string out;
  bool too_large = false;
  ASSERT_TRUE(Gunzip(gz, data.size(), &out, &too_large).ok());
  EXPECT_EQ(out, data);
  sim::Status st = Gunzip(gz, data.size() - 1, &out, &too_large);
  EXPECT_FALSE(st.ok());
  EXPECT_TRUE(too_large);
  st = Gunzip(gz.substr(0, gz.size() / 2), data.size(), &out, &too_large);
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(too_large);
  EXPECT_NE(st.message().find("corrupt gzip body"), std::string::npos) << st.message();
  st = Gunzip("not gzip at all", 1000, &out, &too_large);
  EXPECT_FALSE(st.ok());
  EXPECT_FALSE(too_large);
}

TEST(OtlpCodecTest, ResponseJson) {
  ExportResponse r;
  EXPECT_EQ(ResponseToJson(r), "{}");
  r.mutable_partial_success()->set_rejected_spans(3);
  r.mutable_partial_success()->set_error_message("bad");
  EXPECT_EQ(ResponseToJson(r), R"({"partialSuccess":{"errorMessage":"bad","rejectedSpans":"3"}})");
}

TEST(OtlpCodecTest, Hex) {
  std::string bytes;
  EXPECT_TRUE(HexToBytes("00ffAb", &bytes));
  EXPECT_EQ(bytes, std::string("\x00\xff\xab", 3));
  EXPECT_EQ(BytesToHex(bytes), "00ffab");
  EXPECT_FALSE(HexToBytes("abc", &bytes));
  EXPECT_FALSE(HexToBytes("zz", &bytes));
}

}  // namespace
}  // namespace tracesim::receiver
