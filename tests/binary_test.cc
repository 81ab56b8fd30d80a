// The installed shape of the tool: the `tracesim` executable itself, run as a user would.
#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <cstdlib>
#include <string>

namespace tracesim {
namespace {

struct Result {
  int code;
  std::string out;
};

Result Shell(const std::string& args) {
  const char* dir = std::getenv("TRACESIM_BINARY_DIR");
  std::string bin = std::string(dir ? dir : ".") + "/cli/tracesim";
  std::string cmd = bin + " " + args + " 2>&1";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
  int status = pclose(p);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

TEST(BinaryTest, DefaultRunPrintsTheRedTable) {
  Result r = Shell("run --duration 2s");
  ASSERT_EQ(r.code, 0) << r.out;
  for (const char* s :
       {"traces", "spans", "p50 ms", "p95 ms", "p99 ms", "error %", "api-gateway", "payment"})
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
}

TEST(BinaryTest, ExitCodes) {
  EXPECT_EQ(Shell("--version").code, 0);
  EXPECT_EQ(Shell("run --bogus").code, 2);
  EXPECT_EQ(Shell("validate /no/such/file.yaml").code, 1);
  EXPECT_EQ(
      Shell(std::string("validate ") + TRACESIM_SOURCE_DIR + "/topologies/checkout.yaml").code, 0);
}

}  // namespace
}  // namespace tracesim
