// dynsampler_oracle: the C++ side of the dynsampler-go oracle (peers/sdk/README.md).
//   dynsampler_oracle scenarios          list the scenario names
//   dynsampler_oracle feed NAME DIR      write DIR/NAME.dynfeed and DIR/NAME.dyntracesim
//   dynsampler_oracle compare NAME DIR   compare DIR/NAME.dyntracesim with DIR/NAME.dyngo
//                                        (written by the Go side); exit 1 on a difference
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "peers/sdk/dynsampler_oracle.h"

namespace tp = tracesim::peers_sdk;

namespace {

std::map<uint64_t, uint32_t> ReadRates(const std::string& path, bool* ok) {
  std::ifstream f(path);
  *ok = static_cast<bool>(f);
  std::map<uint64_t, uint32_t> out;
  std::string tag;
  uint64_t i = 0;
  uint32_t r = 0;
  while (f >> tag >> i >> r) out[i] = r;
  return out;
}

int Feed(const std::string& name, const std::string& dir) {
  for (const tp::DynScenario& s : tp::DynScenarios()) {
    if (s.name != name) continue;
    const std::string text = tp::DynFeedToText(tp::GenerateDynFeed(s));
    auto feed = tp::ParseDynFeed(text);  // replay what was written
    if (!feed.ok()) {
      std::fprintf(stderr, "dynsampler_oracle: %s\n", feed.status().message().c_str());
      return 2;
    }
    std::ofstream(dir + "/" + name + ".dynfeed") << text;
    std::ofstream out(dir + "/" + name + ".dyntracesim");
    const std::vector<uint32_t> rates = tp::ReplayDynTracesim(*feed);
    for (size_t i = 0; i < rates.size(); ++i) out << "rate " << i << ' ' << rates[i] << '\n';
    std::printf("dynsampler_oracle: %s: %zu calls\n", name.c_str(), rates.size());
    return 0;
  }
  std::fprintf(stderr, "dynsampler_oracle: unknown scenario %s\n", name.c_str());
  return 2;
}

int Compare(const std::string& name, const std::string& dir) {
  bool ok1 = false, ok2 = false;
  const auto ours = ReadRates(dir + "/" + name + ".dyntracesim", &ok1);
  const auto theirs = ReadRates(dir + "/" + name + ".dyngo", &ok2);
  if (!ok1 || !ok2) {
    std::fprintf(stderr, "dynsampler_oracle: missing output for %s in %s\n", name.c_str(),
                 dir.c_str());
    return 2;
  }
  uint64_t compared = 0, identical = 0;
  int shown = 0;
  for (const auto& [i, r] : ours) {
    ++compared;
    auto it = theirs.find(i);
    if (it != theirs.end() && it->second == r) {
      ++identical;
    } else if (shown++ < 8) {
      std::printf("    differs: call %" PRIu64 ": tracesim %u, dynsampler-go %s\n", i, r,
                  it == theirs.end() ? "none" : std::to_string(it->second).c_str());
    }
  }
  const bool ok = compared == identical && theirs.size() == ours.size();
  std::printf("dynsampler %s: %" PRIu64 " rates compared, %" PRIu64 " identical%s\n", name.c_str(),
              compared, identical, ok ? "" : "  MISMATCH");
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  if (args.size() == 1 && args[0] == "scenarios") {
    for (const tp::DynScenario& s : tp::DynScenarios()) std::printf("%s\n", s.name.c_str());
    return 0;
  }
  if (args.size() == 3 && args[0] == "feed") return Feed(args[1], args[2]);
  if (args.size() == 3 && args[0] == "compare") return Compare(args[1], args[2]);
  std::fprintf(stderr, "usage: dynsampler_oracle scenarios | feed NAME DIR | compare NAME DIR\n");
  return 2;
}
