// For tests that read ../shared: the third-party configs and traces (Collector, Jaeger, OTLP
// fixtures) kept beside the source tree, not in it. A checkout without them must still pass:
// such a test starts with TRACESIM_SKIP_WITHOUT_SHARED() and skips, naming the folder, instead
// of failing on a missing file. Test code only (it includes gtest).
#ifndef TRACESIM_SIM_BASE_SHARED_TESTDATA_H_
#define TRACESIM_SIM_BASE_SHARED_TESTDATA_H_

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

namespace tracesim::testing {

// The shared folder: $TRACESIM_SHARED_DIR when set (tests of this very rule point it elsewhere),
// else the one the build named (TRACESIM_SHARED_DIR, ../shared beside the source tree).
inline std::string SharedDir() {
  const char* env = std::getenv("TRACESIM_SHARED_DIR");
  return env != nullptr && *env != '\0' ? std::string(env) : std::string(TRACESIM_SHARED_DIR);
}

inline bool SharedPresent() { return std::filesystem::is_directory(SharedDir() + "/testdata"); }

}  // namespace tracesim::testing

// Skips the calling test when the shared test data is absent.
#define TRACESIM_SKIP_WITHOUT_SHARED()                                                 \
  do {                                                                                 \
    if (!::tracesim::testing::SharedPresent())                                         \
      GTEST_SKIP() << "needs " << ::tracesim::testing::SharedDir()                     \
                   << "/testdata (../shared beside the source tree: third-party test " \
                      "data), which is absent";                                        \
  } while (0)

#endif  // TRACESIM_SIM_BASE_SHARED_TESTDATA_H_
