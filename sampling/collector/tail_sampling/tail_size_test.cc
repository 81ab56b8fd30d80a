#include "sampling/collector/tail_sampling/tail_size.h"

#include <gtest/gtest.h>

#include <string>

#include "sampling/collector/tail_sampling/tail_test_model.h"

namespace tracesim::sampling {
namespace {

using testing::MakeSpan;
using testing::MakeTailModel;

// A byte-level protobuf writer, to check the size model against real encodings.
class Writer {
 public:
  void Varint(uint64_t v) {
    while (v >= 0x80) {
      out.push_back(static_cast<char>(v | 0x80));
      v >>= 7;
    }
    out.push_back(static_cast<char>(v));
  }
  void Tag(int field, int wire) { Varint(static_cast<uint64_t>(field) << 3 | wire); }
  void Bytes(int field, const std::string& b) {
    Tag(field, 2);
    Varint(b.size());
    out += b;
  }
  void Fixed64(int field, uint64_t v) {
    Tag(field, 1);
    for (int i = 0; i < 8; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  }
  void Fixed32(int field, uint32_t v) {
    Tag(field, 5);
    for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>(v >> (8 * i)));
  }
  std::string out;
};

std::string EncodeAttr(const sim::Model& m, const sim::Attr& a) {
  Writer any;
  switch (a.value.type) {
    case sim::AttrValue::Type::kString:
      any.Bytes(1, std::string(m.strings.Get(a.value.str)));
      break;
    case sim::AttrValue::Type::kBool:
      any.Tag(2, 0);
      any.Varint(a.value.b ? 1 : 0);
      break;
    case sim::AttrValue::Type::kInt:
      any.Tag(3, 0);
      any.Varint(static_cast<uint64_t>(a.value.i));
      break;
    case sim::AttrValue::Type::kDouble:
      any.Fixed64(4, 0);
      break;
    case sim::AttrValue::Type::kPrefixedInt:
      any.Bytes(1, std::string(m.strings.Get(a.value.str)) + std::to_string(a.value.i));
      break;
    default:
      break;
  }
  Writer kv;
  if (!m.strings.Get(a.key).empty()) kv.Bytes(1, std::string(m.strings.Get(a.key)));
  kv.Bytes(2, any.out);
  return kv.out;
}

std::string EncodeSpan(const sim::Model& m, const sim::Span& s,
                       const std::vector<sim::SpanEvent>& events,
                       const std::vector<sim::SpanLink>& links) {
  Writer w;
  w.Bytes(1, std::string(16, 'x'));
  w.Bytes(2, std::string(8, 'x'));
  if (s.trace_state) w.Bytes(3, std::string(m.strings.Get(s.trace_state)));
  if (s.parent_span_id) w.Bytes(4, std::string(8, 'x'));
  if (s.name) w.Bytes(5, std::string(m.strings.Get(s.name)));
  w.Tag(6, 0);
  w.Varint(static_cast<uint64_t>(s.kind));
  w.Fixed64(7, static_cast<uint64_t>(s.start_unix_nano));
  w.Fixed64(8, static_cast<uint64_t>(s.end_unix_nano));
  for (int i = 0; i < s.static_count; ++i) w.Bytes(9, EncodeAttr(m, s.static_attrs[i]));
  for (int i = 0; i < s.dynamic_count; ++i) w.Bytes(9, EncodeAttr(m, s.dynamic_attrs[i]));
  if (s.dropped_attributes) {
    w.Tag(10, 0);
    w.Varint(s.dropped_attributes);
  }
  for (const sim::SpanEvent& e : events) {
    Writer ew;
    ew.Fixed64(1, static_cast<uint64_t>(e.time_unix_nano));
    ew.Bytes(2, std::string(m.strings.Get(e.name)));
    for (int i = 0; i < e.attr_count; ++i) ew.Bytes(3, EncodeAttr(m, e.attrs[i]));
    w.Bytes(11, ew.out);
  }
  for (const sim::SpanLink& l : links) {
    Writer lw;
    lw.Bytes(1, std::string(16, 'x'));
    lw.Bytes(2, std::string(8, 'x'));
    lw.Fixed32(6, l.flags);
    w.Bytes(13, lw.out);
  }
  if (s.status != sim::StatusCode::kUnset || s.status_message) {
    Writer st;
    if (s.status_message) st.Bytes(2, std::string(m.strings.Get(s.status_message)));
    if (s.status != sim::StatusCode::kUnset) {
      st.Tag(3, 0);
      st.Varint(static_cast<uint64_t>(s.status));
    }
    w.Bytes(15, st.out);
  }
  if (s.flags) w.Fixed32(16, s.flags);
  return w.out;
}

TEST(TailSizeTest, SpecExamples) {
  sim::Model m = MakeTailModel();
  sim::Span s = MakeSpan(1, 2, 1, 1'700'000'000'000'000'000, 5'000'000);
  s.name = m.strings.Intern("GET /api/users");  // 14 characters
  EXPECT_EQ(OtlpSpanSize(m, s, {}, {}), 80u);   // spec §6.1: minimal child span ≈ 80 B
  sim::Attr a{m.strings.Intern("http.route"), sim::AttrValue::String(m.strings.Intern("/x"))};
  EXPECT_EQ(OtlpKeyValueSize(m, a) + 2, 8u + 10u + 2u);  // 8 + len(key) + len(value)
  sim::Attr i{m.strings.Intern("n"), sim::AttrValue::Int(300)};
  EXPECT_EQ(OtlpKeyValueSize(m, i) + 2, 7u + 1u + 2u);  // 7 + len(key) + varint(300)
}

TEST(TailSizeTest, MatchesAByteLevelEncoding) {
  sim::Model m = MakeTailModel();
  sim::Span s = MakeSpan(1, 2, 1, 1'700'000'000'000'000'000, 5'000'000);
  s.name = m.strings.Find("POST /checkout");
  s.trace_state = m.strings.Find("key3=value1,other=x");
  s.status = sim::StatusCode::kError;
  s.status_message = m.strings.Find("exception");
  s.flags = sim::kFlagSampled | sim::kFlagHasIsRemote | sim::kFlagIsRemote;
  s.AddAttr(m.strings.Find("key1"), sim::AttrValue::Int(-5));  // negative: 10-byte varint
  s.AddAttr(m.strings.Find("key4"), sim::AttrValue::Bool(true));
  s.AddAttr(m.strings.Find("key2"), sim::AttrValue::Double(2.5));
  s.AddAttr(m.strings.Find("url.path"), sim::AttrValue::PrefixedInt(m.strings.Find("user-"), 4812));
  std::string long_value(200, 'v');  // a 2-byte length varint
  s.AddAttr(m.strings.Find("http.route"), sim::AttrValue::String(m.strings.Intern(long_value)));
  std::vector<sim::Attr> statics = {
      {m.strings.Find("env"), sim::AttrValue::String(m.strings.Find("prod"))}};
  s.static_attrs = statics.data();
  s.static_count = 1;
  s.dropped_attributes = 3;
  sim::SpanEvent ev;
  ev.time_unix_nano = 1'700'000'000'000'000'100;
  ev.name = m.strings.Find("exception");
  ev.attrs[0] = {m.strings.Find("key1"), sim::AttrValue::Int(7)};
  ev.attr_count = 1;
  sim::SpanLink link;
  link.trace_id = testing::Tid(9);
  link.span_id = 5;
  link.flags = 1;
  std::vector<sim::SpanEvent> events = {ev};
  std::vector<sim::SpanLink> links = {link};
  EXPECT_EQ(OtlpSpanSize(m, s, events, links), EncodeSpan(m, s, events, links).size());
}

TEST(TailSizeTest, BatchGroupsConsecutiveResourceAndScope) {
  sim::Model m = MakeTailModel();
  std::vector<sim::Span> spans = {MakeSpan(1, 1, 0, 1, 2, 0), MakeSpan(1, 2, 1, 1, 2, 0),
                                  MakeSpan(1, 3, 1, 1, 2, 1)};
  std::vector<uint32_t> sizes;
  for (const auto& s : spans) sizes.push_back(static_cast<uint32_t>(OtlpSpanSize(m, s, {}, {})));
  // Expected by hand: two ResourceSpans, one ScopeSpans each.
  auto rs = [&](uint32_t resource, std::vector<size_t> span_bodies, const char* scope,
                const char* version) {
    size_t res = 0;
    for (const auto& a : m.resources[resource].attrs)
      res += LengthDelimitedSize(OtlpKeyValueSize(m, a));
    size_t scope_body = LengthDelimitedSize(std::string(scope).size()) +
                        LengthDelimitedSize(std::string(version).size());
    size_t ss = LengthDelimitedSize(scope_body);
    for (size_t b : span_bodies) ss += LengthDelimitedSize(b);
    return LengthDelimitedSize(LengthDelimitedSize(res) + LengthDelimitedSize(ss));
  };
  size_t want = rs(0, {sizes[0], sizes[1]}, "io.opentelemetry.http", "1.2.0") +
                rs(1, {sizes[2]}, "io.grpc", "1.60.0");
  EXPECT_EQ(OtlpBatchSize(m, spans, sizes), want);
  // One span alone: a TracesData of one ResourceSpans.
  EXPECT_EQ(LengthDelimitedSize(OtlpResourceSpansSize(m, spans[2], sizes[2])),
            OtlpBatchSize(m, std::span<const sim::Span>(&spans[2], 1),
                          std::span<const uint32_t>(&sizes[2], 1)));
  EXPECT_EQ(OtlpBatchSize(m, {}, {}), 0u);
}

// Upstream's tail_sampling sizes each trace's part of an arriving ResourceSpans as one new
// ResourceSpans (newResourceSpanFromSpanAndScopes: the resource once, one ScopeSpans per scope);
// the SDK export model (issue 10) brings several spans of a trace in one request.
TEST(TailSizeTest, GroupResourceSpansSizeIsOneResourceSpansPerTraceAndRequest) {
  sim::Model m = MakeTailModel();
  const sim::Span a = MakeSpan(1, 1, 0, 1, 2, 0), b = MakeSpan(1, 2, 1, 1, 2, 0);
  const uint32_t sa = static_cast<uint32_t>(OtlpSpanSize(m, a, {}, {}));
  const uint32_t sb = static_cast<uint32_t>(OtlpSpanSize(m, b, {}, {}));
  SpanSizer sizer(m);
  const SizedSpan group[] = {{&a, {}, {}, sa}, {&b, {}, {}, sb}};
  const std::vector<sim::Span> spans = {a, b};
  const std::vector<uint32_t> sizes = {sa, sb};
  EXPECT_EQ(LengthDelimitedSize(sizer.GroupResourceSpansSize(group)),
            OtlpBatchSize(m, spans, sizes));
  EXPECT_EQ(sizer.GroupResourceSpansSize(std::span<const SizedSpan>(group, 1)),
            sizer.ResourceSpansSize(a, sa));
  // Smaller than two single-span ResourceSpans: the resource and the scope count once.
  EXPECT_LT(sizer.GroupResourceSpansSize(group),
            sizer.ResourceSpansSize(a, sa) + sizer.ResourceSpansSize(b, sb));
}

}  // namespace
}  // namespace tracesim::sampling

namespace tracesim::sampling {
namespace {

// The memoised sizer agrees with the pure functions on every combination of static template,
// dynamic attributes, events, links, status and scope rule (own operation, the recording
// service's scoped operation, no resource).
TEST(SpanSizerTest, MatchesThePureFunctions) {
  sim::Model m = testing::MakeTailModel();
  auto& s = m.strings;
  std::vector<sim::Attr> tmpl_a = {
      {s.Intern("http.request.method"), sim::AttrValue::String(s.Intern("GET"))},
      {s.Intern("http.route"), sim::AttrValue::String(s.Intern("/api/users"))}};
  std::vector<sim::Attr> tmpl_b = {
      {s.Intern("rpc.system"), sim::AttrValue::String(s.Intern("grpc"))},
      {s.Intern("server.port"), sim::AttrValue::Int(50051)},
      {s.Intern("ratio"), sim::AttrValue::Double(0.5)}};
  std::vector<sim::SpanEvent> events(2);
  events[0].time_unix_nano = 5;
  events[0].name = s.Intern("exception");
  events[0].attr_count = 1;
  events[0].attrs[0] = {s.Intern("key1"), sim::AttrValue::Bool(true)};
  events[1].name = s.Intern("retry");
  std::vector<sim::SpanLink> links(1);
  links[0].trace_id = testing::Tid(9);
  links[0].span_id = 77;
  links[0].flags = 1;
  SpanSizer sizer(m);
  int checked = 0;
  for (int variant = 0; variant < 64; ++variant) {
    sim::Span sp = testing::MakeSpan(1, 10 + variant, variant % 2 ? 3 : 0, 1'000'000'000,
                                     12'345'678, variant % 3 == 2 ? 1 : 0);
    const std::vector<sim::Attr>* t = variant % 4 == 0   ? nullptr
                                      : variant % 4 == 1 ? &tmpl_a
                                                         : &tmpl_b;
    if (t != nullptr) {
      sp.static_attrs = t->data();
      sp.static_count = static_cast<uint16_t>(variant % 8 == 3 ? 1 : t->size());
    }
    for (int d = 0; d < variant % 5; ++d)
      sp.AddAttr(s.Intern("user-"), sim::AttrValue::PrefixedInt(s.Intern("user-"), 1000 + d));
    if (variant % 7 == 0) sp.status = sim::StatusCode::kError;
    if (variant % 11 == 0) sp.status_message = s.Intern("bad tracestate");
    if (variant % 6 == 5) sp.operation = 1 - sp.service;  // another service's operation
    if (variant % 13 == 4) sp.resource = sim::kNone;
    std::span<const sim::SpanEvent> ev = variant % 3 == 0 ? std::span<const sim::SpanEvent>(events)
                                                          : std::span<const sim::SpanEvent>();
    std::span<const sim::SpanLink> ln =
        variant % 5 == 1 ? std::span<const sim::SpanLink>(links) : std::span<const sim::SpanLink>();
    for (int repeat = 0; repeat < 2; ++repeat) {  // the second call reads the memo
      const size_t body = OtlpSpanSize(m, sp, ev, ln);
      ASSERT_EQ(sizer.SpanSize(sp, ev, ln), body) << "variant " << variant;
      ASSERT_EQ(sizer.ResourceSpansSize(sp, body), OtlpResourceSpansSize(m, sp, body))
          << "variant " << variant;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 128);
}

TEST(SpanSizerTest, VarintSizes) {
  EXPECT_EQ(VarintSize(0), 1u);
  EXPECT_EQ(VarintSize(127), 1u);
  EXPECT_EQ(VarintSize(128), 2u);
  EXPECT_EQ(VarintSize(16383), 2u);
  EXPECT_EQ(VarintSize(16384), 3u);
  EXPECT_EQ(VarintSize(~uint64_t{0}), 10u);
  EXPECT_EQ(LengthDelimitedSize(300), 1u + 2u + 300u);
}

}  // namespace
}  // namespace tracesim::sampling

namespace tracesim::sampling {
namespace {

// A prefixed int is a string on the wire: prefix + the decimal digits (and sign) of the value.
TEST(SpanSizerTest, PrefixedIntDigitsAtEveryPowerOfTen) {
  sim::Model m = testing::MakeTailModel();
  const sim::StrId key = m.strings.Intern("user-");
  std::vector<int64_t> values = {0, -1, INT64_MIN, INT64_MAX};
  for (int64_t p = 1; p <= INT64_MAX / 10; p *= 10) {
    for (int64_t v : {p - 1, p, p + 1}) {
      values.push_back(v);
      values.push_back(-v);
    }
  }
  for (int64_t v : values) {
    sim::Attr a{key, sim::AttrValue::PrefixedInt(key, v)};
    const size_t text = 5 + std::to_string(v).size();  // "user-" + digits
    EXPECT_EQ(OtlpKeyValueSize(m, a),
              LengthDelimitedSize(5) + LengthDelimitedSize(LengthDelimitedSize(text)))
        << v;
  }
}

}  // namespace
}  // namespace tracesim::sampling
