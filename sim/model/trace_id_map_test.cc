#include "sim/model/trace_id_map.h"

#include <gtest/gtest.h>

#include <random>
#include <unordered_map>

namespace tracesim::sim {
namespace {

struct Hash {
  size_t operator()(const TraceId& t) const { return t.hi * 31 + t.lo; }
};

TEST(TraceIdMapTest, FindPutErase) {
  TraceIdMap m;
  const TraceId a{1, 2}, b{3, 4};
  EXPECT_EQ(m.Find(a), TraceIdMap::kMissing);
  m.Put(a, 7);
  m.Put(b, 9);
  EXPECT_EQ(m.Find(a), 7u);
  EXPECT_EQ(m.Find(b), 9u);
  m.Put(a, 8);  // overwrite
  EXPECT_EQ(m.size(), 2u);
  EXPECT_EQ(m.Erase(a), 8u);
  EXPECT_EQ(m.Erase(a), TraceIdMap::kMissing);
  EXPECT_FALSE(m.Contains(a));
  EXPECT_EQ(m.Find(b), 9u);
  m.Clear();
  EXPECT_TRUE(m.empty());
  EXPECT_FALSE(m.Contains(b));
}

TEST(TraceIdMapTest, ZeroIdIsAnOrdinaryKey) {
  TraceIdMap m;
  m.Put(TraceId{}, 0);
  EXPECT_EQ(m.Find(TraceId{}), 0u);
  EXPECT_EQ(m.Erase(TraceId{}), 0u);
}

// Random inserts, overwrites and erases against std::unordered_map, with few distinct ids so
// clusters form and backward-shift deletion is exercised across the table's wrap-around.
TEST(TraceIdMapTest, MatchesReferenceUnderChurn) {
  for (uint64_t universe : {20u, 300u, 5000u}) {
    std::mt19937_64 rng(universe);
    TraceIdMap m;
    std::unordered_map<TraceId, uint32_t, Hash> ref;
    for (int step = 0; step < 200000; ++step) {
      TraceId id{rng() % 3, rng() % universe};
      const int op = static_cast<int>(rng() % 3);
      if (op == 0) {
        uint32_t v = static_cast<uint32_t>(rng() % 1000);
        m.Put(id, v);
        ref[id] = v;
      } else if (op == 1) {
        auto it = ref.find(id);
        uint32_t want = it == ref.end() ? TraceIdMap::kMissing : it->second;
        ASSERT_EQ(m.Erase(id), want) << "step " << step;
        if (it != ref.end()) ref.erase(it);
      } else {
        auto it = ref.find(id);
        ASSERT_EQ(m.Find(id), it == ref.end() ? TraceIdMap::kMissing : it->second)
            << "step " << step;
      }
      ASSERT_EQ(m.size(), ref.size());
    }
    for (const auto& [id, v] : ref) ASSERT_EQ(m.Find(id), v);
  }
}

TEST(TraceIdMapTest, ReserveKeepsEntries) {
  TraceIdMap m;
  for (uint32_t i = 0; i < 100; ++i) m.Put(TraceId{i, i * 7 + 1}, i);
  m.Reserve(100000);
  for (uint32_t i = 0; i < 100; ++i) EXPECT_EQ(m.Find(TraceId{i, i * 7 + 1}), i);
  EXPECT_EQ(m.size(), 100u);
}

}  // namespace
}  // namespace tracesim::sim
