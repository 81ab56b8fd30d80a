// SpanKindName: the one spelling of a span kind (sim::SpanKind, model.h) as text, beside
// ServiceKindName (model.h). Its own header so the encoders and reports that print kinds do not
// recompile with the model.
//
// Pure function; thread-safe.
#ifndef TRACESIM_SIM_SPAN_KIND_H_
#define TRACESIM_SIM_SPAN_KIND_H_

#include <string_view>

#include "sim/model/model.h"

namespace tracesim::sim {

// The span kind as OTLP names it, lower case and without the SPAN_KIND_ prefix: "internal",
// "server", "client", "producer", "consumer", and "unspecified" for kUnspecified or a value out
// of range. Other spellings (Zipkin's upper case, a waterfall's column) are derived from it.
std::string_view SpanKindName(SpanKind kind);

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_SPAN_KIND_H_
