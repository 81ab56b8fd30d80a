#include "config/env_expand.h"

#include <gtest/gtest.h>

#include <map>

namespace tracesim::config {
namespace {

EnvLookup Env(std::map<std::string, std::string> vars) {
  return [vars = std::move(vars)](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string Expand(std::string_view s, const EnvLookup& env) {
  auto r = ExpandString(s, env);
  EXPECT_TRUE(r.ok()) << s << ": " << r.status().message();
  return r.ok() ? r->text : "<error>";
}

TEST(EnvExpandTest, ThreeSpellings) {
  EnvLookup env = Env({{"HOST", "db"}, {"PORT", "5432"}});
  EXPECT_EQ(Expand("${env:HOST}", env), "db");
  EXPECT_EQ(Expand("${HOST}", env), "db");
  EXPECT_EQ(Expand("${env:HOST}:${PORT}", env), "db:5432");
  EXPECT_EQ(Expand("${env:MISSING:-localhost}:5778", env), "localhost:5778");
  EXPECT_EQ(Expand("${env:HOST:-localhost}", env), "db");
  EXPECT_EQ(Expand("${env:X:-a:-b}", env), "a:-b");  // cut at the first ":-"
}

TEST(EnvExpandTest, WholeValueTypedEmbeddedText) {
  EnvLookup env = Env({{"N", "8080"}, {"E", ""}});
  auto whole = ExpandString("${env:N}", env);
  ASSERT_TRUE(whole.ok());
  EXPECT_TRUE(whole->whole);
  EXPECT_FALSE(whole->null);
  auto embedded = ExpandString("port-${env:N}", env);
  EXPECT_FALSE(embedded->whole);
  // Set but empty, whole value: YAML of "" is null (upstream NewRetrievedFromYAML).
  EXPECT_TRUE(ExpandString("${env:E}", env)->null);
  // An explicit empty default is the empty string, not null.
  auto empty_default = ExpandString("${env:UNSET:-}", env);
  EXPECT_FALSE(empty_default->null);
  EXPECT_EQ(empty_default->text, "");
  EXPECT_TRUE(empty_default->unset.empty());
}

TEST(EnvExpandTest, UnsetIsEmptyPlusAWarningNamingIt) {
  EnvLookup env = Env({});
  auto r = ExpandString("http://${env:COLLECTOR_HOST}:4318", env);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->text, "http://:4318");
  ASSERT_EQ(r->unset.size(), 1u);
  EXPECT_EQ(r->unset[0], "COLLECTOR_HOST");
  EXPECT_TRUE(ExpandString("${COLLECTOR_HOST}", env)->null);
}

TEST(EnvExpandTest, DollarEscapes) {
  EnvLookup env = Env({{"A", "x"}, {"B", "y"}});
  EXPECT_EQ(Expand("$${env:A}", env), "${env:A}");
  EXPECT_EQ(Expand("$$${env:A}", env), "$x");          // "$$" then a reference
  EXPECT_EQ(Expand("$$$${env:A}", env), "$${env:A}");  // "$$" then an escaped reference
  EXPECT_EQ(Expand("a$$b", env), "a$b");
  EXPECT_EQ(Expand("$A and $$", env), "$A and $");  // $VAR without braces is not expanded
  // Upstream quirk kept: an escaped reference ends the search in that value.
  EXPECT_EQ(Expand("$${env:A} ${env:B}", env), "${env:A} ${env:B}");
  EXPECT_EQ(Expand("${env:B} $${env:A}", env), "y ${env:A}");
}

TEST(EnvExpandTest, ValuesAreExpandedAgain) {
  EnvLookup env = Env({{"A", "${env:B}"}, {"B", "deep"}, {"LOOP", "${env:LOOP}"}});
  EXPECT_EQ(Expand("${env:A}", env), "deep");
  EXPECT_EQ(Expand("<${env:A}>", env), "<deep>");
  auto loop = ExpandString("${env:LOOP}", env);
  ASSERT_FALSE(loop.ok());
  EXPECT_EQ(loop.status().message(), "too many recursive expansions");
}

TEST(EnvExpandTest, ErrorsUseUpstreamWording) {
  EnvLookup env = Env({});
  auto bad_name = ExpandString("${env:1A}", env);
  ASSERT_FALSE(bad_name.ok());
  EXPECT_EQ(bad_name.status().message(),
            "environment variable \"1A\" has invalid name: must match regex "
            "^[a-zA-Z_][a-zA-Z0-9_]*$");
  auto scheme = ExpandString("${file:/etc/passwd}", env);
  ASSERT_FALSE(scheme.ok());
  EXPECT_NE(scheme.status().message().find("scheme \"file\" is not supported"), std::string::npos);
  auto invalid = ExpandString("${a:b}", env);  // a scheme needs two characters
  ASSERT_FALSE(invalid.ok());
  EXPECT_EQ(invalid.status().message(), "invalid uri: \"a:b\"");
  auto embedded = ExpandString("x ${env:A-B}", env);
  ASSERT_FALSE(embedded.ok());
  EXPECT_EQ(embedded.status().message().rfind("expanding ${env:A-B}: ", 0), 0u);
  EXPECT_EQ(Expand("no refs } here ${", env), "no refs } here ${");
}

TEST(EnvExpandTest, TreeValuesNotKeysWithPositions) {
  YAML::Node root = YAML::Load(
      "${env:KEY}: 1\n"
      "endpoint: ${env:HOST}:4317\n"
      "port: ${env:PORT}\n"
      "quoted: \"${env:PORT}\"\n"
      "list: [\"${MISSING}\", plain]\n"
      "nested: {rate: \"${env:RATE:-0.5}\"}\n"
      "map: ${env:MAP}\n");
  Diagnostics diag("c.yaml");
  EnvLookup env =
      Env({{"KEY", "k"}, {"HOST", "otel"}, {"PORT", "4317"}, {"MAP", "{a: 1, b: [2]}"}});
  EXPECT_TRUE(ExpandEnv(root, diag, env));
  EXPECT_TRUE(root["${env:KEY}"]);  // keys are never expanded
  EXPECT_EQ(root["endpoint"].Scalar(), "otel:4317");
  EXPECT_EQ(root["endpoint"].Tag(), "!");
  EXPECT_EQ(root["port"].Scalar(), "4317");
  EXPECT_EQ(root["port"].Tag(), "?");  // typed by YAML, quoted or not (upstream)
  EXPECT_EQ(root["quoted"].Tag(), "?");
  EXPECT_EQ(root["port"].Mark().line, 2);  // the position survives
  EXPECT_TRUE(root["list"][0].IsNull());
  EXPECT_EQ(root["nested"]["rate"].Scalar(), "0.5");
  ASSERT_TRUE(root["map"].IsMap());
  EXPECT_EQ(root["map"]["b"][0].as<int>(), 2);
  EXPECT_FALSE(diag.has_errors());
  EXPECT_EQ(diag.Text(),
            "c.yaml:5:8: list[0]: warning: environment variable 'MISSING' is not set; it expands "
            "to nothing (as in the Collector)");
}

TEST(EnvExpandTest, TreeErrorsAreDiagnostics) {
  YAML::Node root = YAML::Load("a:\n  b: ${env:$X}\n");
  Diagnostics diag("c.yaml");
  EXPECT_FALSE(ExpandEnv(root, diag, Env({})));
  EXPECT_EQ(diag.ErrorText(),
            "c.yaml:2:6: a.b: the uri \"env:$X\" contains unsupported characters ('$')");
}

}  // namespace
}  // namespace tracesim::config
