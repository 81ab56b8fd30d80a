#include "cli/service_map_command.h"

#include <filesystem>

#include "app/run.h"
#include "cli/commands.h"
#include "reports/traces/service_map.h"
#include "reports/traces/timeline.h"
#include "scenarios/scenario.h"
#include "sim/base/time.h"
#include "topologies/topology.h"

namespace tracesim::cli {

sim::Result<sim::Model> LoadTopologyRef(const std::string& ref, std::ostream& err) {
  sim::Result<sim::Model> model = sim::Status::NotFound("");
  if (std::filesystem::exists(ref)) {
    model = topologies::LoadTopologyFile(ref);
  } else {
    std::string name = ref.size() > 5 && ref.ends_with(".yaml") ? ref : ref + ".yaml";
    const sim::EmbeddedFile* f = topologies::FindBuiltinTopology(name);
    if (f == nullptr) {
      std::string names;
      for (const std::string& n : topologies::BuiltinTopologyNames())
        names += (names.empty() ? "" : ", ") + n;
      err << "tracesim topology: '" << ref
          << "' is neither a file nor a built-in topology (built-in: " << names << ")\n";
      return sim::Status::NotFound("no such topology");
    }
    model = topologies::LoadBuiltinTopology(*f, std::string("builtin:") + f->name);
  }
  if (!model.ok()) err << model.status().message() << "\n";
  return model;
}

namespace {

int Emit(const std::string& dot, const std::string& format, std::ostream& out, std::ostream& err) {
  if (format == "dot") {
    out << dot;
    return kExitOk;
  }
  auto image = reports::RenderDot(dot, format);
  if (!image.ok()) {
    err << "tracesim topology: " << image.status().message() << "\n";
    return image.status().code() == sim::Status::Code::kUnsupported ? kExitUsage : kExitFailed;
  }
  out << *image;
  return kExitOk;
}

}  // namespace

int ServiceMapCommand(const ServiceMapRequest& request, std::ostream& out, std::ostream& err) {
  reports::ServiceMapOptions options;
  options.per_operation = request.per_operation;
  if (request.scenario.empty()) {
    if (request.topology.empty()) {
      err << "tracesim topology: no FILE given\nTry 'tracesim topology --help'.\n";
      return kExitUsage;
    }
    sim::Result<sim::Model> model = LoadTopologyRef(request.topology, err);
    if (!model.ok()) return kExitUsage;
    return Emit(reports::ServiceMapDot(*model, options), request.format, out, err);
  }
  auto scenario = scenarios::LoadScenario(request.scenario);
  if (!scenario.ok()) {
    err << "tracesim topology: " << scenario.status().message() << "\n";
    return kExitUsage;
  }
  app::RunOptions run;
  if (!request.duration.empty()) {
    auto d = sim::ParseDuration(request.duration);
    if (!d.ok()) {
      err << "tracesim topology: --duration: " << d.status().message() << "\n";
      return kExitUsage;
    }
    run.duration = *d;
  }
  reports::TimelineSink edges(run.duration.value_or(scenario->duration));
  run.sinks.push_back(&edges);
  auto outcome = app::RunScenario(*scenario, run);
  if (!outcome.ok()) {
    err << "tracesim topology: " << outcome.status().message() << "\n";
    return outcome.status().code() == sim::Status::Code::kInvalidArgument ? kExitUsage
                                                                          : kExitFailed;
  }
  const std::vector<reports::EdgeCount> counts = edges.Edges();
  options.counts = &counts;
  options.simulated_s = outcome->report.simulated_s;
  return Emit(reports::ServiceMapDot(scenario->model, options), request.format, out, err);
}

}  // namespace tracesim::cli
