// Candidate: one sampling configuration the advisor (advisor.h) evaluates: an SDK head ratio, a
// Collector tail_sampling policy set, or a head ratio feeding a tail_sampling policy set.
//
// A candidate is written out twice, from the same fields: as a `samplers:` entry that the lab runs
// (parsed by the one strategy parser, so what is scored is what is printed) and as ready-to-paste
// deployment config (the Collector's `processors:` YAML, the SDK's OTEL_TRACES_SAMPLER variables).
// The tail policy set is the one teams deploy: every error trace, traces slower than a percentile
// of the whole-trace duration, and a probabilistic baseline of the rest. Value type.
#ifndef TRACESIM_ADVISE_CANDIDATE_H_
#define TRACESIM_ADVISE_CANDIDATE_H_

#include <cstdint>
#include <string>

namespace tracesim::advise {

enum class Family : uint8_t { kHead = 0, kTail = 1, kHeadTail = 2 };

// "head", "tail", "head+tail".
const char* FamilyName(Family f);

struct Candidate {
  Family family = Family::kTail;
  // SDK parentbased_traceidratio ratio in (0, 1] (head and head+tail; 1 for tail).
  double head_ratio = 1;
  // tail_sampling (tail and head+tail): the latency policy's whole-trace-duration percentile
  // (0: no latency policy) and its threshold, the probabilistic baseline in percent (0: none),
  // decision_wait in whole seconds (>= 1), num_traces and expected_new_traces_per_sec.
  double latency_pct = 0;
  int64_t latency_ms = 0;
  double baseline_pct = 0;
  int64_t decision_wait_s = 1;
  uint64_t num_traces = 0;
  uint64_t expected_new_traces_per_sec = 0;

  // A short unique name: "head 5%", "tail p95 +1% w3s", "head 25% > tail p99 w3s".
  std::string Name() const;
  // The `samplers:` list entry ("- name: ..." and its keys, two-space indented YAML).
  std::string SamplersYaml() const;
  // What to deploy: the SDK environment and/or the Collector's tail_sampling processor.
  std::string DeployYaml() const;
  // Identity of the parameters (two candidates with equal keys are the same configuration).
  std::string Key() const;
};

}  // namespace tracesim::advise

#endif  // TRACESIM_ADVISE_CANDIDATE_H_
