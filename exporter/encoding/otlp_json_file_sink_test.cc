#include "exporter/encoding/otlp_json_file_sink.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "exporter/encoding/test_model.h"

namespace tracesim::exporter {
namespace {

using nlohmann::json;

std::string TempPath(const std::string& name) {
  return (std::filesystem::temp_directory_path() /
          ("tracesim_" + std::to_string(::getpid()) + "_" + name))
      .string();
}

std::vector<std::string> ReadLines(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  return lines;
}

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// A trace of n spans (copies of the test trace's spans with fresh ids), keeping events/links.
testing::TestTrace TraceOfSize(sim::Model& m, uint64_t trace_no, size_t n) {
  testing::TestTrace base = testing::MakeTestTrace(m, trace_no);
  testing::TestTrace t;
  t.events = base.events;
  t.links = base.links;
  for (size_t i = 0; i < n; ++i) {
    sim::Span s = base.spans[i % base.spans.size()];
    s.span_id = (trace_no << 20) | (i + 1);
    t.spans.push_back(s);
  }
  return t;
}

struct Written {
  std::vector<json> lines;
  std::multiset<std::string> span_ids;
  std::vector<size_t> spans_per_line;
  std::vector<std::set<std::string>> traces_per_line;
};

Written Parse(const std::string& path) {
  Written w;
  for (const std::string& l : ReadLines(path)) {
    json req = json::parse(l);
    size_t n = 0;
    std::set<std::string> traces;
    for (const auto& rs : req["resourceSpans"])
      for (const auto& ss : rs["scopeSpans"])
        for (const auto& sp : ss["spans"]) {
          ++n;
          w.span_ids.insert(sp["spanId"].get<std::string>());
          traces.insert(sp["traceId"].get<std::string>());
        }
    w.spans_per_line.push_back(n);
    w.traces_per_line.push_back(traces);
    w.lines.push_back(std::move(req));
  }
  return w;
}

TEST(OtlpJsonFileOptionsTest, Validate) {
  EXPECT_TRUE(OtlpJsonFileOptions{}.Validate().ok());
  OtlpJsonFileOptions o;
  o.max_spans_per_request = 0;
  EXPECT_EQ(o.Validate().code(), sim::Status::Code::kInvalidArgument);
  EXPECT_NE(o.Validate().message().find("max_spans_per_request"), std::string::npos);
  o = {};
  o.buffer_bytes = 10;
  EXPECT_FALSE(o.Validate().ok());
}

TEST(OtlpJsonFileSinkTest, BatchesWholeTracesUpToTheLimit) {
  sim::Model m = testing::MakeTestModel();
  const std::string path = TempPath("batch.jsonl");
  auto sink = OtlpJsonFileSink::Open(path, m);
  ASSERT_TRUE(sink.ok()) << sink.status().ToString();
  // 300 traces of 1..40 spans: 6000+ spans.
  size_t total = 0;
  std::multiset<std::string> expected;
  for (uint64_t i = 1; i <= 300; ++i) {
    testing::TestTrace t = TraceOfSize(m, i, 1 + (i * 7) % 40);
    total += t.spans.size();
    for (const sim::Span& s : t.spans) {
      char hex[16];
      sim::SpanIdToHex(s.span_id, hex);
      expected.insert(std::string(hex, 16));
    }
    (*sink)->OnTrace(t.View(m));
  }
  ASSERT_TRUE((*sink)->Close().ok());
  EXPECT_EQ((*sink)->spans_written(), total);
  Written w = Parse(path);
  EXPECT_EQ(w.lines.size(), (*sink)->lines_written());
  EXPECT_GE(w.lines.size(), total / 512 + 1);
  EXPECT_EQ(w.span_ids, expected);
  for (size_t n : w.spans_per_line) EXPECT_LE(n, 512u);
  // No trace is split across lines.
  std::set<std::string> seen;
  for (const auto& traces : w.traces_per_line) {
    for (const std::string& t : traces) EXPECT_TRUE(seen.insert(t).second) << t;
  }
  // Events and links were remapped correctly when traces were copied into the batch.
  size_t events = 0, links = 0;
  for (const json& req : w.lines)
    for (const auto& rs : req["resourceSpans"])
      for (const auto& ss : rs["scopeSpans"])
        for (const auto& sp : ss["spans"]) {
          if (sp.contains("events")) {
            ++events;
            EXPECT_EQ(sp["events"][0]["name"], "retry");
          }
          if (sp.contains("links")) {
            ++links;
            EXPECT_EQ(sp["links"][0]["spanId"], "0000000000abcdef");
          }
        }
  EXPECT_GT(events, 0u);
  EXPECT_GT(links, 0u);
  std::filesystem::remove(path);
}

TEST(OtlpJsonFileSinkTest, SplitsOnlyOversizedTraces) {
  sim::Model m = testing::MakeTestModel();
  const std::string path = TempPath("split.jsonl");
  OtlpJsonFileOptions opts;
  opts.max_spans_per_request = 10;
  auto sink = OtlpJsonFileSink::Open(path, m, opts);
  ASSERT_TRUE(sink.ok());
  testing::TestTrace a = TraceOfSize(m, 1, 4);
  testing::TestTrace b = TraceOfSize(m, 2, 5);
  testing::TestTrace big = TraceOfSize(m, 3, 23);
  testing::TestTrace c = TraceOfSize(m, 4, 3);
  (*sink)->OnTrace(a.View(m));
  (*sink)->OnTrace(b.View(m));    // 9 pending
  (*sink)->OnTrace(big.View(m));  // flushes 9, writes 10 + 10 + 3
  (*sink)->OnTrace(c.View(m));
  ASSERT_TRUE((*sink)->Close().ok());
  Written w = Parse(path);
  EXPECT_EQ(w.spans_per_line, (std::vector<size_t>{9, 10, 10, 3, 3}));
  EXPECT_EQ(w.span_ids.size(), 35u);
  std::filesystem::remove(path);
}

TEST(OtlpJsonFileSinkTest, DeterministicBytes) {
  sim::Model m = testing::MakeTestModel();
  std::string paths[2] = {TempPath("det_a.jsonl"), TempPath("det_b.jsonl")};
  for (const std::string& p : paths) {
    auto sink = OtlpJsonFileSink::Open(p, m);
    ASSERT_TRUE(sink.ok());
    for (uint64_t i = 1; i <= 50; ++i) (*sink)->OnTrace(TraceOfSize(m, i, 20 + i % 7).View(m));
    ASSERT_TRUE((*sink)->Close().ok());
  }
  std::string a = ReadAll(paths[0]);
  EXPECT_FALSE(a.empty());
  EXPECT_EQ(a, ReadAll(paths[1]));
  EXPECT_EQ(a.back(), '\n');
  for (const std::string& p : paths) std::filesystem::remove(p);
}

TEST(OtlpJsonFileSinkTest, OpenInMissingDirectoryFails) {
  sim::Model m = testing::MakeTestModel();
  const std::string path = "/nonexistent-tracesim-dir/x/out.jsonl";
  auto sink = OtlpJsonFileSink::Open(path, m);
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), sim::Status::Code::kNotFound);
  EXPECT_NE(sink.status().message().find(path), std::string::npos);
  EXPECT_NE(sink.status().message().find("No such file"), std::string::npos);
}

TEST(OtlpJsonFileSinkTest, InvalidOptionsRejectedByOpen) {
  sim::Model m = testing::MakeTestModel();
  OtlpJsonFileOptions opts;
  opts.max_spans_per_request = 0;
  auto sink = OtlpJsonFileSink::Open(TempPath("never.jsonl"), m, opts);
  ASSERT_FALSE(sink.ok());
  EXPECT_EQ(sink.status().code(), sim::Status::Code::kInvalidArgument);
}

TEST(OtlpJsonFileSinkTest, WriteErrorReportedByClose) {
  if (!std::filesystem::exists("/dev/full")) GTEST_SKIP() << "no /dev/full";
  sim::Model m = testing::MakeTestModel();
  auto sink = OtlpJsonFileSink::Open("/dev/full", m);
  ASSERT_TRUE(sink.ok());
  for (uint64_t i = 1; i <= 20; ++i) (*sink)->OnTrace(TraceOfSize(m, i, 30).View(m));
  sim::Status st = (*sink)->Close();
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), sim::Status::Code::kIoError);
  EXPECT_NE(st.message().find("/dev/full"), std::string::npos);
  EXPECT_EQ((*sink)->Close().code(), sim::Status::Code::kIoError);  // idempotent
}

}  // namespace
}  // namespace tracesim::exporter
