// `tracesim topology` as a picture: the service map (reports/traces/service_map.h) as DOT, SVG or
// PNG, of a topology, or of a scenario's run with rates and error ratios on the edges.
#ifndef TRACESIM_CLI_SERVICE_MAP_COMMAND_H_
#define TRACESIM_CLI_SERVICE_MAP_COMMAND_H_

#include <ostream>
#include <string>

#include "sim/base/status.h"
#include "sim/model/model.h"

namespace tracesim::cli {

struct ServiceMapRequest {
  std::string format;          // "dot", "svg" or "png"
  bool per_operation = false;  // one edge per called operation instead of per service pair
  std::string topology;        // FILE|NAME, or empty with `scenario`
  std::string scenario;        // simulate it and label the edges, or empty
  std::string duration;        // with `scenario`: arrival window as given, or empty
};

// Prints the map to `out`; returns an exit code (messages on `err`).
int ServiceMapCommand(const ServiceMapRequest& request, std::ostream& out, std::ostream& err);

// A topology file, else a built-in topology by name; prints the problem to `err` on failure.
sim::Result<sim::Model> LoadTopologyRef(const std::string& ref, std::ostream& err);

}  // namespace tracesim::cli

#endif  // TRACESIM_CLI_SERVICE_MAP_COMMAND_H_
