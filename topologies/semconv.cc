#include "topologies/semconv.h"

#include <cstdio>

#include "sim/base/rng.h"

namespace tracesim::topologies {
namespace {

// Versions are those of late-2024 releases; they only need to look real and stay stable.
constexpr LanguageInfo kLanguages[] = {
    {"go", "1.32.0", "go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp", "0.57.0",
     "go.opentelemetry.io/contrib/instrumentation/google.golang.org/grpc/otelgrpc", "0.57.0",
     "go.opentelemetry.io/contrib/instrumentation/github.com/IBM/sarama/otelsarama", "0.43.0"},
    {"java", "1.44.1", "io.opentelemetry.tomcat-10.0", "2.10.0-alpha", "io.opentelemetry.grpc-1.6",
     "2.10.0-alpha", "io.opentelemetry.kafka-clients-0.11", "2.10.0-alpha"},
    {"python", "1.28.2", "opentelemetry.instrumentation.flask", "0.49b2",
     "opentelemetry.instrumentation.grpc", "0.49b2", "opentelemetry.instrumentation.kafka",
     "0.49b2"},
    {"nodejs", "1.28.0", "@opentelemetry/instrumentation-http", "0.55.0",
     "@opentelemetry/instrumentation-grpc", "0.55.0", "@opentelemetry/instrumentation-kafkajs",
     "0.6.0"},
    {"dotnet", "1.10.0", "Microsoft.AspNetCore", "", "Microsoft.AspNetCore", "",
     "OpenTelemetry.Instrumentation.ConfluentKafka", "0.1.0-alpha.2"},
    {"rust", "0.27.1", "actix-web-opentelemetry", "0.19.0", "tonic-tracing-opentelemetry", "0.23.0",
     "", ""},
    {"cpp", "1.18.0", "", "", "", "", "", ""},
    {"php", "1.1.2", "io.opentelemetry.contrib.php.slim", "1.0.3", "", "", "", ""},
    {"ruby", "1.5.0", "OpenTelemetry::Instrumentation::Rack", "0.25.0", "", "",
     "OpenTelemetry::Instrumentation::RubyKafka", "0.21.0"},
    {"erlang", "1.5.0", "opentelemetry_cowboy", "0.3.0", "opentelemetry_grpcbox", "0.2.0", "", ""},
};

}  // namespace

const LanguageInfo* FindLanguage(std::string_view name) {
  for (const LanguageInfo& l : kLanguages)
    if (l.name == name) return &l;
  return nullptr;
}

std::vector<std::string> LanguageNames() {
  std::vector<std::string> out;
  for (const LanguageInfo& l : kLanguages) out.emplace_back(l.name);
  return out;
}

std::string ServiceInstanceId(std::string_view service, uint32_t index) {
  std::string key = std::string(service) + "#" + std::to_string(index);
  uint64_t hi = sim::Fnv1a64(key);
  uint64_t lo = sim::Fnv1a64(key, hi ^ 0x9E3779B97F4A7C15ULL);
  hi = (hi & ~0xF000ULL) | 0x8000ULL;                         // version 8 (custom)
  lo = (lo & 0x3FFFFFFFFFFFFFFFULL) | 0x8000000000000000ULL;  // RFC 9562 variant
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08x-%04x-%04x-%04x-%012llx", static_cast<unsigned>(hi >> 32),
                static_cast<unsigned>((hi >> 16) & 0xFFFF), static_cast<unsigned>(hi & 0xFFFF),
                static_cast<unsigned>(lo >> 48),
                static_cast<unsigned long long>(lo & 0xFFFFFFFFFFFFULL));
  return buf;
}

std::string HostName(std::string_view service, uint32_t index) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "%05x", static_cast<unsigned>(sim::Fnv1a64(service) & 0xFFFFF));
  return std::string(service) + "-" + buf + "-" + std::to_string(index);
}

}  // namespace tracesim::topologies
