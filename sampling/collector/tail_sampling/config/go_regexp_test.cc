// GoRegexp against Go's regexp (RE2 syntax), as the Collector compiles string_attribute and
// OTTL IsMatch patterns. Each case states what Go 1.26's regexp.Compile/MatchString says; the
// comments name what tracesim's former std::regex (ECMAScript) did differently.
#include "sampling/collector/tail_sampling/config/go_regexp.h"

#include <gtest/gtest.h>

#include <string>

namespace tracesim::sampling {
namespace {

bool Matches(const std::string& pattern, const std::string& s) {
  auto re = GoRegexp::Compile(pattern);
  EXPECT_TRUE(re.ok()) << pattern << ": " << re.status().message();
  return re.ok() && re.value().Match(s);
}

TEST(GoRegexpTest, Re2OnlySyntaxIsValid) {
  // std::regex rejected all of these (no inline flags, named groups, \A, \z, \pL, \Q..\E).
  EXPECT_TRUE(Matches("(?i)^get /", "GET /cart"));
  EXPECT_TRUE(Matches("(?s)a.b", "a\nb"));
  EXPECT_FALSE(Matches("a.b", "a\nb"));  // . does not match \n without (?s)
  EXPECT_TRUE(Matches("(?P<verb>GET|POST) /", "POST /pay"));
  EXPECT_TRUE(Matches("(?<verb>GET|POST) /", "GET /"));  // Go 1.22+ spelling
  EXPECT_TRUE(Matches(R"(\Acheckout\z)", "checkout"));
  EXPECT_FALSE(Matches(R"(\Acheckout\z)", "checkout\n"));
  EXPECT_TRUE(Matches(R"(^\pL+$)", "Zürich"));
  EXPECT_FALSE(Matches(R"(^\pL+$)", "Zürich1"));
  EXPECT_TRUE(Matches(R"(\Q/a.b\E$)", "x/a.b"));
  EXPECT_FALSE(Matches(R"(\Q/a.b\E$)", "x/aXb"));
  EXPECT_TRUE(Matches("(?U)a+", "aaa"));
  EXPECT_TRUE(Matches("[[:alpha:]]+[(?<x>]", "ab<"));  // a class is not a named group
}

TEST(GoRegexpTest, PerlOnlySyntaxIsInvalid) {
  // std::regex accepted lookahead and back references; Go has neither.
  for (const char* bad : {"a(?=b)", "a(?!b)", "(?<=a)b", R"((a)\1)", "x{2,1001}", "a++", R"(a\C)",
                          "(", "[z-a]", "a**"}) {
    EXPECT_FALSE(GoRegexp::Compile(bad).ok()) << bad;
  }
  EXPECT_TRUE(GoRegexp::Compile("x{2,1000}").ok());
  // Go's parseInt turns a count of 1e8 or more into -1: invalid repeat count (RE2 2022-06-01
  // alone accepts these); a leading zero makes `{` a literal in both.
  for (const char* bad : {"a{100000000}", "a{1,1234567890123456789}", "a{99999999999,}"}) {
    EXPECT_FALSE(GoRegexp::Compile(bad).ok()) << bad;
  }
  EXPECT_TRUE(Matches("a{01}", "a{01}"));
  auto r = GoRegexp::Compile("a(?=b)");
  EXPECT_NE(r.status().message().find("(?="), std::string::npos) << r.status().message();
}

TEST(GoRegexpTest, MatchIsUnanchoredLikeMatchString) {
  EXPECT_TRUE(Matches("health", "/api/healthz"));
  EXPECT_FALSE(Matches("^health", "/api/healthz"));
  EXPECT_TRUE(Matches("a{,3}", "xa{,3}"));  // Go reads {,3} as literal text
  EXPECT_TRUE(Matches("", "anything"));
  // $ without (?m) is the end of the text only (Perl's "before a final \n" is not Go's).
  EXPECT_FALSE(Matches("ab$", "ab\n"));
  EXPECT_TRUE(Matches("(?m)ab$", "ab\n"));
}

}  // namespace
}  // namespace tracesim::sampling
