// SdkBatchExport against go.opentelemetry.io/otel/sdk v1.46.0's BatchSpanProcessor
// (sdk/trace/batch_span_processor.go), each test stating the upstream behaviour it holds.
#include "sampling/lab/sdk_export/sdk_export.h"

#include <gtest/gtest.h>

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "sampling/collector/tail_sampling/tail_test_model.h"

namespace tracesim::sampling {
namespace {

using testing::MakeSpan;
using testing::MakeTailModel;

constexpr int64_t kMs = 1'000'000;
constexpr int64_t kT0 = 1'700'000'000'000'000'000;

struct Export {
  size_t strategy;
  int64_t at;
  std::vector<uint64_t> span_ids;
  std::vector<uint32_t> resources;
};

class Collect final : public SdkExportListener {
 public:
  void OnExport(size_t strategy, int64_t at, std::span<const SizedSpan> spans) noexcept override {
    Export e{strategy, at, {}, {}};
    for (const SizedSpan& s : spans) {
      e.span_ids.push_back(s.span->span_id);
      e.resources.push_back(s.span->resource);
    }
    exports.push_back(std::move(e));
  }
  size_t Spans() const {
    size_t n = 0;
    for (const Export& e : exports) n += e.span_ids.size();
    return n;
  }
  std::vector<Export> exports;
};

// One span of trace `trace` ending at `end` on service (= resource) `svc`.
sim::Span Ending(uint64_t trace, uint64_t id, int64_t end, uint32_t svc = 0) {
  return MakeSpan(trace, id, 0, end - kMs, kMs, svc);
}

TEST(BspOptionsTest, EnvIsReadAsTheGoSdkReadsIt) {
  std::vector<std::string> warnings;
  // Unset: the defaults (DefaultScheduleDelay 5000, DefaultExportTimeout 30000,
  // DefaultMaxQueueSize 2048, DefaultMaxExportBatchSize 512).
  BspOptions d = BspOptionsFromEnv({}, &warnings);
  EXPECT_EQ(d.schedule_delay_ms, 5000);
  EXPECT_EQ(d.export_timeout_ms, 30000);
  EXPECT_EQ(d.max_queue_size, 2048);
  EXPECT_EQ(d.max_export_batch_size, 512);
  EXPECT_TRUE(warnings.empty());
  // strconv.Atoi: a sign is fine; spaces, decimals and units are not (IntEnvOr keeps the default).
  BspOptions o = BspOptionsFromEnv({{"OTEL_BSP_SCHEDULE_DELAY", "+250"},
                                    {"OTEL_BSP_EXPORT_TIMEOUT", " 100"},
                                    {"OTEL_BSP_MAX_QUEUE_SIZE", "1.5"},
                                    {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", ""}},
                                   &warnings);
  EXPECT_EQ(o.schedule_delay_ms, 250);
  EXPECT_EQ(o.export_timeout_ms, 30000);
  EXPECT_EQ(o.max_queue_size, 2048);
  EXPECT_EQ(o.max_export_batch_size, 512);  // empty: unset
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[0].find("OTEL_BSP_EXPORT_TIMEOUT"), std::string::npos);
  // NewBatchSpanProcessor: a batch above the queue becomes min(DefaultMaxExportBatchSize, queue).
  BspOptions c = BspOptionsFromEnv(
      {{"OTEL_BSP_MAX_QUEUE_SIZE", "100"}, {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "1000"}}, nullptr);
  EXPECT_EQ(c.max_export_batch_size, 100);
  BspOptions c2 = BspOptionsFromEnv(
      {{"OTEL_BSP_MAX_QUEUE_SIZE", "4096"}, {"OTEL_BSP_MAX_EXPORT_BATCH_SIZE", "9000"}}, nullptr);
  EXPECT_EQ(c2.max_export_batch_size, 512);
}

TEST(BspOptionsTest, ValidateRefusesWhatTheSdkCannotRun) {
  EXPECT_TRUE(BspOptions{}.Validate().ok());
  BspOptions o;
  o.schedule_delay_ms = 0;  // a zero timer fires in a busy loop
  EXPECT_NE(o.Validate().message().find("OTEL_BSP_SCHEDULE_DELAY"), std::string::npos);
  o = BspOptions{};
  o.max_queue_size = -1;  // make(chan, -1) panics
  EXPECT_NE(o.Validate().message().find("OTEL_BSP_MAX_QUEUE_SIZE"), std::string::npos);
  o = BspOptions{};
  o.max_export_batch_size = 0;
  EXPECT_NE(o.Validate().message().find("OTEL_BSP_MAX_EXPORT_BATCH_SIZE"), std::string::npos);
  o = BspOptions{};
  o.export_duration_ms = -5;
  EXPECT_NE(o.Validate().message().find("duration_ms"), std::string::npos);
}

// The timer: an instance that never fills a batch exports every schedule_delay, all the spans
// that ended since the last export in one request, in the order they ended.
// The longest a span waits without a backlog: the schedule delay plus one export call, which
// the export timeout cuts (the lab's finalize delay, lint's and advise's decision_wait sizing).
TEST(BspOptionsTest, MaxDelayIsTheScheduleDelayPlusOneExportCall) {
  BspOptions o;
  EXPECT_EQ(o.MaxDelayNanos(), 5000 * kMs);
  o.export_duration_ms = 700;
  EXPECT_EQ(o.MaxDelayNanos(), 5700 * kMs);
  o.export_timeout_ms = 300;  // the call is cut at the timeout
  EXPECT_EQ(o.MaxDelayNanos(), 5300 * kMs);
  o.export_timeout_ms = 0;  // no timeout
  EXPECT_EQ(o.MaxDelayNanos(), 5700 * kMs);
}

TEST(SdkBatchExportTest, TimerExportsEveryScheduleDelay) {
  const sim::Model model = MakeTailModel();
  Collect out;
  SdkBatchExport bsp(model, {BspOptions{}}, &out);
  for (int i = 0; i < 20; ++i) {
    const int64_t t = kT0 + i * 1000 * kMs;  // one span a second for 20 s
    bsp.AdvanceTo(t);
    bsp.OnSpanEnd(Ending(i, i + 1, t), {}, {}, 100, 1, t);
  }
  bsp.AdvanceTo(kT0 + 30'000 * kMs);
  ASSERT_GE(out.exports.size(), 4u);
  EXPECT_EQ(out.Spans(), 20u);
  for (size_t e = 1; e < out.exports.size(); ++e)
    EXPECT_EQ(out.exports[e].at - out.exports[e - 1].at, 5000 * kMs);
  // The first export comes within one delay of the first span (the SDK's timer phase).
  EXPECT_GT(out.exports[0].at, kT0);
  EXPECT_LE(out.exports[0].at, kT0 + 5000 * kMs);
  uint64_t next = 1;
  for (const Export& e : out.exports) {
    EXPECT_LE(e.span_ids.size(), 6u);
    for (uint64_t id : e.span_ids) EXPECT_EQ(id, next++);
  }
  EXPECT_EQ(bsp.stats(0).exports, out.exports.size());
}

// A full batch (len(batch) >= MaxExportBatchSize) is exported at once and resets the timer.
TEST(SdkBatchExportTest, FullBatchExportsAtOnceAndResetsTheTimer) {
  const sim::Model model = MakeTailModel();
  Collect out;
  BspOptions o;
  o.max_export_batch_size = 4;
  o.max_queue_size = 8;
  SdkBatchExport bsp(model, {o}, &out);
  for (int i = 0; i < 10; ++i) {
    const int64_t t = kT0 + i * kMs;
    bsp.AdvanceTo(t);
    bsp.OnSpanEnd(Ending(i, i + 1, t), {}, {}, 100, 1, t);
  }
  ASSERT_EQ(out.exports.size(), 2u);
  EXPECT_EQ(out.exports[0].at, kT0 + 3 * kMs);  // the 4th span fills the batch
  EXPECT_EQ(out.exports[0].span_ids, (std::vector<uint64_t>{1, 2, 3, 4}));
  EXPECT_EQ(out.exports[1].at, kT0 + 7 * kMs);
  bsp.AdvanceTo(kT0 + 7 * kMs + 5000 * kMs - 1);
  EXPECT_EQ(out.exports.size(), 2u);  // the timer was reset by the export at +7 ms
  bsp.AdvanceTo(kT0 + 7 * kMs + 5000 * kMs);
  ASSERT_EQ(out.exports.size(), 3u);
  EXPECT_EQ(out.exports[2].span_ids, (std::vector<uint64_t>{9, 10}));
}

// One BatchSpanProcessor per instance: each export holds one instance's spans (one
// ResourceSpans), and each strategy's processor exports only the spans it sampled.
TEST(SdkBatchExportTest, OneProcessorPerInstanceAndStrategy) {
  const sim::Model model = MakeTailModel();
  Collect out;
  SdkBatchExport bsp(model, {BspOptions{}, BspOptions{}}, &out);
  EXPECT_EQ(bsp.mask(), 3u);
  for (int i = 0; i < 40; ++i) {
    const int64_t t = kT0 + i * 100 * kMs;
    bsp.AdvanceTo(t);
    bsp.OnSpanEnd(Ending(i, i + 1, t, static_cast<uint32_t>(i % 2)), {}, {}, 100,
                  i % 4 == 0 ? 3 : 1, t);
  }
  bsp.Shutdown(kT0 + 4000 * kMs);
  size_t spans0 = 0, spans1 = 0;
  for (const Export& e : out.exports) {
    for (uint32_t r : e.resources) EXPECT_EQ(r, e.resources.front());
    (e.strategy == 0 ? spans0 : spans1) += e.span_ids.size();
    if (e.strategy == 1) {
      for (uint64_t id : e.span_ids) EXPECT_EQ((id - 1) % 4, 0u);
    }
  }
  EXPECT_EQ(spans0, 40u);
  EXPECT_EQ(spans1, 10u);
}

// While an export is in flight the worker is busy: spans wait in the channel, a full channel
// drops them (enqueueDrop), and when the export returns the worker drains the channel.
TEST(SdkBatchExportTest, BurstFillsTheQueueWhileAnExportIsInFlight) {
  const sim::Model model = MakeTailModel();
  Collect out;
  BspOptions o;
  o.max_export_batch_size = 10;
  o.max_queue_size = 20;
  o.export_duration_ms = 50;
  SdkBatchExport bsp(model, {o}, &out);
  for (int i = 0; i < 100; ++i) {  // 100 spans in the same millisecond
    bsp.AdvanceTo(kT0);
    bsp.OnSpanEnd(Ending(i, i + 1, kT0), {}, {}, 100, 1, kT0);
  }
  // 10 exported at once (busy 50 ms), 20 queued, 70 dropped.
  EXPECT_EQ(bsp.stats(0).spans_dropped, 70u);
  ASSERT_EQ(out.exports.size(), 1u);
  bsp.AdvanceTo(kT0 + 50 * kMs);  // drains 10 into a full batch: exported, busy again
  ASSERT_EQ(out.exports.size(), 2u);
  EXPECT_EQ(out.exports[1].at, kT0 + 50 * kMs);
  bsp.AdvanceTo(kT0 + 100 * kMs);
  ASSERT_EQ(out.exports.size(), 3u);
  EXPECT_EQ(out.Spans(), 30u);
  EXPECT_EQ(out.exports[2].span_ids.front(), 21u);
  EXPECT_EQ(bsp.stats(0).spans_enqueued, 100u);
}

// An export that outlasts export_timeout is cancelled: its spans never reach the Collector.
TEST(SdkBatchExportTest, ExportsCutByTheTimeoutAreLost) {
  const sim::Model model = MakeTailModel();
  Collect out;
  BspOptions o;
  o.export_timeout_ms = 100;
  o.export_duration_ms = 100;
  SdkBatchExport bsp(model, {o}, &out);
  bsp.OnSpanEnd(Ending(1, 1, kT0), {}, {}, 100, 1, kT0);
  bsp.Shutdown(kT0 + 10 * kMs);
  EXPECT_TRUE(out.exports.empty());
  EXPECT_EQ(bsp.stats(0).spans_lost_timeout, 1u);
}

// Shutdown exports everything still queued or batched (drainQueue), in batches of at most
// max_export_batch_size, at the shutdown time.
TEST(SdkBatchExportTest, ShutdownDrainsInBatches) {
  const sim::Model model = MakeTailModel();
  Collect out;
  BspOptions o;
  o.max_export_batch_size = 512;
  SdkBatchExport bsp(model, {o}, &out);
  for (int i = 0; i < 700; ++i) bsp.OnSpanEnd(Ending(i, i + 1, kT0 + i), {}, {}, 100, 1, kT0 + i);
  EXPECT_EQ(out.exports.size(), 1u);  // the 512th span filled a batch
  bsp.Shutdown(kT0 + 1000);
  ASSERT_EQ(out.exports.size(), 2u);
  EXPECT_EQ(out.exports[1].span_ids.size(), 188u);
  EXPECT_EQ(out.exports[1].at, kT0 + 1000);
  EXPECT_EQ(bsp.stats(0).spans_exported, 700u);
}

// Count-only processors count as the SDK does but hold nothing: the caller delivers the spans
// they took, and their exports reach no listener.
// A span that only fixed-fields-only strategies hold is stored without its dynamic attributes,
// events and links; one that another strategy holds too arrives whole, for both.
TEST(SdkBatchExportTest, FixedFieldsOnlyStrategiesGetTheFixedFields) {
  sim::Model model = MakeTailModel();
  const sim::StrId key = model.strings.Intern("k");
  struct Seen final : SdkExportListener {
    void OnExport(size_t strategy, int64_t, std::span<const SizedSpan> spans) noexcept override {
      for (const SizedSpan& s : spans) {
        got.push_back({strategy, s.span->span_id, s.span->dynamic_count, s.events.size(),
                       s.span->trace_id.lo, s.size});
      }
    }
    struct Got {
      size_t strategy;
      uint64_t span_id;
      int attrs;
      size_t events;
      uint64_t trace;
      uint32_t size;
      bool operator==(const Got&) const = default;
    };
    std::vector<Got> got;
  } out;
  SdkBatchExport bsp(model, {BspOptions{}, BspOptions{}}, &out);
  bsp.SetFixedFieldsOnly(0b01);  // strategy 0 reads fixed fields only, strategy 1 everything
  sim::SpanEvent event;
  event.name = model.strings.Intern("exception");
  for (uint64_t id = 1; id <= 2; ++id) {
    sim::Span s = Ending(7, id, kT0 + static_cast<int64_t>(id) * kMs);
    s.AddAttr(key, sim::AttrValue::Int(42));
    s.AddAttr(key, sim::AttrValue::Int(43));
    // Span 1: strategy 0 alone; span 2: both.
    bsp.OnSpanEnd(s, std::span<const sim::SpanEvent>(&event, 1), {}, 321, id == 1 ? 0b01 : 0b11,
                  s.end_unix_nano);
  }
  bsp.Shutdown(kT0 + 10 * kMs);
  using G = decltype(out)::Got;
  const uint64_t t = testing::Tid(7).lo;
  EXPECT_EQ(out.got,
            (std::vector<G>{{0, 1, 0, 0, t, 321}, {0, 2, 2, 1, t, 321}, {1, 2, 2, 1, t, 321}}));
}

TEST(SdkBatchExportTest, CountOnlyStrategiesHandTheSpanBack) {
  const sim::Model model = MakeTailModel();
  Collect out;
  SdkBatchExport bsp(model, {BspOptions{}, BspOptions{}}, &out);
  bsp.SetCountOnly(2);
  EXPECT_EQ(bsp.OnSpanEnd(Ending(1, 1, kT0), {}, {}, 100, 3, kT0), 2u);
  bsp.Shutdown(kT0 + 1);
  ASSERT_EQ(out.exports.size(), 1u);
  EXPECT_EQ(out.exports[0].strategy, 0u);
  EXPECT_EQ(bsp.stats(1).exports, 1u);
  EXPECT_EQ(bsp.stats(1).spans_exported, 1u);
}

}  // namespace
}  // namespace tracesim::sampling
