// `tracesim load`: paced load generation into a collector (doc/load.md).
//
// Exit codes: 0 success; 1 the run could not start or its output failed (an unreachable TLS
// file, an unwritable --summary-json); 2 bad usage or input (names the flag); 99 a --threshold
// was crossed (each failed one is printed), or --find-max found no sustained rate; 130 stopped by
// SIGINT/SIGTERM (the summary is still written).
#ifndef TRACESIM_CLI_LOAD_COMMAND_H_
#define TRACESIM_CLI_LOAD_COMMAND_H_

#include <ostream>
#include <string>
#include <vector>

#include "loadgen/load_engine.h"

namespace tracesim::cli {

inline constexpr int kExitThresholds = 99;
inline constexpr int kExitInterrupted = 130;  // 128 + SIGINT, as a shell reports it

// Takes the arguments after "load". SIGINT/SIGTERM during the run stop it cleanly (a second
// signal skips the grace period); the previous handlers are restored on return.
int LoadCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

// The per-second progress line for second `s` (`mean_spans` spans per trace), at most
// `columns` - 1 display columns: the fields that do not fit are left out, least useful first
// (queued, dropped, rejected, errors, p99, generated, target).
std::string LoadSecondLine(const loadgen::SecondStats& s, double mean_spans, int columns);

}  // namespace tracesim::cli

#endif  // TRACESIM_CLI_LOAD_COMMAND_H_
