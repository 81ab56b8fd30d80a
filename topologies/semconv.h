// Semantic-convention helpers for the topology compiler: per-language SDK and instrumentation
// scope names, and the deterministic identities of service instances.
//
// Internal to topologies/ (exposed for tests). Every function is pure and deterministic: the
// same inputs give the same strings on every platform and release.
#ifndef TRACESIM_TOPOLOGIES_SEMCONV_H_
#define TRACESIM_TOPOLOGIES_SEMCONV_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace tracesim::topologies {

// What an SDK of one language reports, and the instrumentation libraries that record the
// server-side spans of each protocol. An empty scope means "manual instrumentation": the
// compiler then uses the service name and version as the tracer's scope.
struct LanguageInfo {
  std::string_view name;         // telemetry.sdk.language ("go", "java", "nodejs", ...)
  std::string_view sdk_version;  // telemetry.sdk.version
  std::string_view http_scope, http_scope_version;
  std::string_view grpc_scope, grpc_scope_version;
  std::string_view messaging_scope, messaging_scope_version;
};

// Returns the entry for a telemetry.sdk.language value, or nullptr.
const LanguageInfo* FindLanguage(std::string_view name);
// The names FindLanguage accepts, in table order.
std::vector<std::string> LanguageNames();

// service.instance.id of instance `index` of `service`: a UUID-formatted string (version 8,
// RFC 9562 variant) derived from FNV-1a hashes of the name and index; never random.
std::string ServiceInstanceId(std::string_view service, uint32_t index);

// host.name of instance `index`, shaped like a Kubernetes pod name: "cart-6c9f8-0".
std::string HostName(std::string_view service, uint32_t index);

}  // namespace tracesim::topologies

#endif  // TRACESIM_TOPOLOGIES_SEMCONV_H_
