// The `tracesim` command line: subcommands as functions, so tests drive them in-process.
//
// Exit codes (documented in README): 0 success; 1 the command ran and found problems (validate)
// or failed while running (an I/O error); 2 bad usage or bad input (flags, files).
#ifndef TRACESIM_CLI_COMMANDS_H_
#define TRACESIM_CLI_COMMANDS_H_

#include <ostream>
#include <string>
#include <vector>

namespace tracesim::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailed = 1;
inline constexpr int kExitUsage = 2;

// Dispatches argv (argv[0] is the program name) to a subcommand.
int Main(const std::vector<std::string>& argv, std::ostream& out, std::ostream& err);

// Each takes the arguments after the subcommand name.
int RunCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// `tracesim merge SCENARIO PARTIAL...` (issue 15, cli/run_command.cc).
int MergeCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
// `tracesim merge --load PARTIAL...` (issue 15, cli/load_command.cc): the partials of `tracesim
// load --shard I/N --partial-out FILE`.
int LoadMergeCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int ValidateCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
int TopologyCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The version string printed by --version ("tracesim 0.1.0").
std::string VersionString();

}  // namespace tracesim::cli

#endif  // TRACESIM_CLI_COMMANDS_H_
