// Golden text outputs of `tracesim validate`, `run`, `advise`, `load` and `receive` for negative
// inputs: each command's exit code, stdout and stderr are pinned in tests/golden/cli/COMMAND.txt,
// so a change of message or exit code shows as a diff. Regenerate after an intended change with
//   TRACESIM_REGENERATE_GOLDEN=1 ctest --test-dir build -R CliGolden
// (tests/README.md). Every case must fail fast: a case that starts to succeed is cut by a 10 s
// timeout and shows as `exit 124`.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <utility>
#include <vector>

#include "tests/golden_file.h"

namespace tracesim {
namespace {

namespace fs = std::filesystem;

struct Case {
  std::string args;  // after `tracesim`, shell-quoted as needed
};

struct Fixture {
  std::string name, content;  // written into the working directory of the cases
};

std::string Binary() {
  const char* dir = std::getenv("TRACESIM_BINARY_DIR");
  return std::string(dir != nullptr ? dir : TRACESIM_SOURCE_DIR "/build") + "/cli/tracesim";
}

// Runs every case in a fresh directory holding `files` and renders the transcript.
std::string Transcript(const std::string& command, const std::vector<Fixture>& files,
                       const std::vector<Case>& cases) {
  fs::path dir = fs::temp_directory_path() /
                 ("tracesim_cli_golden_" + command + "_" + std::to_string(getpid()));
  fs::create_directories(dir);
  std::string out;
  for (const Fixture& f : files) {
    std::ofstream(dir / f.name, std::ios::binary) << f.content;
    out += "file " + f.name + ":\n";
    std::string line;
    for (char c : f.content) {
      line += c;
      if (c == '\n') {
        out += "  " + line;
        line.clear();
      }
    }
    out += "\n";
  }
  for (const Case& c : cases) {
    std::string cmd = "cd '" + dir.string() + "' && timeout 10 '" + Binary() + "' " + c.args +
                      " </dev/null >stdout.txt 2>stderr.txt";
    int status = std::system(cmd.c_str());
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
    out += "$ tracesim " + c.args + "\nexit " + std::to_string(code) + "\n";
    for (const char* stream : {"stdout", "stderr"}) {
      std::string text = golden::ReadFile((dir / (std::string(stream) + ".txt")).string());
      if (text.empty()) continue;
      if (text.back() != '\n') text += "\n";
      out += std::string(stream) + ":\n" + text;
    }
    out += "\n";
  }
  fs::remove_all(dir);
  return out;
}

void CheckCommand(const std::string& command, const std::vector<Fixture>& files,
                  const std::vector<Case>& cases) {
  std::string path = std::string(TRACESIM_SOURCE_DIR) + "/tests/golden/cli/" + command + ".txt";
  EXPECT_TRUE(golden::MatchesGoldenFile(path, Transcript(command, files, cases),
                                        "TRACESIM_REGENERATE_GOLDEN"));
}

TEST(CliGoldenTest, Validate) {
  CheckCommand("validate",
               {{"bad.yaml",
                 "name: x\ntopology: checkout\nduration: banana\nhead: {sampler: bogus_sampler}\n"},
                {"bad-sampler.yaml",
                 "name: x\ntopology: ../topologies/checkout.yaml\nworkload: {rate: 10}\n"
                 "duration: banana\nsamplers:\n  - name: s\n    head: {sampler: bogus_sampler}\n"}},
               {{"validate"},
                {"validate nosuch.yaml"},
                {"validate bad.yaml"},
                {"validate bad-sampler.yaml"},
                {"validate --bogus bad.yaml"}});
}

TEST(CliGoldenTest, Run) {
  CheckCommand("run", {},
               {{"run nosuch"},
                {"run checkout --duration banana"},
                {"run checkout --duration 1m30s --format bogus"},
                {"run checkout --seed abc"},
                {"run checkout --sed 1"},
                {"run checkout --rate 500furlongs"},
                {"run checkout --duration 2555555h"},
                {"run checkout --start-time 2300-01-01T00:00:00Z"},
                {"run checkout --format bogus"},
                {"run checkout --start-time 1767225600 --format bogus"},
                {"run checkout-sampling --pricing tierd"},
                {"run checkout-sampling --price retention_days.traces=-1"},
                {"run checkout-sampling --price traces"},
                {"run checkout-sampling --price retention_days.trace=7"},
                {"run checkout-sampling --price bill=egress"}});
}

TEST(CliGoldenTest, Advise) {
  CheckCommand("advise",
               {{"pricing.yaml",
                 "topology: checkout\nworkload: {rate: 10, mix: [\"api-gateway.POST /checkout\"]}\n"
                 "pricing:\n  preset: tiered\n  retention_days: {metadata: -90}\n"}},
               {{"advise"},
                {"advise checkout-sampling"},
                {"advise checkout-sampling --target 'eror_recall>=0.99'"},
                {"advise checkout-sampling --target 'error_recall>>0.99'"},
                {"advise checkout-sampling --target 'error_recall>=0.99' --minimize error_recall"},
                {"advise checkout-sampling --target 'error_recall>=0.99' --family tails"},
                {"advise checkout-sampling --target 'error_recall>=0.99' --budget 1"},
                {"advise checkout-sampling --target 'error_recall>=0.99' --budget many"},
                {"advise checkout-sampling --target 'error_recall>=0.99' --top 0"},
                {"advise checkout-sampling --target 'error_recall>=0.99' --format yaml"},
                {"advise checkout-sampling --target 'error_recall>=0.99' --pricing cheap"},
                {"advise pricing.yaml --target 'error_recall>=0.99'"},
                {"advise checkout-sampling --target 'error_recall>=0.99' --duration 5s --family "
                 "head --budget 2 --top 1 --format json --minimize gb_month --seed 7"}});
}

TEST(CliGoldenTest, Load) {
  CheckCommand("load", {},
               {{"load --rate 0"},
                {"load checkout --duration banana --endpoint 127.0.0.1:1"},
                {"load checkout --protocol bogus --endpoint 127.0.0.1:1"},
                {"load checkout --seed abc --endpoint 127.0.0.1:1"},
                {"load nosuch --endpoint 127.0.0.1:1"}});
}

TEST(CliGoldenTest, Receive) {
  CheckCommand("receive", {},
               {{"receive --fault bogus=1"},
                {"receive --http notaport"},
                {"receive --max-request-bytes banana"},
                {"receive --duration banana"},
                {"receive --sed 1"}});
}

}  // namespace
}  // namespace tracesim
