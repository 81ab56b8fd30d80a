#include "sim/base/strings.h"

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

namespace tracesim::sim {
namespace {

TEST(StringTable, EmptyStringIsIdZeroAndIdsAreDenseInFirstInternOrder) {
  StringTable t;
  EXPECT_EQ(t.size(), 1u);
  EXPECT_EQ(t.Intern(""), kEmptyStr);
  EXPECT_EQ(t.Get(kEmptyStr), "");
  EXPECT_EQ(t.Intern("http.route"), 1u);
  EXPECT_EQ(t.Intern("GET /cart"), 2u);
  EXPECT_EQ(t.Intern("http.route"), 1u);
  EXPECT_EQ(t.size(), 3u);
  EXPECT_EQ(t.Find("GET /cart"), 2u);
  EXPECT_EQ(t.Find("absent"), kEmptyStr);
  EXPECT_EQ(t.Find(""), kEmptyStr);
}

TEST(StringTable, ViewsStayValidAndNulTerminatedWhileTheTableGrows) {
  StringTable t;
  const std::string_view first = t.Get(t.Intern("service.name"));
  const std::string big(40000, 'x');  // larger than a block: a block of its own
  std::vector<StrId> ids;
  for (int i = 0; i < 20000; ++i) ids.push_back(t.Intern("key-" + std::to_string(i)));
  const StrId big_id = t.Intern(big);
  EXPECT_EQ(first, "service.name");
  EXPECT_EQ(first.data(), t.Get(1).data());  // not moved
  for (int i = 0; i < 20000; ++i) {
    const std::string_view v = t.Get(ids[i]);
    ASSERT_EQ(v, "key-" + std::to_string(i));
    ASSERT_EQ(v.data()[v.size()], '\0');
    ASSERT_EQ(t.Find(v), ids[i]);
  }
  EXPECT_EQ(t.Get(big_id), big);
  EXPECT_EQ(t.Get(big_id).data()[big.size()], '\0');
}

TEST(StringTable, StringsWithNulBytesAndSharedPrefixesAreDistinct) {
  StringTable t;
  const std::string with_nul("a\0b", 3);
  const StrId a = t.Intern("a");
  const StrId anb = t.Intern(with_nul);
  const StrId ab = t.Intern("ab");
  EXPECT_NE(a, anb);
  EXPECT_NE(anb, ab);
  EXPECT_EQ(t.Get(anb), with_nul);
  EXPECT_EQ(t.Find(with_nul), anb);
}

TEST(StringTable, ACopyHasTheSameIdsAndItsOwnBytes) {
  auto original = std::make_unique<StringTable>();
  for (int i = 0; i < 5000; ++i) original->Intern("value-" + std::to_string(i));
  StringTable copy(*original);
  ASSERT_EQ(copy.size(), original->size());
  for (StrId id = 0; id < copy.size(); ++id) {
    ASSERT_EQ(copy.Get(id), original->Get(id));
    ASSERT_EQ(copy.Find(copy.Get(id)), id);
    if (id != kEmptyStr) {
      ASSERT_NE(copy.Get(id).data(), original->Get(id).data());
    }
  }
  // Interning into one leaves the other as it was.
  const StrId added = copy.Intern("only-in-the-copy");
  EXPECT_EQ(added, original->size());
  EXPECT_EQ(original->Find("only-in-the-copy"), kEmptyStr);
  EXPECT_EQ(original->Intern("only-in-the-original"), added);
  EXPECT_EQ(copy.Get(added), "only-in-the-copy");
  // The copy outlives the original.
  original.reset();
  EXPECT_EQ(copy.Get(1), "value-0");
  EXPECT_EQ(copy.Find("value-4999"), 5000u);

  StringTable assigned;
  assigned.Intern("to be replaced");
  assigned = copy;
  EXPECT_EQ(assigned.size(), copy.size());
  EXPECT_EQ(assigned.Find("only-in-the-copy"), added);
  EXPECT_EQ(assigned.Find("to be replaced"), kEmptyStr);
}

TEST(StringTable, AMovedTableKeepsItsViews) {
  StringTable t;
  const StrId id = t.Intern("checkout");
  const char* bytes = t.Get(id).data();
  StringTable moved(std::move(t));
  EXPECT_EQ(moved.Get(id), "checkout");
  EXPECT_EQ(moved.Get(id).data(), bytes);
  EXPECT_EQ(moved.Find("checkout"), id);
}

}  // namespace
}  // namespace tracesim::sim
