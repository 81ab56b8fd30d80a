// `tracesim trace`: simulates a scenario and draws chosen traces as terminal waterfalls
// (reports/traces/waterfall.h), optionally writing only those traces as OTLP/JSON lines.
#ifndef TRACESIM_CLI_TRACE_COMMAND_H_
#define TRACESIM_CLI_TRACE_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace tracesim::cli {

// Takes the arguments after "trace". Colour and width follow the terminal when `out` is
// std::cout on a terminal; else plain text, --width or $COLUMNS or 100 columns.
int TraceCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tracesim::cli

#endif  // TRACESIM_CLI_TRACE_COMMAND_H_
