// The Jaeger adaptive-sampling oracle's C++ side (peers/sdk/README.md, "Jaeger adaptive").
// tracesim writes a feed of recorded root spans (closed loop: its own SDK-side probabilistic
// decisions use the probabilities its JaegerAdaptiveSampling serves, polled every 60 s), replays
// it through JaegerAdaptiveSampling, and compares the probabilities after every calculation with
// what Jaeger v1.75.0's aggregator, in-memory store and provider computed from the same feed
// (peers/sdk/jaeger/adaptive_oracle_test.go). Not thread-safe; a test tool.
//
// Feed format (text): "# KEY VALUE" option lines (JaegerAdaptiveOptions, durations in ns), then
// "R T_NS SERVICE OPERATION SAMPLER_TYPE PARAM" per recorded root span (T_NS from the start,
// non-decreasing, PARAM %.17g; names without whitespace) and "E T_NS" (the end). Results: "calc K
// SERVICE OPERATION P" lines after "tick K" (calculation K, 1-based), sorted.
#ifndef TRACESIM_PEERS_SDK_JAEGER_ORACLE_H_
#define TRACESIM_PEERS_SDK_JAEGER_ORACLE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "sampling/jaeger/jaeger_adaptive.h"
#include "sim/base/status.h"

namespace tracesim::peers_sdk {

// One operation's root-span load in a scenario.
struct OpLoad {
  std::string service;
  std::string operation;
  double roots_per_second = 1;  // Poisson arrivals
  // What the SDK reports: kProbabilistic (a sampled root counts), or kLowerBound (the
  // guaranteed-throughput limiter sampled it: registers the operation, count 0).
  sampling::JaegerSamplerType type = sampling::JaegerSamplerType::kProbabilistic;
};

struct AdaptiveScenario {
  std::string name;
  sampling::JaegerAdaptiveOptions options;
  sim::Duration duration = sim::Duration::Seconds(1800);
  std::vector<OpLoad> load;
  uint64_t seed = 1;
};

// The scenarios the ctest runs: defaults at 60 roots/s and below; fast intervals with 3
// calculation buckets; a memory store that keeps one row (aggregation_buckets 1).
std::vector<AdaptiveScenario> AdaptiveScenarios();

struct FeedRecord {
  int64_t t_ns = 0;
  std::string service;
  std::string operation;
  sampling::JaegerSamplerType type = sampling::JaegerSamplerType::kProbabilistic;
  double param = 0;
};

struct Feed {
  sampling::JaegerAdaptiveOptions options;
  std::vector<FeedRecord> records;
  int64_t end_ns = 0;
};

// The closed loop: arrivals, the SDK's decision with the probability served at its last poll,
// the sampled roots recorded.
Feed GenerateFeed(const AdaptiveScenario& scenario);
std::string FeedToText(const Feed& feed);
sim::Result<Feed> ParseFeed(const std::string& text);

// tracesim's JaegerAdaptiveSampling on the feed: "calc K SERVICE OPERATION P" lines.
std::vector<std::string> ReplayTracesim(const Feed& feed);

struct AdaptiveAgreement {
  int calculations = 0;            // "tick K" lines in tracesim's output
  bool same_calculations = false;  // as many in Jaeger's
  uint64_t compared = 0;           // (calculation, operation) probabilities in either output
  uint64_t identical = 0;          // equal in both (same %.17g)
  std::vector<std::string> first_differences;  // at most 8
};

// Compares the "tick", "calc" and "leader" lines (what the leader's provider serves; tracesim:
// JaegerAdaptiveDeployment::Role::kLeader) of both outputs; "follower" lines are ignored (the
// real follower's first reload is randomly jittered).
AdaptiveAgreement CompareCalcLines(const std::vector<std::string>& tracesim,
                                   const std::vector<std::string>& jaeger);

}  // namespace tracesim::peers_sdk

#endif  // TRACESIM_PEERS_SDK_JAEGER_ORACLE_H_
