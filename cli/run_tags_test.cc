// `tracesim run --spans-out FILE --tag-decisions` (issue 13): every span carries each strategy's
// decision on its trace, the tags agree with the lab's own count of kept traces, the spans are
// otherwise those of the untagged file, and the flag's misuses are usage errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "cli/commands.h"

namespace tracesim::cli {
namespace {

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("tracesim_run_tags_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

struct Ran {
  int code;
  std::string out, err;
};

Ran Invoke(std::vector<std::string> args) {
  args.insert(args.begin(), {"tracesim", "run"});
  std::ostringstream out, err;
  const int code = Main(args, out, err);
  return {code, out.str(), err.str()};
}

std::vector<nlohmann::json> Spans(const std::string& path) {
  std::vector<nlohmann::json> spans;
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line)) {
    const nlohmann::json request = nlohmann::json::parse(line);
    for (const auto& rs : request["resourceSpans"])
      for (const auto& ss : rs["scopeSpans"])
        for (const auto& s : ss["spans"]) spans.push_back(s);
  }
  return spans;
}

constexpr char kPrefix[] = "tracesim.sampler.";

TEST(RunTagsTest, EverySpanCarriesEachStrategysDecisionAsTheLabCountedIt) {
  const std::string tagged = TempPath("tagged.jsonl"), plain = TempPath("plain.jsonl");
  const Ran r = Invoke({"checkout-sampling", "--duration", "10s", "--no-progress", "--no-lint",
                        "--format", "json", "--spans-out", tagged, "--tag-decisions"});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  const Ran p = Invoke({"checkout-sampling", "--duration", "10s", "--no-progress", "--no-lint",
                        "--spans-out", plain});
  ASSERT_EQ(p.code, kExitOk) << p.err;
  const auto summary = nlohmann::json::parse(r.out);
  const std::vector<nlohmann::json> a = Spans(tagged), b = Spans(plain);
  std::filesystem::remove(tagged);
  std::filesystem::remove(plain);
  ASSERT_EQ(a.size(), b.size());
  ASSERT_GT(a.size(), 1000u);
  // Per strategy: the traces whose spans say kept; every span of a trace says the same.
  std::map<std::string, std::map<std::string, bool>> decided;
  for (size_t i = 0; i < a.size(); ++i) {
    nlohmann::json rest = a[i];
    nlohmann::json attrs = nlohmann::json::array();
    size_t tags = 0;
    for (const auto& at : a[i]["attributes"]) {
      const std::string key = at["key"];
      if (key.rfind(kPrefix, 0) != 0) {
        attrs.push_back(at);
        continue;
      }
      ++tags;
      const bool kept = at["value"]["boolValue"];
      auto [it, fresh] = decided[key].emplace(a[i]["traceId"], kept);
      EXPECT_EQ(it->second, kept) << key << " differs within trace " << a[i]["traceId"];
    }
    EXPECT_EQ(tags, summary["sampling"].size());
    if (attrs.empty()) {
      rest.erase("attributes");
    } else {
      rest["attributes"] = attrs;
    }
    ASSERT_EQ(rest, b[i]) << "span " << i << " differs beyond its tags";
  }
  for (const auto& s : summary["sampling"]) {
    const std::string key = std::string(kPrefix) + s["name"].get<std::string>() + ".kept";
    ASSERT_TRUE(decided.count(key)) << key;
    uint64_t kept = 0;
    for (const auto& [trace, k] : decided[key]) kept += k;
    EXPECT_EQ(decided[key].size(), s["traces"].get<uint64_t>()) << key;
    EXPECT_EQ(kept, s["traces_kept"].get<uint64_t>()) << key;
  }
}

// The HTML report says under each exemplar which strategies kept it: the same decisions as the
// tags on that trace's spans.
TEST(RunTagsTest, HtmlExemplarsSayWhichStrategiesKeptThemAsTheTagsDo) {
  const std::string spans = TempPath("html.jsonl"), page_path = TempPath("page.html");
  const Ran r = Invoke({"checkout-sampling", "--duration", "10s", "--no-progress", "--no-lint",
                        "--spans-out", spans, "--tag-decisions", "--report-html", page_path});
  ASSERT_EQ(r.code, kExitOk) << r.err;
  std::ifstream in(page_path);
  const std::string page((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::vector<nlohmann::json> all = Spans(spans);
  std::filesystem::remove(spans);
  std::filesystem::remove(page_path);
  const std::regex note(
      R"(<h3>Slowest trace</h3>\n<p class="note">Sampling \(tracesim\.sampler\.\*\.kept\): kept by )"
      R"(([^;]*); dropped by ([^<]*)\.</p>\n<pre class="waterfall">trace ([0-9a-f]{32}))");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(page, m, note)) << page.substr(page.find("Exemplar"), 600);
  const std::string trace_id = m[3].str();
  std::set<std::string> kept, dropped;
  for (const auto& s : all) {
    if (s["traceId"] != trace_id) continue;
    for (const auto& at : s["attributes"]) {
      const std::string key = at["key"];
      if (key.rfind(kPrefix, 0) != 0) continue;
      const std::string name =
          key.substr(std::string(kPrefix).size(), key.size() - std::string(kPrefix).size() - 5);
      (at["value"]["boolValue"].get<bool>() ? kept : dropped).insert(name);
    }
  }
  ASSERT_FALSE(kept.empty());  // keep-all at least
  auto names = [](const std::string& list) {
    std::set<std::string> out;
    std::stringstream ss(list);
    std::string item;
    while (std::getline(ss, item, ',')) out.insert(item.substr(item.find_first_not_of(' ')));
    return out;
  };
  EXPECT_EQ(names(m[1].str()), kept);
  EXPECT_EQ(m[2].str() == "none" ? std::set<std::string>{} : names(m[2].str()), dropped);
}

TEST(RunTagsTest, TagDecisionsNeedsSpansOutAndSamplers) {
  Ran r = Invoke({"checkout-sampling", "--duration", "1s", "--no-progress", "--tag-decisions"});
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.err, "tracesim run: --tag-decisions needs --spans-out FILE\n");
  const std::string path = TempPath("none.jsonl");
  r = Invoke(
      {"checkout", "--duration", "1s", "--no-progress", "--spans-out", path, "--tag-decisions"});
  std::filesystem::remove(path);
  EXPECT_EQ(r.code, kExitUsage);
  EXPECT_EQ(r.err, "tracesim run: --tag-decisions needs a scenario with samplers:\n");
}

}  // namespace
}  // namespace tracesim::cli
