// ScanExportRequest against libprotobuf (receiver/otlp_scan.h): on requests that set every field
// of every OTLP trace message, on tens of thousands of mutations of them, and on the bodies it
// must hand over. Whenever the scanner accepts a body, libprotobuf parses it too and lists the
// same spans with the same ids.
#include "receiver/wire/otlp_scan.h"

#include <google/protobuf/stubs/logging.h>
#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "receiver/test_requests.h"

namespace tracesim::receiver {
namespace {

namespace common = opentelemetry::proto::common::v1;

void FillAny(common::AnyValue* v, int kind, int depth) {
  switch (kind % 7) {
    case 0:
      v->set_string_value("value-" + std::to_string(depth));
      break;
    case 1:
      v->set_bool_value(true);
      break;
    case 2:
      v->set_int_value(-1234567890123LL);
      break;
    case 3:
      v->set_double_value(2.5);
      break;
    case 4:
      for (int i = 0; i < 2; ++i) FillAny(v->mutable_array_value()->add_values(), i, depth + 1);
      break;
    case 5: {
      auto* kv = v->mutable_kvlist_value()->add_values();
      kv->set_key("inner");
      FillAny(kv->mutable_value(), depth, depth + 1);
      break;
    }
    default:
      v->set_bytes_value(std::string("\x00\xff\x80", 3));
  }
}

void AddAttrs(google::protobuf::RepeatedPtrField<common::KeyValue>* attrs) {
  for (int k = 0; k < 7; ++k) {
    auto* a = attrs->Add();
    a->set_key("k" + std::to_string(k));
    FillAny(a->mutable_value(), k, 0);
  }
}

// A request setting every field the scanner knows, over two resources and two scopes each.
ExportRequest RichRequest() {
  ExportRequest req = testing::MakeRequest(12, 2, 3, 5);
  for (auto& rs : *req.mutable_resource_spans()) {
    rs.set_schema_url("https://opentelemetry.io/schemas/1.26.0");
    AddAttrs(rs.mutable_resource()->mutable_attributes());
    rs.mutable_resource()->set_dropped_attributes_count(3);
    auto* ref = rs.mutable_resource()->add_entity_refs();
    ref->set_schema_url("s"), ref->set_type("service"), ref->add_id_keys("service.name");
    ref->add_description_keys("d");
    auto* second = rs.add_scope_spans();
    *second = rs.scope_spans(0);
    for (auto& ss : *rs.mutable_scope_spans()) {
      ss.set_schema_url("u");
      ss.mutable_scope()->set_version("1.0");
      AddAttrs(ss.mutable_scope()->mutable_attributes());
      ss.mutable_scope()->set_dropped_attributes_count(1);
      for (auto& span : *ss.mutable_spans()) {
        span.set_trace_state("vendor=x");
        span.set_flags(0x301);
        span.set_dropped_attributes_count(2);
        AddAttrs(span.mutable_attributes());
        auto* e = span.add_events();
        e->set_time_unix_nano(17), e->set_name("exception"), e->set_dropped_attributes_count(1);
        AddAttrs(e->mutable_attributes());
        auto* l = span.add_links();
        l->set_trace_id(span.trace_id()), l->set_span_id(span.span_id());
        l->set_trace_state("a=b"), l->set_flags(1), l->set_dropped_attributes_count(4);
        AddAttrs(l->mutable_attributes());
        span.set_dropped_events_count(5), span.set_dropped_links_count(6);
        span.mutable_status()->set_code(opentelemetry::proto::trace::v1::Status::STATUS_CODE_ERROR);
        span.mutable_status()->set_message("boom");
      }
    }
  }
  return req;
}

// Field `number` (length-delimited) holding `bytes`, in wire format.
std::string Wrap(int number, const std::string& bytes) {
  std::string out(1, static_cast<char>(number << 3 | 2));
  for (uint64_t n = bytes.size();; n >>= 7) {
    out += static_cast<char>((n & 0x7f) | (n >= 0x80 ? 0x80 : 0));
    if (n < 0x80) break;
  }
  return out + bytes;
}

// A request of one span whose serialized form is `span` (resource_spans > scope_spans > spans).
std::string OneSpanBody(const std::string& span) { return Wrap(1, Wrap(2, Wrap(2, span))); }

std::string Key(const std::vector<SpanIds>& spans) {
  std::string k;
  for (const SpanIds& s : spans) {
    k += std::to_string(s.resource) + "/" + std::to_string(s.scope) + "/" +
         std::to_string(s.index) + ":" + std::string(s.trace_id) + "|" + std::string(s.span_id) +
         "|" + std::string(s.parent_span_id) + ";";
  }
  return k;
}

// When the scanner accepts `body`, libprotobuf must parse it with the same spans. Returns
// whether the scanner accepted it.
bool Agrees(const std::string& body) {
  std::vector<SpanIds> scanned;
  if (!ScanExportRequest(body, &scanned)) return false;
  ExportRequest parsed;
  EXPECT_TRUE(parsed.ParseFromString(body)) << "the scanner accepted what libprotobuf refuses";
  std::vector<SpanIds> listed;
  ListSpans(parsed, &listed);
  EXPECT_EQ(Key(scanned), Key(listed));
  return true;
}

TEST(OtlpScanTest, ReadsEveryFieldOfARichRequestAsLibprotobufDoes) {
  const ExportRequest req = RichRequest();
  const std::string body = req.SerializeAsString();
  std::vector<SpanIds> spans;
  ASSERT_TRUE(ScanExportRequest(body, &spans));
  EXPECT_EQ(spans.size(), 24u);  // 12 spans, each scope copied once
  EXPECT_TRUE(Agrees(body));
  EXPECT_EQ(spans[5].scope, 0u);  // resource 0 holds spans 0, 2, ..., 10 in each scope
  EXPECT_EQ(spans[6].scope, 1u);
  EXPECT_EQ(CheckSpans(spans).spans, CheckSpans(req).spans);
  EXPECT_TRUE(ScanExportRequest("", &spans));  // an empty request has no spans
  EXPECT_TRUE(spans.empty());
}

TEST(OtlpScanTest, MutatedBodiesAreReadAlikeOrHandedOver) {
  const std::string body = RichRequest().SerializeAsString();
  std::mt19937_64 rng(42);
  int accepted = 0;
  for (int n = 0; n < 20000; ++n) {
    std::string m = body;
    const int edits = 1 + static_cast<int>(rng() % 3);
    for (int e = 0; e < edits && !m.empty(); ++e) {
      const size_t at = rng() % m.size();
      switch (rng() % 4) {
        case 0:
          m[at] = static_cast<char>(m[at] ^ (1 << (rng() % 8)));
          break;
        case 1:
          m.resize(at);
          break;
        case 2:
          m.insert(at, 1, static_cast<char>(rng()));
          break;
        default:
          m.erase(at, 1 + rng() % 8);
      }
    }
    if (Agrees(m)) ++accepted;
    if (HasFailure()) return;
  }
  // Many edits land in a value (ids, times, bytes) and keep the body valid: both paths read it.
  EXPECT_GT(accepted, 500);
}

TEST(OtlpScanTest, HandsOverWhatItDoesNotRead) {
  std::vector<SpanIds> spans;
  const std::string one_span =
      testing::MakeRequest(1).resource_spans(0).scope_spans(0).spans(0).SerializeAsString();
  // An unknown field (101, varint 1): libprotobuf keeps it as unknown; the scanner hands over.
  std::string body = OneSpanBody(one_span + "\xa8\x06\x01");
  EXPECT_FALSE(ScanExportRequest(body, &spans));
  EXPECT_TRUE(ExportRequest().ParseFromString(body));
  // AnyValues nested deeper than kMaxScanDepth (libprotobuf goes to 100).
  ExportRequest deep = testing::MakeRequest(1);
  common::AnyValue* v =
      deep.mutable_resource_spans(0)->mutable_resource()->add_attributes()->mutable_value();
  for (int i = 0; i < kMaxScanDepth; ++i) v = v->mutable_array_value()->add_values();
  v->set_int_value(1);
  body = deep.SerializeAsString();
  EXPECT_FALSE(ScanExportRequest(body, &spans));
  EXPECT_TRUE(ExportRequest().ParseFromString(body));
  // A field with another wire type than its declared one.
  EXPECT_FALSE(ScanExportRequest(std::string("\x08\x01", 2), &spans));
  // Invalid UTF-8 in a string field (span name).
  ExportRequest bad = testing::MakeRequest(1);
  bad.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name("\xc3(");
  std::string raw;
  bad.SerializePartialToString(&raw);
  EXPECT_FALSE(ScanExportRequest(raw, &spans));
  // Truncated.
  body = testing::MakeRequest(2).SerializeAsString();
  EXPECT_FALSE(ScanExportRequest(body.substr(0, body.size() - 1), &spans));
}

// Span names of 0-19 bytes with each of these byte sequences at every position: the scanner
// accepts exactly what libprotobuf accepts (its ASCII shortcut reads 8 bytes at a time).
TEST(OtlpScanTest, StringsAreCheckedAsLibprotobufChecksThem) {
  const std::vector<std::string> inserts = {std::string(1, '\0'),
                                            "\x7f",
                                            "\xc3\xa9",
                                            "\xe2\x82\xac",
                                            "\xf0\x9f\x98\x80",
                                            "\xc3(",
                                            "\x80",
                                            "\xc0\xaf",
                                            "\xed\xa0\x80",
                                            "\xf4\x90\x80\x80",
                                            "\xff",
                                            "\xe2\x82"};
  google::protobuf::LogSilencer quiet;  // libprotobuf logs each invalid string it parses
  std::vector<SpanIds> spans;
  int refused = 0;
  for (size_t len = 0; len < 20; ++len) {
    for (size_t at = 0; at <= len; ++at) {
      for (const std::string& ins : inserts) {
        std::string name(len, 'a');
        name.insert(at, ins);
        ExportRequest req = testing::MakeRequest(1);
        req.mutable_resource_spans(0)->mutable_scope_spans(0)->mutable_spans(0)->set_name(name);
        std::string body;
        ASSERT_TRUE(req.SerializePartialToString(&body));
        const bool scanned = ScanExportRequest(body, &spans);
        EXPECT_EQ(scanned, ExportRequest().ParseFromString(body))
            << "length " << len << ", bytes inserted at " << at;
        if (scanned) EXPECT_TRUE(Agrees(body));
        if (!scanned) ++refused;
      }
    }
  }
  EXPECT_GT(refused, 0);  // the invalid sequences were refused, not all skipped
}

TEST(OtlpScanTest, TheLastOfARepeatedIdCounts) {
  const std::string one_span =
      testing::MakeRequest(1).resource_spans(0).scope_spans(0).spans(0).SerializeAsString();
  // A second trace_id after the span's fields.
  const std::string body = OneSpanBody(one_span + Wrap(1, std::string(16, '\x07')));
  std::vector<SpanIds> spans;
  ASSERT_TRUE(Agrees(body));
  ASSERT_TRUE(ScanExportRequest(body, &spans));
  EXPECT_EQ(spans[0].trace_id, std::string(16, '\x07'));
}

}  // namespace
}  // namespace tracesim::receiver
