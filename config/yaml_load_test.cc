#include "config/yaml_load.h"

#include <gtest/gtest.h>

#include <string>

namespace tracesim::config {
namespace {

TEST(LoadYamlTest, ReadsADocument) {
  Diagnostics diag("f.yaml");
  auto root = LoadYaml("a: [1, 2, {b: c}]\n", diag);
  ASSERT_TRUE(root.has_value()) << diag.ErrorText();
  EXPECT_EQ((*root)["a"][2]["b"].as<std::string>(), "c");
}

TEST(LoadYamlTest, ASelfReferencingAliasIsAnErrorNamingTheDepthLimit) {
  Diagnostics diag("f.yaml");
  EXPECT_FALSE(LoadYaml("steps: &c [{parallel: *c}]\n", diag).has_value());
  EXPECT_NE(diag.ErrorText().find("f.yaml:1:"), std::string::npos) << diag.ErrorText();
  EXPECT_NE(diag.ErrorText().find("nests deeper than 128 levels"), std::string::npos)
      << diag.ErrorText();
}

TEST(LoadYamlTest, NestedAliasesThatExpandPastTheNodeBudgetAreAnError) {
  // 10 levels of 10 aliases each: 10^10 nodes from a few hundred bytes.
  std::string yaml = "a0: &a0 [1, 1, 1, 1, 1, 1, 1, 1, 1, 1]\n";
  for (int i = 1; i <= 10; ++i) {
    const std::string prev = "*a" + std::to_string(i - 1);
    yaml += "a" + std::to_string(i) + ": &a" + std::to_string(i) + " [";
    for (int k = 0; k < 10; ++k) yaml += (k ? ", " : "") + prev;
    yaml += "]\n";
  }
  Diagnostics diag("bomb.yaml");
  EXPECT_FALSE(LoadYaml(yaml, diag).has_value());
  EXPECT_NE(diag.ErrorText().find("expands to more than 1000000 nodes"), std::string::npos)
      << diag.ErrorText();
}

TEST(LoadYamlTest, AFileWithMoreValuesThanTheLimitIsRefusedBeforeParsing) {
  std::string yaml = "mix: [";
  for (int i = 0; i < 1'000'001; ++i) yaml += "a,";
  yaml += "a]\n";
  Diagnostics diag("big.yaml");
  EXPECT_FALSE(LoadYaml(yaml, diag).has_value());
  EXPECT_NE(diag.ErrorText().find("big.yaml:1:1: YAML has about 1000004 values, more than the "
                                  "limit of 1000000"),
            std::string::npos)
      << diag.ErrorText();
}

TEST(LoadYamlTest, TheLimitsAreTheCallersToSet) {
  Diagnostics diag("f.yaml");
  YamlLimits tight;
  tight.max_nodes = 8;
  EXPECT_FALSE(LoadYaml("[1, 2, 3, 4, 5, 6, 7, 8, 9]\n", diag, tight).has_value());
  Diagnostics expands("f.yaml");
  EXPECT_FALSE(LoadYaml("a: &a [1, 1]\nb: [*a, *a, *a]\n", expands, tight).has_value());
  EXPECT_NE(expands.ErrorText().find("expands to more than 8 nodes"), std::string::npos)
      << expands.ErrorText();
  Diagnostics ok("f.yaml");
  EXPECT_TRUE(LoadYaml("[1, 2, 3]\n", ok, tight).has_value()) << ok.ErrorText();
  Diagnostics deep("f.yaml");
  tight.max_depth = 3;
  tight.max_nodes = 100;
  EXPECT_FALSE(LoadYaml("[[[[1]]]]\n", deep, tight).has_value());
  EXPECT_NE(deep.ErrorText().find("deeper than 3 levels"), std::string::npos) << deep.ErrorText();
}

TEST(LoadYamlTest, NestingPastTheParsersOwnLimitSaysSoInsteadOfBadFile) {
  Diagnostics diag("deep.yaml");
  const std::string yaml = std::string(5000, '[') + std::string(5000, ']') + "\n";
  EXPECT_FALSE(LoadYaml(yaml, diag).has_value());
  EXPECT_NE(diag.ErrorText().find("nests deeper than"), std::string::npos) << diag.ErrorText();
  EXPECT_EQ(diag.ErrorText().find("bad file"), std::string::npos) << diag.ErrorText();
}

TEST(LoadYamlTest, ASyntaxErrorNamesItsPosition) {
  Diagnostics diag("f.yaml");
  EXPECT_FALSE(LoadYaml("a: [1, 2\n", diag).has_value());
  EXPECT_NE(diag.ErrorText().find("f.yaml:"), std::string::npos) << diag.ErrorText();
  EXPECT_NE(diag.ErrorText().find("YAML syntax error"), std::string::npos) << diag.ErrorText();
}

}  // namespace
}  // namespace tracesim::config
