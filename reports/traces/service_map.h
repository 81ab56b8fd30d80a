// The service map: who calls whom, as Graphviz DOT, and DOT rendered in-process (SVG or PNG)
// with libgvc (Debian libgraphviz-dev) when tracesim was built with it.
//
// One edge per caller -> callee service pair by default (a topology with many operations per
// pair otherwise draws a bundle of overlapping edges), or one per called operation. Node shapes
// tell the kind of service, explained by a legend. Given a run's edge counts, edges are labelled
// with calls/s and error ratio and drawn heavier with traffic and red with errors.
#ifndef TRACESIM_REPORTS_SERVICE_MAP_H_
#define TRACESIM_REPORTS_SERVICE_MAP_H_

#include <string>
#include <vector>

#include "reports/traces/timeline.h"
#include "sim/base/status.h"
#include "sim/model/model.h"

namespace tracesim::reports {

struct ServiceMapOptions {
  bool per_operation = false;  // one edge per called operation; Default: one per service pair
  bool legend = true;          // Default: true
  const std::vector<EdgeCount>* counts = nullptr;  // a run's caller -> callee counts, or null
  double simulated_s = 0;  // the run's simulated seconds (rates on the edges)
  bool latency = false;    // with counts: each edge's p99 call latency on its label too
};

// DOT text; deterministic (model order).
std::string ServiceMapDot(const sim::Model& model, const ServiceMapOptions& options);

// True when built with Graphviz (libgvc).
bool GraphvizAvailable();

// Lays out `dot` with Graphviz's dot engine and renders it: `format` "svg" (text starting at
// "<svg", without the XML prolog) or "png" (bytes). Errors: kUnsupported without Graphviz,
// kInvalidArgument for a DOT syntax error or an unknown format.
sim::Result<std::string> RenderDot(const std::string& dot, const std::string& format);

}  // namespace tracesim::reports

#endif  // TRACESIM_REPORTS_SERVICE_MAP_H_
