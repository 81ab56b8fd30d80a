// OTEL_TRACES_SAMPLER / OTEL_TRACES_SAMPLER_ARG, read the way the SDKs read them
// (sampling.md §3.3; OTel Go sdk/trace/sampler_env.go, Python sampling.py, the Java
// autoconfigure jaeger_remote arguments).
//
// The values come in as strings: the caller reads the process environment or a scenario key,
// so nothing here touches getenv(). std::nullopt means "not set"; an empty value counts as not
// set (the spec's rule for every OTEL_* variable). Pure functions; thread-safe.
#ifndef TRACESIM_SAMPLING_OTEL_ENV_H_
#define TRACESIM_SAMPLING_OTEL_ENV_H_

#include <optional>
#include <string_view>

#include "sampling/head/head_config.h"
#include "sampling/head/head_samplers.h"
#include "sim/base/status.h"

namespace tracesim::sampling {

// The sampler the two variables select, as a HeadSamplerConfig (no per-service overrides),
// with `algorithm` recorded for the ratio samplers. Behaviour (as the SDKs and the spec):
// - sampler unset: parentbased_always_on; an ARG without a sampler is ignored (warning).
// - the name is trimmed and lowercased (Go and Python do); values: always_on, always_off,
//   traceidratio, parentbased_always_on, parentbased_always_off, parentbased_traceidratio,
//   jaeger_remote, parentbased_jaeger_remote.
// - xray (a third-party sampler tracesim does not model): kUnsupported error.
// - any other name: a warning, and the default parentbased_always_on.
// - traceidratio / parentbased_traceidratio: ARG is a probability in [0, 1]; missing -> 1.0;
//   unparsable, NaN or out of range -> 1.0 with a warning (the SDKs log and fall back).
// - jaeger_remote / parentbased_jaeger_remote: Java only (the jaeger-remote-sampler SPI). ARG
//   is the map "endpoint=URL,pollingIntervalMs=N,initialSamplingRate=P" (any subset, any order;
//   the deprecated pollingInterval with a warning); an entry without '=', a pollingIntervalMs
//   that is not a positive int or an initialSamplingRate outside [0, 1] fail at start; unknown
//   keys are ignored (warning). Go 1.46.0 ("unsupported sampler") and Python 1.45.2 ("Couldn't
//   recognize sampler") do not know the names: a warning and parentbased_always_on.
// - an ARG given to a sampler that takes none: a warning (the SDKs ignore it silently).
// Warnings land in HeadSamplerConfig::warnings, each naming the variable and the value.
// Per SDK (`algorithm`; checked against Java autoconfigure 1.60.1 and Python 1.45.2, Go
// sdk/trace/sampler_env.go v1.46.0):
// - Go: as above (a bad ratio ARG is reported and 1.0 used).
// - Java fails at start (kInvalidArgument with the ConfigurationException text): an unknown
//   sampler name (matched case-sensitively), a ratio ARG that is not a double ("Invalid value
//   for property otel.traces.sampler.arg=X. Must be a double.") or outside [0, 1]
//   ("Unexpected configuration error"); "NaN" passes and samples nothing (ratio 0, warning).
// - Python lowercases the name without trimming it and, for a missing, unparsable, NaN or
//   out-of-range ratio ARG, logs a warning and uses 1.0; it does not fail.
sim::Result<HeadSamplerConfig> ParseOtelTracesSamplerEnv(
    std::optional<std::string_view> otel_traces_sampler,
    std::optional<std::string_view> otel_traces_sampler_arg,
    RatioAlgorithm algorithm = RatioAlgorithm::kGo);

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_OTEL_ENV_H_
