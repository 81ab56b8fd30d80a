#include "topologies/semconv.h"

#include <gtest/gtest.h>

#include <regex>
#include <set>

namespace tracesim::topologies {
namespace {

TEST(ServiceInstanceId, DeterministicUuidFormat) {
  std::string id = ServiceInstanceId("cart", 0);
  EXPECT_EQ(id, ServiceInstanceId("cart", 0));
  EXPECT_TRUE(std::regex_match(
      id, std::regex("[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}")))
      << id;
  std::set<std::string> ids;
  for (std::string_view s : {"cart", "checkout", "payment"})
    for (uint32_t i = 0; i < 50; ++i) ids.insert(ServiceInstanceId(s, i));
  EXPECT_EQ(ids.size(), 150u);
}

TEST(ServiceInstanceId, GoldenValueIsStable) {
  // Part of the determinism contract: changing the derivation changes every exported resource.
  EXPECT_EQ(ServiceInstanceId("cart", 1), ServiceInstanceId(std::string("cart"), 1));
  EXPECT_NE(ServiceInstanceId("cart", 1), ServiceInstanceId("cart", 2));
  EXPECT_NE(ServiceInstanceId("cart1", 0), ServiceInstanceId("cart", 10));
}

TEST(HostName, PodLike) {
  std::string h = HostName("cart", 1);
  EXPECT_TRUE(std::regex_match(h, std::regex("cart-[0-9a-f]{5}-1"))) << h;
  EXPECT_EQ(h.substr(0, 10), HostName("cart", 0).substr(0, 10));
}

TEST(Languages, KnownScopes) {
  const LanguageInfo* go = FindLanguage("go");
  ASSERT_NE(go, nullptr);
  EXPECT_EQ(go->http_scope, "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp");
  EXPECT_EQ(FindLanguage("java")->http_scope, "io.opentelemetry.tomcat-10.0");
  EXPECT_EQ(FindLanguage("cobol"), nullptr);
  for (const std::string& name : LanguageNames()) EXPECT_NE(FindLanguage(name), nullptr);
}

}  // namespace
}  // namespace tracesim::topologies
