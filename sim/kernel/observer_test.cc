#include "sim/kernel/observer.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "sim/kernel/simulation.h"
#include "sim/kernel/sink.h"
#include "sim/model/test_model.h"

namespace tracesim::sim {
namespace {

// gateway -> cart -> redis: one trace of nested calls per request, no faults (so every span but
// the root has its parent in the trace).
struct Chain {
  Model m;
  uint32_t entry;
  Chain() {
    uint32_t gw = AddService(m, "gateway", ServiceKind::kService, 1, 8, 16);
    uint32_t cart = AddService(m, "cart", ServiceKind::kService, 1, 4, 8);
    uint32_t redis = AddService(m, "redis", ServiceKind::kCache, 1, 0, 0);
    for (Service& s : m.services) s.network_latency = Distribution::Constant(100'000);
    uint32_t get =
        AddOp(m, redis, "GET", {Work(Distribution::Constant(300'000))}, Protocol::kCache);
    uint32_t cart_op =
        AddOp(m, cart, "GetCart", {Work(*Distribution::Exponential(2e6)), CallTo(get)});
    entry = AddOp(m, gw, "POST /checkout", {Work(Distribution::Constant(1e6)), CallTo(cart_op)});
    m.Finalize();
  }
};

uint64_t Word(uint64_t span_id) { return span_id * 0x9E3779B97F4A7C15ULL | 1; }

// Records every callback it gets into a shared log ("<name>:<callback>").
class Recorder : public SimulationObserver {
 public:
  Recorder(std::string name, uint32_t interests, std::vector<std::string>* log)
      : name_(std::move(name)), interests_(interests), log_(log) {}
  uint32_t Interests() const override { return interests_; }
  uint64_t OnSpanStart(const Model&, const Span& span, const Span* parent) noexcept override {
    log_->push_back(name_ + ":start");
    ++starts;
    if (span.parent_span_id != 0) {
      EXPECT_NE(parent, nullptr);
      if (parent != nullptr) {
        EXPECT_EQ(parent->span_id, span.parent_span_id);
        EXPECT_EQ(parent->observer_bits, Word(parent->span_id));  // the parent's word, passed on
        ++parents_seen;
      }
    } else {
      EXPECT_EQ(parent, nullptr);
    }
    return Word(span.span_id);
  }
  void OnSpanEnd(const Model&, const Span& span, std::span<const SpanEvent>,
                 std::span<const SpanLink>) noexcept override {
    log_->push_back(name_ + ":end");
    ++ends;
    end_bits.push_back(span.observer_bits == Word(span.span_id));
  }
  void OnTrace(const TraceView& t) noexcept override {
    log_->push_back(name_ + ":trace");
    ++traces;
    spans_in_traces += t.spans.size();
  }
  void OnRunEnd(const SimulationStats& s) noexcept override {
    log_->push_back(name_ + ":run_end");
    ++run_ends;
    end_time = s.end_time;
  }

  uint64_t starts = 0, ends = 0, traces = 0, run_ends = 0, parents_seen = 0, spans_in_traces = 0;
  std::vector<bool> end_bits;
  Time end_time;

 private:
  std::string name_;
  uint32_t interests_;
  std::vector<std::string>* log_;
};

constexpr uint32_t kAll = SimulationObserver::kSpanStart | SimulationObserver::kSpanEnd |
                          SimulationObserver::kTraceComplete | SimulationObserver::kRunEnd;

TEST(ObserverTest, CallbacksComeInOrderAndObserversInTheOrderAdded) {
  Chain c;
  std::vector<std::string> log;
  Recorder a("a", kAll, &log);
  Recorder b("b",
             SimulationObserver::kSpanEnd | SimulationObserver::kTraceComplete |
                 SimulationObserver::kRunEnd,
             &log);
  Simulation sim(c.m, SimulationOptions{});
  ASSERT_TRUE(sim.AddObserver(&a).ok());
  ASSERT_TRUE(sim.AddObserver(&b).ok());
  ListArrivals arrivals({Time::Zero()}, c.entry);  // one trace: three nested spans
  ASSERT_TRUE(sim.Run(&arrivals).ok());
  // One trace of nested calls: every span starts before the first ends; each end goes to a then
  // b; the trace completes after its last span ended; the run ends last.
  const size_t n = a.starts;
  ASSERT_GE(n, 3u);
  std::vector<std::string> want(n, "a:start");
  for (size_t i = 0; i < n; ++i) {
    want.push_back("a:end");
    want.push_back("b:end");
  }
  for (const char* x : {"a:trace", "b:trace", "a:run_end", "b:run_end"}) want.push_back(x);
  EXPECT_EQ(log, want);
}

TEST(ObserverTest, InterestsAreRespectedAndTheWordGoesParentToChild) {
  Chain c;
  std::vector<std::string> log;
  Recorder word("word", kAll, &log);
  Recorder traces_only("traces", SimulationObserver::kTraceComplete, &log);
  Recorder nothing("nothing", 0, &log);
  Simulation sim(c.m, SimulationOptions{});
  ASSERT_TRUE(sim.AddObserver(&traces_only).ok());
  ASSERT_TRUE(sim.AddObserver(&word).ok());
  ASSERT_TRUE(sim.AddObserver(&nothing).ok());
  PoissonArrivals arrivals(200, Duration::Seconds(2), c.entry, 7);
  ASSERT_TRUE(sim.Run(&arrivals).ok());

  EXPECT_GT(word.starts, 300u);
  EXPECT_EQ(word.ends, word.starts);
  EXPECT_EQ(word.parents_seen, word.starts - word.traces);  // every span but the root has one
  for (bool ok : word.end_bits) EXPECT_TRUE(ok);            // the kernel stored the word unchanged
  EXPECT_EQ(word.run_ends, 1u);
  EXPECT_EQ(traces_only.starts + traces_only.ends + traces_only.run_ends, 0u);
  EXPECT_EQ(traces_only.traces, sim.stats().traces_finished);
  EXPECT_EQ(traces_only.spans_in_traces, sim.stats().spans);
  EXPECT_EQ(nothing.starts + nothing.ends + nothing.traces + nothing.run_ends, 0u);
}

TEST(ObserverTest, WithoutASpanStartObserverTheWordIsAllOnes) {
  Chain c;
  InMemorySink sink;
  Simulation sim(c.m, SimulationOptions{});
  ASSERT_TRUE(sim.AddObserver(&sink).ok());
  PoissonArrivals arrivals(100, Duration::Seconds(1), c.entry, 3);
  ASSERT_TRUE(sim.Run(&arrivals).ok());
  ASSERT_GT(sink.span_count(), 0u);
  for (const auto& t : sink.traces())
    for (const Span& s : t.spans) EXPECT_EQ(s.observer_bits, ~uint64_t{0});
}

// Wakes every `period`; checks that the clock never ran past a wake-up before it was called.
class Ticker : public SimulationObserver {
 public:
  Ticker(Duration period, int64_t start_unix)
      : period_(period), start_unix_(start_unix), next_(Time::Zero() + period) {}
  uint32_t Interests() const override { return kTimeAdvance | kSpanEnd | kRunEnd; }
  Time NextWakeup() const noexcept override { return next_; }
  void OnTimeAdvance(Time now) noexcept override {
    EXPECT_EQ(now, next_);
    EXPECT_LE(last_end_, now);  // every span seen so far ended at or before the wake-up
    EXPECT_FALSE(run_ended_);
    calls.push_back(now);
    next_ = now + period_;
  }
  void OnSpanEnd(const Model&, const Span& span, std::span<const SpanEvent>,
                 std::span<const SpanLink>) noexcept override {
    last_end_ = Time::FromNanos(span.end_unix_nano - start_unix_);
    if (!calls.empty()) EXPECT_GT(last_end_, calls.back());  // no span ends before a past wake-up
  }
  void OnRunEnd(const SimulationStats&) noexcept override { run_ended_ = true; }

  std::vector<Time> calls;

 private:
  Duration period_;
  int64_t start_unix_;
  Time next_;
  Time last_end_;
  bool run_ended_ = false;
};

TEST(ObserverTest, TimeAdvanceAtTheDeclaredTimesAndNeverAfterTheEnd) {
  Chain c;
  SimulationOptions opt;
  Ticker ticker(Duration::Millis(250), opt.start_unix_nanos);
  CountingSink sink;
  Simulation sim(c.m, opt);
  ASSERT_TRUE(sim.AddObserver(&sink).ok());
  ASSERT_TRUE(sim.AddObserver(&ticker).ok());
  PoissonArrivals arrivals(50, Duration::Millis(1900), c.entry, 5);
  ASSERT_TRUE(sim.Run(&arrivals).ok());
  const Time end = sim.stats().end_time;
  ASSERT_FALSE(ticker.calls.empty());
  for (size_t i = 0; i < ticker.calls.size(); ++i)
    EXPECT_EQ(ticker.calls[i], Time::Zero() + Duration::Millis(250) * static_cast<int64_t>(i + 1));
  EXPECT_LE(ticker.calls.back(), end);                          // never after the end
  EXPECT_GT(ticker.calls.back() + Duration::Millis(250), end);  // every one before it was called
}

TEST(ObserverTest, TimeAdvanceAlsoFiresAcrossRunUntilPauses) {
  Chain c;
  SimulationOptions opt;
  Ticker ticker(Duration::Millis(100), opt.start_unix_nanos);
  Simulation sim(c.m, opt);
  ASSERT_TRUE(sim.AddObserver(&ticker).ok());
  PoissonArrivals arrivals(50, Duration::Seconds(1), c.entry, 9);
  ASSERT_TRUE(sim.Start(&arrivals).ok());
  for (int64_t ms = 50; !sim.finished(); ms += 50)
    ASSERT_TRUE(sim.RunUntil(Time::Zero() + Duration::Millis(ms)).ok());
  for (size_t i = 0; i < ticker.calls.size(); ++i)
    EXPECT_EQ(ticker.calls[i], Time::Zero() + Duration::Millis(100) * static_cast<int64_t>(i + 1));
  EXPECT_GE(ticker.calls.size(), 9u);
  EXPECT_LE(ticker.calls.back(), sim.stats().end_time);
}

TEST(ObserverTest, ASecondSpanStartClaimantIsRejected) {
  Chain c;
  std::vector<std::string> log;
  Recorder a("a", kAll, &log), b("b", SimulationObserver::kSpanStart, &log);
  Simulation sim(c.m, SimulationOptions{});
  ASSERT_TRUE(sim.AddObserver(&a).ok());
  Status st = sim.AddObserver(&b);
  EXPECT_FALSE(st.ok());
  EXPECT_NE(st.message().find("span start"), std::string::npos) << st.message();
  ListArrivals arrivals({Time::Zero()}, c.entry);
  EXPECT_FALSE(sim.Run(&arrivals).ok());  // the error comes back from Run too
  EXPECT_EQ(a.starts + b.starts, 0u);
}

TEST(ObserverTest, AddObserverAfterStartOrNullIsAnError) {
  Chain c;
  CountingSink sink;
  Simulation sim(c.m, SimulationOptions{});
  EXPECT_FALSE(sim.AddObserver(nullptr).ok());
  Simulation sim2(c.m, SimulationOptions{});
  ListArrivals arrivals({Time::Zero()}, c.entry);
  ASSERT_TRUE(sim2.Start(&arrivals).ok());
  EXPECT_FALSE(sim2.AddObserver(&sink).ok());
}

}  // namespace
}  // namespace tracesim::sim
