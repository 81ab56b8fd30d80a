// OtlpProtoEncoder against the libprotobuf reference (BuildOtlpRequest) and the OTLP/JSON
// encoder: on the hand-built test trace and on traces generated from the bundled scenarios.
#include <google/protobuf/arena.h>
#include <google/protobuf/util/field_comparator.h>
#include <google/protobuf/util/message_differencer.h>
#include <gtest/gtest.h>

#include "exporter/encoding/otlp_json.h"
#include "exporter/encoding/otlp_proto.h"
#include "exporter/encoding/test_model.h"
#include "exporter/proto/trace_service.pb.h"
#include "scenarios/scenario.h"
#include "sim/kernel/simulation.h"
#include "sim/kernel/sink.h"
#include "workloads/workload.h"

namespace tracesim::exporter {
namespace {

namespace otlp = ::opentelemetry::proto;
using Request = otlp::collector::trace::v1::ExportTraceServiceRequest;

// Equality that treats NaN as equal to NaN (the test trace carries a NaN attribute).
bool Equal(const Request& a, const Request& b, std::string* diff) {
  google::protobuf::util::DefaultFieldComparator cmp;
  cmp.set_treat_nan_as_equal(true);
  google::protobuf::util::MessageDifferencer d;
  d.set_field_comparator(&cmp);
  d.ReportDifferencesToString(diff);
  return d.Compare(a, b);
}

// The three checks every batch must pass: the direct bytes parse to the reference message,
// re-serializing the reference gives the direct bytes, and the span count is right.
void CheckBatch(const sim::Model& m, std::span<const sim::Span> spans,
                std::span<const sim::SpanEvent> events, std::span<const sim::SpanLink> links,
                OtlpProtoEncoder* enc) {
  std::string direct;
  enc->Encode(spans, events, links, &direct);
  google::protobuf::Arena arena;
  auto* reference = google::protobuf::Arena::CreateMessage<Request>(&arena);
  BuildOtlpRequest(m, spans, events, links, reference);
  auto* parsed = google::protobuf::Arena::CreateMessage<Request>(&arena);
  ASSERT_TRUE(parsed->ParseFromString(direct));
  std::string diff;
  ASSERT_TRUE(Equal(*parsed, *reference, &diff)) << diff;
  std::string reserialized;
  ASSERT_TRUE(reference->SerializeToString(&reserialized));
  ASSERT_EQ(reserialized.size(), direct.size());
  ASSERT_TRUE(reserialized == direct) << "bytes differ";
  size_t n = 0;
  for (const auto& rs : parsed->resource_spans())
    for (const auto& ss : rs.scope_spans()) n += ss.spans_size();
  ASSERT_EQ(n, spans.size());
}

TEST(OtlpProtoEncoderTest, TestTraceMatchesReferenceAndJsonContent) {
  sim::Model m = testing::MakeTestModel();
  testing::TestTrace t = testing::MakeTestTrace(m);
  OtlpProtoEncoder enc(m);
  CheckBatch(m, t.spans, t.events, t.links, &enc);

  std::string direct;
  enc.Encode(t.View(m), &direct);
  Request req;
  ASSERT_TRUE(req.ParseFromString(direct));
  // Same grouping as the JSON encoder (see otlp_proto_test.cc for the JSON side).
  ASSERT_EQ(req.resource_spans_size(), 3);
  EXPECT_EQ(req.resource_spans(0).scope_spans(0).scope().name(), "io.grpc");
  EXPECT_EQ(req.resource_spans(0).resource().attributes(1).value().string_value(), "inst-0");
  const auto& srv = req.resource_spans(0).scope_spans(0).spans(1);
  EXPECT_EQ(srv.name(), "POST /checkout");
  EXPECT_EQ(srv.status().message(), "boom \"x\"\n");
  EXPECT_EQ(srv.attributes_size(), 9);
  EXPECT_TRUE(std::isnan(srv.attributes(6).value().double_value()));
  EXPECT_EQ(srv.attributes(4).value().int_value(), -9'007'199'254'740'993LL);
  EXPECT_EQ(srv.attributes(8).value().string_value(), "user-4812");
  EXPECT_EQ(srv.flags(), sim::kFlagSampled);
  bool saw_root = false;
  for (const auto& rs : req.resource_spans())
    for (const auto& ss : rs.scope_spans())
      for (const auto& sp : ss.spans())
        if (sp.parent_span_id().empty()) {
          saw_root = true;
          EXPECT_EQ(sp.dropped_attributes_count(), 3u);
          EXPECT_EQ(sp.trace_state(), "vendor=1");
          EXPECT_EQ(sp.status().code(), otlp::trace::v1::Status::STATUS_CODE_OK);
        }
  EXPECT_TRUE(saw_root);
}

TEST(OtlpProtoEncoderTest, AppendsAndReusesScratch) {
  sim::Model m = testing::MakeTestModel();
  testing::TestTrace t = testing::MakeTestTrace(m);
  OtlpProtoEncoder enc(m);
  std::string one, two = "prefix";
  enc.Encode(t.View(m), &one);
  enc.Encode(t.View(m), &two);
  EXPECT_EQ(two, "prefix" + one);
  std::string again;
  enc.Encode(t.View(m), &again);
  EXPECT_EQ(again, one) << "output is a pure function of the batch";
  std::string empty;
  enc.Encode(std::span<const sim::Span>(), {}, {}, &empty);
  EXPECT_TRUE(empty.empty()) << "an empty request has no bytes";
}

TEST(OtlpProtoEncoderTest, LongStringsAndInvalidUtf8) {
  sim::Model m = testing::MakeTestModel();
  testing::TestTrace t = testing::MakeTestTrace(m);
  // A span larger than the 2-byte length guess and a name with invalid UTF-8.
  t.spans[1].name = m.strings.Intern(std::string(70000, 'x') + "\xff\xc3(");
  t.spans[2].AddAttr(m.strings.Intern("bad\x80key"),
                     sim::AttrValue::PrefixedInt(m.strings.Intern("p\xe2\x82"), 7));
  t.spans[3].AddAttr(m.strings.Intern("empty"), sim::AttrValue::String(sim::kEmptyStr));
  t.spans[3].AddAttr(m.strings.Intern("none"), sim::AttrValue());
  t.spans[3].AddAttr(m.strings.Intern("zero"), sim::AttrValue::Int(0));
  t.spans[3].AddAttr(m.strings.Intern("false"), sim::AttrValue::Bool(false));
  t.spans[0].start_unix_nano = -5;  // clamps to 0: omitted
  OtlpProtoEncoder enc(m);
  CheckBatch(m, t.spans, t.events, t.links, &enc);
  std::string direct;
  enc.Encode(t.View(m), &direct);
  Request req;
  ASSERT_TRUE(req.ParseFromString(direct));
  const auto& srv = req.resource_spans(0).scope_spans(0).spans(1);
  EXPECT_EQ(srv.name(), std::string(70000, 'x') + "\xEF\xBF\xBD\xEF\xBF\xBD(");
  const auto& db = req.resource_spans(0).scope_spans(0).spans(0);
  EXPECT_EQ(db.start_time_unix_nano(), 0u);
  // The encoder remembers which model strings are valid UTF-8: strings interned after its first
  // batch are checked too.
  t.spans[1].name = m.strings.Intern("late\xff");
  t.spans[2].AddAttr(m.strings.Intern("later"), sim::AttrValue::String(m.strings.Intern("\xc3")));
  CheckBatch(m, t.spans, t.events, t.links, &enc);
  std::string later;
  enc.Encode(t.View(m), &later);
  ASSERT_TRUE(req.ParseFromString(later));
  EXPECT_EQ(req.resource_spans(0).scope_spans(0).spans(1).name(), "late\xEF\xBF\xBD");
}

// Static attribute templates are encoded once per encoder and copied after that; past
// StaticAttrBlocks::kMaxBlocks templates, or for a span that shows a stored template with fewer
// attributes, the encoder writes them inline. Every path gives libprotobuf's bytes.
TEST(OtlpProtoEncoderTest, StaticAttributeTemplatesStayExactWhenStoredFullOrShortened) {
  sim::Model m = testing::MakeTestModel();
  testing::TestTrace t = testing::MakeTestTrace(m);
  const size_t n = StaticAttrBlocks::kMaxBlocks + 20;
  std::vector<std::vector<sim::Attr>> templates;
  const std::vector<sim::Span> spans = testing::SpansWithTemplates(m, t, n, &templates);
  OtlpProtoEncoder enc(m);
  for (int round = 0; round < 2; ++round) {  // the first stores blocks, the second reuses them
    CheckBatch(m, spans, {}, {}, &enc);
    if (::testing::Test::HasFatalFailure()) return;
  }
  std::string bytes;
  enc.Encode(spans, {}, {}, &bytes);
  Request req;
  ASSERT_TRUE(req.ParseFromString(bytes));
  const auto& out = req.resource_spans(0).scope_spans(0).spans();
  ASSERT_EQ(out.size(), static_cast<int>(n + 1));
  EXPECT_EQ(out[static_cast<int>(n - 1)].attributes(0).value().int_value(),
            static_cast<int64_t>(n - 1));
  EXPECT_EQ(out[static_cast<int>(n)].attributes_size(), 1);
}

// Flattens traces [begin, end) of a sink into one batch, rebasing event/link ranges.
struct Batch {
  std::vector<sim::Span> spans;
  std::vector<sim::SpanEvent> events;
  std::vector<sim::SpanLink> links;
};
Batch Flatten(const sim::InMemorySink& sink, size_t begin, size_t end) {
  Batch b;
  for (size_t i = begin; i < end && i < sink.traces().size(); ++i) {
    const auto& t = sink.traces()[i];
    for (sim::Span s : t.spans) {
      s.first_event += static_cast<uint32_t>(b.events.size());
      s.first_link += static_cast<uint32_t>(b.links.size());
      b.spans.push_back(s);
    }
    b.events.insert(b.events.end(), t.events.begin(), t.events.end());
    b.links.insert(b.links.end(), t.links.begin(), t.links.end());
  }
  return b;
}

class GeneratedTracesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(GeneratedTracesTest, DirectBytesEqualLibprotobuf) {
  auto sc = scenarios::LoadBuiltinScenario(GetParam());
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  auto w =
      workloads::Workload::Create(sc->workload, sc->model, sc->seed, sim::Duration::Seconds(8));
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  sim::InMemorySink sink;
  sim::SimulationOptions opt;
  opt.seed = sc->seed;
  opt.start_unix_nanos = sc->start_unix_nanos;
  sim::Simulation s(sc->model, opt);
  s.AddObserver(&sink);
  ASSERT_TRUE(s.Run(w->get()).ok());
  ASSERT_GT(sink.traces().size(), 200u);
  OtlpProtoEncoder enc(sc->model);
  size_t events = 0, links = 0, errors = 0;
  // Every trace on its own.
  for (const auto& t : sink.traces()) {
    CheckBatch(sc->model, t.spans, t.events, t.links, &enc);
    if (::testing::Test::HasFatalFailure()) return;
    events += t.events.size();
    links += t.links.size();
    for (const auto& sp : t.spans) errors += sp.status == sim::StatusCode::kError;
  }
  // Batches of 37 traces (several resources and scopes per request), and the whole run as one
  // request (megabytes: multi-byte length prefixes on the outer messages).
  for (size_t i = 0; i < sink.traces().size(); i += 37) {
    Batch b = Flatten(sink, i, i + 37);
    CheckBatch(sc->model, b.spans, b.events, b.links, &enc);
    if (::testing::Test::HasFatalFailure()) return;
  }
  Batch all = Flatten(sink, 0, sink.traces().size());
  CheckBatch(sc->model, all.spans, all.events, all.links, &enc);
  std::string direct;
  enc.Encode(all.spans, all.events, all.links, &direct);
  EXPECT_GT(direct.size(), 1u << 20);
  // The scenarios exercise the optional parts.
  EXPECT_GT(events, 0u);
  if (GetParam() == "checkout") {
    EXPECT_GT(errors, 0u);
  }
  if (GetParam() == "online-shop") {
    EXPECT_GT(links, 0u);
  }
}

INSTANTIATE_TEST_SUITE_P(Bundled, GeneratedTracesTest, ::testing::Values("checkout", "online-shop"),
                         [](const auto& info) {
                           std::string n = info.param;
                           for (char& c : n)
                             if (c == '-') c = '_';
                           return n;
                         });

TEST(Utf8Test, ValidityAndSanitizing) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));          // truncated
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // past U+10FFFF
  std::string out;
  AppendUtf8Sanitized(
      "a\xFF"
      "b\xE2\x82",
      &out);
  EXPECT_EQ(out,
            "a\xEF\xBF\xBD"
            "b\xEF\xBF\xBD\xEF\xBF\xBD");
}

}  // namespace
}  // namespace tracesim::exporter
