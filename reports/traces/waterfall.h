// RenderWaterfall: one trace as a terminal waterfall, the picture Jaeger's trace view draws.
//
//   trace 3f2a…  frontend GET /checkout  812.4 ms  ERROR  9 spans  shape 1f3a9c0d2e4b5a67
//     SERVICE   SPAN              KIND    |0         406 ms        812 ms|  DURATION   OFFSET
//     STATUS
//   * frontend  GET /checkout     server  |██████████████████████████████|  812.4 ms   0.0 ms ERROR
//   *   cart    GET /cart         client  |   ████▒                      |   60.1 ms  40.2 ms  OK
//
// One line per span in tree order (children by start time, the name indented by depth): the
// service, span name, kind, a bar on the trace's time axis (the root span's window), duration,
// offset from the root's start, and status. `*` and solid bars mark the critical path (the chain
// of spans that determined the end-to-end latency). Notes under a span carry the ground truth:
// faults that hit it, the root cause of a failure, clock skew (from a clock-skew fault on its
// host, and any span that lies outside its parent), parents that were not exported. Bars that
// leave the axis are clipped with ◀ / ▶. Pure function of its inputs: the same trace, model,
// plan and options give the same bytes.
#ifndef TRACESIM_REPORTS_WATERFALL_H_
#define TRACESIM_REPORTS_WATERFALL_H_

#include <string>
#include <vector>

#include "reports/traces/trace_picker.h"
#include "sim/model/faults.h"
#include "sim/model/model.h"

namespace tracesim::reports {

struct WaterfallOptions {
  int width = 120;      // display columns per line; Default: 120
  bool colour = false;  // ANSI colours (for a terminal); Default: false
  // width in [60, 1000].
  sim::Status Validate() const;
};

// The critical path of a trace: marks[i] is true when spans[i] is on it. Walks back from the
// root's end: the child that ended last before the cursor is on the path, then the cursor moves
// to its start (spans outside their parent's window are clipped to it). Spans whose parent was
// not exported start their own path.
std::vector<bool> CriticalPath(const std::vector<sim::Span>& spans);

// One trace (or fragment). `plan` may be null.
std::string RenderWaterfall(const CapturedTrace& trace, const sim::Model& model,
                            const sim::FaultPlan* plan, const WaterfallOptions& options);

// A picked trace and its fragments, separated by blank lines.
std::string RenderPicked(const PickedTrace& picked, const sim::Model& model,
                         const sim::FaultPlan* plan, const WaterfallOptions& options);

}  // namespace tracesim::reports

#endif  // TRACESIM_REPORTS_WATERFALL_H_
