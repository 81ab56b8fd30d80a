// Golden runs: the same scenario and seed give byte-identical spans and summary, pinned by files
// in tests/golden/: NAME.summary.json (the JSON summary), NAME.spans.txt (a readable digest of
// every span: see SpanDigest) and NAME.spans.fnv64 (a hash of the full OTLP/JSON bytes, which
// also covers the attributes the digest leaves out). A mismatch prints a unified diff. After an
// intended change of output, regenerate them with
//   TRACESIM_REGENERATE_GOLDEN=1 ctest --test-dir build -R Golden
// and review `git diff tests/golden` before committing (tests/README.md).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "cli/commands.h"
#include "sim/base/rng.h"
#include "tests/golden_file.h"

namespace tracesim {
namespace {

using golden::MatchesGoldenFile;
using golden::ReadFile;

constexpr char kRegenerate[] = "TRACESIM_REGENERATE_GOLDEN";

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

struct RunOutput {
  std::string summary;  // JSON without the wall-clock "host" part
  std::string spans;    // the OTLP/JSON lines file
};

RunOutput RunScenario(const std::string& scenario, const std::string& seed,
                      const std::string& duration) {
  std::string spans_path = (std::filesystem::temp_directory_path() /
                            ("tracesim_golden_" + scenario + "_" + seed + ".jsonl"))
                               .string();
  std::ostringstream out, err;
  int code = cli::Main({"tracesim", "run", scenario, "--seed", seed, "--duration", duration,
                        "--format", "json", "--spans-out", spans_path, "--no-progress"},
                       out, err);
  EXPECT_EQ(code, 0) << err.str();
  auto j = nlohmann::ordered_json::parse(out.str());
  j.erase("host");
  j.erase("spans_out");
  RunOutput r{j.dump(2) + "\n", ReadFile(spans_path)};
  std::filesystem::remove(spans_path);
  return r;
}

const char* KindName(int kind) {
  static const char* const kNames[] = {"UNSPECIFIED", "INTERNAL", "SERVER",
                                       "CLIENT",      "PRODUCER", "CONSUMER"};
  return kind >= 0 && kind <= 5 ? kNames[kind] : "?";
}

// A readable digest of OTLP/JSON lines: one block per trace in order of first appearance, one
// line per span in file order: its index in the trace, its parent's index (`-` for a root, `?`
// when the parent is not in the file), service, kind, name, start (ns after `origin_nanos`),
// duration (ns), status (`error` with its message when set) and the number of events and links.
std::string SpanDigest(const std::string& jsonl, uint64_t origin_nanos) {
  struct Line {
    std::string span_id, parent_id, text;
  };
  std::vector<std::string> order;
  std::map<std::string, std::vector<Line>> traces;
  std::istringstream in(jsonl);
  std::string row;
  while (std::getline(in, row)) {
    if (row.empty()) continue;
    auto doc = nlohmann::json::parse(row);
    for (const auto& rs : doc["resourceSpans"]) {
      std::string service = "?";
      for (const auto& a : rs["resource"]["attributes"]) {
        if (a["key"] == "service.name") service = a["value"]["stringValue"];
      }
      for (const auto& ss : rs["scopeSpans"]) {
        for (const auto& sp : ss["spans"]) {
          uint64_t start = std::stoull(sp["startTimeUnixNano"].get<std::string>());
          uint64_t end = std::stoull(sp["endTimeUnixNano"].get<std::string>());
          std::ostringstream t;
          t << service << " " << KindName(sp.value("kind", 0)) << " \"" << sp.value("name", "")
            << "\" start=" << (start - origin_nanos) << " dur=" << (end - start);
          if (sp.contains("status") && sp["status"].value("code", 0) == 2) {
            t << " error";
            if (sp["status"].contains("message")) t << " \"" << sp["status"]["message"] << "\"";
          }
          if (sp.contains("events")) t << " events=" << sp["events"].size();
          if (sp.contains("links")) t << " links=" << sp["links"].size();
          std::string trace_id = sp["traceId"];
          auto [it, inserted] = traces.try_emplace(trace_id);
          if (inserted) order.push_back(trace_id);
          it->second.push_back({sp["spanId"], sp.value("parentSpanId", ""), t.str()});
        }
      }
    }
  }
  std::ostringstream out;
  for (const auto& id : order) {
    const auto& spans = traces[id];
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < spans.size(); ++i) index.emplace(spans[i].span_id, i);
    out << "trace " << id << " spans=" << spans.size() << "\n";
    for (size_t i = 0; i < spans.size(); ++i) {
      out << "  " << i << " <- ";
      if (spans[i].parent_id.empty()) {
        out << "-";
      } else if (auto p = index.find(spans[i].parent_id); p != index.end()) {
        out << p->second;
      } else {
        out << "?";
      }
      out << " " << spans[i].text << "\n";
    }
  }
  return out.str();
}

// 2026-01-01T00:00:00Z, the default --start-time of `tracesim run`.
constexpr uint64_t kDefaultStartNanos = 1767225600ULL * 1000000000ULL;

void CheckGolden(const std::string& name, const RunOutput& r) {
  std::string dir = std::string(TRACESIM_SOURCE_DIR) + "/tests/golden/";
  std::string hash =
      Hex64(sim::Fnv1a64(r.spans)) + "  " + std::to_string(r.spans.size()) + " bytes\n";
  EXPECT_TRUE(MatchesGoldenFile(dir + name + ".summary.json", r.summary, kRegenerate));
  EXPECT_TRUE(MatchesGoldenFile(dir + name + ".spans.txt", SpanDigest(r.spans, kDefaultStartNanos),
                                kRegenerate));
  EXPECT_TRUE(MatchesGoldenFile(dir + name + ".spans.fnv64", hash, kRegenerate))
      << "the OTLP/JSON bytes differ from the golden run (attributes or encoding, if the digest "
         "above matched)";
}

TEST(GoldenTest, CheckoutSeed42) { CheckGolden("checkout", RunScenario("checkout", "42", "5s")); }
TEST(GoldenTest, OnlineShopSeed7) {
  CheckGolden("online-shop", RunScenario("online-shop", "7", "5s"));
}

TEST(GoldenTest, SameSeedIsByteIdenticalOtherSeedDiffers) {
  RunOutput a = RunScenario("checkout", "3", "3s");
  RunOutput b = RunScenario("checkout", "3", "3s");
  RunOutput c = RunScenario("checkout", "4", "3s");
  EXPECT_EQ(a.spans, b.spans);
  EXPECT_EQ(a.summary, b.summary);
  EXPECT_NE(a.spans, c.spans);
  EXPECT_FALSE(a.spans.empty());
}

}  // namespace
}  // namespace tracesim
