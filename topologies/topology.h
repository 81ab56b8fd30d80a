// Topologies: the YAML description of a microservice system (services, their operations and
// calls, databases, caches, external APIs, message brokers), compiled into a sim::Model.
//
// The format is specified in doc/topology.md. Loading validates everything and reports every
// problem at once, each as "FILE:LINE:COL: KEY.PATH: what is wrong" (1-based line and column),
// so a user fixes a file in one round. The compiled Model carries precomputed OpenTelemetry
// semantic-convention attributes, resources and instrumentation scopes.
// Thread-safe: every function is reentrant and keeps no state.
#ifndef TRACESIM_TOPOLOGIES_TOPOLOGY_H_
#define TRACESIM_TOPOLOGIES_TOPOLOGY_H_

#include <yaml-cpp/yaml.h>

#include <string>
#include <string_view>
#include <vector>

#include "sim/base/distribution.h"
#include "sim/base/embedded.h"
#include "sim/base/status.h"
#include "sim/model/model.h"

namespace tracesim::topologies {

// Loads, validates and compiles a topology into a finalized Model (Model::Finalize() called,
// Model::source = path as given). Errors: kNotFound (no such file), kIoError (unreadable), or
// kInvalidArgument whose message lists every problem, one per line, sorted by position.
sim::Result<sim::Model> LoadTopologyFile(const std::string& path);

// Same for text in memory; `source_name` names it in messages and becomes Model::source.
sim::Result<sim::Model> LoadTopologyYaml(std::string_view yaml, const std::string& source_name);

// The built-in topology named `name` ("checkout.yaml", "online-shop.yaml"), or nullptr.
// Load one with LoadBuiltinTopology.
const sim::EmbeddedFile* FindBuiltinTopology(std::string_view name);
// LoadTopologyYaml of a built-in topology (`builtin` from FindBuiltinTopology), compiled once per
// process and handed out as copies (Model::Clone) with Model::source = `source_name`: every
// scenario load that names a built-in topology used to parse and compile it again (~80 % of a
// scenario file's load time; fuzz/README.md). Thread-safe.
sim::Result<sim::Model> LoadBuiltinTopology(const sim::EmbeddedFile& builtin,
                                            const std::string& source_name);
// Names of the built-in topologies, sorted.
std::vector<std::string> BuiltinTopologyNames();

// A human summary: services with instances, concurrency and operations, dependencies, then the
// call tree of each entry operation (a service operation nobody calls), indented, with
// probabilities, repeat counts, parallel branches and async hops. Deterministic.
std::string DescribeText(const sim::Model& model);

// A Graphviz DOT digraph: services as boxes, databases and caches as cylinders, external APIs
// as hexagons, brokers as parallelograms; one edge per call site labelled with the caller and
// callee operation, the call kind (sync, parallel, async) and its probability when < 1.
// Deterministic.
std::string ToDot(const sim::Model& model);

}  // namespace tracesim::topologies

#endif  // TRACESIM_TOPOLOGIES_TOPOLOGY_H_
