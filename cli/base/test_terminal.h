// Test helper: points stdout (fd 1) at a pseudo-terminal of a chosen width, for tests of output
// that fits the terminal (cli/terminal_width_test.cc). Test-only, header-only.
#ifndef TRACESIM_CLI_TEST_TERMINAL_H_
#define TRACESIM_CLI_TEST_TERMINAL_H_

#include <fcntl.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>

namespace tracesim::cli::testing {

// While alive, stdout (fd 1) is the slave side of a fresh pseudo-terminal `columns` wide. Nothing
// is written to it: the commands under test write to string streams.
class StdoutOnTerminal {
 public:
  explicit StdoutOnTerminal(int columns) {
    std::fflush(stdout);
    master_ = ::posix_openpt(O_RDWR | O_NOCTTY);
    if (master_ < 0 || ::grantpt(master_) != 0 || ::unlockpt(master_) != 0) return;
    const char* name = ::ptsname(master_);
    if (name == nullptr) return;
    const int slave = ::open(name, O_RDWR | O_NOCTTY);
    if (slave < 0) return;
    struct winsize ws {};
    ws.ws_col = static_cast<unsigned short>(columns);
    ws.ws_row = 24;
    ::ioctl(slave, TIOCSWINSZ, &ws);
    saved_ = ::dup(1);
    ::dup2(slave, 1);
    ::close(slave);
  }
  ~StdoutOnTerminal() {
    std::fflush(stdout);
    if (saved_ >= 0) {
      ::dup2(saved_, 1);
      ::close(saved_);
    }
    if (master_ >= 0) ::close(master_);
  }
  bool ok() const { return saved_ >= 0 && ::isatty(1) == 1; }

 private:
  int master_ = -1, saved_ = -1;
};

}  // namespace tracesim::cli::testing

#endif  // TRACESIM_CLI_TEST_TERMINAL_H_
