// jaeger_oracle: the C++ side of the Jaeger adaptive-sampling oracle (peers/sdk/README.md).
//   jaeger_oracle scenarios                    list the scenario names
//   jaeger_oracle feed NAME DIR                write DIR/NAME.feed (tracesim's closed loop) and
//                                              DIR/NAME.tracesim (its probabilities per calc)
//   jaeger_oracle compare NAME DIR             compare DIR/NAME.tracesim with DIR/NAME.jaeger
//                                              (written by the Go side); exit 1 on a difference
#include <cinttypes>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "peers/sdk/jaeger_oracle.h"

namespace tp = tracesim::peers_sdk;

namespace {

std::vector<std::string> ReadLines(const std::string& path, bool* ok) {
  std::ifstream f(path);
  *ok = static_cast<bool>(f);
  std::vector<std::string> lines;
  for (std::string l; std::getline(f, l);) lines.push_back(l);
  return lines;
}

const tp::AdaptiveScenario* Find(const std::vector<tp::AdaptiveScenario>& all,
                                 const std::string& name) {
  for (const tp::AdaptiveScenario& s : all) {
    if (s.name == name) return &s;
  }
  std::fprintf(stderr, "jaeger_oracle: unknown scenario %s\n", name.c_str());
  return nullptr;
}

int WriteFeed(const tp::AdaptiveScenario& s, const std::string& dir) {
  const tp::Feed feed = tp::GenerateFeed(s);
  const std::string text = tp::FeedToText(feed);
  // Replay what was written, so both sides read the same bytes.
  auto parsed = tp::ParseFeed(text);
  if (!parsed.ok()) {
    std::fprintf(stderr, "jaeger_oracle: %s\n", parsed.status().message().c_str());
    return 2;
  }
  std::ofstream(dir + "/" + s.name + ".feed") << text;
  std::ofstream out(dir + "/" + s.name + ".tracesim");
  for (const std::string& l : tp::ReplayTracesim(*parsed)) out << l << '\n';
  std::printf("jaeger_oracle: %s: %zu recorded root spans over %" PRId64 " s\n", s.name.c_str(),
              feed.records.size(), feed.end_ns / 1000000000);
  return 0;
}

int Compare(const std::string& name, const std::string& dir) {
  bool ok1 = false, ok2 = false;
  const std::vector<std::string> ours = ReadLines(dir + "/" + name + ".tracesim", &ok1);
  const std::vector<std::string> theirs = ReadLines(dir + "/" + name + ".jaeger", &ok2);
  if (!ok1 || !ok2) {
    std::fprintf(stderr, "jaeger_oracle: missing %s/%s.tracesim or .jaeger\n", dir.c_str(),
                 name.c_str());
    return 2;
  }
  const tp::AdaptiveAgreement a = tp::CompareCalcLines(ours, theirs);
  const bool ok = a.same_calculations && a.compared == a.identical;
  int leader_ops = 0;
  for (const std::string& l : theirs) leader_ops += l.rfind("leader ", 0) == 0 ? 1 : 0;
  uint64_t calc_values = 0;
  for (const std::string& l : theirs) calc_values += l.rfind("calc ", 0) == 0 ? 1 : 0;
  for (const std::string& d : a.first_differences) std::printf("    differs: %s\n", d.c_str());
  std::printf("jaeger adaptive %s: %d calculations: %" PRIu64 " values compared (%" PRIu64
              " calculated probabilities, %d served by the leader), %" PRIu64 " identical%s\n",
              name.c_str(), a.calculations, a.compared, calc_values, leader_ops, a.identical,
              ok                    ? ""
              : a.same_calculations ? "  MISMATCH"
                                    : "  MISMATCH (calculation count)");
  return ok ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> args(argv + 1, argv + argc);
  const std::vector<tp::AdaptiveScenario> all = tp::AdaptiveScenarios();
  if (args.size() == 1 && args[0] == "scenarios") {
    for (const tp::AdaptiveScenario& s : all) std::printf("%s\n", s.name.c_str());
    return 0;
  }
  if (args.size() == 3 && args[0] == "feed") {
    const tp::AdaptiveScenario* s = Find(all, args[1]);
    return s == nullptr ? 2 : WriteFeed(*s, args[2]);
  }
  if (args.size() == 3 && args[0] == "compare") return Compare(args[1], args[2]);
  std::fprintf(stderr, "usage: jaeger_oracle scenarios | feed NAME DIR | compare NAME DIR\n");
  return 2;
}
