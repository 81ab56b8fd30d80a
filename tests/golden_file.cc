#include "tests/golden_file.h"

#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace tracesim::golden {

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string UnifiedDiff(const std::string& expected_path, const std::string& actual,
                        int max_lines) {
  std::string actual_path = (std::filesystem::temp_directory_path() /
                             ("tracesim_actual_" + std::to_string(getpid()) + "_" +
                              std::filesystem::path(expected_path).filename().string()))
                                .string();
  std::ofstream(actual_path, std::ios::binary) << actual;
  std::string cmd = "diff -u --label '" + expected_path + "' --label actual '" + expected_path +
                    "' '" + actual_path + "' 2>&1";
  std::string out;
  if (FILE* p = popen(cmd.c_str(), "r")) {
    char line[4096];
    int n = 0;
    while (std::fgets(line, sizeof line, p) != nullptr) {
      if (++n > max_lines) {
        out += "... (diff cut after " + std::to_string(max_lines) + " lines)\n";
        break;
      }
      out += line;
    }
    pclose(p);
  }
  std::filesystem::remove(actual_path);
  return out;
}

bool RegenerateRequested(const char* regenerate_env) {
  const char* v = std::getenv(regenerate_env);
  return v != nullptr && *v != '\0' && std::string(v) != "0";
}

::testing::AssertionResult MatchesGoldenFile(const std::string& path, const std::string& actual,
                                             const char* regenerate_env) {
  if (RegenerateRequested(regenerate_env)) {
    std::ofstream(path, std::ios::binary) << actual;
  }
  if (!std::filesystem::exists(path)) {
    return ::testing::AssertionFailure()
           << "missing golden file " << path << "; create it with " << regenerate_env << "=1";
  }
  if (ReadFile(path) == actual) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "output differs from " << path << " (if the change is intended, regenerate with "
         << regenerate_env << "=1 and review the diff):\n"
         << UnifiedDiff(path, actual);
}

}  // namespace tracesim::golden
