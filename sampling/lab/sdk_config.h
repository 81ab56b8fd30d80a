// A sampling strategy's `sdk:` (which tracing SDK each service runs) and its `env:` block read
// by each of those SDKs (doc/sampling-lab.md "SDKs"). Parsing only; problems go to the reader's
// diagnostics with the key's file:line. Thread-compatible.
#ifndef TRACESIM_SAMPLING_LAB_SDK_CONFIG_H_
#define TRACESIM_SAMPLING_LAB_SDK_CONFIG_H_

#include <optional>

#include "config/reader.h"
#include "sampling/head/head_config.h"
#include "sampling/lab/adaptive/lab_adaptive.h"
#include "sampling/lab/sdk_export/sdk_export.h"

namespace tracesim::sampling {

// sdk: go | java | python | jaeger-client (optionally @VERSION), or {default: SDK, services:
// {SERVICE: SDK, ...}}. Fills `out` with what parsed.
void ParseSdkAssignment(const config::Node& n, config::Reader& r, SdkAssignment* out);

// env: {OTEL_TRACES_SAMPLER, OTEL_TRACES_SAMPLER_ARG, algorithm}, read by every service's SDK as
// that SDK reads it (otel_env.h): the default SDK's reading as the strategy's sampler, one
// override per service of `sdks.services`, their warnings prefixed with the service. nullopt
// after an error (a Java SDK failing at start, jaeger-client, `algorithm` beside `sdk`).
std::optional<HeadSamplerConfig> ParseEnvForSdks(const config::Node& e, const SdkAssignment& sdks,
                                                 config::Reader& r);

// export: batch (the default) | span_end | {OTEL_BSP_SCHEDULE_DELAY, OTEL_BSP_EXPORT_TIMEOUT,
// OTEL_BSP_MAX_QUEUE_SIZE, OTEL_BSP_MAX_EXPORT_BATCH_SIZE, duration_ms}: how the strategy's SDKs
// export (sdk_export.h). The OTEL_BSP_* values are read as the Go SDK reads the variables
// (BspOptionsFromEnv: a non-integer is a warning and the default); the result must pass
// BspOptions::Validate(); duration_ms is a non-negative integer.
void ParseExportBlock(const config::Node& n, config::Reader& r, bool* at_span_end, BspOptions* out);

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_LAB_SDK_CONFIG_H_
