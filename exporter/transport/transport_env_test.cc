// OptionsFromEnv and ParseHeaderList: precedence, defaults, decoding and every error path.
#include "exporter/transport/transport_env.h"

#include <gtest/gtest.h>

namespace tracesim::exporter {
namespace {

using Env = std::map<std::string, std::string>;

sim::Result<TransportOptions> FromEnv(const Env& env) {
  return OptionsFromEnv([&](const char* name) -> const char* {
    auto it = env.find(name);
    return it == env.end() ? nullptr : it->second.c_str();
  });
}

TEST(TransportEnvTest, DefaultsFollowTheSpec) {
  auto o = FromEnv({});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->protocol, WireProtocol::kHttpProtobuf);
  EXPECT_EQ(o->endpoint, "http://localhost:4318/v1/traces");
  EXPECT_FALSE(o->tls);
  EXPECT_FALSE(o->gzip);
  EXPECT_EQ(o->timeout.count(), 10000);
  EXPECT_TRUE(o->Validate().ok());
  auto g = FromEnv({{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"}});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->endpoint, "http://localhost:4317");
  EXPECT_FALSE(g->tls);
  EXPECT_TRUE(g->Validate().ok()) << g->Validate().ToString();
}

TEST(TransportEnvTest, GenericEndpointGetsPathOnlyForHttp) {
  auto h = FromEnv({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4318"}});
  ASSERT_TRUE(h.ok());
  EXPECT_EQ(h->endpoint, "http://collector:4318/v1/traces");
  auto slash = FromEnv({{"OTEL_EXPORTER_OTLP_ENDPOINT", "https://collector:4318/base/"}});
  ASSERT_TRUE(slash.ok());
  EXPECT_EQ(slash->endpoint, "https://collector:4318/base/v1/traces");
  EXPECT_TRUE(slash->tls);
  auto specific = FromEnv({{"OTEL_EXPORTER_OTLP_ENDPOINT", "http://generic:4318"},
                           {"OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://specific:9999/custom"}});
  ASSERT_TRUE(specific.ok());
  EXPECT_EQ(specific->endpoint, "http://specific:9999/custom");
  auto grpc = FromEnv({{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
                       {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://collector:4317"}});
  ASSERT_TRUE(grpc.ok());
  EXPECT_EQ(grpc->endpoint, "http://collector:4317");
  EXPECT_TRUE(grpc->Validate().ok());
}

TEST(TransportEnvTest, SignalSpecificWinsPerVariable) {
  auto o = FromEnv({{"OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"},
                    {"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "http/json"},
                    {"OTEL_EXPORTER_OTLP_TIMEOUT", "5000"},
                    {"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "250"},
                    {"OTEL_EXPORTER_OTLP_COMPRESSION", "none"},
                    {"OTEL_EXPORTER_OTLP_TRACES_COMPRESSION", "gzip"},
                    {"OTEL_EXPORTER_OTLP_HEADERS", "a=1"},
                    {"OTEL_EXPORTER_OTLP_TRACES_HEADERS", "b=2"}});
  ASSERT_TRUE(o.ok()) << o.status().ToString();
  EXPECT_EQ(o->protocol, WireProtocol::kHttpJson);
  EXPECT_EQ(o->timeout.count(), 250);
  EXPECT_TRUE(o->gzip);
  EXPECT_EQ(o->headers, (std::map<std::string, std::string>{{"b", "2"}}));
}

TEST(TransportEnvTest, GrpcInsecureAndTlsFiles) {
  Env env = {{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
             {"OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4317"},
             {"OTEL_EXPORTER_OTLP_CERTIFICATE", "/ca.pem"},
             {"OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE", "/c.pem"},
             {"OTEL_EXPORTER_OTLP_TRACES_CLIENT_KEY", "/k.pem"}};
  auto secure = FromEnv(env);
  ASSERT_TRUE(secure.ok());
  EXPECT_TRUE(secure->tls) << "no scheme and INSECURE unset: TLS";
  EXPECT_EQ(secure->ca_file, "/ca.pem");
  EXPECT_EQ(secure->client_cert_file, "/c.pem");
  EXPECT_EQ(secure->client_key_file, "/k.pem");
  env["OTEL_EXPORTER_OTLP_INSECURE"] = "true";
  auto insecure = FromEnv(env);
  ASSERT_TRUE(insecure.ok());
  EXPECT_FALSE(insecure->tls);
  EXPECT_TRUE(insecure->ca_file.empty()) << "certificates apply only with TLS";
  EXPECT_TRUE(insecure->Validate().ok());
  env["OTEL_EXPORTER_OTLP_ENDPOINT"] = "https://collector:4317";
  auto https = FromEnv(env);
  ASSERT_TRUE(https.ok());
  EXPECT_TRUE(https->tls) << "INSECURE applies only without a scheme";
}

TEST(TransportEnvTest, HeaderListDecoding) {
  auto h = ParseHeaderList(" api-key = secret%3D%2C42 ,, x-b=%E2%82%AC,empty=,k=a=b", "VAR");
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->at("api-key"), "secret=,42");
  EXPECT_EQ(h->at("x-b"), "\xE2\x82\xAC");
  EXPECT_EQ(h->at("empty"), "");
  EXPECT_EQ(h->at("k"), "a=b");
  EXPECT_EQ(h->size(), 4u);
}

TEST(TransportEnvTest, BadValuesNameTheVariable) {
  struct Case {
    Env env;
    std::string want;
  };
  const Case cases[] = {
      {{{"OTEL_EXPORTER_OTLP_PROTOCOL", "thrift"}}, "OTEL_EXPORTER_OTLP_PROTOCOL: 'thrift'"},
      {{{"OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "10s"}}, "OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '10s'"},
      {{{"OTEL_EXPORTER_OTLP_TIMEOUT", "0"}}, "OTEL_EXPORTER_OTLP_TIMEOUT"},
      {{{"OTEL_EXPORTER_OTLP_COMPRESSION", "zstd"}}, "OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd'"},
      {{{"OTEL_EXPORTER_OTLP_HEADERS", "novalue"}}, "OTEL_EXPORTER_OTLP_HEADERS: member 'novalue'"},
      {{{"OTEL_EXPORTER_OTLP_HEADERS", "k=%zz"}}, "bad %-escape"},
      {{{"OTEL_EXPORTER_OTLP_HEADERS", "k=%4"}}, "bad %-escape"},
      {{{"OTEL_EXPORTER_OTLP_HEADERS", "=v"}}, "empty key"},
      {{{"OTEL_EXPORTER_OTLP_ENDPOINT", "collector:4318"}}, "OTEL_EXPORTER_OTLP_ENDPOINT"},
      {{{"OTEL_EXPORTER_OTLP_PROTOCOL", "grpc"},
        {"OTEL_EXPORTER_OTLP_ENDPOINT", "c:1"},
        {"OTEL_EXPORTER_OTLP_INSECURE", "yes"}},
       "OTEL_EXPORTER_OTLP_INSECURE: 'yes'"},
  };
  for (const Case& c : cases) {
    auto o = FromEnv(c.env);
    ASSERT_FALSE(o.ok()) << c.want;
    EXPECT_NE(o.status().message().find(c.want), std::string::npos) << o.status().ToString();
  }
}

}  // namespace
}  // namespace tracesim::exporter

namespace tracesim::exporter {
namespace {

sim::Result<TransportOptions> FromEnvWith(const std::map<std::string, std::string>& env,
                                          const EnvDefaults& defaults) {
  return OptionsFromEnv(
      [&](const char* name) -> const char* {
        auto it = env.find(name);
        return it == env.end() ? nullptr : it->second.c_str();
      },
      defaults);
}

TEST(TransportEnvTest, CallersProtocolWinsAndDecidesHowTheEndpointIsRead) {
  EnvDefaults d;
  d.fallback = WireProtocol::kGrpc;
  auto fallback = FromEnvWith({}, d);
  ASSERT_TRUE(fallback.ok());
  EXPECT_EQ(fallback->protocol, WireProtocol::kGrpc);
  EXPECT_EQ(fallback->endpoint, "http://localhost:4317");
  // The caller's protocol wins; PROTOCOL is then not parsed at all.
  d.protocol = WireProtocol::kHttpJson;
  auto h = FromEnvWith(
      {{"OTEL_EXPORTER_OTLP_PROTOCOL", "bogus"}, {"OTEL_EXPORTER_OTLP_ENDPOINT", "http://c:4318"}},
      d);
  ASSERT_TRUE(h.ok()) << h.status().ToString();
  EXPECT_EQ(h->protocol, WireProtocol::kHttpJson);
  EXPECT_EQ(h->endpoint, "http://c:4318/v1/traces");
}

TEST(TransportEnvTest, ZipkinOnlyWhenTheCallerAllowsIt) {
  auto no = FromEnvWith({{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "zipkin"}}, EnvDefaults{});
  ASSERT_FALSE(no.ok());
  EXPECT_EQ(no.status().message(),
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'zipkin' is not one of grpc, http/protobuf, "
            "http/json");
  EnvDefaults d;
  d.allow_zipkin = true;
  auto yes = FromEnvWith({{"OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "zipkin"}}, d);
  ASSERT_TRUE(yes.ok());
  EXPECT_EQ(yes->protocol, WireProtocol::kZipkinJson);
  EXPECT_EQ(yes->endpoint, "http://localhost:9411/api/v2/spans");
  auto bad = FromEnvWith({{"OTEL_EXPORTER_OTLP_PROTOCOL", "pigeon"}}, d);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("http/json, zipkin"), std::string::npos);
}

}  // namespace
}  // namespace tracesim::exporter
