// `tracesim lint SCENARIO`: checks the scenario's sampling configs against its simulated traffic
// (lint/lint.h) and prints the findings. doc/lint.md.
#ifndef TRACESIM_CLI_LINT_COMMAND_H_
#define TRACESIM_CLI_LINT_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

namespace tracesim::cli {

int LintCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

}  // namespace tracesim::cli

#endif  // TRACESIM_CLI_LINT_COMMAND_H_
