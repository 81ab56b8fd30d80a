#include "sim/kernel/shape_hash.h"

#include <gtest/gtest.h>

#include <vector>

#include "sim/model/test_model.h"

namespace tracesim::sim {
namespace {

struct Tree {
  Model m;
  uint32_t api, db;
  Tree() {
    api = AddService(m, "api", ServiceKind::kService, 1, 4, 8);
    db = AddService(m, "db", ServiceKind::kDatabase, 1, 0, 0);
    m.strings.Intern("GET /");
    m.strings.Intern("SELECT");
    m.strings.Intern("INSERT");
  }
  Span Make(const char* name, uint32_t service, SpanKind kind, uint32_t parent) {
    Span s;
    s.name = m.strings.Intern(name);
    s.service = service;
    s.kind = kind;
    s.parent_index = parent;
    s.span_id = ++next_id;
    return s;
  }
  uint64_t next_id = 0;
};

TEST(ShapeHasherTest, IgnoresSiblingOrderAndIds) {
  Tree t;
  std::vector<Span> a = {t.Make("GET /", t.api, SpanKind::kServer, kNone),
                         t.Make("SELECT", t.api, SpanKind::kClient, 0),
                         t.Make("INSERT", t.api, SpanKind::kClient, 0)};
  std::vector<Span> b = {t.Make("GET /", t.api, SpanKind::kServer, kNone),
                         t.Make("INSERT", t.api, SpanKind::kClient, 0),
                         t.Make("SELECT", t.api, SpanKind::kClient, 0)};
  ShapeHasher h(t.m);
  uint64_t ha = h.Hash(a);
  EXPECT_EQ(ha, h.Hash(b));
  EXPECT_EQ(ha, ShapeHasher(t.m).Hash(a));  // no state carried between hashes
  EXPECT_NE(ha, 0u);
}

TEST(ShapeHasherTest, NameServiceKindAndNestingChangeTheHash) {
  Tree t;
  std::vector<Span> base = {t.Make("GET /", t.api, SpanKind::kServer, kNone),
                            t.Make("SELECT", t.api, SpanKind::kClient, 0),
                            t.Make("INSERT", t.api, SpanKind::kClient, 0)};
  ShapeHasher h(t.m);
  const uint64_t hb = h.Hash(base);
  std::vector<Span> v = base;
  v[1].name = t.m.strings.Intern("INSERT");
  EXPECT_NE(h.Hash(v), hb);
  v = base;
  v[1].service = t.db;
  EXPECT_NE(h.Hash(v), hb);
  v = base;
  v[1].kind = SpanKind::kInternal;
  EXPECT_NE(h.Hash(v), hb);
  v = base;
  v[2].parent_index = 1;  // INSERT under SELECT instead of beside it
  EXPECT_NE(h.Hash(v), hb);
  v = base;
  v[1].parent_index = kNone;  // a second root
  EXPECT_NE(h.Hash(v), hb);
}

}  // namespace
}  // namespace tracesim::sim
