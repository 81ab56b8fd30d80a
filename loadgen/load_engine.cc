#include "loadgen/load_engine.h"

#include <time.h>

#include <algorithm>
#include <condition_variable>
#include <deque>
#include <mutex>
#include <thread>

#include "loadgen/rate_meter.h"
#include "metrics/histogram.h"
#include "sim/kernel/simulation.h"
#include "sim/kernel/sink.h"
#include "sim/model/span_records.h"
#include "workloads/workload.h"

namespace tracesim::loadgen {

sim::Status EngineOptions::Validate() const {
  auto bad = [](const std::string& m) { return sim::Status::InvalidArgument(m); };
  if (duration.nanos() <= 0) return bad("duration must be > 0");
  if (mean_spans_per_trace < 0) return bad("mean_spans_per_trace must be >= 0");
  if (rate_in_spans && !(mean_spans_per_trace > 0))
    return bad("a rate in spans/s needs mean_spans_per_trace > 0");
  if (senders < 1 || senders > 256) return bad("senders must be in [1, 256]");
  if (batch_spans < 1) return bad("batch_spans must be >= 1");
  if (batch_bytes < 1024) return bad("batch_bytes must be >= 1024");
  if (batch_delay.count() < 1) return bad("batch_delay must be >= 1ms");
  if (queue_spans < batch_spans) return bad("queue_spans must be >= batch_spans");
  if (max_in_flight < 1) return bad("max_in_flight must be >= 1");
  if (grace.count() < 0) return bad("grace must be >= 0");
  if (lookahead.count() < 0) return bad("lookahead must be >= 0");
  if (drain_limit.nanos() < 0) return bad("drain_limit must be >= 0");
  if (shard_count < 1 || shard_count > 1024 || shard_index >= shard_count)
    return bad("shard_index must be below shard_count, in [1, 1024]");
  if (start_at_unix_nanos < 0) return bad("start_at_unix_nanos must be >= 0");
  return retry.Validate();
}

namespace {

using TimePoint = Clock::TimePoint;

int64_t CpuNanos() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return int64_t{ts.tv_sec} * 1000000000 + ts.tv_nsec;
}

struct Batch {
  sim::PackedSpans spans;  // packed: the fixed fields and the attributes each span has
  std::vector<sim::SpanEvent> events;
  std::vector<sim::SpanLink> links;
  // The encoded request, shared with the transport while it is out (ExportRequest::body) and
  // kept for a retry. Reused for the next batch once the transport has let go of it.
  std::shared_ptr<std::string> body;
  uint64_t id = 0;
  uint32_t attempts = 0;
  TimePoint first_attempt;
  TimePoint due;
  void Clear() {
    spans.clear();
    events.clear();
    links.clear();
    if (body.use_count() != 1) body = nullptr;  // the transport still holds it: never changed
    if (body != nullptr) body->clear();
    attempts = 0;
  }
  bool encoded() const { return body != nullptr && !body->empty(); }
  std::string* BodyToWrite() {  // the reused string when nobody else holds it, else a new one
    if (body.use_count() != 1) body = std::make_shared<std::string>();
    return body.get();
  }
};

// Spans that ended in the simulation, waiting for the wall clock to reach their end time. FIFO in
// end-time order (SimulationObserver::OnSpanEnd guarantees it), held packed (sim::PackedSpans:
// ~150 bytes for a fanout span instead of sizeof(sim::Span) = 464). Buffers are reused: no
// per-span allocation once they have grown.
class PendingSpans final : public sim::SimulationObserver {
 public:
  uint32_t Interests() const override { return kSpanEnd; }
  void OnSpanEnd(const sim::Model&, const sim::Span& span, std::span<const sim::SpanEvent> events,
                 std::span<const sim::SpanLink> links) noexcept override {
    spans_.Append(span);
    firsts_.push_back(Firsts{events_base_ + events_.size(), links_base_ + links_.size()});
    events_.insert(events_.end(), events.begin(), events.end());
    links_.insert(links_.end(), links.begin(), links.end());
  }
  bool empty() const { return head_ == spans_.size(); }
  size_t size() const { return spans_.size() - head_; }
  const sim::Span& front() const { return spans_[head_]; }
  // The end time of the k-th span from the front. REQUIRES: k < size().
  int64_t EndOf(size_t k) const { return spans_[head_ + k].end_unix_nano; }
  // Appends the front span (with its events and links, re-based) to `b` and pops it.
  void MoveFrontTo(Batch* b) {
    const Firsts& f = firsts_[head_];
    sim::Span& s = b->spans.Append(spans_[head_]);
    s.first_event = static_cast<uint32_t>(b->events.size());
    s.first_link = static_cast<uint32_t>(b->links.size());
    size_t ev = f.event - events_base_, lk = f.link - links_base_;
    b->events.insert(b->events.end(), events_.begin() + ev, events_.begin() + ev + s.event_count);
    b->links.insert(b->links.end(), links_.begin() + lk, links_.begin() + lk + s.link_count);
    Pop();
  }
  void Pop() {
    ++head_;
    if (head_ >= 4096 && head_ * 2 >= spans_.size()) Compact();
  }

 private:
  struct Firsts {
    uint64_t event;  // absolute index into the event stream
    uint64_t link;
  };
  void Compact() {
    uint64_t ev_keep = empty() ? events_base_ + events_.size() : firsts_[head_].event;
    uint64_t lk_keep = empty() ? links_base_ + links_.size() : firsts_[head_].link;
    events_.erase(events_.begin(), events_.begin() + (ev_keep - events_base_));
    links_.erase(links_.begin(), links_.begin() + (lk_keep - links_base_));
    events_base_ = ev_keep;
    links_base_ = lk_keep;
    spans_.EraseFront(head_);
    firsts_.erase(firsts_.begin(), firsts_.begin() + static_cast<std::ptrdiff_t>(head_));
    head_ = 0;
  }
  sim::PackedSpans spans_;
  std::vector<Firsts> firsts_;  // per span in spans_
  size_t head_ = 0;
  std::vector<sim::SpanEvent> events_;
  std::vector<sim::SpanLink> links_;
  uint64_t events_base_ = 0, links_base_ = 0;
};

// Stops a workload after `limit` arrivals.
class LimitedArrivals final : public sim::ArrivalSource {
 public:
  LimitedArrivals(sim::ArrivalSource* inner, uint64_t limit) : inner_(inner), limit_(limit) {}
  bool Next(sim::Arrival* out) noexcept override {
    if (limit_ != 0 && count_ >= limit_) return false;
    if (!inner_->Next(out)) return false;
    ++count_;
    return true;
  }

 private:
  sim::ArrivalSource* inner_;
  uint64_t limit_;
  uint64_t count_ = 0;
};

// One generator's share of the arrival stream (EngineOptions::shard_index/count): the arrivals
// at position `index` modulo `count`, keeping their index (the source's, else the position).
class StridedArrivals final : public sim::ArrivalSource {
 public:
  StridedArrivals(sim::ArrivalSource* inner, uint32_t index, uint32_t count)
      : inner_(inner), index_(index), count_(count) {}
  bool Next(sim::Arrival* out) noexcept override {
    for (;;) {
      out->index = sim::Arrival::kCounted;
      if (!inner_->Next(out)) return false;
      const uint64_t k = drawn_++;
      if (k % count_ == index_) {
        if (out->index == sim::Arrival::kCounted) out->index = k;
        return true;
      }
    }
  }

 private:
  sim::ArrivalSource* inner_;
  uint64_t index_, count_;
  uint64_t drawn_ = 0;
};

// Feeds every finished trace to the RateMeter (the arrival-to-end delays of its spans).
class MeterSink final : public sim::SpanSink {
 public:
  explicit MeterSink(RateMeter* meter) : meter_(meter) {}
  void OnTrace(const sim::TraceView& trace) noexcept override { meter_->RecordTrace(trace.spans); }

 private:
  RateMeter* meter_;
};

constexpr double kNanosPerMs = 1e6;
// Largest slice of simulated time the generator thread simulates in one pass. At a sustainable
// rate a pass covers ~2 ms, so this binds only when the simulation lags the wall clock.
constexpr int64_t kMaxSimStepNs = 10000000;
// When the generator thread wakes to release spans: when the span that fills the open batch
// (--batch-spans) is due, or after kReleaseTick, whichever comes first, but not sooner than
// kReleaseQuantum. A batch leaves when its last span is released, so this sends every request at
// the same moment as releasing each span at its own end time would, and spans are released at
// most kReleaseTick late (plus the scheduler's delay). Waking for each span's end time cost a
// context switch every few spans at 200 k spans/s (7.8 k switches/s, a fifth of the CPU).
constexpr auto kReleaseTick = std::chrono::milliseconds(2);
constexpr auto kReleaseQuantum = std::chrono::microseconds(200);

struct PromMetrics {
  metrics::Counter* generated = nullptr;
  metrics::Counter* traces = nullptr;
  metrics::Counter* accepted = nullptr;
  metrics::Counter* rejected_partial = nullptr;
  metrics::Counter* rejected_fatal = nullptr;
  metrics::Counter* dropped_queue_full = nullptr;
  metrics::Counter* dropped_non_retryable = nullptr;
  metrics::Counter* dropped_retries_exhausted = nullptr;
  metrics::Counter* dropped_shutdown = nullptr;
  metrics::Counter* req_ok = nullptr;
  metrics::Counter* req_retryable = nullptr;
  metrics::Counter* req_fatal = nullptr;
  metrics::Counter* req_shutdown = nullptr;
  metrics::Gauge* in_flight = nullptr;
  metrics::Gauge* queued = nullptr;
  metrics::Gauge* target_rate = nullptr;
  metrics::BucketHistogram* latency = nullptr;
};

void Inc(metrics::Counter* c, double v) {
  if (c != nullptr) c->Increment(v);
}

}  // namespace

class LoadEngine::Impl {
 public:
  Impl(const sim::Model& model, workloads::WorkloadSpec workload, EngineOptions options,
       exporter::Transport* transport, EncoderFactory encoders, metrics::MetricsRegistry* registry)
      : model_(model),
        spec_(std::move(workload)),
        opt_(std::move(options)),
        transport_(transport),
        encoders_(std::move(encoders)),
        registry_(registry),
        clock_(opt_.clock != nullptr ? opt_.clock : Clock::Real()),
        rng_(sim::Rng::Derive(opt_.seed, "loadgen-retry-jitter")) {}

  sim::Result<LoadReport> Run(const std::atomic<int>* stop,
                              std::function<void(const SecondStats&)> on_second);

 private:
  sim::Status RegisterMetrics();
  Batch* NewBatch();  // REQUIRES: mu_ held
  void Enqueue(Batch* b);
  void SenderLoop();
  // Encodes `b` (splitting it while its body exceeds batch_bytes: the second half goes to the
  // queue's front) and sends it. REQUIRES: b holds a request slot (in_flight_requests_).
  void EncodeAndSend(Batch* b, BatchEncoder* encoder);
  // Takes a request slot for `b` when the generator thread may send it itself: nothing queued,
  // no retry due, a slot free (the order a sender would keep). REQUIRES: mu_ not held.
  bool TakeSlotForInline(Batch* b);
  void Send(Batch* b);
  void OnResult(Batch* b, const exporter::ExportResult& r);
  // REQUIRES: mu_ held. Resolves b's spans out of in_flight and frees its request slot.
  void FinishLocked(Batch* b);
  bool RetryOrDropLocked(Batch* b, const exporter::ExportResult& r);
  void RollSecond(uint32_t second, std::function<void(const SecondStats&)>& on_second);
  double ExpectedArrivals(double seconds) const;

  // The phases of Run(), in order, on the generator thread.
  struct RunState;
  // Nanoseconds since the run started at `now`; rolls the seconds that have passed.
  int64_t ElapsedNanos(RunState& rs, TimePoint now);
  // Closes the open batch, if any: sends it from this thread while the simulation keeps up with
  // the clock (RunState::send_here) and TakeSlotForInline allows, else queues it for a sender.
  void CloseOpen(RunState& rs);
  void Generate(RunState& rs, sim::Simulation& simulation, PendingSpans& pending, RateMeter& meter);
  void ReleaseDue(RunState& rs, PendingSpans& pending, RateMeter& meter, TimePoint now, int64_t el);
  void Drain(RunState& rs);
  void HardStop();  // drops what is queued or waiting for a retry, cancels what is in flight
  LoadReport BuildReport(const RunState& rs, RateMeter& meter, TimePoint t_end);
  // Sleeps until the wall clock reaches opt_.start_at_unix_nanos, in steps of at most 50 ms so
  // that the stop counter is seen; false when it stopped the wait.
  bool WaitForStart(const std::atomic<int>* stop);

  const sim::Model& model_;
  workloads::WorkloadSpec spec_;
  EngineOptions opt_;
  exporter::Transport* transport_;
  EncoderFactory encoders_;
  metrics::MetricsRegistry* registry_;
  Clock* clock_;  // opt_.clock or the real clock
  PromMetrics prom_;

  std::mutex mu_;
  std::condition_variable work_cv_;                  // senders wait for work or a slot
  std::condition_variable done_cv_;                  // the drain waits for completions
  std::deque<Batch*> queue_;                         // GUARDED_BY(mu_)
  std::vector<Batch*> retry_heap_;                   // GUARDED_BY(mu_), min-heap on due
  std::vector<std::unique_ptr<Batch>> all_batches_;  // GUARDED_BY(mu_)
  std::vector<Batch*> free_batches_;                 // GUARDED_BY(mu_)
  uint64_t next_batch_id_ = 1;                       // GUARDED_BY(mu_)
  uint32_t in_flight_requests_ = 0;                  // GUARDED_BY(mu_)
  uint32_t sending_ = 0;                             // GUARDED_BY(mu_): inside ExportAsync
  bool hard_stop_ = false;                           // GUARDED_BY(mu_)
  bool senders_exit_ = false;                        // GUARDED_BY(mu_)
  sim::Rng rng_;                                     // GUARDED_BY(mu_)
  metrics::Histogram latency_;                       // GUARDED_BY(mu_)
  metrics::Histogram second_latency_;                // GUARDED_BY(mu_)
  SecondStats cur_;                                  // GUARDED_BY(mu_): the open second
  std::vector<SecondStats> seconds_;                 // GUARDED_BY(mu_)
  LoadReport rep_;  // result buckets GUARDED_BY(mu_); generator-only fields unguarded

  std::atomic<uint64_t> queued_spans_{0};  // spans in queue_ (not the open batch)
  std::atomic<uint64_t> in_flight_spans_{0};
  // Spans in retry_heap_ (also in in_flight_spans_): they count against queue_spans, so an outage
  // cannot make the generator hold more than the queue bound (issue 16 item 6).
  std::atomic<uint64_t> retry_spans_{0};
};

LoadEngine::LoadEngine(const sim::Model& model, workloads::WorkloadSpec workload,
                       EngineOptions options, exporter::Transport* transport,
                       EncoderFactory encoders, metrics::MetricsRegistry* registry)
    : impl_(std::make_unique<Impl>(model, std::move(workload), std::move(options), transport,
                                   std::move(encoders), registry)) {}
LoadEngine::~LoadEngine() = default;

sim::Result<LoadReport> LoadEngine::Run(const std::atomic<int>* stop,
                                        std::function<void(const SecondStats&)> on_second) {
  return impl_->Run(stop, std::move(on_second));
}

sim::Status LoadEngine::Impl::RegisterMetrics() {
  if (registry_ == nullptr) return sim::Status::Ok();
  auto& r = *registry_;
  const char* spans_help = "Spans the load generator has generated (released at their end time).";
  TRACESIM_ASSIGN_OR_RETURN(prom_.generated,
                            r.AddCounter("tracesim_load_spans_generated_total", spans_help));
  TRACESIM_ASSIGN_OR_RETURN(
      prom_.traces, r.AddCounter("tracesim_load_traces_generated_total",
                                 "Traces the load generator has generated (root spans released)."));
  TRACESIM_ASSIGN_OR_RETURN(prom_.accepted, r.AddCounter("tracesim_load_spans_accepted_total",
                                                         "Spans the receiver accepted."));
  const char* rej = "Spans the receiver refused, by reason.";
  TRACESIM_ASSIGN_OR_RETURN(
      prom_.rejected_partial,
      r.AddCounter("tracesim_load_spans_rejected_total", rej, {{"reason", "partial_success"}}));
  TRACESIM_ASSIGN_OR_RETURN(prom_.rejected_fatal, r.AddCounter("tracesim_load_spans_rejected_total",
                                                               rej, {{"reason", "fatal"}}));
  const char* drop = "Spans the load generator gave up on, by reason.";
  TRACESIM_ASSIGN_OR_RETURN(
      prom_.dropped_queue_full,
      r.AddCounter("tracesim_load_spans_dropped_total", drop, {{"reason", "queue_full"}}));
  TRACESIM_ASSIGN_OR_RETURN(
      prom_.dropped_non_retryable,
      r.AddCounter("tracesim_load_spans_dropped_total", drop, {{"reason", "non_retryable"}}));
  TRACESIM_ASSIGN_OR_RETURN(
      prom_.dropped_retries_exhausted,
      r.AddCounter("tracesim_load_spans_dropped_total", drop, {{"reason", "retries_exhausted"}}));
  TRACESIM_ASSIGN_OR_RETURN(
      prom_.dropped_shutdown,
      r.AddCounter("tracesim_load_spans_dropped_total", drop, {{"reason", "shutdown"}}));
  const char* req = "Export attempts by outcome.";
  TRACESIM_ASSIGN_OR_RETURN(
      prom_.req_ok, r.AddCounter("tracesim_load_export_requests_total", req, {{"result", "ok"}}));
  TRACESIM_ASSIGN_OR_RETURN(prom_.req_retryable, r.AddCounter("tracesim_load_export_requests_total",
                                                              req, {{"result", "retryable"}}));
  TRACESIM_ASSIGN_OR_RETURN(prom_.req_fatal, r.AddCounter("tracesim_load_export_requests_total",
                                                          req, {{"result", "fatal"}}));
  TRACESIM_ASSIGN_OR_RETURN(prom_.req_shutdown, r.AddCounter("tracesim_load_export_requests_total",
                                                             req, {{"result", "shutdown"}}));
  TRACESIM_ASSIGN_OR_RETURN(
      prom_.in_flight, r.AddGauge("tracesim_load_spans_in_flight",
                                  "Spans taken by a sender and not yet resolved (retries incl.)."));
  TRACESIM_ASSIGN_OR_RETURN(
      prom_.queued, r.AddGauge("tracesim_load_spans_queued", "Spans waiting in the send queue."));
  TRACESIM_ASSIGN_OR_RETURN(prom_.target_rate, r.AddGauge("tracesim_load_target_traces_per_second",
                                                          "The workload's current trace rate."));
  TRACESIM_ASSIGN_OR_RETURN(
      prom_.latency,
      r.AddHistogram("tracesim_load_export_duration_seconds", "Export attempt latency.",
                     {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10}));
  return sim::Status::Ok();
}

bool LoadEngine::Impl::WaitForStart(const std::atomic<int>* stop) {
  for (;;) {
    if (stop != nullptr && stop->load() >= 1) return false;
    const int64_t left = opt_.start_at_unix_nanos - clock_->UnixNanos();
    if (left <= 0) return true;
    clock_->SleepUntil(clock_->Now() + std::chrono::nanoseconds(std::min<int64_t>(left, 50000000)));
  }
}

double LoadEngine::Impl::ExpectedArrivals(double seconds) const {
  seconds = std::min(seconds, opt_.duration.seconds());
  if (seconds <= 0) return 0;
  return spec_.ExpectedArrivals(sim::Duration::FromSecondsF(seconds)) / opt_.shard_count;
}

Batch* LoadEngine::Impl::NewBatch() {
  Batch* b;
  if (!free_batches_.empty()) {
    b = free_batches_.back();
    free_batches_.pop_back();
  } else {
    all_batches_.push_back(std::make_unique<Batch>());
    b = all_batches_.back().get();
  }
  b->Clear();
  b->id = next_batch_id_++;
  return b;
}

void LoadEngine::Impl::Enqueue(Batch* b) {
  {
    std::lock_guard lk(mu_);
    queue_.push_back(b);
    queued_spans_.fetch_add(b->spans.size());
    rep_.peak_queued_spans = std::max<uint64_t>(rep_.peak_queued_spans, queued_spans_.load());
  }
  work_cv_.notify_one();
}

void LoadEngine::Impl::SenderLoop() {
  std::unique_ptr<BatchEncoder> encoder = encoders_();
  for (;;) {
    Batch* b = nullptr;
    {
      std::unique_lock lk(mu_);
      for (;;) {
        if (senders_exit_ || hard_stop_) return;
        if (in_flight_requests_ < opt_.max_in_flight) {
          auto now = clock_->Now();
          auto later = [](Batch* x, Batch* y) { return x->due > y->due; };
          if (!retry_heap_.empty() && retry_heap_.front()->due <= now) {
            std::pop_heap(retry_heap_.begin(), retry_heap_.end(), later);
            b = retry_heap_.back();
            retry_heap_.pop_back();
            retry_spans_.fetch_sub(b->spans.size());
            break;
          }
          if (!queue_.empty()) {
            b = queue_.front();
            queue_.pop_front();
            queued_spans_.fetch_sub(b->spans.size());
            in_flight_spans_.fetch_add(b->spans.size());
            break;
          }
          if (!retry_heap_.empty()) {
            clock_->WaitUntil(work_cv_, lk, retry_heap_.front()->due);
            continue;
          }
        }
        work_cv_.wait(lk);
      }
      ++in_flight_requests_;
    }
    EncodeAndSend(b, encoder.get());
  }
}

void LoadEngine::Impl::EncodeAndSend(Batch* b, BatchEncoder* encoder) {
  if (!b->encoded()) {
    encoder->Encode(b->spans.view(), b->events, b->links, b->BodyToWrite());
    // Too many bytes: move the second half of the spans to a new batch at the queue's front.
    while (b->body->size() > opt_.batch_bytes && b->spans.size() > 1) {
      size_t keep = b->spans.size() / 2;
      Batch* rest;
      {
        std::lock_guard lk(mu_);
        rest = NewBatch();
      }
      for (size_t i = keep; i < b->spans.size(); ++i) {
        sim::Span& s = rest->spans.Append(b->spans[i]);
        rest->events.insert(rest->events.end(), b->events.begin() + s.first_event,
                            b->events.begin() + s.first_event + s.event_count);
        rest->links.insert(rest->links.end(), b->links.begin() + s.first_link,
                           b->links.begin() + s.first_link + s.link_count);
        s.first_event = static_cast<uint32_t>(rest->events.size() - s.event_count);
        s.first_link = static_cast<uint32_t>(rest->links.size() - s.link_count);
      }
      b->spans.Truncate(keep);
      {
        std::lock_guard lk(mu_);
        in_flight_spans_.fetch_sub(rest->spans.size());
        queued_spans_.fetch_add(rest->spans.size());
        queue_.push_front(rest);
      }
      work_cv_.notify_one();
      encoder->Encode(b->spans.view(), b->events, b->links, b->BodyToWrite());
    }
  }
  Send(b);
}

bool LoadEngine::Impl::TakeSlotForInline(Batch* b) {
  std::lock_guard lk(mu_);
  if (hard_stop_ || !queue_.empty() || in_flight_requests_ >= opt_.max_in_flight) return false;
  if (!retry_heap_.empty() && retry_heap_.front()->due <= clock_->Now()) return false;
  ++in_flight_requests_;
  in_flight_spans_.fetch_add(b->spans.size());
  return true;
}

void LoadEngine::Impl::Send(Batch* b) {
  exporter::ExportRequest req;
  {
    std::lock_guard lk(mu_);
    if (hard_stop_) {
      rep_.dropped_shutdown += b->spans.size();
      Inc(prom_.dropped_shutdown, b->spans.size());
      FinishLocked(b);
      return;
    }
    ++sending_;
    if (b->attempts == 0) b->first_attempt = clock_->Now();
    ++b->attempts;
    rep_.bytes_sent += b->body->size();
  }
  req.body = b->body;  // shared, not copied
  req.spans = b->spans.size();
  req.id = b->id;
  transport_->ExportAsync(std::move(req), [this, b](exporter::ExportResult r) { OnResult(b, r); });
  {
    std::lock_guard lk(mu_);
    --sending_;
  }
  done_cv_.notify_all();
}

void LoadEngine::Impl::FinishLocked(Batch* b) {
  in_flight_spans_.fetch_sub(b->spans.size());
  --in_flight_requests_;
  free_batches_.push_back(b);
  if (prom_.in_flight) prom_.in_flight->Set(static_cast<double>(in_flight_spans_.load()));
}

// A retryable failure of batch `b`: schedules its next attempt on the retry heap and returns
// true, or counts its spans as dropped (hard stop, retries exhausted) and returns false.
// REQUIRES: mu_ held.
bool LoadEngine::Impl::RetryOrDropLocked(Batch* b, const exporter::ExportResult& r) {
  const uint64_t n = b->spans.size();
  if (hard_stop_) {
    rep_.dropped_shutdown += n;
    cur_.dropped += n;
    Inc(prom_.dropped_shutdown, n);
    return false;
  }
  auto now = clock_->Now();
  auto delay = opt_.retry.Delay(b->attempts, r.retry_after, rng_);
  if (opt_.retry.ShouldRetry(b->attempts, now - b->first_attempt, delay)) {
    b->due = now + delay;
    retry_heap_.push_back(b);
    std::push_heap(retry_heap_.begin(), retry_heap_.end(),
                   [](Batch* x, Batch* y) { return x->due > y->due; });
    retry_spans_.fetch_add(n);
    ++rep_.retries;
    --in_flight_requests_;
    return true;
  }
  rep_.dropped_retries_exhausted += n;
  cur_.dropped += n;
  Inc(prom_.dropped_retries_exhausted, n);
  return false;
}

void LoadEngine::Impl::OnResult(Batch* b, const exporter::ExportResult& r) {
  const uint64_t n = b->spans.size();
  bool wake_senders;
  {
    std::lock_guard lk(mu_);
    ++rep_.requests;
    ++cur_.requests;
    int64_t lat = r.latency.count();
    latency_.Record(lat);
    second_latency_.Record(lat);
    if (prom_.latency) prom_.latency->Observe(static_cast<double>(lat) * 1e-9);
    if (r.kind != exporter::ExportResult::Kind::kOk) {
      ++rep_.failed_requests;
      ++cur_.failed_requests;
      if (r.kind != exporter::ExportResult::Kind::kShutdown) rep_.failed_attempt_spans += n;
      std::string key = !r.code_name.empty() ? r.code_name : "code " + std::to_string(r.code);
      ++rep_.errors[key];
      if (r.kind != exporter::ExportResult::Kind::kShutdown)  // ours, not the server's
        cur_.last_error = r.message.empty() ? key : key + ": " + r.message;
    }
    bool retry_scheduled = false;
    switch (r.kind) {
      case exporter::ExportResult::Kind::kOk: {
        Inc(prom_.req_ok, 1);
        uint64_t rej = static_cast<uint64_t>(std::clamp<int64_t>(r.rejected_spans, 0, n));
        rep_.accepted += n - rej;
        rep_.rejected_partial += rej;
        cur_.accepted += n - rej;
        cur_.rejected += rej;
        Inc(prom_.accepted, n - rej);
        Inc(prom_.rejected_partial, rej);
        break;
      }
      case exporter::ExportResult::Kind::kRetryable:
        Inc(prom_.req_retryable, 1);
        retry_scheduled = RetryOrDropLocked(b, r);
        break;
      case exporter::ExportResult::Kind::kFatal:
        Inc(prom_.req_fatal, 1);
        if (r.code != 0) {  // the server answered: it rejected the data
          rep_.rejected_fatal += n;
          cur_.rejected += n;
          Inc(prom_.rejected_fatal, n);
        } else {
          rep_.dropped_non_retryable += n;
          cur_.dropped += n;
          Inc(prom_.dropped_non_retryable, n);
        }
        break;
      case exporter::ExportResult::Kind::kShutdown:
        Inc(prom_.req_shutdown, 1);
        rep_.dropped_shutdown += n;
        cur_.dropped += n;
        Inc(prom_.dropped_shutdown, n);
        break;
    }
    if (!retry_scheduled) FinishLocked(b);
    // Senders wait for a batch (queued or to retry) and a free slot: with neither batch, waking
    // them (all, on every answer) only cost context switches.
    wake_senders = !queue_.empty() || !retry_heap_.empty();
  }
  if (wake_senders) work_cv_.notify_all();
  done_cv_.notify_all();
}

void LoadEngine::Impl::RollSecond(uint32_t second,
                                  std::function<void(const SecondStats&)>& on_second) {
  SecondStats s;
  {
    std::lock_guard lk(mu_);
    cur_.second = second;
    cur_.target_traces = ExpectedArrivals(second + 1.0) - ExpectedArrivals(second);
    cur_.export_p50_ms = second_latency_.Percentile(50) / kNanosPerMs;
    cur_.export_p99_ms = second_latency_.Percentile(99) / kNanosPerMs;
    cur_.queued_spans = queued_spans_.load();
    cur_.in_flight_spans = in_flight_spans_.load();
    second_latency_.Reset();
    s = cur_;
    seconds_.push_back(cur_);
    cur_ = SecondStats{};
  }
  if (prom_.queued) prom_.queued->Set(static_cast<double>(s.queued_spans));
  if (prom_.target_rate) prom_.target_rate->Set(s.target_traces);
  if (on_second) on_second(s);
}

// One run's generator-side state, shared by the phases of Run() (generation, drain, hard stop,
// report). Only the generator thread touches it.
struct LoadEngine::Impl::RunState {
  const std::atomic<int>* stop = nullptr;
  std::function<void(const SecondStats&)> on_second;
  TimePoint t0;
  int64_t cpu0 = 0;
  int64_t start_unix = 0;
  int64_t lookahead = 0;    // ns the simulation runs ahead of the wall clock
  int64_t stop_ns = -1;     // when generation stopped early (stop flag)
  int64_t sim_horizon = 0;  // the simulation has run up to here (ns after the start)
  int64_t gen_end_ns = 0;   // when generation ended (ns after the start)
  uint32_t second = 0;      // the open second
  metrics::Histogram lag;   // release lag: wall clock minus span end
  Batch* open = nullptr;    // the batch being filled, not yet queued
  TimePoint open_since;
  // Whether CloseOpen may send from this thread: the last pass of the simulation kept up with
  // the clock, so the thread has time to spare (it would sleep next). Encoding here, right after
  // the spans were packed, and sending without waking a sender saves a thread hand-off per
  // request (bench/README.md, "The generator sends what it can itself"); when the simulation
  // falls behind, the sender threads encode in parallel with it.
  bool send_here = false;
  std::unique_ptr<BatchEncoder> encoder;  // CloseOpen's, made at the start of the run

  int stop_level() const { return stop == nullptr ? 0 : stop->load(); }
};

int64_t LoadEngine::Impl::ElapsedNanos(RunState& rs, TimePoint now) {
  const int64_t el = std::chrono::duration_cast<std::chrono::nanoseconds>(now - rs.t0).count();
  while (el >= (int64_t{rs.second} + 1) * 1000000000) RollSecond(rs.second++, rs.on_second);
  return el;
}

void LoadEngine::Impl::CloseOpen(RunState& rs) {
  if (rs.open == nullptr) return;
  Batch* b = rs.open;
  rs.open = nullptr;
  if (rs.send_here && TakeSlotForInline(b)) {
    EncodeAndSend(b, rs.encoder.get());
  } else {
    Enqueue(b);
  }
}

sim::Result<LoadReport> LoadEngine::Impl::Run(const std::atomic<int>* stop,
                                              std::function<void(const SecondStats&)> on_second) {
  TRACESIM_RETURN_IF_ERROR(opt_.Validate());
  TRACESIM_RETURN_IF_ERROR(spec_.Validate().WithContext("workload"));
  if (transport_ == nullptr || !encoders_) return sim::Status::InvalidArgument("no transport");
  TRACESIM_RETURN_IF_ERROR(RegisterMetrics());
  // A --traces run may outlast the arrival window the user gave: let arrivals run on.
  sim::Duration window = opt_.duration;
  auto workload = workloads::Workload::Create(spec_, model_, opt_.seed, window);
  if (!workload.ok()) return workload.status();
  LimitedArrivals limited(workload->get(), opt_.max_traces);
  StridedArrivals arrivals(&limited, opt_.shard_index, opt_.shard_count);

  RunState rs;
  rs.stop = stop;
  rs.on_second = std::move(on_second);
  PendingSpans pending;
  sim::SimulationOptions so;
  so.seed = opt_.seed;
  so.drain_limit = opt_.drain_limit;
  so.hash_shapes = false;  // nothing here reads TraceTruth::shape
  if (opt_.start_at_unix_nanos != 0 && !WaitForStart(stop)) {
    transport_->Shutdown();
    LoadReport none = rep_;
    none.interrupted = true;
    return none;
  }
  rs.start_unix = opt_.start_at_unix_nanos != 0 ? opt_.start_at_unix_nanos : clock_->UnixNanos();
  so.start_unix_nanos = rs.start_unix;
  RateMeter meter(opt_.duration.nanos(), rs.start_unix);
  MeterSink sink(&meter);
  sim::Simulation simulation(model_, so);
  TRACESIM_RETURN_IF_ERROR(simulation.AddObserver(&sink));
  TRACESIM_RETURN_IF_ERROR(simulation.AddObserver(&pending));
  TRACESIM_RETURN_IF_ERROR(simulation.Start(&arrivals));

  std::vector<std::thread> senders;
  for (uint32_t i = 0; i < opt_.senders; ++i) senders.emplace_back([this] { SenderLoop(); });

  rs.encoder = encoders_();
  rs.t0 = clock_->Now();
  rs.cpu0 = CpuNanos();
  rs.lookahead = std::chrono::nanoseconds(opt_.lookahead).count();
  Generate(rs, simulation, pending, meter);
  CloseOpen(rs);
  rs.gen_end_ns =
      std::chrono::duration_cast<std::chrono::nanoseconds>(clock_->Now() - rs.t0).count();
  Drain(rs);
  HardStop();
  for (std::thread& t : senders) t.join();
  const TimePoint t_end = clock_->Now();
  RollSecond(rs.second, rs.on_second);  // the last, partial second
  return BuildReport(rs, meter, t_end);
}

// ---- generation: advance the simulation ahead of the wall clock, release spans at their end ----
void LoadEngine::Impl::Generate(RunState& rs, sim::Simulation& simulation, PendingSpans& pending,
                                RateMeter& meter) {
  for (;;) {
    const TimePoint now = clock_->Now();
    const int64_t el = ElapsedNanos(rs, now);
    if (rs.stop_level() >= 1) {
      rep_.interrupted = true;
      rs.stop_ns = el;
      return;
    }
    // Advance the simulation to `lookahead` past the wall clock, but by at most kMaxSimStepNs per
    // pass: when it is slower than real time (a rate the machine cannot sustain) the loop still
    // releases spans, rolls seconds and sees the stop counter every few milliseconds instead of
    // disappearing into one ever longer catch-up.
    bool sim_behind = false;
    if (!simulation.finished()) {
      int64_t horizon = el + rs.lookahead;
      if (horizon > rs.sim_horizon + kMaxSimStepNs) {
        horizon = rs.sim_horizon + kMaxSimStepNs;
        sim_behind = true;
      }
      rs.sim_horizon = horizon;
      if (!simulation.RunUntil(sim::Time::FromNanos(horizon)).ok()) {
        rs.stop_ns = el;
        return;
      }
    }
    rs.send_here = !sim_behind;
    ReleaseDue(rs, pending, meter, now, el);
    if (rs.open != nullptr && now - rs.open_since >= opt_.batch_delay) CloseOpen(rs);
    if (simulation.finished() && pending.empty()) return;
    if (sim_behind) continue;  // catch up without sleeping
    // Sleep until the span that fills the open batch is due (see kReleaseTick).
    TimePoint wake = now + kReleaseTick;
    const size_t open_n = rs.open == nullptr ? 0 : rs.open->spans.size();
    const size_t need = opt_.batch_spans > open_n ? opt_.batch_spans - open_n : 1;
    if (pending.size() >= need) {
      auto due = rs.t0 + std::chrono::nanoseconds(pending.EndOf(need - 1) - rs.start_unix);
      wake = std::min(wake, std::max(due, now + kReleaseQuantum));
    }
    clock_->SleepUntil(wake);
  }
}

// Moves the spans that have ended by `el` into batches (or drops them when the queue bound is
// reached) and counts them.
void LoadEngine::Impl::ReleaseDue(RunState& rs, PendingSpans& pending, RateMeter& meter,
                                  TimePoint now, int64_t el) {
  uint64_t released = 0, released_roots = 0, dropped = 0;
  while (!pending.empty()) {
    const sim::Span& s = pending.front();
    int64_t end_rel = s.end_unix_nano - rs.start_unix;
    if (end_rel > el) break;
    rs.lag.Record(el - end_rel);
    ++released;
    if (s.parent_span_id == 0) ++released_roots;
    uint64_t open_n = rs.open == nullptr ? 0 : rs.open->spans.size();
    if (queued_spans_.load(std::memory_order_relaxed) +
            retry_spans_.load(std::memory_order_relaxed) + open_n >=
        opt_.queue_spans) {
      ++dropped;
      pending.Pop();
      continue;
    }
    if (rs.open == nullptr) {
      std::lock_guard lk(mu_);
      rs.open = NewBatch();
      rs.open_since = now;
    }
    pending.MoveFrontTo(rs.open);
    if (rs.open->spans.size() >= opt_.batch_spans) CloseOpen(rs);
  }
  if (released == 0) return;
  meter.RecordRelease(el, released, released_roots);
  std::lock_guard lk(mu_);
  rep_.generated += released;
  rep_.traces += released_roots;
  rep_.dropped_queue_full += dropped;
  cur_.generated_spans += released;
  cur_.generated_traces += released_roots;
  cur_.dropped += dropped;
  Inc(prom_.generated, released);
  Inc(prom_.traces, released_roots);
  Inc(prom_.dropped_queue_full, dropped);
}

// ---- drain: flush what remains within the grace period ----
void LoadEngine::Impl::Drain(RunState& rs) {
  const TimePoint deadline = clock_->Now() + opt_.grace;
  for (;;) {
    const TimePoint now = clock_->Now();
    ElapsedNanos(rs, now);
    std::unique_lock lk(mu_);
    if (queue_.empty() && retry_heap_.empty() && in_flight_requests_ == 0) return;
    if (now >= deadline || rs.stop_level() >= 2) return;
    TimePoint wake = std::min(now + std::chrono::milliseconds(20), deadline);
    // An answer still to come takes real time: a FakeClock must not leap past it (under load a
    // loopback export can take longer than the fake clock's idle window).
    if (in_flight_requests_ > 0) {
      clock_->WaitForRealWork(done_cv_, lk, wake);
    } else {
      clock_->WaitUntil(done_cv_, lk, wake);
    }
  }
}

// ---- hard stop: drop what is left, cancel what is in flight ----
void LoadEngine::Impl::HardStop() {
  {
    std::unique_lock lk(mu_);
    hard_stop_ = true;
    senders_exit_ = true;
    for (Batch* b : queue_) {
      rep_.dropped_shutdown += b->spans.size();
      cur_.dropped += b->spans.size();
      Inc(prom_.dropped_shutdown, b->spans.size());
      queued_spans_.fetch_sub(b->spans.size());
      free_batches_.push_back(b);
    }
    queue_.clear();
    for (Batch* b : retry_heap_) {
      rep_.dropped_shutdown += b->spans.size();
      cur_.dropped += b->spans.size();
      Inc(prom_.dropped_shutdown, b->spans.size());
      in_flight_spans_.fetch_sub(b->spans.size());
      retry_spans_.fetch_sub(b->spans.size());
      free_batches_.push_back(b);
    }
    retry_heap_.clear();
    done_cv_.wait(lk, [this] { return sending_ == 0; });
  }
  work_cv_.notify_all();
  transport_->Shutdown();  // every outstanding `done` runs (kShutdown) before it returns
  std::unique_lock lk(mu_);
  done_cv_.wait_for(lk, std::chrono::seconds(10), [this] { return in_flight_requests_ == 0; });
}

LoadReport LoadEngine::Impl::BuildReport(const RunState& rs, RateMeter& meter, TimePoint t_end) {
  std::lock_guard lk(mu_);
  LoadReport rep = rep_;
  rep.in_flight = in_flight_spans_.load();
  rep.seconds = seconds_;
  rep.export_latency = latency_;
  rep.release_lag = rs.lag;
  rep.SetPercentiles();
  int64_t win = opt_.duration.nanos();
  if (rs.stop_ns >= 0) win = std::min(win, rs.stop_ns);
  if (opt_.max_traces != 0) win = std::min(win, rs.gen_end_ns);
  rep.window_seconds = static_cast<double>(win) * 1e-9;
  // Arrivals of a --traces run stop at the last trace: the steady window ends there.
  int64_t steady_end = win;
  if (opt_.max_traces != 0 && meter.last_arrival_ns() >= 0)
    steady_end = std::min(steady_end, meter.last_arrival_ns());
  rep.wall_seconds = std::chrono::duration<double>(t_end - rs.t0).count();
  rep.cpu_seconds = static_cast<double>(CpuNanos() - rs.cpu0) * 1e-9;
  rep.mean_spans_per_trace = opt_.mean_spans_per_trace;
  rep.rate_in_spans = opt_.rate_in_spans;
  RateMeter::Result rates =
      meter.Compute(steady_end, [this](double t) { return ExpectedArrivals(t); });
  rep.rate_from_seconds = rates.from_s;
  rep.rate_to_seconds = rates.to_s;
  rep.arrival_delay_p99_ms = rates.warmup_s * 1e3;
  rep.arrival_delay_mean_ms = rates.mean_delay_s * 1e3;
  rep.target_trace_rate = rates.target_traces_per_s;
  rep.target_span_rate = rep.target_trace_rate * opt_.mean_spans_per_trace;
  rep.achieved_trace_rate = rates.achieved_traces_per_s;
  rep.achieved_span_rate = rates.achieved_spans_per_s;
  rep.scheduled_span_rate = rates.scheduled_spans_per_s;
  return rep;
}

}  // namespace tracesim::loadgen
