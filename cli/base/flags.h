// The CLI's one flag grammar, shared by every command (doc/cli.md):
//   - parsing: no prefix guessing (`--dur` is an error), an unknown flag gets a did-you-mean,
//     bad usage is exit code 2 (kExitUsage);
//   - help: one line per flag, `--name VALUE` for flags that take one, no positionals listed;
//   - values: durations, byte sizes and seeds through config/grammar.h; `-` is stdout for every
//     output flag; `:PORT` is loopback (127.0.0.1:PORT) for every listen flag (receive's
//     addresses, load's --metrics-addr via loadgen::SplitHostPort), every interface must be
//     asked for (`0.0.0.0:PORT`).
//
// Pure functions, thread-safe.
#ifndef TRACESIM_CLI_FLAGS_H_
#define TRACESIM_CLI_FLAGS_H_

#include <boost/program_options.hpp>
#include <iosfwd>
#include <string>
#include <vector>

#include "sim/base/status.h"

namespace tracesim::cli {

// Parses `args` against `desc` (`pos` may be null: no positionals) with prefix guessing off. On
// error prints "tracesim COMMAND: MESSAGE[ (did you mean '--x'?)]\nTry 'tracesim COMMAND
// --help'." to `err` and returns false (the caller exits kExitUsage).
bool ParseFlags(const std::string& command, const std::vector<std::string>& args,
                const boost::program_options::options_description& desc,
                const boost::program_options::positional_options_description* pos,
                boost::program_options::variables_map* vm, std::ostream& err);

// `desc`'s flags as help lines: "  -h, --help  show this help", "  --seed VALUE  random seed";
// options named in `hidden` (the positionals) are left out.
std::string FlagHelp(const boost::program_options::options_description& desc,
                     const std::vector<std::string>& hidden = {});

// Whether an output flag's value names stdout ("-").
inline bool IsStdout(const std::string& path) { return path == "-"; }

}  // namespace tracesim::cli

#endif  // TRACESIM_CLI_FLAGS_H_
