#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "exporter/encoding/test_model.h"
#include "exporter/proto/trace_service.pb.h"
#include "peers/lab_oracle/arrival_stream.h"
#include "peers/lab_oracle/decisions.h"
#include "sampling/collector/tail_sampling/tail_size.h"
#include "scenarios/scenario.h"
#include "sim/kernel/simulation.h"
#include "workloads/workload.h"

namespace tracesim::peers {
namespace {

namespace fs = std::filesystem;

std::string TempPath(const char* name) {
  return (fs::temp_directory_path() / (std::string(name) + "." + std::to_string(getpid())))
      .string();
}

uint64_t Le(const std::string& s, size_t at, int bytes) {
  uint64_t v = 0;
  for (int i = bytes - 1; i >= 0; --i) v = v << 8 | static_cast<unsigned char>(s[at + i]);
  return v;
}

// The file is what doc/collector.md states: magic, then per span one record of arrival (u64 LE),
// length (u32 LE) and an ExportTraceServiceRequest holding exactly that span with its own events.
TEST(ArrivalStreamTest, OneRequestPerSpanInTheDocumentedFormat) {
  sim::Model m = exporter::testing::MakeTestModel();
  exporter::testing::TestTrace t = exporter::testing::MakeTestTrace(m);
  const std::string path = TempPath("arrivals");
  auto w = ArrivalStreamWriter::Open(path, m);
  ASSERT_TRUE(w.ok());
  for (size_t i = 0; i < t.spans.size(); ++i) {
    const sim::Span& s = t.spans[i];
    std::span<const sim::SpanEvent> ev(t.events.data() + s.first_event, s.event_count);
    std::span<const sim::SpanLink> ln(t.links.data() + s.first_link, s.link_count);
    // The second arrival goes back in time: it is written at the first one's time.
    (*w)->WriteSpan(i == 1 ? 999 : 1000 + static_cast<int64_t>(i), s, ev, ln);
  }
  ASSERT_TRUE((*w)->Close().ok());
  std::ifstream in(path, std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  fs::remove(path);
  ASSERT_EQ(bytes.substr(0, 8), "TSARRV1\n");
  size_t at = 8;
  for (size_t i = 0; i < t.spans.size(); ++i) {
    ASSERT_LE(at + 12, bytes.size());
    EXPECT_EQ(Le(bytes, at, 8), i == 1 ? 1000u : 1000u + i);
    const size_t len = Le(bytes, at + 8, 4);
    opentelemetry::proto::collector::trace::v1::ExportTraceServiceRequest req;
    ASSERT_TRUE(req.ParseFromString(bytes.substr(at + 12, len)));
    ASSERT_EQ(req.resource_spans_size(), 1);
    ASSERT_EQ(req.resource_spans(0).scope_spans_size(), 1);
    ASSERT_EQ(req.resource_spans(0).scope_spans(0).spans_size(), 1);
    const auto& sp = req.resource_spans(0).scope_spans(0).spans(0);
    EXPECT_EQ(sp.events_size(), static_cast<int>(t.spans[i].event_count));
    EXPECT_EQ(sp.links_size(), static_cast<int>(t.spans[i].link_count));
    at += 12 + len;
  }
  EXPECT_EQ(at, bytes.size());
}

TEST(DecisionsTest, TallyWritesWhatParseReads) {
  DecisionTally tally;
  sim::TraceId a{1, 2}, b{3, 4};
  tally.AddIn(a);
  tally.AddIn(b);
  tally.AddIn(a);
  tally.AddOut(a);
  std::stringstream file;
  tally.Write(file);
  EXPECT_EQ(file.str(), std::string(kDecisionsHeader) +
                            "\n00000000000000010000000000000002 sampled 2 1\n"
                            "00000000000000030000000000000004 dropped 1 0\n");
  auto parsed = ParseDecisions(file, "f");
  ASSERT_TRUE(parsed.ok());
  ASSERT_EQ(parsed->size(), 2u);
  EXPECT_EQ((*parsed)[0].spans_out, 1u);
}

TEST(DecisionsTest, ParseRejectsMalformedLines) {
  for (const char* bad : {"0123 sampled 1 1", "00000000000000010000000000000002 kept 1 1",
                          "00000000000000010000000000000002 sampled 1 0",
                          "00000000000000010000000000000002 dropped 1 1 extra",
                          "0000000000000001000000000000000G dropped 1 0"}) {
    std::stringstream in(bad);
    auto r = ParseDecisions(in, "f");
    EXPECT_FALSE(r.ok()) << bad;
    if (!r.ok()) {
      EXPECT_NE(r.status().message().find("f:1:"), std::string::npos);
    }
  }
}

TEST(DecisionsTest, CompareCountsIdenticalAndMissing) {
  std::vector<TraceDecision> t = {{"a", 2, 2}, {"b", 2, 0}, {"c", 3, 3}, {"d", 1, 1}};
  std::vector<TraceDecision> o = {{"a", 2, 2}, {"b", 2, 1}, {"c", 3, 2}, {"e", 1, 0}};
  Agreement a = Compare(t, o);
  EXPECT_EQ(a.traces, 3u);
  EXPECT_EQ(a.identical, 1u);      // a
  EXPECT_EQ(a.same_decision, 2u);  // a, c (c keeps a different number of spans)
  EXPECT_EQ(a.only_tracesim, 1u);  // d
  EXPECT_EQ(a.only_oracle, 1u);    // e
  EXPECT_EQ(a.sampled_tracesim, 2u);
  EXPECT_EQ(a.sampled_oracle, 3u);
  EXPECT_NEAR(a.identical_pct(), 100.0 / 3, 1e-9);
}

TEST(DecisionsTest, BinomialBound) {
  Agreement a;
  a.traces = 10000;
  a.sampled_oracle = 1000;  // p = 0.1: 4 * sqrt(2 * 0.09 / 1e4) + 1e-4 = 0.0171
  a.sampled_tracesim = 1160;
  EXPECT_TRUE(a.SampledWithinBinomial());
  a.sampled_tracesim = 1200;
  EXPECT_FALSE(a.SampledWithinBinomial());
}

// One size model: what the tail_sampling model counts for a span that arrived alone
// (ResourceSpans of its resource, its scope and the span: TracesSize of that ReceivedBatch) is
// the size of the ResourceSpans the arrival stream carries for it, on every span of a run.
class SizeCheck final : public sim::SimulationObserver {
 public:
  explicit SizeCheck(const sim::Model& m) : model_(m), sizer_(m), encoder_(m) {}
  uint32_t Interests() const override { return kSpanEnd; }
  void OnSpanEnd(const sim::Model&, const sim::Span& span, std::span<const sim::SpanEvent> events,
                 std::span<const sim::SpanLink> links) noexcept override {
    sim::Span own = span;
    own.first_event = 0;
    own.first_link = 0;
    out_.clear();
    encoder_.Encode(std::span<const sim::Span>(&own, 1), events, links, &out_);
    const uint32_t body = sizer_.SpanSize(span, events, links);
    const size_t rs = sampling::LengthDelimitedSize(sizer_.ResourceSpansSize(span, body));
    ++spans;
    if (rs != out_.size()) ++mismatches;  // the request is exactly one ResourceSpans field
  }
  uint64_t spans = 0, mismatches = 0;

 private:
  const sim::Model& model_;
  sampling::SpanSizer sizer_;
  exporter::OtlpProtoEncoder encoder_;
  std::string out_;
};

TEST(ArrivalStreamTest, TailSizeModelEqualsTheEncodedArrivals) {
  auto sc = scenarios::LoadScenarioFile(std::string(TRACESIM_SOURCE_DIR) +
                                        "/scenarios/checkout-payment-outage.yaml");
  ASSERT_TRUE(sc.ok()) << sc.status().ToString();
  sim::SimulationOptions opt;
  opt.seed = 7;
  opt.faults = sc->faults.empty() ? nullptr : &sc->faults;
  auto w = workloads::Workload::Create(sc->workload, sc->model, 7, sim::Duration::Seconds(20));
  ASSERT_TRUE(w.ok());
  SizeCheck check(sc->model);
  sim::Simulation s(sc->model, opt);
  ASSERT_TRUE(s.AddObserver(&check).ok());
  ASSERT_TRUE(s.Run(w->get()).ok());
  EXPECT_GT(check.spans, 1000u);
  EXPECT_EQ(check.mismatches, 0u);
}

}  // namespace
}  // namespace tracesim::peers
