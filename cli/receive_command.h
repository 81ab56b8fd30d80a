// `tracesim receive`: runs the OTLP receiver (receiver/receiver.h) until --duration passes or
// SIGINT/SIGTERM arrives, then writes the summary (doc/receive.md).
//
// Prints the bound addresses to `out` as soon as it listens ("otlp-grpc 127.0.0.1:4317", one
// line per server, flushed) so scripts using port 0 can find them, a per-second rate line on
// stderr when it is a terminal, and a short summary to `out` when it stops.
#ifndef TRACESIM_CLI_RECEIVE_COMMAND_H_
#define TRACESIM_CLI_RECEIVE_COMMAND_H_

#include <cstdint>
#include <functional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "app/receive.h"
#include "receiver/receiver.h"
#include "sim/base/status.h"

namespace tracesim::cli {

// Test seam: called once the receiver listens, with a function that stops the command (thread-
// safe, may be called from any thread, e.g. after the test's requests).
// REQUIRES: `stop` is not called after ReceiveCommand has returned.
struct ReceiveHooks {
  std::function<void(receiver::Receiver& receiver, std::function<void()> stop)> on_ready;
};

// Exit codes: 0 stopped cleanly; 1 a failure while running (cannot listen, output file error,
// summary not written); 2 bad usage.
int ReceiveCommand(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
                   const ReceiveHooks& hooks = {});

// The per-second rate line ("  1200 spans/s  40 req/s  total 9600 spans, 320 requests") in at
// most `columns` - 1 display columns: narrower terminals leave out the request total, then the
// span total, then req/s, rather than wrap (a wrapped line cannot be redrawn in place).
std::string ReceiveSecondLine(const app::ReceiveSecond& s, int columns);

}  // namespace tracesim::cli

#endif  // TRACESIM_CLI_RECEIVE_COMMAND_H_
