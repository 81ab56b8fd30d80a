// Doc examples checked against the build, so README.md and doc/*.md cannot drift. The convention
// (tests/README.md#doc-examples):
//   - A checked block is a ```text fence whose first line starts with `$ `. Each `$ COMMAND` line
//     is run (through /bin/sh, from the source directory, stdin empty, stderr merged into stdout;
//     `tracesim`, `./build/cli/tracesim` and `./dev run` mean the built binary); the lines after
//     it, up to the next `$ ` line, are its expected output.
//   - A line `...` in the expected output stands for any number of lines (also none).
//   - Fields that vary by machine are masked in the actual output before comparing (Masks() below);
//     the doc shows them as `<varies>`.
//   - `<!-- not checked: REASON -->` on the nearest non-blank line above a fence skips the block.
// After an intended change of output, rewrite the blocks in place (keeping their `...` elisions
// and choice of lines) with
//   TRACESIM_REGENERATE_DOCS=1 ctest --test-dir build -R docs
// and review `git diff README.md doc/`.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "sim/base/shared_testdata.h"
#include "tests/golden_file.h"

namespace tracesim {
namespace {

namespace fs = std::filesystem;

constexpr char kRegenerate[] = "TRACESIM_REGENERATE_DOCS";

// Machine-dependent fields of the outputs the docs show: (pattern, replacement).
const std::vector<std::pair<std::regex, std::string>>& Masks() {
  static const auto* masks = new std::vector<std::pair<std::regex, std::string>>{
      // `tracesim run`: "in 0.13 s wall, 0.69 M spans/s, peak memory 19.0 MiB"
      {std::regex(
           R"(in [0-9.]+ s wall, [0-9.,]+( [kMG])? spans/s, peak memory [0-9.]+ [KMGT]?i?B)"),
       "in <varies> s wall, <varies> spans/s, peak memory <varies>"},
  };
  return *masks;
}

std::vector<std::string> SplitLines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) lines.push_back(line);
  return lines;
}

std::string RStrip(std::string s) {
  while (!s.empty() && (s.back() == ' ' || s.back() == '\r' || s.back() == '\t')) s.pop_back();
  return s;
}

std::string JoinLines(const std::vector<std::string>& lines, size_t from = 0,
                      size_t to = std::string::npos) {
  std::string out;
  for (size_t i = from; i < std::min(to, lines.size()); ++i) out += lines[i] + "\n";
  return out;
}

bool IsElision(const std::string& line) {
  size_t start = line.find_first_not_of(' ');
  return start != std::string::npos && RStrip(line.substr(start)) == "...";
}

// True when `actual` matches `pattern` line by line, `...` lines matching any run of lines.
bool LinesMatch(const std::vector<std::string>& pattern, const std::vector<std::string>& actual) {
  // reach[j]: pattern[0..i) can consume actual[0..j).
  std::vector<char> reach(actual.size() + 1, 0);
  reach[0] = 1;
  for (const auto& p : pattern) {
    std::vector<char> next(actual.size() + 1, 0);
    if (IsElision(p)) {
      char any = 0;
      for (size_t j = 0; j <= actual.size(); ++j) next[j] = any = any || reach[j];
    } else {
      for (size_t j = 0; j < actual.size(); ++j) {
        if (reach[j] && RStrip(p) == actual[j]) next[j + 1] = 1;
      }
    }
    reach.swap(next);
  }
  return reach[actual.size()] != 0;
}

// A line's identity for regeneration: the text before its first digit, spaces collapsed.
std::string Key(const std::string& line) {
  std::string key;
  for (char c : line) {
    if (c >= '0' && c <= '9') break;
    if (c == ' ' && (key.empty() || key.back() == ' ')) continue;
    key += c;
  }
  return RStrip(key);
}

// The expected output rewritten from `actual`, keeping the `...` elisions of `pattern` and the
// lines it chose. Each pattern line is matched to the next actual line equal to it, else to the
// next with the same Key (right after the previous match first, unless an elision precedes);
// when lines were skipped where the pattern had no elision, an elision is inserted (the skipped
// line itself when only one was). A pattern line
// with no counterpart is dropped; lines after the last match are kept unless an elision ends it.
std::vector<std::string> Regenerate(const std::vector<std::string>& pattern,
                                    const std::vector<std::string>& actual) {
  std::string elision = "...";
  for (const auto& p : pattern) {
    if (IsElision(p)) elision = RStrip(p);
  }
  auto find = [&](size_t from, auto&& same) {
    size_t k = from;
    while (k < actual.size() && !same(actual[k])) ++k;
    return k;
  };
  std::vector<std::string> out;
  size_t j = 0;
  bool elide = false;
  for (const auto& p : pattern) {
    if (IsElision(p)) {
      out.push_back(p);
      elide = true;
      continue;
    }
    std::string line = RStrip(p);
    size_t k = actual.size();
    if (!elide && j < actual.size() && Key(actual[j]) == Key(line)) k = j;
    if (k == actual.size()) k = find(j, [&](const std::string& a) { return a == line; });
    if (k == actual.size()) {
      k = find(j, [&](const std::string& a) { return Key(a) == Key(line); });
    }
    if (k == actual.size() && !elide && j < actual.size()) k = j;
    if (k < actual.size()) {
      if (k == j + 1 && !elide) out.push_back(actual[j]);  // an elision never hides one line
      if (k > j + 1 && !elide) out.push_back(elision);
      out.push_back(actual[k]);
      j = k + 1;
    }
    elide = false;
  }
  if (!elide) {
    while (j < actual.size()) out.push_back(actual[j++]);
  }
  return out;
}

std::string BinaryDir() {
  if (const char* dir = std::getenv("TRACESIM_BINARY_DIR")) return dir;
  return std::string(TRACESIM_SOURCE_DIR) + "/build";
}

// The shell command for a doc's `$ ` line: `tracesim` and `./build/cli/tracesim` at the start or
// after `&&` mean the built binary, `./dev run` at the start means `tracesim run`.
std::string ShellCommand(const std::string& cmd) {
  std::string bin = "'" + BinaryDir() + "/cli/tracesim'";
  if (cmd.rfind("./dev run", 0) == 0) return bin + " run" + cmd.substr(9);
  static const std::regex kProgram(R"((^|&& )(\./build/cli/tracesim|tracesim)( |$))");
  return std::regex_replace(cmd, kProgram, "$1" + bin + "$3");
}

// Runs `cmd` and returns its output lines, trailing spaces stripped and Masks() applied. The
// command is a group, so stdin and stderr apply to all of a pipeline (`a | sort | uniq -c`).
std::vector<std::string> RunCommand(const std::string& cmd) {
  std::string full = "cd '" + std::string(TRACESIM_SOURCE_DIR) + "' && { " + ShellCommand(cmd) +
                     "\n} </dev/null 2>&1";
  std::string out;
  if (FILE* p = popen(full.c_str(), "r")) {
    char buf[8192];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, p)) > 0) out.append(buf, n);
    pclose(p);
  }
  std::vector<std::string> lines = SplitLines(out);
  for (auto& line : lines) {
    line = RStrip(line);
    for (const auto& [re, replacement] : Masks()) line = std::regex_replace(line, re, replacement);
  }
  return lines;
}

struct Block {
  size_t first = 0;  // index of the first line inside the fence
  size_t end = 0;    // index of the closing fence
};

// The checked blocks of a Markdown file's lines (see the convention at the top).
std::vector<Block> CheckedBlocks(const std::vector<std::string>& lines) {
  std::vector<Block> blocks;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("```", 0) != 0) continue;
    std::string info = RStrip(lines[i].substr(3));
    size_t end = i + 1;
    while (end < lines.size() && lines[end].rfind("```", 0) != 0) ++end;
    size_t above = i;
    while (above > 0 && RStrip(lines[above - 1]).empty()) --above;
    bool skipped = above > 0 && lines[above - 1].rfind("<!-- not checked:", 0) == 0;
    if (info == "text" && end > i + 1 && lines[i + 1].rfind("$ ", 0) == 0 && !skipped) {
      blocks.push_back({i + 1, end});
    }
    i = end;
  }
  return blocks;
}

std::vector<std::string> DocFiles() {
  std::vector<std::string> files = {"README.md"};
  std::vector<std::string> docs;
  for (const auto& e : fs::directory_iterator(std::string(TRACESIM_SOURCE_DIR) + "/doc")) {
    if (e.path().extension() == ".md") docs.push_back("doc/" + e.path().filename().string());
  }
  std::sort(docs.begin(), docs.end());
  files.insert(files.end(), docs.begin(), docs.end());
  return files;
}

std::string DiffText(const std::string& expected, const std::string& actual) {
  std::string path = (fs::temp_directory_path() /
                      (std::string("tracesim_doc_expected.txt") + "." + std::to_string(::getpid())))
                         .string();
  std::ofstream(path, std::ios::binary) << expected;
  std::string diff = golden::UnifiedDiff(path, actual, 40);
  fs::remove(path);
  return diff;
}

class DocExamplesTest : public ::testing::TestWithParam<std::string> {};

TEST_P(DocExamplesTest, OutputsMatchTheBuild) {
  std::string path = std::string(TRACESIM_SOURCE_DIR) + "/" + GetParam();
  std::vector<std::string> lines = SplitLines(golden::ReadFile(path));
  bool regenerate = golden::RegenerateRequested(kRegenerate);
  bool changed = false;
  std::vector<Block> blocks = CheckedBlocks(lines);
  // A command that reads ../shared (third-party test data beside the source tree) is not run
  // without it; the test then skips, naming the folder (sim/base/shared_testdata.h).
  const bool shared = ::tracesim::testing::SharedPresent();
  size_t without_shared = 0;
  // Walk backwards so rewriting a block keeps the earlier blocks' line numbers.
  for (auto b = blocks.rbegin(); b != blocks.rend(); ++b) {
    std::vector<std::string> rewritten;
    size_t i = b->first;
    while (i < b->end) {
      std::string cmd = lines[i].substr(2);
      ASSERT_FALSE(cmd.ends_with("&"))
          << GetParam() << ":" << i + 1 << ": a background command cannot be checked; mark the "
          << "block `<!-- not checked: REASON -->`";
      size_t j = i + 1;
      while (j < b->end && lines[j].rfind("$ ", 0) != 0) ++j;
      std::vector<std::string> expected(lines.begin() + i + 1, lines.begin() + j);
      rewritten.push_back(lines[i]);
      if (!shared && cmd.find("../shared") != std::string::npos) {
        ++without_shared;
        rewritten.insert(rewritten.end(), expected.begin(), expected.end());
        i = j;
        continue;
      }
      std::vector<std::string> actual = RunCommand(cmd);
      if (regenerate && !LinesMatch(expected, actual)) {
        expected = Regenerate(expected, actual);
        changed = true;
      }
      EXPECT_TRUE(LinesMatch(expected, actual))
          << GetParam() << ":" << i + 1 << ": `" << cmd << "` prints other output than the doc "
          << "shows (if intended, regenerate with " << kRegenerate << "=1):\n"
          << DiffText(JoinLines(expected), JoinLines(actual));
      rewritten.insert(rewritten.end(), expected.begin(), expected.end());
      i = j;
    }
    lines.erase(lines.begin() + b->first, lines.begin() + b->end);
    lines.insert(lines.begin() + b->first, rewritten.begin(), rewritten.end());
  }
  if (changed) std::ofstream(path, std::ios::binary) << JoinLines(lines);
  if (without_shared > 0) {
    GTEST_SKIP() << without_shared << " command(s) of " << GetParam() << " not run: needs "
                 << ::tracesim::testing::SharedDir()
                 << "/testdata (../shared beside the source tree: third-party test data), which "
                    "is absent";
  }
}

std::string ParamName(const ::testing::TestParamInfo<std::string>& info) {
  std::string name = info.param;
  for (char& c : name) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(docs, DocExamplesTest, ::testing::ValuesIn(DocFiles()), ParamName);

TEST(DocExamplesConventionTest, TheDocsHaveCheckedBlocks) {
  size_t total = 0;
  for (const auto& f : DocFiles()) {
    total += CheckedBlocks(SplitLines(golden::ReadFile(std::string(TRACESIM_SOURCE_DIR) + "/" + f)))
                 .size();
  }
  EXPECT_GE(total, 8u);
}

TEST(DocExamplesConventionTest, ElisionMatchesAnyRunOfLines) {
  std::vector<std::string> actual = {"a", "b", "c", "d"};
  EXPECT_TRUE(LinesMatch({"a", "...", "d"}, actual));
  EXPECT_TRUE(LinesMatch({"...", "b", "c", "..."}, actual));
  EXPECT_TRUE(LinesMatch({"a", "b", "...", "c", "d"}, actual));
  EXPECT_FALSE(LinesMatch({"a", "c", "..."}, actual));
  EXPECT_FALSE(LinesMatch({"a", "b", "c"}, actual));
  EXPECT_FALSE(LinesMatch({"...", "e"}, actual));
}

TEST(DocExamplesConventionTest, MaskHidesTheWallClockFigures) {
  std::string line =
      "  simulated 63.5 s (arrivals for 60.0 s at 80.0 traces/s) in 0.13 s wall, 0.69 M spans/s, "
      "peak memory 19.0 MiB";
  EXPECT_EQ(std::regex_replace(line, Masks()[0].first, Masks()[0].second),
            "  simulated 63.5 s (arrivals for 60.0 s at 80.0 traces/s) in <varies> s wall, "
            "<varies> spans/s, peak memory <varies>");
}

TEST(DocExamplesConventionTest, RegenerateKeepsElisionsAndChosenRows) {
  std::vector<std::string> actual = {"head 1", "  alpha  10", "  beta  20", "  gamma  30", ""};
  EXPECT_EQ(Regenerate({"head 9", "...", "  gamma  99", "..."}, actual),
            (std::vector<std::string>{"head 1", "...", "  gamma  30", "..."}));
  EXPECT_EQ(Regenerate({"head 9", "  alpha 1"}, actual), actual);
  EXPECT_EQ(Regenerate({"head 9", "  gamma 1", ""}, actual),
            (std::vector<std::string>{"head 1", "...", "  gamma  30", ""}));
}

}  // namespace
}  // namespace tracesim
