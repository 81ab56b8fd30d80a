// The distribution grammar of topology and scenario files (doc/topology.md#distributions).
//
// A duration distribution is a duration ("2ms", a constant) or a mapping with exactly one kind:
//   {constant: 2ms} {uniform: [1ms, 3ms]} {uniform: {min: 1ms, max: 3ms}} {min: 1ms, max: 3ms}
//   {normal: {mean: 5ms, stddev: 1ms}} {exponential: 4ms} {exponential: {mean: 4ms}}
//   {lognormal: {median: 2ms, p99: 9ms}} {empirical: {p50: 2ms, p99: 9ms, p999: 20ms, min: 1ms}}
// Values are nanoseconds. A count (repeated calls) is an integer in [0, 1e6] or {constant: 3},
// {poisson: 2.5}, {uniform: [1, 5]}, {min: 1, max: 5} (each integer in [min, max] equally likely).
// Problems go to the Reader's diagnostics at the offending node. Thread-compatible.
#ifndef TRACESIM_CONFIG_DISTRIBUTION_H_
#define TRACESIM_CONFIG_DISTRIBUTION_H_

#include <yaml-cpp/yaml.h>

#include <optional>

#include "config/reader.h"
#include "sim/base/distribution.h"

namespace tracesim::config {

// A duration distribution; `need` kPositive: a time of zero is an error where one is required.
std::optional<sim::Distribution> ReadDistribution(Reader& r, const Node& v, Need need);

// A count distribution.
std::optional<sim::Distribution> ReadCount(Reader& r, const Node& v);

// "p50" -> 0.5, "p999" -> 0.999, "p99.9" -> 0.999, "p5" -> 0.05; nullopt for anything else.
std::optional<double> PercentileKey(const std::string& key);

// One duration distribution node on its own, for formats that embed one (scenario faults). The
// error is the first problem's message alone (no position, no path): the caller knows the node's.
sim::Result<sim::Distribution> ParseDistribution(const YAML::Node& node, bool positive);

}  // namespace tracesim::config

#endif  // TRACESIM_CONFIG_DISTRIBUTION_H_
