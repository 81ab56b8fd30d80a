// The dynsampler oracle's C++ side (peers/sdk/README.md, "Refinery dynamic samplers"): tracesim
// writes a feed of GetSampleRateMulti calls (key, span count, time), replays it through its
// DynamicSampler / EmaDynamicSampler and compares the rate returned for every call with what
// github.com/honeycombio/dynsampler-go returned for the same feed
// (peers/sdk/dynsampler/dynsampler_oracle_test.go). Not thread-safe; a test tool.
//
// Feed format (text): "# KEY VALUE" options (sampler dynamic|ema, goal_sample_rate,
// clear_frequency_ns, adjustment_interval_ns, weight, age_out_value, burst_multiple,
// burst_detection_delay, max_keys), then "C T_NS KEY COUNT" per call, T_NS non-decreasing, keys
// without whitespace. Results: "rate I R" per call I (0-based).
#ifndef TRACESIM_PEERS_SDK_DYNSAMPLER_ORACLE_H_
#define TRACESIM_PEERS_SDK_DYNSAMPLER_ORACLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sampling/refinery/dynamic_sampler.h"
#include "sim/base/status.h"

namespace tracesim::peers_sdk {

struct DynCall {
  int64_t t_ns = 0;
  std::string key;
  uint32_t count = 1;
};

struct DynFeed {
  bool ema = false;
  sampling::DynamicSamplerOptions dynamic;
  sampling::EmaDynamicSamplerOptions ema_options;
  std::vector<DynCall> calls;
};

struct DynScenario {
  std::string name;
  bool ema = false;
  sampling::DynamicSamplerOptions dynamic;
  sampling::EmaDynamicSamplerOptions ema_options;
  int keys = 20;                   // key i has weight 1 / (i + 1) (Zipf)
  double traces_per_second = 200;  // Poisson
  int64_t duration_s = 300;
  int64_t burst_from_s = -1;  // x6 arrivals in [burst_from_s, burst_from_s + 20 s)
  uint64_t seed = 1;
};

// dynamic (Refinery defaults but MaxKeys 0), dynamic with max_keys 500 over 700 keys, EMA
// with a burst after the detection delay.
std::vector<DynScenario> DynScenarios();
DynFeed GenerateDynFeed(const DynScenario& scenario);
std::string DynFeedToText(const DynFeed& feed);
sim::Result<DynFeed> ParseDynFeed(const std::string& text);
// tracesim's rate for every call.
std::vector<uint32_t> ReplayDynTracesim(const DynFeed& feed);

}  // namespace tracesim::peers_sdk

#endif  // TRACESIM_PEERS_SDK_DYNSAMPLER_ORACLE_H_
