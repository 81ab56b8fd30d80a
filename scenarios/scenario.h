// Scenario: one simulation run described in YAML: a topology, a workload, a duration, a seed and
// a start time. The format is specified in doc/scenario.md.
//
// Loading validates everything and reports every problem found at once, one per line, each as
// "FILE:LINE:COL: KEY.PATH: what is wrong" (1-based). Built-in scenarios are compiled in, so
// `tracesim run checkout` works with no files on disk. Every function is reentrant.
#ifndef TRACESIM_SCENARIOS_SCENARIO_H_
#define TRACESIM_SCENARIOS_SCENARIO_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.h"
#include "sampling/lab/strategy_config.h"
#include "sim/base/embedded.h"
#include "sim/base/status.h"
#include "sim/base/time.h"
#include "sim/model/faults.h"
#include "sim/model/model.h"
#include "workloads/workload_spec.h"

namespace tracesim::sim {
// The scenario files compiled into the binary (scenarios/CMakeLists.txt); ends with a null entry.
extern const EmbeddedFile kBuiltinScenarios[];
}  // namespace tracesim::sim

namespace tracesim::scenarios {

// A loaded, validated scenario. Move-only (it owns the Model).
struct Scenario {
  std::string name;          // `name`. Default: the file name without ".yaml".
  std::string description;   // `description`. Default: empty.
  std::string source;        // file path as given, or "builtin:checkout.yaml"
  std::string topology_ref;  // `topology` as written
  sim::Model model;          // the loaded topology (finalized)
  // `workload`; its mix is known to resolve against `model`.
  workloads::WorkloadSpec workload;
  sim::Duration duration = sim::Duration::Seconds(60);  // `duration`. Default: 60s.
  uint64_t seed = 1;                                    // `seed`. Default: 1.
  // `start_time`: unix nanos of simulated time 0. Default: 2026-01-01T00:00:00Z.
  int64_t start_unix_nanos = 0;
  // `faults`: the fault timeline, valid for `model` (tag keys interned). Traffic faults also
  // appear in workload.surges. Default: none.
  sim::FaultPlan faults;
  // `samplers`: the sampling strategies to compare (doc/sampling-lab.md). Default: none.
  std::vector<sampling::StrategyConfig> samplers;
  // `pricing`: the prices and retention tiers of the lab's cost figures (sampling/lab/pricing.h).
  // Default: the object-storage preset.
  sampling::PricingOptions pricing;
  // Warnings of a successful load (an unset ${env:VAR} expands to nothing, as in the Collector);
  // print each with Diagnostic::Format(). Default: none.
  std::vector<config::Diagnostic> warnings;
};

// The start time used when a scenario does not set `start_time`.
inline constexpr std::string_view kDefaultStartTime = "2026-01-01T00:00:00Z";

// Loads a scenario file. A relative `topology` is looked up in the file's folder first, then
// among the built-in topologies. Errors: kNotFound (no such file), kIoError, or the errors of
// LoadScenarioYaml.
sim::Result<Scenario> LoadScenarioFile(const std::string& path);

// Loads a scenario from text. `source_name` names it in messages and becomes Scenario::source;
// a relative `topology` is looked up in `base_dir` (skipped when `base_dir` is empty), then among
// the built-in topologies. Errors: kInvalidArgument listing every problem, one per line (the
// code is kNotFound when the first problem is a missing topology or an unknown operation).
sim::Result<Scenario> LoadScenarioYaml(std::string_view yaml, const std::string& source_name,
                                       const std::string& base_dir);

// A built-in scenario by name, with or without ".yaml" ("checkout", "online-shop.yaml").
// Its topology is always a built-in one. Error: kNotFound listing the built-in names.
sim::Result<Scenario> LoadBuiltinScenario(std::string_view name);

// Names of the built-in scenarios without ".yaml", sorted ("checkout", "online-shop").
std::vector<std::string> BuiltinScenarioNames();

// What the CLI was given: an existing file path, else a built-in scenario name. Error:
// kNotFound naming both possibilities.
sim::Result<Scenario> LoadScenario(std::string_view path_or_name);

}  // namespace tracesim::scenarios

#endif  // TRACESIM_SCENARIOS_SCENARIO_H_
