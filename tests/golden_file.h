// Readable golden files: compare an output with a file under tests/golden/ and, on mismatch, show
// a unified diff of the first differing lines; or rewrite the file when regeneration is asked for
// through an environment variable (see tests/README.md).
#pragma once

#include <gtest/gtest.h>

#include <string>

namespace tracesim::golden {

// The whole file at `path` ("" when it cannot be read).
std::string ReadFile(const std::string& path);

// `diff -u` of the file at `expected_path` against `actual`, cut after `max_lines` lines.
std::string UnifiedDiff(const std::string& expected_path, const std::string& actual,
                        int max_lines = 60);

// True when the environment variable `regenerate_env` is set to a non-empty value other than "0".
bool RegenerateRequested(const char* regenerate_env);

// Success when the file at `path` holds exactly `actual`. When `regenerate_env` is set, writes
// `actual` to `path` first (so the comparison succeeds and the change shows in `git diff`).
// The failure message names the file, the variable that regenerates it, and the diff.
::testing::AssertionResult MatchesGoldenFile(const std::string& path, const std::string& actual,
                                             const char* regenerate_env);

}  // namespace tracesim::golden
