#include "sampling/lab/sdk_config.h"

#include <cerrno>
#include <cstdlib>
#include <map>

#include "sampling/head/otel_env.h"

namespace tracesim::sampling {
namespace {

const config::Keys kSdkKeys = {"default", "services"};
const config::Keys kEnvKeys = {"OTEL_TRACES_SAMPLER", "OTEL_TRACES_SAMPLER_ARG", "algorithm"};
const config::Keys kExportKeys = {"OTEL_BSP_SCHEDULE_DELAY", "OTEL_BSP_EXPORT_TIMEOUT",
                                  "OTEL_BSP_MAX_QUEUE_SIZE", "OTEL_BSP_MAX_EXPORT_BATCH_SIZE",
                                  "duration_ms"};

// One SDK name (ParseTracingSdk); false after reporting the problem at `n`.
bool SdkValue(const config::Node& n, config::Reader& r, TracingSdk* out) {
  if (!n.node.IsScalar()) {
    r.Error(n, "must be go, java, python or jaeger-client");
    return false;
  }
  sim::Result<TracingSdk> sdk = ParseTracingSdk(n.node.Scalar());
  if (!sdk.ok()) {
    r.Error(n, sdk.status().message());
    return false;
  }
  *out = *sdk;
  return true;
}

}  // namespace

void ParseSdkAssignment(const config::Node& n, config::Reader& r, SdkAssignment* out) {
  if (n.node.IsScalar()) {
    SdkValue(n, r, &out->default_sdk);
    return;
  }
  if (!n.node.IsMap()) {
    r.Error(n,
            "must be an SDK (go, java, python, jaeger-client) or a mapping with 'default' "
            "and 'services'");
    return;
  }
  const config::Map m = r.ReadMap(n, &kSdkKeys);
  if (const config::Node* d = m.Get("default")) SdkValue(*d, r, &out->default_sdk);
  if (const config::Node* svc = m.Get("services")) {
    const config::Map services = r.ReadMap(*svc, nullptr);
    for (const config::Map::Entry& e : services.entries()) {
      TracingSdk sdk;
      if (SdkValue(e.value, r, &sdk)) out->services[e.key] = sdk;
    }
  }
}

// env: {OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG, algorithm}: read by each service's SDK
// (`sdk:`, default go) as that SDK reads them; `algorithm` (go, java, python) is the older way to
// name one SDK for every service.
std::optional<HeadSamplerConfig> ParseEnvForSdks(const config::Node& e, const SdkAssignment& sdks,
                                                 config::Reader& r) {
  config::Diagnostics& diag = r.diag();
  if (!e.node.IsMap()) {
    r.Error(e, "must be a mapping of OTEL_TRACES_SAMPLER and OTEL_TRACES_SAMPLER_ARG");
    return std::nullopt;
  }
  std::optional<std::string> sampler, arg;
  std::optional<RatioAlgorithm> algorithm;
  const config::Map m = r.ReadMap(e, &kEnvKeys);
  for (const config::Map::Entry& kv : m.entries()) {
    if (!kv.value.node.IsScalar()) {
      r.Error(kv.value, "must be a string");
      continue;
    }
    const std::string v = kv.value.node.Scalar();
    if (kv.key == "OTEL_TRACES_SAMPLER") sampler = v;
    if (kv.key == "OTEL_TRACES_SAMPLER_ARG") arg = v;
    if (kv.key == "algorithm") {
      RatioAlgorithm a;
      if (!ParseRatioAlgorithm(v, &a)) {
        r.Error(kv.value, "must be go, java or python, got '" + v + "'");
      } else if (sdks.default_sdk != TracingSdk::kGo || !sdks.services.empty()) {
        r.Error(kv.value, "give either 'algorithm' or the strategy's 'sdk', not both");
      } else {
        algorithm = a;
      }
    }
  }
  // The SDK's reading of the two variables; errors name the service when it is an override.
  auto read = [&](TracingSdk sdk, const std::string& service) -> std::optional<HeadSamplerConfig> {
    const std::string who = service.empty() ? "" : "service '" + service + "': ";
    if (sdk == TracingSdk::kJaegerClient) {
      diag.Error(e.line, e.col, e.path,
                 who +
                     "jaeger-client-go 2.30.0 reads JAEGER_SAMPLER_TYPE and "
                     "JAEGER_SAMPLER_PARAM, not OTEL_TRACES_SAMPLER");
      return std::nullopt;
    }
    const RatioAlgorithm a = algorithm                    ? *algorithm
                             : sdk == TracingSdk::kJava   ? RatioAlgorithm::kJava
                             : sdk == TracingSdk::kPython ? RatioAlgorithm::kPython
                                                          : RatioAlgorithm::kGo;
    auto cfg = ParseOtelTracesSamplerEnv(sampler, arg, a);
    if (!cfg.ok()) {
      diag.Error(e.line, e.col, e.path, who + cfg.status().message(), "", cfg.status().code());
      return std::nullopt;
    }
    return std::move(cfg).value();
  };
  std::optional<HeadSamplerConfig> all = read(sdks.default_sdk, "");
  if (!all) return std::nullopt;
  for (const auto& [service, sdk] : sdks.services) {
    std::optional<HeadSamplerConfig> one = read(sdk, service);
    if (!one) return std::nullopt;
    all->services[service] = one->sampler;
    for (const std::string& w : one->warnings) all->warnings.push_back(service + ": " + w);
  }
  return all;
}

void ParseExportBlock(const config::Node& n, config::Reader& r, bool* at_span_end,
                      BspOptions* out) {
  if (n.node.IsScalar()) {
    const std::string v = n.node.Scalar();
    if (v == "span_end" || v == "batch") {
      *at_span_end = v == "span_end";
    } else {
      r.Error(n, "must be span_end, batch or a mapping of OTEL_BSP_* variables and duration_ms");
    }
    return;
  }
  if (!n.node.IsMap()) {
    r.Error(n, "must be span_end, batch or a mapping of OTEL_BSP_* variables and duration_ms");
    return;
  }
  *at_span_end = false;
  const config::Map m = r.ReadMap(n, &kExportKeys);
  std::map<std::string, std::string> env;
  int64_t duration_ms = 0;
  for (const config::Map::Entry& kv : m.entries()) {
    if (!kv.value.node.IsScalar()) {
      r.Error(kv.value, "must be a scalar");
      continue;
    }
    const std::string v = kv.value.node.Scalar();
    if (kv.key == "duration_ms") {
      char* end = nullptr;
      errno = 0;
      const long long d = std::strtoll(v.c_str(), &end, 10);
      if (v.empty() || *end != '\0' || errno == ERANGE || d < 0) {
        r.Error(kv.value, "must be a whole number of milliseconds >= 0, got '" + v + "'");
      } else {
        duration_ms = d;
      }
      continue;
    }
    env[kv.key] = v;
  }
  std::vector<std::string> warnings;
  BspOptions o = BspOptionsFromEnv(env, &warnings);
  for (const std::string& w : warnings) r.Warning(n, w);
  o.export_duration_ms = duration_ms;
  if (sim::Status s = o.Validate(); !s.ok()) {
    r.Error(n, s.message());
    return;
  }
  *out = o;
}

}  // namespace tracesim::sampling
