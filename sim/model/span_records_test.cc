#include "sim/model/span_records.h"

#include <gtest/gtest.h>

#include <vector>

namespace tracesim::sim {
namespace {

// A span whose every field, and its first `attrs` dynamic attributes, derive from `k`.
Span MakeSpan(uint32_t k, int attrs) {
  Span s;
  s.trace_id = TraceId{k + 1, k + 2};
  s.span_id = k + 3;
  s.parent_span_id = k;
  s.start_unix_nano = 1000 * k;
  s.end_unix_nano = 1000 * k + 7;
  s.name = k + 4;
  s.flags = k;
  s.resource = k + 5;
  s.operation = k + 6;
  s.first_event = k;
  s.event_count = k % 3;
  for (int i = 0; i < attrs; ++i) s.AddAttr(100 + i, AttrValue::Int(int64_t{k} * 10 + i));
  return s;
}

void ExpectSame(const Span& got, const Span& want) {
  EXPECT_EQ(got.trace_id, want.trace_id);
  EXPECT_EQ(got.span_id, want.span_id);
  EXPECT_EQ(got.parent_span_id, want.parent_span_id);
  EXPECT_EQ(got.start_unix_nano, want.start_unix_nano);
  EXPECT_EQ(got.end_unix_nano, want.end_unix_nano);
  EXPECT_EQ(got.name, want.name);
  EXPECT_EQ(got.resource, want.resource);
  EXPECT_EQ(got.operation, want.operation);
  EXPECT_EQ(got.first_event, want.first_event);
  EXPECT_EQ(got.event_count, want.event_count);
  ASSERT_EQ(got.dynamic_count, want.dynamic_count);
  for (int i = 0; i < want.dynamic_count; ++i) {
    EXPECT_EQ(got.dynamic_attrs[i].key, want.dynamic_attrs[i].key);
    EXPECT_EQ(got.dynamic_attrs[i].value.i, want.dynamic_attrs[i].value.i);
  }
}

TEST(PackedSpansTest, AppendedSpansReadBackWithTheirAttributes) {
  PackedSpans p;
  std::vector<Span> want;
  for (uint32_t k = 0; k < 100; ++k) {
    want.push_back(MakeSpan(k, static_cast<int>(k % (kMaxDynamicAttrs + 1))));
    p.Append(want.back());
  }
  ASSERT_EQ(p.size(), want.size());
  SpanRecords view = p.view();
  for (size_t i = 0; i < want.size(); ++i) ExpectSame(view[i], want[i]);
  // A record copies to another buffer whole (Pack reads only what the record holds).
  PackedSpans q;
  q.Append(p[99]).first_event = 42;
  EXPECT_EQ(q[0].first_event, 42u);
  EXPECT_EQ(p[99].first_event, 99u);
  EXPECT_EQ(q[0].dynamic_count, want[99].dynamic_count);
}

TEST(PackedSpansTest, TruncateAndEraseFrontKeepTheRest) {
  PackedSpans p;
  std::vector<Span> want;
  for (uint32_t k = 0; k < 50; ++k) {
    want.push_back(MakeSpan(k, static_cast<int>(k % 5)));
    p.Append(want.back());
  }
  p.EraseFront(20);
  ASSERT_EQ(p.size(), 30u);
  for (size_t i = 0; i < 30; ++i) ExpectSame(p[i], want[20 + i]);
  p.Truncate(10);
  ASSERT_EQ(p.size(), 10u);
  for (size_t i = 0; i < 10; ++i) ExpectSame(p[i], want[20 + i]);
  // Appending after both keeps every record readable.
  p.Append(want[0]);
  ExpectSame(p[10], want[0]);
  ExpectSame(p[9], want[29]);
  p.Truncate(0);
  EXPECT_TRUE(p.empty());
  p.Append(want[3]);
  ExpectSame(p[0], want[3]);
  p.EraseFront(5);  // more than it holds: empties it
  EXPECT_TRUE(p.empty());
}

TEST(PackedSpansTest, PlainArraysAndPackedRecordsReadAlike) {
  std::vector<Span> plain = {MakeSpan(1, 0), MakeSpan(2, 3)};
  PackedSpans packed;
  for (const Span& s : plain) packed.Append(s);
  SpanRecords a(plain), b = packed.view();
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) ExpectSame(a[i], b[i]);
}

}  // namespace
}  // namespace tracesim::sim
