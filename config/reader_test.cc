#include "config/reader.h"

#include <gtest/gtest.h>

namespace tracesim::config {
namespace {

struct Doc {
  explicit Doc(const std::string& yaml) : diag("t.yaml"), r(diag), root(YAML::Load(yaml)) {}
  Diagnostics diag;
  Reader r;
  YAML::Node root;
  Node node() const { return Node::Root(root); }
};

const Keys kKeys = {"name", "services", "duration", "size", "count", "ratio", "on", "mode"};

TEST(ReaderTest, MapTracksPathsAndPositions) {
  Doc d("name: shop\nservices:\n  - name: a\n  - name: b\n");
  Map m = d.r.ReadMap(d.node(), &kKeys);
  ASSERT_TRUE(m.ok());
  const Node* services = m.Get("services");
  ASSERT_NE(services, nullptr);
  Node second = services->Item(1);
  EXPECT_EQ(second.path, "services[1]");
  EXPECT_EQ(second.line, 4);
  static const Keys kName = {"name"};
  Map sm = d.r.ReadMap(second, &kName);
  EXPECT_EQ(sm.Get("name")->path, "services[1].name");
  EXPECT_EQ(*d.r.Name(sm), "b");
  EXPECT_FALSE(d.diag.has_errors());
}

TEST(ReaderTest, UnknownKeyGetsDidYouMeanAsAField) {
  Doc d("name: x\nservces: []\n");
  Map m = d.r.ReadMap(d.node(), &kKeys);
  EXPECT_EQ(d.diag.ErrorText(),
            "t.yaml:2:1: servces: unknown key 'servces' (did you mean 'services'?)");
  EXPECT_EQ(d.diag.items()[0].suggestion, "services");
  EXPECT_EQ(m.Get("servces"), nullptr);
}

TEST(ReaderTest, DuplicateNonStringAndNonMapping) {
  Doc d("name: a\nname: b\n[1]: c\n");
  d.r.ReadMap(d.node(), nullptr);
  std::string text = d.diag.ErrorText();
  EXPECT_NE(text.find("t.yaml:2:1: name: duplicate key 'name'"), std::string::npos) << text;
  EXPECT_NE(text.find("a key must be a non-empty string"), std::string::npos) << text;
  Doc l("- 1\n");
  EXPECT_FALSE(l.r.ReadMap(l.node(), nullptr).ok());
  EXPECT_EQ(l.diag.ErrorText(), "t.yaml:1:1: expected a mapping, got a list");
}

TEST(ReaderTest, RequiredAndOptionalFields) {
  Doc d("count: 3\n");
  Map m = d.r.ReadMap(d.node(), &kKeys);
  EXPECT_EQ(d.r.Require(m, "name"), nullptr);
  EXPECT_EQ(d.diag.ErrorText(), "t.yaml:1:1: missing required key 'name'");
  EXPECT_EQ(*d.r.IntOr(m, "count", 7, 0, 10), 3);
  EXPECT_EQ(*d.r.IntOr(m, "missing", 7, 0, 10), 7);
  EXPECT_EQ(*d.r.NumberOr(m, "ratio", 0.5), 0.5);
  EXPECT_EQ(*d.r.BoolOr(m, "on", true), true);
  EXPECT_EQ(*d.r.StrOr(m, "mode", "fast"), "fast");
  EXPECT_EQ(d.r.DurationOr(m, "duration", sim::Duration::Seconds(2), Need::kPositive)->nanos(),
            2'000'000'000);
}

TEST(ReaderTest, TypedScalarsAndTheirErrors) {
  Doc d("a: 12\nb: x\nc: 99\nd: 0.25\ne: 1.5\nf: yes\ng: maybe\nh: fast\ni: fsat\n");
  Map m = d.r.ReadMap(d.node(), nullptr);
  EXPECT_EQ(*d.r.Int(*m.Get("a"), 0, 20), 12);
  EXPECT_FALSE(d.r.Int(*m.Get("b")));
  EXPECT_FALSE(d.r.Int(*m.Get("c"), 0, 20));
  EXPECT_EQ(*d.r.Probability(*m.Get("d")), 0.25);
  EXPECT_FALSE(d.r.Probability(*m.Get("e")));
  EXPECT_EQ(*d.r.Bool(*m.Get("f")), true);
  EXPECT_FALSE(d.r.Bool(*m.Get("g")));
  static const Keys kModes = {"fast", "slow"};
  EXPECT_EQ(*d.r.Enum(*m.Get("h"), kModes), 0u);
  EXPECT_FALSE(d.r.Enum(*m.Get("i"), kModes));
  EXPECT_EQ(
      d.diag.ErrorText(),
      "t.yaml:2:4: b: expected an integer, got 'x'\n"
      "t.yaml:3:4: c: must be between 0 and 20, got 99\n"
      "t.yaml:5:4: e: a probability must be within [0, 1], got 1.5\n"
      "t.yaml:7:4: g: expected true or false, got 'maybe'\n"
      "t.yaml:9:4: i: unknown value 'fsat' (did you mean 'fast'?); expected one of fast, slow");
}

TEST(ReaderTest, DurationsAreGoSyntax) {
  Doc d("a: 1m30s\nb: banana\nc: -1s\nd: 0s\ne: [1]\n");
  Map m = d.r.ReadMap(d.node(), nullptr);
  EXPECT_EQ(d.r.Duration(*m.Get("a"), Need::kPositive)->nanos(), 90'000'000'000);
  EXPECT_FALSE(d.r.Duration(*m.Get("b"), Need::kPositive));
  EXPECT_FALSE(d.r.Duration(*m.Get("c"), Need::kNonNegative));
  EXPECT_FALSE(d.r.Duration(*m.Get("d"), Need::kPositive));
  EXPECT_EQ(d.r.Duration(*m.Get("d"), Need::kNonNegative)->nanos(), 0);
  EXPECT_FALSE(d.r.Duration(*m.Get("e"), Need::kPositive));
  std::string t = d.diag.ErrorText();
  EXPECT_NE(t.find("b: 'banana' is not a duration"), std::string::npos) << t;
  EXPECT_NE(t.find("c: a duration must not be negative, got '-1s'"), std::string::npos) << t;
  EXPECT_NE(t.find("d: must be > 0 (a time is required here), got '0s'"), std::string::npos) << t;
  EXPECT_NE(t.find("e: expected a duration such as 2ms, got a list"), std::string::npos) << t;
}

TEST(ReaderTest, ByteSizes) {
  Doc d("a: 4MB\nb: 4MiB\nc: 4M\nd: 0\n");
  Map m = d.r.ReadMap(d.node(), nullptr);
  EXPECT_EQ(*d.r.ByteSize(*m.Get("a"), Need::kPositive), 4'000'000u);
  EXPECT_EQ(*d.r.ByteSize(*m.Get("b"), Need::kPositive), 4'194'304u);
  EXPECT_FALSE(d.r.ByteSize(*m.Get("c"), Need::kPositive));
  EXPECT_FALSE(d.r.ByteSize(*m.Get("d"), Need::kPositive));
  EXPECT_EQ(d.diag.error_count(), 2u);
}

TEST(ReaderTest, ParseIntAndNumber) {
  EXPECT_EQ(*ParseInt("-42"), -42);
  EXPECT_FALSE(ParseInt("4x"));
  EXPECT_FALSE(ParseInt("-"));
  EXPECT_FALSE(ParseInt("99999999999999999999"));
  EXPECT_EQ(*ParseNumber("1e3"), 1000.0);
  EXPECT_FALSE(ParseNumber("inf"));
  EXPECT_FALSE(ParseNumber("1.5x"));
}

}  // namespace
}  // namespace tracesim::config
