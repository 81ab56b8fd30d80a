#include "sampling/head/otel_env.h"

#include <cctype>
#include <climits>
#include <cmath>
#include <map>
#include <string>

#include "sampling/core/head_format.h"
#include "sim/base/suggest.h"
#include "sim/base/text.h"

namespace tracesim::sampling {
namespace {

constexpr std::string_view kSamplerVar = "OTEL_TRACES_SAMPLER";
constexpr std::string_view kArgVar = "OTEL_TRACES_SAMPLER_ARG";

// The env names (sampling.md §3.3); the YAML-only kinds are not accepted here.
const std::vector<std::string> kEnvNames = {"always_on",
                                            "always_off",
                                            "traceidratio",
                                            "parentbased_always_on",
                                            "parentbased_always_off",
                                            "parentbased_traceidratio",
                                            "jaeger_remote",
                                            "parentbased_jaeger_remote"};

// How each SDK reports a bad OTEL_TRACES_SAMPLER_ARG (checked against the real SDKs: Java
// opentelemetry-sdk-extension-autoconfigure 1.60.1, Python opentelemetry-sdk 1.45.2).
constexpr std::string_view kJavaStartFailure =
    "the Java SDK fails at start (AutoConfiguredOpenTelemetrySdk): ";
constexpr std::string_view kPythonArgWarning =
    "Python logs 'Could not convert TRACES_SAMPLER_ARG to float. Using default rate 1.0.'";

std::string PythonNote(RatioAlgorithm algorithm) {
  return algorithm == RatioAlgorithm::kPython ? " (" + std::string(kPythonArgWarning) + ")" : "";
}

// Java: ConfigProperties.getDouble (Double.parseDouble, which trims and takes a d/f suffix)
// fails on a non-number; Sampler.traceIdRatioBased throws outside [0, 1] (autoconfigure wraps
// it as "Unexpected configuration error"); NaN passes both checks and samples nothing.
sim::Status ApplyJavaRatioArg(std::optional<std::string_view> given, std::string_view arg,
                              HeadSamplerConfig* config) {
  if (!given) return sim::Status::Ok();  // default 1.0
  std::string_view number = arg;
  if (!number.empty() && std::string_view("dDfF").find(number.back()) != std::string_view::npos) {
    number.remove_suffix(1);
  }
  double r = 0;
  if (!ParseGoFloat(number, &r)) {
    return sim::Status::InvalidArgument(
        std::string(kJavaStartFailure) +
        "ConfigurationException: Invalid value for property otel.traces.sampler.arg=" +
        std::string(arg) + ". Must be a double.");
  }
  if (std::isnan(r)) {
    config->sampler.ratio = 0.0;
    config->warnings.push_back(std::string(kArgVar) + "='" + std::string(arg) +
                               "': Java builds TraceIdRatioBased{NaN}, which samples nothing");
    return sim::Status::Ok();
  }
  if (r < 0 || r > 1) {
    return sim::Status::InvalidArgument(
        std::string(kJavaStartFailure) +
        "ConfigurationException: Unexpected configuration error (IllegalArgumentException: "
        "ratio must be in range [0.0, 1.0]; " +
        std::string(kArgVar) + "=" + std::string(arg) + ")");
  }
  config->sampler.ratio = r;
  return sim::Status::Ok();
}

// Java's JaegerRemoteSamplerProvider 1.60.1 reading otel.traces.sampler.arg as a map
// (DefaultConfigProperties.getMap: comma-separated, trimmed, blank entries skipped; an entry
// without '=' or with an empty key fails; an empty value drops the entry; a later key wins):
// endpoint; pollingIntervalMs (Integer.valueOf, then "polling interval must be positive"; the
// deprecated pollingInterval is read when it is absent, with a warning); initialSamplingRate
// (Double.valueOf, then traceIdRatioBased's range check). Other keys are ignored. A thrown
// exception fails the SDK at start.
sim::Status ParseJavaJaegerArg(std::string_view arg, JaegerRemoteConfig* jc,
                               std::vector<std::string>* warnings) {
  std::map<std::string, std::string> params;
  size_t pos = 0;
  while (pos <= arg.size()) {
    size_t end = arg.find(',', pos);
    if (end == std::string_view::npos) end = arg.size();
    std::string_view item = sim::TrimSpace(arg.substr(pos, end - pos));
    pos = end + 1;
    if (!item.empty()) {
      size_t eq = item.find('=');
      std::string_view key = eq == std::string_view::npos ? "" : sim::TrimSpace(item.substr(0, eq));
      if (eq == std::string_view::npos || key.empty()) {
        return sim::Status::InvalidArgument(
            std::string(kJavaStartFailure) +
            "ConfigurationException: Invalid map property: otel.traces.sampler.arg");
      }
      std::string_view val = sim::TrimSpace(item.substr(eq + 1));
      if (!val.empty()) params[std::string(key)] = std::string(val);
    }
    if (end == arg.size()) break;
  }
  auto fail = [](const std::string& what) {
    return sim::Status::InvalidArgument(std::string(kJavaStartFailure) +
                                        "ConfigurationException: Unexpected configuration error (" +
                                        what + ")");
  };
  for (const auto& [key, val] : params) {
    if (key != "endpoint" && key != "pollingIntervalMs" && key != "pollingInterval" &&
        key != "initialSamplingRate") {
      warnings->push_back(
          std::string(kArgVar) + ": unknown key '" + key + "'" +
          sim::DidYouMean(key, {"endpoint", "pollingIntervalMs", "initialSamplingRate"}) +
          "; Java ignores it");
    }
  }
  if (auto it = params.find("endpoint"); it != params.end()) jc->endpoint = it->second;
  auto poll = params.find("pollingIntervalMs");
  if (poll == params.end()) {
    poll = params.find("pollingInterval");
    if (poll != params.end()) {
      warnings->push_back(std::string(kArgVar) +
                          " contains deprecated \"pollingInterval\" property. Please use "
                          "\"pollingIntervalMs\" instead.");
    }
  }
  if (poll != params.end()) {
    int64_t ms = 0;
    const std::string& v = poll->second;
    const bool digits = !v.empty() && v.find_first_not_of("+-0123456789") == std::string::npos;
    if (!digits || !ParseGoInt(v, &ms) || ms < INT32_MIN || ms > INT32_MAX) {
      return fail("NumberFormatException: For input string: \"" + v + "\"");
    }
    if (ms <= 0) return fail("IllegalArgumentException: polling interval must be positive");
    jc->polling_interval_ms = ms;
  }
  if (auto it = params.find("initialSamplingRate"); it != params.end()) {
    std::string_view number = it->second;
    if (!number.empty() && std::string_view("dDfF").find(number.back()) != std::string_view::npos)
      number.remove_suffix(1);
    double r = 0;
    if (!ParseGoFloat(number, &r)) {
      return fail("NumberFormatException: For input string: \"" + it->second + "\"");
    }
    if (r < 0 || r > 1) {
      return fail("IllegalArgumentException: ratio must be in range [0.0, 1.0]");
    }
    jc->initial_sampling_rate = std::isnan(r) ? 0.0 : r;
  }
  return sim::Status::Ok();
}

// The Go and Python SDKs' ratio argument: a number in [0, 1] sets the ratio; anything else is a
// warning and the ratio stays 1.0.
void ApplyGoPythonRatioArg(std::string_view arg, RatioAlgorithm algorithm,
                           HeadSamplerConfig* config) {
  double r = 0;
  if (!ParseGoFloat(arg, &r)) {
    config->warnings.push_back(std::string(kArgVar) + "='" + std::string(arg) +
                               "' is not a number; using ratio 1.0" + PythonNote(algorithm));
  } else if (std::isnan(r) || r < 0 || r > 1) {
    config->warnings.push_back(std::string(kArgVar) + "='" + std::string(arg) +
                               "' is not a probability in [0, 1]; using ratio 1.0" +
                               PythonNote(algorithm));
  } else {
    config->sampler.ratio = r;
  }
}

// The sampler name as each SDK matches it: Java's autoconfigure matches the name as written
// (case-sensitive) and fails at start on an unknown one; Python lowercases without trimming; Go
// trims and lowercases.
std::string SamplerName(std::string_view value, RatioAlgorithm algorithm) {
  return algorithm == RatioAlgorithm::kJava     ? std::string(sim::TrimSpace(value))
         : algorithm == RatioAlgorithm::kPython ? sim::AsciiLower(value)
                                                : sim::AsciiLower(sim::TrimSpace(value));
}

}  // namespace

sim::Result<HeadSamplerConfig> ParseOtelTracesSamplerEnv(
    std::optional<std::string_view> otel_traces_sampler,
    std::optional<std::string_view> otel_traces_sampler_arg, RatioAlgorithm algorithm) {
  HeadSamplerConfig config;
  config.sampler.algorithm = algorithm;
  std::vector<std::string>& warnings = config.warnings;
  // An empty value is the same as unset.
  if (otel_traces_sampler && sim::TrimSpace(*otel_traces_sampler).empty())
    otel_traces_sampler.reset();
  if (otel_traces_sampler_arg && sim::TrimSpace(*otel_traces_sampler_arg).empty())
    otel_traces_sampler_arg.reset();
  std::string_view arg = otel_traces_sampler_arg ? sim::TrimSpace(*otel_traces_sampler_arg) : "";

  if (!otel_traces_sampler) {
    if (otel_traces_sampler_arg) {
      warnings.push_back(std::string(kArgVar) + "='" + std::string(arg) + "' is ignored: " +
                         std::string(kSamplerVar) + " is not set (default parentbased_always_on)");
    }
    return config;
  }
  std::string name = SamplerName(*otel_traces_sampler, algorithm);
  if (name == "xray") {
    return sim::Status::Unsupported(std::string(kSamplerVar) +
                                    "=xray: the AWS X-Ray remote sampler is not modelled");
  }
  bool known = false;
  for (const std::string& n : kEnvNames) known = known || n == name;
  // jaeger_remote is a Java SPI sampler (opentelemetry-sdk-extension-jaeger-remote-sampler on
  // the classpath); Go's sampler_env.go (1.46.0) and Python's sampling.py (1.45.2) do not know
  // the names.
  const bool jaeger_name = name == "jaeger_remote" || name == "parentbased_jaeger_remote";
  if (jaeger_name && algorithm == RatioAlgorithm::kGo) {
    warnings.push_back(std::string(kSamplerVar) + "='" + std::string(*otel_traces_sampler) +
                       "': the Go SDK 1.46.0 reports 'unsupported sampler: " + name +
                       "' (its Jaeger remote sampler, contrib jaegerremote, is built in code) "
                       "and keeps parentbased_always_on");
    return config;
  }
  if (jaeger_name && algorithm == RatioAlgorithm::kPython) {
    warnings.push_back(std::string(kSamplerVar) + "='" + std::string(*otel_traces_sampler) +
                       "': the Python SDK 1.45.2 logs \"Couldn't recognize sampler " + name +
                       ".\" (it has no Jaeger remote sampler) and uses parentbased_always_on");
    return config;
  }
  HeadSamplerKind kind = HeadSamplerKind::kParentBasedAlwaysOn;
  if (!known || !ParseHeadSamplerKind(name, &kind)) {
    if (algorithm == RatioAlgorithm::kJava) {
      return sim::Status::InvalidArgument(
          std::string(kJavaStartFailure) +
          "ConfigurationException: Unrecognized value for otel.traces.sampler: " + name);
    }
    warnings.push_back(std::string(kSamplerVar) + "='" + std::string(*otel_traces_sampler) +
                       "' is not a known sampler" + sim::DidYouMean(name, kEnvNames) +
                       "; using parentbased_always_on");
    return config;
  }
  config.sampler.kind = kind;

  if (KindUsesRatio(kind)) {
    config.sampler.ratio = 1.0;
    if (algorithm == RatioAlgorithm::kJava) {
      TRACESIM_RETURN_IF_ERROR(ApplyJavaRatioArg(otel_traces_sampler_arg, arg, &config));
    } else if (algorithm == RatioAlgorithm::kPython && !otel_traces_sampler_arg) {
      warnings.push_back(std::string(kArgVar) + " is not set: " + std::string(kPythonArgWarning));
    } else if (otel_traces_sampler_arg) {
      ApplyGoPythonRatioArg(arg, algorithm, &config);
    }
  } else if (KindIsJaegerRemote(kind)) {
    if (otel_traces_sampler_arg) {
      TRACESIM_RETURN_IF_ERROR(ParseJavaJaegerArg(arg, &config.sampler.jaeger, &warnings));
    }
  } else if (otel_traces_sampler_arg) {
    warnings.push_back(std::string(kArgVar) + "='" + std::string(arg) + "' is ignored: " + name +
                       " takes no argument");
  }
  return config;
}

}  // namespace tracesim::sampling
