// `tracesim advise SCENARIO --target ...`: searches sampling configurations for the cheapest that
// meet the targets on the scenario's simulated traffic (advise/advisor.h) and prints them with
// ready-to-paste deployment config. doc/advise.md.
#ifndef TRACESIM_CLI_ADVISE_COMMAND_H_
#define TRACESIM_CLI_ADVISE_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace tracesim::cli {

int AdviseCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tracesim::cli

#endif  // TRACESIM_CLI_ADVISE_COMMAND_H_
