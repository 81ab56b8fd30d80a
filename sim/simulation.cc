#include "sim/simulation.h"

#include <algorithm>
#include <cassert>
#include <cmath>
#include <deque>
#include <unordered_map>
#include <utility>

#include "sim/event_queue.h"
#include "sim/rng.h"
#include "sim/span.h"

namespace tracesim::sim {

Status SimulationOptions::Validate() const {
  if (drain_limit < Duration()) return Status::InvalidArgument("drain_limit must be >= 0");
  if (progress_every == 0) return Status::InvalidArgument("progress_every must be > 0");
  return Status::Ok();
}

namespace {

// Event types. Simultaneous events run in the order they were scheduled; the numbering carries
// no priority.
enum EventType : uint32_t {
  kEvArrival = 0,        // the next workload arrival is due
  kEvRequestArrive = 1,  // a request reaches its service (after network latency)
  kEvFrameResume = 2,    // a work step (or a fallback) finished: advance and continue
  kEvResponse = 3,       // a response (or a refusal) reaches the caller
  kEvProducerAck = 4,    // the broker acknowledged a publish
  kEvDeliver = 5,        // a message reaches its consumers
  kEvStartQueued = 6,    // a freed worker slot picks the next queued request
  kEvCallTimeout = 7,    // a client timeout expires
  kEvRetry = 8,          // a retry backoff expired: send the next attempt
};

// A simple index pool: slots are reused, so steady-state runs allocate nothing.
template <typename T>
class Pool {
 public:
  uint32_t Alloc() {
    if (!free_.empty()) {
      uint32_t i = free_.back();
      free_.pop_back();
      items_[i] = T();
      return i;
    }
    items_.emplace_back();
    return static_cast<uint32_t>(items_.size() - 1);
  }
  void Free(uint32_t i) { free_.push_back(i); }
  T& operator[](uint32_t i) { return items_[i]; }
  size_t live() const { return items_.size() - free_.size(); }

 private:
  std::vector<T> items_;
  std::vector<uint32_t> free_;
};

struct TraceState {
  TraceId id;
  uint32_t open = 0;  // live requests, calls, frames and messages of this trace
  uint32_t flags = 0;
  StrId trace_state = kEmptyStr;
  std::vector<Span> spans;
  std::vector<SpanEvent> events;
  std::vector<SpanLink> links;
  std::vector<AttrValue> trace_values;  // per trace-scoped generator slot
  std::vector<Attr> baggage;
  TraceTruth truth;
};

struct Request {
  uint32_t trace = kNone;
  uint32_t op = kNone;
  uint32_t call = kNone;  // the Call waiting for the response; kNone for entries and messages
  uint64_t parent_span_id = 0;
  uint64_t link_span_id = 0;  // consumers: the producer span
  TraceId link_trace_id;      // consumers: the producer's trace (differs for fragments)
  uint32_t instance = kNone;
  Time enqueued;
  Time started;
  uint32_t span = kNone;          // index of the SERVER/CONSUMER span in the trace
  uint32_t parent_index = kNone;  // index of the parent span when it is in the same trace
  bool entry = false;             // the first request of its trace (or fragment)
};

struct ExceptionInfo {
  StrId type = kEmptyStr, message = kEmptyStr, stacktrace = kEmptyStr;
};

struct Call {
  ExceptionInfo span_exception;  // a span-less dependency's own exception, recorded by the client
  uint32_t trace = kNone;
  uint32_t frame = kNone;  // the caller's frame, resumed by the outcome
  uint32_t span = kNone;   // the CLIENT span
  uint32_t target = kNone;
  int status = 0;
  FailureClass cls = FailureClass::kNone;
  bool failed = false;
  bool completed = false;      // the outcome (response or timeout) was delivered to the caller
  uint8_t pending_events = 0;  // response and timeout events still to come
  uint32_t origin_service = kNone, origin_op = kNone;  // where a failure answered here began
  Time started;                                        // when the attempt left the caller
};

struct Frame {
  enum class Role : uint8_t { kRoot, kBranch, kSpan };
  uint32_t trace = kNone;
  uint32_t parent = kNone;   // kBranch/kSpan: the frame to resume
  uint32_t request = kNone;  // kRoot: the request it serves
  const Step* steps = nullptr;
  uint32_t pc = 0, end = 0;
  uint32_t span = kNone;       // context span: parent of the spans this frame starts
  uint32_t own_span = kNone;   // kSpan: the INTERNAL span ended when the frame completes
  uint32_t wait_span = kNone;  // PRODUCER span waiting for the broker's ack
  uint32_t op = kNone;
  uint32_t service = kNone;
  uint32_t instance = 0;
  uint32_t pending = 0;                            // children (branches, span frames) still running
  uint32_t repeat_left = 0;                        // remaining repetitions of the current call step
  uint16_t attempt = 0;                            // attempt number of the current call (1 = first)
  FailureClass fail_class = FailureClass::kNone;   // the first failure that aborted this frame
  uint32_t fail_service = kNone, fail_op = kNone;  // where that failure began
  Role role = Role::kRoot;
  bool failed = false;
  bool running = false;
};

struct Message {
  uint32_t trace = kNone;
  uint32_t topic = kNone;
  uint64_t producer_span_id = 0;
  uint32_t producer_index = kNone;
  uint32_t broken_fault = kNone;  // the context was dropped by this fault (consumers start anew)
  uint64_t origin_faults = 0;     // with broken_fault: the trace's touched set when it was dropped
};

// A FIFO of request indices that grows when needed (bounded by the service's queue capacity).
class RequestQueue {
 public:
  size_t size() const { return size_; }
  bool empty() const { return size_ == 0; }
  void Push(uint32_t r) {
    if (size_ == buf_.size()) Grow();
    buf_[(head_ + size_) % buf_.size()] = r;
    ++size_;
  }
  uint32_t Pop() {
    uint32_t r = buf_[head_];
    head_ = (head_ + 1) % buf_.size();
    --size_;
    return r;
  }

 private:
  void Grow() {
    std::vector<uint32_t> next(buf_.empty() ? 16 : buf_.size() * 2);
    for (size_t i = 0; i < size_; ++i) next[i] = buf_[(head_ + i) % buf_.size()];
    buf_.swap(next);
    head_ = 0;
  }
  std::vector<uint32_t> buf_;
  size_t head_ = 0, size_ = 0;
};

struct InstanceState {
  uint32_t busy = 0;
  RequestQueue queue;
  double tokens = 0;  // rate limiter bucket
  Time refilled;
  bool bucket_init = false;
};

struct ServiceRuntime {
  Rng work;       // work-step durations
  Rng decisions;  // probabilities, counts, errors
  Rng network;    // network latency to this service
  Rng span_ids;   // ids of spans this service records
  Rng balance;    // random load balancing
  Rng faults;     // fault draws, so faults never shift the other streams
  uint32_t next_instance = 0;
  uint32_t instance_base = 0;  // global index of instance 0 (for events that name an instance)
  std::vector<InstanceState> instances;
  std::vector<uint32_t> faults_here;  // indices of faults targeting this service
  std::vector<uint32_t> by_kind[8];   // the same, by Fault::Kind (the hot checks scan only theirs)
  bool has_skew = false, has_loss = false, has_broken = false;
};

struct BreakerState {
  enum class State : uint8_t { kClosed, kOpen, kHalfOpen };
  State state = State::kClosed;
  std::vector<uint8_t> ring;  // last outcomes in the closed state (1 = failure)
  uint32_t pos = 0, filled = 0, failures = 0;
  Time open_until;
  uint32_t trials_started = 0, trials_ok = 0;
  // Faults that touched the failed calls behind the current opening: a call the breaker refuses
  // fails because of them, so the refused trace is touched by them too.
  uint64_t cause_mask = 0;
};

// A stable 64-bit mix for combining shape hashes.
inline uint64_t Mix64(uint64_t z) {
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

}  // namespace

class Simulation::Impl {
 public:
  Impl(const Model& model, SimulationOptions options) : m_(model), opt_(std::move(options)) {
    trace_ids_ = Rng::Derive(opt_.seed, "trace-ids");
    services_.resize(m_.services.size());
    stats_.services.resize(m_.services.size());
    for (size_t i = 0; i < m_.services.size(); ++i) {
      const Service& s = m_.services[i];
      uint64_t key = Fnv1a64(m_.strings.Get(s.name));
      ServiceRuntime& rt = services_[i];
      rt.work = Rng::Derive(opt_.seed, "work", key);
      rt.decisions = Rng::Derive(opt_.seed, "decisions", key);
      rt.network = Rng::Derive(opt_.seed, "network", key);
      rt.span_ids = Rng::Derive(opt_.seed, "span-ids", key);
      rt.balance = Rng::Derive(opt_.seed, "balance", key);
      rt.faults = Rng::Derive(opt_.seed, "faults", key);
      rt.instances.resize(std::max<uint32_t>(1, s.instances));
      rt.instance_base = static_cast<uint32_t>(instance_owner_.size());
      for (uint32_t k = 0; k < rt.instances.size(); ++k)
        instance_owner_.emplace_back(static_cast<uint32_t>(i), k);
    }
    gen_slot_.assign(m_.generators.size(), kNone);
    gen_rng_.reserve(m_.generators.size());
    for (size_t g = 0; g < m_.generators.size(); ++g) {
      gen_rng_.push_back(
          Rng::Derive(opt_.seed, "generator", Fnv1a64(m_.strings.Get(m_.generators[g].name)) + g));
      if (m_.generators[g].scope == AttrGenerator::Scope::kTrace) {
        gen_slot_[g] = static_cast<uint32_t>(trace_gens_.size());
        trace_gens_.push_back(static_cast<uint32_t>(g));
      }
    }
    breakers_.resize(m_.breaker_count);
    name_hash_.assign(m_.strings.size(), 0);
    if (opt_.faults != nullptr) {
      const auto& faults = opt_.faults->faults;
      for (uint32_t i = 0; i < faults.size(); ++i) {
        const Fault& f = faults[i];
        if (f.kind == Fault::Kind::kTraffic) {
          traffic_faults_.push_back(i);
          continue;
        }
        if (f.service >= services_.size()) continue;
        ServiceRuntime& rt = services_[f.service];
        rt.faults_here.push_back(i);
        rt.by_kind[static_cast<int>(f.kind)].push_back(i);
        rt.has_skew |= f.kind == Fault::Kind::kClockSkew;
        rt.has_loss |= f.kind == Fault::Kind::kSpanLoss;
        rt.has_broken |= f.kind == Fault::Kind::kBrokenPropagation;
      }
    }
  }

  Status Start(ArrivalSource* arrivals) {
    if (started_) return Status::Internal("Simulation::Start called twice");
    TRACESIM_RETURN_IF_ERROR(opt_.Validate());
    if (m_.well_known.http_codes.empty()) return Status::Internal("model was not finalized");
    if (opt_.faults != nullptr) TRACESIM_RETURN_IF_ERROR(opt_.faults->Validate(m_));
    TRACESIM_RETURN_IF_ERROR(observer_error_);
    started_ = true;
    arrivals_ = arrivals;
    ScheduleNextArrival();
    return arrival_error_;
  }

  Status RunUntil(Time limit) {
    if (!started_) return Status::Internal("Simulation::RunUntil before Start");
    while (!queue_.empty()) {
      if (arrivals_ == nullptr && stop_ == Time::Max())
        stop_ = stats_.last_arrival + opt_.drain_limit;
      // Done when no arrival is due and no trace is open: what remains are timers whose calls
      // already completed.
      if (arrivals_ == nullptr && traces_.live() == 0) {
        queue_ = EventQueue();
        break;
      }
      const Event& top = queue_.Top();
      if (top.time > stop_) {
        queue_ = EventQueue();  // past the drain limit: nothing more will run
        break;
      }
      if (top.time > limit) {
        now_ = std::max(now_, limit);
        return Status::Ok();
      }
      Event e = queue_.Pop();
      if (e.time > next_wakeup_) WakeObservers(e.time);  // one compare per event
      now_ = e.time;
      ++stats_.events;
      Dispatch(e);
      if (!arrival_error_.ok()) return arrival_error_;
      if (--until_progress_ == 0) {
        until_progress_ = opt_.progress_every;
        if (opt_.progress) opt_.progress(now_);
        stats_.peak_pending_events = std::max<uint64_t>(stats_.peak_pending_events, queue_.size());
      }
    }
    if (finished_) return Status::Ok();
    finished_ = true;
    stats_.end_time = now_;
    stats_.traces_unfinished = traces_.live();
    if (next_wakeup_ <= now_) WakeObservers(now_, /*inclusive=*/true);
    for (SimulationObserver* o : run_end_) o->OnRunEnd(stats_);
    return Status::Ok();
  }

  bool finished() const { return finished_; }
  Time now() const { return now_; }
  const SimulationStats& stats() const { return stats_; }
  Status AddObserver(SimulationObserver* o) {
    Status st = AddObserverChecked(o);
    if (!st.ok() && observer_error_.ok()) observer_error_ = st;
    return st;
  }

 private:
  Status AddObserverChecked(SimulationObserver* o) {
    if (o == nullptr) return Status::InvalidArgument("AddObserver: null observer");
    if (started_) return Status::Internal("AddObserver after Start");
    const uint32_t want = o->Interests();
    if (want & SimulationObserver::kSpanStart) {
      if (span_start_ != nullptr)
        return Status::InvalidArgument(
            "AddObserver: a second observer wants span start (the observer word has one owner)");
      span_start_ = o;
    }
    if (want & SimulationObserver::kSpanEnd) span_end_.push_back(o);
    if (want & SimulationObserver::kTraceComplete) trace_complete_.push_back(o);
    if (want & SimulationObserver::kRunEnd) run_end_.push_back(o);
    if (want & SimulationObserver::kTimeAdvance) {
      time_advance_.push_back(o);
      wakeups_.push_back(o->NextWakeup());
      next_wakeup_ = std::min(next_wakeup_, wakeups_.back());
    }
    return Status::Ok();
  }

  // Calls OnTimeAdvance(w) for every wake-up w the clock passes on its way to `t` (w < t, or
  // w <= t when `inclusive`), in time order (observers in the order added at equal times), and
  // recomputes next_wakeup_. Off the hot path: reached only when a wake-up is due.
  void WakeObservers(Time t, bool inclusive = false) {
    for (;;) {
      size_t best = wakeups_.size();
      for (size_t i = 0; i < wakeups_.size(); ++i) {
        bool due = inclusive ? wakeups_[i] <= t : wakeups_[i] < t;
        if (due && (best == wakeups_.size() || wakeups_[i] < wakeups_[best])) best = i;
      }
      if (best == wakeups_.size()) break;
      const Time w = wakeups_[best];
      time_advance_[best]->OnTimeAdvance(w);
      Time next = time_advance_[best]->NextWakeup();
      wakeups_[best] = next > w ? next : Time::Max();  // a wake-up never repeats or goes back
    }
    next_wakeup_ = Time::Max();
    for (Time w : wakeups_) next_wakeup_ = std::min(next_wakeup_, w);
  }

 public:
 private:
  // ---- scheduling ---------------------------------------------------------------------------

  bool ScheduleNextArrival() {
    if (arrivals_ == nullptr) return false;
    Arrival a;
    if (!arrivals_->Next(&a)) {
      arrivals_ = nullptr;
      return false;
    }
    if (a.operation >= m_.operations.size()) {
      arrival_error_ = Status::InvalidArgument("arrival names unknown operation index " +
                                               std::to_string(a.operation));
      arrivals_ = nullptr;
      return false;
    }
    Time t = a.time < now_ ? now_ : a.time;
    stats_.last_arrival = t;
    queue_.Push(t, kEvArrival, a.operation);
    return true;
  }

  void Dispatch(const Event& e) noexcept {
    switch (e.type) {
      case kEvArrival:
        StartTrace(e.target);
        ScheduleNextArrival();
        break;
      case kEvRequestArrive:
        ArriveAtService(e.target);
        break;
      case kEvFrameResume:
        frames_[e.target].pc++;
        RunFrame(e.target);
        break;
      case kEvResponse:
        OnResponse(e.target);
        break;
      case kEvProducerAck:
        OnProducerAck(e.target);
        break;
      case kEvDeliver:
        OnDeliver(e.target);
        break;
      case kEvStartQueued:
        StartQueued(e.target);
        break;
      case kEvCallTimeout:
        FireTimeouts(e.target);
        break;
      case kEvRetry:
        StartAttempt(e.target);
        break;
    }
  }

  int64_t Unix(Time t) const { return opt_.start_unix_nanos + t.nanos(); }

  // ---- faults -------------------------------------------------------------------------------

  const Fault& FaultAt(uint32_t i) const { return opt_.faults->faults[i]; }

  // The first fault of `kind` active now on (service, op, instance), or kNone.
  uint32_t ActiveFault(Fault::Kind kind, uint32_t s, uint32_t op, uint32_t inst) const {
    for (uint32_t i : services_[s].by_kind[static_cast<int>(kind)]) {
      const Fault& f = FaultAt(i);
      if (f.ActiveAt(now_) && f.Targets(s, op, inst)) return i;
    }
    return kNone;
  }

  // As ActiveFault, then draws the fault's probability from the service's fault stream.
  uint32_t FaultFires(Fault::Kind kind, uint32_t s, uint32_t op, uint32_t inst) {
    uint32_t i = ActiveFault(kind, s, op, inst);
    if (i == kNone) return kNone;
    const Fault& f = FaultAt(i);
    if (f.probability < 1.0 && !services_[s].faults.Bernoulli(f.probability)) return kNone;
    return i;
  }

  void Touch(uint32_t t, uint32_t fault) { traces_[t].truth.fault_mask |= uint64_t{1} << fault; }

  // Records where a failure originated, if it is the trace's first.
  void MarkOrigin(uint32_t t, uint32_t service, uint32_t op) {
    TraceTruth& tr = traces_[t].truth;
    if (tr.root_cause_service == kNone) {
      tr.root_cause_service = service;
      tr.root_cause_operation = op;
    }
  }

  // Work time of a step after latency and consumer-lag faults.
  Duration ApplyLatencyFaults(uint32_t t, uint32_t s, uint32_t op, uint32_t inst, Duration d) {
    bool consumer = m_.operations[op].kind == SpanKind::kConsumer;
    const ServiceRuntime& srt = services_[s];
    if (srt.by_kind[static_cast<int>(Fault::Kind::kLatency)].empty() &&
        (!consumer || srt.by_kind[static_cast<int>(Fault::Kind::kConsumerLag)].empty()))
      return d;
    for (uint32_t i : srt.faults_here) {
      const Fault& f = FaultAt(i);
      if (f.kind != Fault::Kind::kLatency && !(consumer && f.kind == Fault::Kind::kConsumerLag))
        continue;
      if (!f.ActiveAt(now_) || !f.Targets(s, op, inst)) continue;
      if (f.probability < 1.0 && !services_[s].faults.Bernoulli(f.probability)) continue;
      double ns = static_cast<double>(d.nanos()) * f.multiplier;
      if (f.kind == Fault::Kind::kLatency) ns += f.extra_latency.Sample(services_[s].faults);
      d = Duration::Nanos(static_cast<int64_t>(ns + 0.5));
      Touch(t, i);
    }
    return d;
  }

  // The timestamp a host writes now: simulated time plus any clock-skew fault of the host.
  int64_t Stamp(uint32_t t, uint32_t s, uint32_t inst) {
    int64_t u = Unix(now_);
    if (!services_[s].has_skew) return u;
    for (uint32_t i : services_[s].by_kind[static_cast<int>(Fault::Kind::kClockSkew)]) {
      const Fault& f = FaultAt(i);
      if (f.kind != Fault::Kind::kClockSkew || !f.ActiveAt(now_) || !f.Targets(s, kNone, inst))
        continue;
      double drift = f.drift_ppm * 1e-6 * static_cast<double>((now_ - f.start).nanos());
      u += f.offset.nanos() + static_cast<int64_t>(drift);
      Touch(t, i);
    }
    return u;
  }

  uint32_t InstanceOf(const Span& s) const {
    return s.resource < m_.resources.size() ? m_.resources[s.resource].instance : 0;
  }

  // ---- traces -------------------------------------------------------------------------------

  void Ref(uint32_t t) { ++traces_[t].open; }
  void Unref(uint32_t t) {
    TraceState& ts = traces_[t];
    if (--ts.open == 0) FinishTrace(t);
  }

  uint32_t NewTrace(uint32_t entry_op) {
    uint32_t t = traces_.Alloc();
    TraceState& ts = traces_[t];
    do {
      ts.id.hi = trace_ids_.Next();
      ts.id.lo = trace_ids_.Next();
    } while (!ts.id.valid());
    ts.flags = kFlagSampled | kFlagRandomTraceId;
    ts.spans.clear();
    ts.events.clear();
    ts.links.clear();
    ts.baggage.clear();
    ts.truth = TraceTruth();
    ts.truth.sequence = stats_.traces_started++;
    ts.truth.start = now_;
    ts.truth.end = now_;
    ts.truth.entry_operation = entry_op;
    stats_.peak_open_traces = std::max<uint64_t>(stats_.peak_open_traces, traces_.live());
    return t;
  }

  void StartTrace(uint32_t op) {
    uint32_t t = NewTrace(op);
    TraceState& ts = traces_[t];
    ts.trace_values.resize(trace_gens_.size());
    for (size_t i = 0; i < trace_gens_.size(); ++i) {
      uint32_t g = trace_gens_[i];
      ts.trace_values[i] = m_.generators[g].Sample(gen_rng_[g]);
    }
    for (const DynamicAttr& b : m_.operations[op].baggage)
      ts.baggage.push_back(Attr{b.key, Generate(t, b.generator)});
    for (uint32_t i : traffic_faults_)
      if (FaultAt(i).ActiveAt(now_)) Touch(t, i);

    Ref(t);  // held while the entry request is created
    uint32_t r = NewRequest(t, op);
    requests_[r].entry = true;
    ArriveAtService(r);
    Unref(t);
  }

  // A new trace for work whose context an upstream service dropped: the fragment carries the
  // request's application data (trace-scoped values) but no baggage and no parent. Its truth
  // starts with `origin_faults` (the faults that had touched `parent` when the context was lost)
  // plus `fault`.
  uint32_t StartFragment(uint32_t parent, uint32_t op, uint32_t fault, uint64_t origin_faults) {
    uint32_t t = NewTrace(op);
    TraceState& ts = traces_[t];
    TraceState& ps = traces_[parent];
    ts.trace_values = ps.trace_values;
    ts.truth.fragment = true;
    ts.truth.parent_trace_id = ps.id;
    ts.truth.fault_mask = origin_faults | (uint64_t{1} << fault);
    ps.truth.fragmented = true;
    Touch(parent, fault);
    ++stats_.fragments;
    return t;
  }

  uint64_t NameHash(StrId id) {
    if (id >= name_hash_.size()) return Fnv1a64(m_.strings.Get(id));
    uint64_t& h = name_hash_[id];
    if (h == 0) h = Fnv1a64(m_.strings.Get(id)) | 1;
    return h;
  }

  // Hash of the span tree by (service, name, kind), independent of sibling order.
  uint64_t ShapeHash(const std::vector<Span>& spans) {
    shape_scratch_.assign(spans.size(), 0);
    uint64_t roots = 0;
    for (size_t k = spans.size(); k-- > 0;) {
      const Span& s = spans[k];
      uint64_t base = NameHash(s.name) * 31 + NameHash(m_.services[s.service].name) * 7 +
                      static_cast<uint64_t>(s.kind);
      uint64_t h = Mix64(base + shape_scratch_[k]);
      if (s.parent_index != kNone && s.parent_index < spans.size()) {
        shape_scratch_[s.parent_index] += Mix64(h ^ 0x5bd1e995);
      } else {
        roots += h;
      }
    }
    return Mix64(roots);
  }

  void FinishTrace(uint32_t t) {
    TraceState& ts = traces_[t];
    TraceTruth& tr = ts.truth;
    tr.spans = static_cast<uint32_t>(ts.spans.size());
    uint32_t lost = 0;
    uint32_t root = kNone;
    for (uint32_t i = 0; i < ts.spans.size(); ++i) {
      const Span& s = ts.spans[i];
      if (s.status == StatusCode::kError) ++tr.error_spans;
      if (s.lost) ++lost;
      if (root == kNone && s.parent_span_id == 0) root = i;
    }
    tr.lost_spans = lost;
    tr.error = tr.error_spans > 0 || tr.root_error;
    tr.shape = ts.spans.empty() ? 0 : ShapeHash(ts.spans);
    if (opt_.tag_ground_truth && root != kNone) TagTruth(ts, root);

    TraceView view;
    view.model = &m_;
    view.trace_id = ts.id;
    view.sequence = tr.sequence;
    view.truth = &tr;
    view.events = ts.events;
    view.links = ts.links;
    if (lost == 0) {
      view.spans = ts.spans;
    } else {
      exported_.clear();
      for (const Span& s : ts.spans)
        if (!s.lost) exported_.push_back(s);
      view.spans = exported_;
    }
    stats_.spans += view.spans.size();
    stats_.lost_spans += lost;
    for (SimulationObserver* o : trace_complete_) o->OnTrace(view);
    ++stats_.traces_finished;
    traces_.Free(t);
  }

  void TagTruth(TraceState& ts, uint32_t root) {
    const WellKnown& w = m_.well_known;
    Span& s = ts.spans[root];
    const TraceTruth& tr = ts.truth;
    s.SetAttr(w.truth_error, AttrValue::Bool(tr.error));
    s.SetAttr(w.truth_root_error, AttrValue::Bool(tr.root_error));
    if (tr.root_cause_operation != kNone)
      s.SetAttr(w.truth_root_cause, AttrValue::String(m_.operations[tr.root_cause_operation].ref));
    if (tr.fragment) s.SetAttr(w.truth_fragment, AttrValue::Bool(true));
    if (opt_.faults != nullptr) {
      for (uint32_t i = 0; i < opt_.faults->faults.size(); ++i)
        if (tr.fault_mask >> i & 1) s.SetAttr(FaultAt(i).tag_key, AttrValue::Bool(true));
    }
  }

  AttrValue Generate(uint32_t t, uint32_t g) {
    if (g >= m_.generators.size()) return AttrValue();
    uint32_t slot = gen_slot_[g];
    if (slot != kNone) return traces_[t].trace_values[slot];
    return m_.generators[g].Sample(gen_rng_[g]);
  }

  // ---- spans --------------------------------------------------------------------------------

  uint64_t NewSpanId(uint32_t service) {
    uint64_t id;
    do id = services_[service].span_ids.Next();
    while (id == 0);
    return id;
  }

  // Starts a span in trace t. `parent_index` is the parent's index when it is in the same trace
  // (local or remote), `parent_id` its span id (0 for a root).
  uint32_t StartSpan(uint32_t t, SpanKind kind, uint32_t service, uint32_t instance, uint32_t op,
                     StrId name, uint32_t parent_index, uint64_t parent_id, bool remote_parent,
                     const std::vector<Attr>& attrs, const std::vector<DynamicAttr>& dyn) {
    int64_t stamp = Stamp(t, service, instance);
    TraceState& ts = traces_[t];
    uint32_t idx = static_cast<uint32_t>(ts.spans.size());
    Span& s = ts.spans.emplace_back();
    s.trace_id = ts.id;
    s.span_id = NewSpanId(service);
    s.parent_span_id = parent_id;
    s.parent_index = parent_index;
    s.start_unix_nano = stamp;
    s.name = name;
    s.trace_state = ts.trace_state;
    s.flags = ts.flags | kFlagHasIsRemote | (remote_parent ? kFlagIsRemote : 0);
    const Service& svc = m_.services[service];
    s.resource = instance < svc.resources.size() ? svc.resources[instance] : kNone;
    s.operation = op;
    s.service = service;
    s.kind = kind;
    s.static_attrs = attrs.data();
    s.static_count = static_cast<uint16_t>(attrs.size());
    for (const DynamicAttr& d : dyn) {
      AttrValue v = Generate(t, d.generator);
      traces_[t].spans[idx].AddAttr(d.key, v);
    }
    if (svc.baggage_to_attributes) {
      Span& sp = traces_[t].spans[idx];
      for (const Attr& b : traces_[t].baggage) sp.AddAttr(b.key, b.value);
    }
    if (span_start_ != nullptr) {
      TraceState& tr = traces_[t];
      const Span* parent = parent_index != kNone ? &tr.spans[parent_index] : nullptr;
      tr.spans[idx].observer_bits = span_start_->OnSpanStart(m_, tr.spans[idx], parent);
    }
    return idx;
  }

  // Ends a span now, applies span loss, and shows it to the span-end observers.
  void EndSpan(uint32_t t, uint32_t span) {
    TraceState& ts = traces_[t];
    uint32_t service = ts.spans[span].service;
    uint32_t inst = InstanceOf(ts.spans[span]);
    int64_t stamp = Stamp(t, service, inst);
    Span& s = ts.spans[span];
    s.end_unix_nano = std::max(stamp, s.start_unix_nano);
    if (services_[service].has_loss) {
      uint32_t f = FaultFires(Fault::Kind::kSpanLoss, service, s.operation, inst);
      if (f != kNone) {
        s.lost = true;
        Touch(t, f);
      }
    }
    if (span_end_.empty() || s.lost) return;
    std::span<const SpanEvent> events(ts.events.data() + s.first_event, s.event_count);
    std::span<const SpanLink> links(ts.links.data() + s.first_link, s.link_count);
    for (SimulationObserver* o : span_end_) o->OnSpanEnd(m_, s, events, links);
  }

  // Appends an event to a span. A span's events must stay contiguous in the trace's event array;
  // when another span's events were appended in between, this span's are moved to the end (rare:
  // only spans with events at both start and end that overlap other spans' events).
  void PushEvent(uint32_t t, uint32_t span, SpanEvent ev) {
    TraceState& ts = traces_[t];
    ev.time_unix_nano = Stamp(t, ts.spans[span].service, InstanceOf(ts.spans[span]));
    Span& s = ts.spans[span];
    uint32_t at = static_cast<uint32_t>(ts.events.size());
    if (s.event_count == 0) {
      s.first_event = at;
    } else if (s.first_event + s.event_count != at) {
      uint32_t first = s.first_event;
      s.first_event = at;
      for (uint32_t i = 0; i < s.event_count; ++i) ts.events.push_back(ts.events[first + i]);
    }
    ts.events.push_back(ev);
    ++s.event_count;
  }

  void AddEvent(uint32_t t, uint32_t span, StrId name, std::initializer_list<Attr> attrs) {
    SpanEvent ev;
    ev.name = name;
    for (const Attr& a : attrs) {
      if (a.value.type == AttrValue::Type::kNone ||
          (a.value.type == AttrValue::Type::kString && a.value.str == kEmptyStr))
        continue;
      if (ev.attr_count < kMaxEventAttrs) ev.attrs[ev.attr_count++] = a;
    }
    PushEvent(t, span, ev);
  }

  void AddException(uint32_t t, uint32_t span, StrId type, StrId message,
                    StrId stacktrace = kEmptyStr) {
    const WellKnown& w = m_.well_known;
    AddEvent(t, span, w.exception,
             {Attr{w.exception_type, AttrValue::String(type)},
              Attr{w.exception_message, AttrValue::String(message)},
              Attr{w.exception_stacktrace, AttrValue::String(stacktrace)}});
  }

  void AddOperationEvents(uint32_t t, uint32_t span, const Operation& op, bool at_end, Rng& rng) {
    for (const EventSpec& spec : op.events) {
      if (spec.at_end != at_end || !rng.Bernoulli(spec.probability)) continue;
      SpanEvent ev;
      ev.name = spec.name;
      for (const Attr& a : spec.attrs)
        if (ev.attr_count < kMaxEventAttrs) ev.attrs[ev.attr_count++] = a;
      PushEvent(t, span, ev);
    }
  }

  // Sets the protocol status attributes and the span status of a finished exchange. `server`
  // selects the server-side rule (HTTP: only 5xx is an error; gRPC: only the server-error
  // codes) over the client rule. status 0 on HTTP / cls set means no response came: then
  // error.type names the failure (timeout, connection_refused).
  void SetOutcome(uint32_t t, uint32_t span, const Operation& op, bool failed, int status,
                  FailureClass cls, bool server) {
    Span& s = traces_[t].spans[span];
    const WellKnown& w = m_.well_known;
    bool no_response =
        cls == FailureClass::kTimeout || (failed && status == 0 && op.protocol != Protocol::kGrpc);
    if (no_response) {
      s.status = StatusCode::kError;
      s.SetAttr(w.error_type,
                AttrValue::String(cls == FailureClass::kTimeout ? w.err_timeout
                                                                : w.err_connection_refused));
      return;
    }
    switch (op.protocol) {
      case Protocol::kHttp: {
        s.SetAttr(w.http_response_status_code, AttrValue::Int(status));
        bool err = server ? status >= 500 : status >= 400;
        if (err) {
          s.status = StatusCode::kError;
          s.SetAttr(w.error_type, AttrValue::String(m_.HttpCodeStr(status)));
        }
        break;
      }
      case Protocol::kGrpc: {
        s.SetAttr(w.rpc_grpc_status_code, AttrValue::Int(status));
        // Server spans: only the codes that mean a server fault are errors (semconv).
        bool err = server ? (status == 2 || status == 4 || status == 12 || status == 13 ||
                             status == 14 || status == 15)
                          : status != 0;
        if (err) {
          s.status = StatusCode::kError;
          s.SetAttr(w.error_type, AttrValue::String(m_.GrpcCodeStr(status)));
        }
        break;
      }
      default:
        if (failed) {
          s.status = StatusCode::kError;
          StrId type = op.error_type != kEmptyStr ? op.error_type : m_.HttpCodeStr(status);
          s.SetAttr(w.error_type, AttrValue::String(type));
        }
        break;
    }
    if (failed && !server && s.status != StatusCode::kError) s.status = StatusCode::kError;
  }

  // ---- requests and instances ---------------------------------------------------------------

  uint32_t NewRequest(uint32_t t, uint32_t op) {
    uint32_t r = requests_.Alloc();
    Request& q = requests_[r];
    q.trace = t;
    q.op = op;
    Ref(t);
    return r;
  }
  void FreeRequest(uint32_t r) {
    uint32_t t = requests_[r].trace;
    requests_.Free(r);
    Unref(t);
  }

  uint32_t PickInstance(uint32_t s) {
    ServiceRuntime& rt = services_[s];
    uint32_t n = static_cast<uint32_t>(rt.instances.size());
    if (n == 1) return 0;
    switch (m_.services[s].load_balancing) {
      case LoadBalancing::kRoundRobin: {
        uint32_t i = rt.next_instance;
        rt.next_instance = (i + 1) % n;
        return i;
      }
      case LoadBalancing::kRandom:
        return static_cast<uint32_t>(rt.balance.Below(n));
      case LoadBalancing::kLeastOutstanding: {
        // Fewest busy + queued; ties go round-robin so equal instances share the load.
        uint32_t start = rt.next_instance;
        rt.next_instance = (start + 1) % n;
        uint32_t best = start;
        size_t best_load = rt.instances[start].busy + rt.instances[start].queue.size();
        for (uint32_t k = 1; k < n; ++k) {
          uint32_t i = (start + k) % n;
          size_t load = rt.instances[i].busy + rt.instances[i].queue.size();
          if (load < best_load) {
            best = i;
            best_load = load;
          }
        }
        return best;
      }
    }
    return 0;
  }

  // The failure class a caller sees for an answered status.
  static FailureClass ClassOfStatus(Protocol p, int status) {
    if (p == Protocol::kGrpc)
      return status == 14 || status == 8 ? FailureClass::kUnavailable : FailureClass::kError;
    return status == 503 || status == 429 ? FailureClass::kUnavailable : FailureClass::kError;
  }

  // Sends the outcome of request r back to its caller after `delay` (or ends the trace's entry).
  // `origin_*` name where a failure began (the root cause of a failed entry request).
  void Answer(uint32_t r, bool failed, int status, FailureClass cls, Duration delay,
              uint32_t origin_service, uint32_t origin_op) {
    Request& q = requests_[r];
    if (q.entry) {
      TraceTruth& tr = traces_[q.trace].truth;
      tr.end = now_;
      tr.root_error = failed;
      // A user-visible failure's root cause is where its chain of failures began (an earlier
      // failure that a retry or fallback absorbed is not it).
      if (failed && origin_service != kNone) {
        tr.root_cause_service = origin_service;
        tr.root_cause_operation = origin_op;
      }
    }
    if (q.call != kNone) {
      Call& c = calls_[q.call];
      c.failed = failed;
      c.status = status;
      c.cls = failed ? cls : FailureClass::kNone;
      c.origin_service = failed ? origin_service : kNone;
      c.origin_op = failed ? origin_op : kNone;
      queue_.Push(now_ + delay, kEvResponse, q.call);
    }
  }

  void ArriveAtService(uint32_t r) {
    Request& q = requests_[r];
    const Operation& op = m_.operations[q.op];
    uint32_t s = op.service;
    const Service& svc = m_.services[s];
    ServiceStats& st = stats_.services[s];
    ServiceRuntime& rt = services_[s];
    ++st.arrivals;
    q.instance = PickInstance(s);
    q.enqueued = now_;
    if (!rt.faults_here.empty()) {
      uint32_t f = FaultFires(Fault::Kind::kOutage, s, q.op, q.instance);
      if (f != kNone && op.kind == SpanKind::kConsumer && FaultAt(f).end != Time::Max()) {
        // A consumer group that is down consumes nothing: the message waits in the broker and
        // is delivered when the consumers are back.
        Touch(q.trace, f);
        queue_.Push(FaultAt(f).end, kEvRequestArrive, r);
        return;
      }
      if (f != kNone) {
        Refuse(r, f);
        return;
      }
      // A request that reaches a slowed target is touched by the slowdown even if it only waits
      // in the queue the slowdown built (and is abandoned by a client timeout before it runs).
      for (uint32_t i : rt.by_kind[static_cast<int>(Fault::Kind::kLatency)]) {
        const Fault& lf = FaultAt(i);
        if (lf.kind == Fault::Kind::kLatency && lf.probability >= 1.0 && lf.ActiveAt(now_) &&
            lf.Targets(s, q.op, q.instance))
          Touch(q.trace, i);
      }
    }
    InstanceState& inst = rt.instances[q.instance];
    // Consumers pull at their own pace: a rate limit applies to requests pushed at a service.
    if (svc.rate_limit_rps > 0 && op.kind != SpanKind::kConsumer && !TakeToken(svc, inst)) {
      RateLimited(r);
      return;
    }
    if (svc.concurrency == 0 || inst.busy < svc.concurrency) {
      StartRequest(r);
      return;
    }
    // Consumers pull from the broker: messages wait however long the backlog is.
    bool unbounded = op.kind == SpanKind::kConsumer || svc.queue_capacity == kNone;
    if (unbounded || inst.queue.size() < svc.queue_capacity) {
      inst.queue.Push(r);
      ++st.queued;
      st.max_queue_length =
          std::max<uint32_t>(st.max_queue_length, static_cast<uint32_t>(inst.queue.size()));
      return;
    }
    Reject(r);
  }

  bool TakeToken(const Service& svc, InstanceState& inst) {
    double burst =
        svc.rate_limit_burst > 0 ? svc.rate_limit_burst : std::max(1.0, svc.rate_limit_rps / 10);
    if (!inst.bucket_init) {
      inst.bucket_init = true;
      inst.tokens = burst;
      inst.refilled = now_;
    }
    inst.tokens =
        std::min(burst, inst.tokens + (now_ - inst.refilled).seconds() * svc.rate_limit_rps);
    inst.refilled = now_;
    if (inst.tokens < 1.0) return false;
    inst.tokens -= 1.0;
    return true;
  }

  Duration NetworkBack(uint32_t s) {
    return m_.services[s].network_latency.SampleDuration(services_[s].network);
  }

  // A full queue: HTTP 503 / gRPC UNAVAILABLE at once; the handler never ran, so no span.
  void Reject(uint32_t r) {
    Request& q = requests_[r];
    const Operation& op = m_.operations[q.op];
    ++stats_.services[op.service].rejected;
    MarkOrigin(q.trace, op.service, q.op);
    Answer(r, true, op.protocol == Protocol::kGrpc ? 14 : 503, FailureClass::kUnavailable,
           NetworkBack(op.service), op.service, q.op);
    FreeRequest(r);
  }

  // An outage: the connection is refused (or times out connecting); no SERVER span exists.
  void Refuse(uint32_t r, uint32_t fault) {
    Request& q = requests_[r];
    const Operation& op = m_.operations[q.op];
    ++stats_.refused;
    Touch(q.trace, fault);
    MarkOrigin(q.trace, op.service, q.op);
    const Fault& f = FaultAt(fault);
    // Refused at once (one hop back), or after the caller's connect timeout, which runs from
    // when the caller started connecting.
    Duration delay = NetworkBack(op.service);
    if (f.connect_timeout > Duration()) {
      Time since = q.call != kNone ? calls_[q.call].started : now_;
      delay = std::max(Duration(), since + f.connect_timeout - now_);
    }
    Answer(r, true, op.protocol == Protocol::kGrpc ? 14 : 0, FailureClass::kUnavailable, delay,
           op.service, q.op);
    FreeRequest(r);
  }

  // A rate limit in the service's middleware: the SERVER span exists and answers 429 at once.
  void RateLimited(uint32_t r) {
    Request& q = requests_[r];
    const Operation& op = m_.operations[q.op];
    uint32_t s = op.service;
    ++stats_.rate_limited;
    ++stats_.services[s].rejected;
    MarkOrigin(q.trace, s, q.op);
    int status = op.protocol == Protocol::kGrpc ? 8 /* RESOURCE_EXHAUSTED */ : 429;
    if (op.emits_span) {
      uint32_t span =
          StartSpan(q.trace, op.kind, s, q.instance, q.op, op.span_name, q.parent_index,
                    q.parent_span_id, q.parent_span_id != 0, op.attrs, op.dynamic_attrs);
      SetOutcome(q.trace, span, op, true, status, FailureClass::kUnavailable, /*server=*/true);
      EndSpan(q.trace, span);
    }
    Answer(r, true, status, FailureClass::kUnavailable, NetworkBack(s), s, q.op);
    FreeRequest(r);
  }

  void StartRequest(uint32_t r) {
    Request& q = requests_[r];
    const Operation& op = m_.operations[q.op];
    uint32_t s = op.service;
    ServiceStats& st = stats_.services[s];
    services_[s].instances[q.instance].busy++;
    ++st.started;
    st.queue_wait_nanos += (now_ - q.enqueued).nanos();
    q.started = now_;
    uint32_t t = q.trace;
    if (op.emits_span) {
      q.span = StartSpan(t, op.kind, s, q.instance, q.op, op.span_name, q.parent_index,
                         q.parent_span_id, q.parent_span_id != 0, op.attrs, op.dynamic_attrs);
      if (op.kind == SpanKind::kConsumer && q.link_span_id != 0) {
        TraceState& ts = traces_[t];
        Span& sp = ts.spans[q.span];
        sp.first_link = static_cast<uint32_t>(ts.links.size());
        sp.link_count = 1;
        ts.links.push_back(SpanLink{q.link_trace_id, q.link_span_id, ts.trace_state, ts.flags});
      }
      AddOperationEvents(t, q.span, op, /*at_end=*/false, services_[s].decisions);
    }
    uint32_t f = NewFrame(t, Frame::Role::kRoot);
    Frame& fr = frames_[f];
    fr.request = r;
    fr.steps = op.steps.data();
    fr.end = static_cast<uint32_t>(op.steps.size());
    fr.span = q.span;
    fr.op = q.op;
    fr.service = s;
    fr.instance = q.instance;
    RunFrame(f);
  }

  void StartQueued(uint32_t global_instance) {
    auto [s, i] = instance_owner_[global_instance];
    InstanceState& inst = services_[s].instances[i];
    const Service& svc = m_.services[s];
    if (inst.queue.empty() || (svc.concurrency != 0 && inst.busy >= svc.concurrency)) return;
    StartRequest(inst.queue.Pop());
  }

  int PropagatedStatus(const Operation& op, FailureClass cls) const {
    bool grpc = op.protocol == Protocol::kGrpc;
    switch (cls) {
      case FailureClass::kTimeout:
        return op.status_on_timeout ? op.status_on_timeout : (grpc ? 4 : 504);
      case FailureClass::kUnavailable:
        return op.status_on_unavailable ? op.status_on_unavailable : (grpc ? 14 : 503);
      default:
        return op.status_on_error ? op.status_on_error : (grpc ? 13 : 502);
    }
  }

  void FinishRequest(uint32_t r, bool child_failed, FailureClass child_class,
                     uint32_t child_origin_service, uint32_t child_origin_op) {
    Request& q = requests_[r];
    const Operation& op = m_.operations[q.op];
    uint32_t s = op.service;
    ServiceRuntime& rt = services_[s];
    ServiceStats& st = stats_.services[s];
    uint32_t t = q.trace;
    // Own failure: an error fault first, then the operation's own error rate.
    // (An operation a callee's failure aborted does not also fail on its own.)
    uint32_t fault = rt.faults_here.empty() || child_failed
                         ? kNone
                         : FaultFires(Fault::Kind::kError, s, q.op, q.instance);
    bool own_failed = fault != kNone ||
                      (!child_failed && op.error_rate > 0 && rt.decisions.Bernoulli(op.error_rate));
    bool failed = own_failed || child_failed;
    int status = op.ok_status;
    StrId ex_type = op.error_type, ex_message = op.error_message, ex_stack = kEmptyStr;
    if (fault != kNone) {
      const Fault& f = FaultAt(fault);
      Touch(t, fault);
      status = f.status != 0 ? f.status : op.error_status;
      if (f.exception_type != kEmptyStr) ex_type = f.exception_type;
      if (f.exception_message != kEmptyStr) ex_message = f.exception_message;
      ex_stack = f.exception_stacktrace;
    } else if (own_failed) {
      status = op.error_status;
    } else if (child_failed) {
      status = PropagatedStatus(op, child_class);
    }
    if (own_failed) MarkOrigin(t, s, q.op);
    if (q.span != kNone) {
      if (own_failed) AddException(t, q.span, ex_type, ex_message, ex_stack);
      AddOperationEvents(t, q.span, op, /*at_end=*/true, rt.decisions);
      SetOutcome(t, q.span, op, failed, status, FailureClass::kNone, /*server=*/true);
      EndSpan(t, q.span);
    } else if (own_failed && q.call != kNone) {
      // A dependency without spans: the caller's CLIENT span records the exception.
      calls_[q.call].span_exception = ExceptionInfo{ex_type, ex_message, ex_stack};
    }
    ++st.completed;
    if (failed) ++st.errors;
    st.busy_nanos += (now_ - q.started).nanos();
    InstanceState& inst = rt.instances[q.instance];
    inst.busy--;
    if (!inst.queue.empty()) queue_.Push(now_, kEvStartQueued, rt.instance_base + q.instance);
    Answer(r, failed, status, failed ? ClassOfStatus(op.protocol, status) : FailureClass::kNone,
           NetworkBack(s), own_failed ? s : child_origin_service,
           own_failed ? q.op : child_origin_op);
    FreeRequest(r);
  }

  // ---- frames -------------------------------------------------------------------------------

  uint32_t NewFrame(uint32_t t, Frame::Role role) {
    uint32_t f = frames_.Alloc();
    Frame& fr = frames_[f];
    fr.trace = t;
    fr.role = role;
    Ref(t);
    return f;
  }

  uint64_t SpanIdOf(uint32_t t, uint32_t span) {
    return span == kNone ? 0 : traces_[t].spans[span].span_id;
  }

  // Runs frame f from its pc until it must wait (work, a call, children) or completes.
  void RunFrame(uint32_t f) {
    frames_[f].running = true;
    for (;;) {
      Frame& fr = frames_[f];
      if (fr.failed) fr.pc = fr.end;  // an error aborts the rest of the program
      if (fr.pc >= fr.end) break;
      const Step& step = fr.steps[fr.pc];
      ServiceRuntime& rt = services_[fr.service];
      if (step.probability < 1.0 && !rt.decisions.Bernoulli(step.probability)) {
        fr.pc++;
        continue;
      }
      switch (step.kind) {
        case Step::Kind::kWork: {
          Duration d = step.work.SampleDuration(rt.work);
          if (!rt.faults_here.empty())
            d = ApplyLatencyFaults(fr.trace, fr.service, fr.op, fr.instance, d);
          // pc advances when the resume event fires.
          queue_.Push(now_ + d, kEvFrameResume, f);
          frames_[f].running = false;
          return;
        }
        case Step::Kind::kCall: {
          const CallSpec& call = step.call;
          uint32_t n = call.count.SampleCount(rt.decisions);
          if (n > 0 && call.probability < 1.0 && !rt.decisions.Bernoulli(call.probability)) n = 0;
          if (n == 0) {
            fr.pc++;
            continue;
          }
          fr.repeat_left = n - 1;
          fr.attempt = 1;
          fr.running = false;
          StartAttempt(f);
          return;
        }
        case Step::Kind::kParallel: {
          fr.pc++;
          fr.pending += 1;  // guard while spawning
          uint32_t t = fr.trace;
          for (const Step& child : step.children) {
            uint32_t b = NewFrame(t, Frame::Role::kBranch);
            Frame& br = frames_[b];
            Frame& parent = frames_[f];
            br.parent = f;
            br.steps = &child;
            br.end = 1;
            br.span = parent.span;
            br.op = parent.op;
            br.service = parent.service;
            br.instance = parent.instance;
            parent.pending++;
            RunFrame(b);
          }
          Frame& parent = frames_[f];
          if (--parent.pending > 0) {
            parent.running = false;
            return;
          }
          continue;
        }
        case Step::Kind::kPublish: {
          Publish(f, step.topic);
          return;
        }
        case Step::Kind::kSpan: {
          uint32_t t = fr.trace;
          uint32_t span =
              StartSpan(t, SpanKind::kInternal, fr.service, fr.instance, fr.op, step.span_name,
                        fr.span, SpanIdOf(t, fr.span), false, step.attrs, {});
          uint32_t c = NewFrame(t, Frame::Role::kSpan);
          Frame& child = frames_[c];
          Frame& parent = frames_[f];
          child.parent = f;
          child.steps = step.children.data();
          child.end = static_cast<uint32_t>(step.children.size());
          child.span = span;
          child.own_span = span;
          child.op = parent.op;
          child.service = parent.service;
          child.instance = parent.instance;
          parent.pc++;
          parent.pending++;
          RunFrame(c);
          Frame& p2 = frames_[f];
          if (p2.pending > 0) {
            p2.running = false;
            return;
          }
          continue;
        }
      }
    }
    frames_[f].running = false;
    CompleteFrame(f);
  }

  void CompleteFrame(uint32_t f) {
    Frame fr = frames_[f];
    frames_.Free(f);
    switch (fr.role) {
      case Frame::Role::kRoot:
        FinishRequest(fr.request, fr.failed, fr.fail_class, fr.fail_service, fr.fail_op);
        break;
      case Frame::Role::kSpan:
        if (fr.failed) traces_[fr.trace].spans[fr.own_span].status = StatusCode::kError;
        EndSpan(fr.trace, fr.own_span);
        [[fallthrough]];
      case Frame::Role::kBranch: {
        Frame& parent = frames_[fr.parent];
        if (fr.failed && !parent.failed) {
          parent.failed = true;
          parent.fail_class = fr.fail_class;
          parent.fail_service = fr.fail_service;
          parent.fail_op = fr.fail_op;
        }
        if (--parent.pending == 0 && !parent.running) RunFrame(fr.parent);
        break;
      }
    }
    Unref(fr.trace);
  }

  // ---- calls --------------------------------------------------------------------------------

  const CallSpec& CurrentCall(const Frame& fr) const { return fr.steps[fr.pc].call; }

  // Makes the current attempt of the frame's current call step, through its circuit breaker.
  void StartAttempt(uint32_t f) {
    Frame& fr = frames_[f];
    const CallSpec& spec = CurrentCall(fr);
    if (spec.breaker_index != kNone && !BreakerAllows(spec)) {
      ++stats_.breaker_rejections;
      traces_[fr.trace].truth.fault_mask |= breakers_[spec.breaker_index].cause_mask;
      uint32_t target_service = m_.operations[spec.target].service;
      MarkOrigin(fr.trace, target_service, spec.target);
      if (fr.span != kNone) {
        const WellKnown& w = m_.well_known;
        AddException(fr.trace, fr.span, w.circuit_open_exception, w.err_circuit_open);
      }
      // No request leaves: the caller fails at once. Never retried (the breaker said no).
      AfterCall(f, true, FailureClass::kUnavailable, /*retryable=*/false, target_service,
                spec.target);
      return;
    }
    StartCall(f, spec);
  }

  void StartCall(uint32_t f, const CallSpec& spec) {
    Frame& fr = frames_[f];
    uint32_t t = fr.trace;
    const Operation& callee = m_.operations[spec.target];
    uint32_t span = StartSpan(t, SpanKind::kClient, fr.service, fr.instance, spec.target,
                              callee.client_span_name, fr.span, SpanIdOf(t, fr.span), false,
                              callee.client_attrs, callee.client_dynamic_attrs);
    Span& cs = traces_[t].spans[span];
    cs.peer = callee.service;
    uint16_t attempt = frames_[f].attempt;
    if (attempt > 1 && callee.protocol == Protocol::kHttp)
      cs.SetAttr(m_.well_known.http_request_resend_count, AttrValue::Int(attempt - 1));
    uint32_t c = calls_.Alloc();
    Call& call = calls_[c];
    call.trace = t;
    call.frame = f;
    call.span = span;
    call.target = spec.target;
    call.pending_events = 1;
    call.started = now_;
    Ref(t);
    if (spec.timeout > Duration()) {
      calls_[c].pending_events = 2;
      ArmTimeout(spec.timeout, c);
    }
    // The request carries the context, unless the caller drops it.
    Frame& fr2 = frames_[f];
    // (A dependency without instrumentation reads no context, so losing it changes nothing.)
    uint32_t broken =
        services_[fr2.service].has_broken && callee.emits_span
            ? FaultFires(Fault::Kind::kBrokenPropagation, fr2.service, fr2.op, fr2.instance)
            : kNone;
    uint32_t target_trace =
        broken == kNone ? t : StartFragment(t, spec.target, broken, traces_[t].truth.fault_mask);
    uint32_t r = NewRequest(target_trace, spec.target);
    Request& q = requests_[r];
    q.call = c;
    if (broken == kNone) {
      q.parent_span_id = traces_[t].spans[span].span_id;
      q.parent_index = span;
    } else {
      q.entry = true;
    }
    uint32_t s = callee.service;
    Duration d = m_.services[s].network_latency.SampleDuration(services_[s].network);
    queue_.Push(now_ + d, kEvRequestArrive, r);
  }

  // Delivers a call's outcome to the caller's CLIENT span and frame (once).
  void CompleteCall(uint32_t c) {
    Call call = calls_[c];
    calls_[c].completed = true;
    const Operation& callee = m_.operations[call.target];
    uint32_t t = call.trace;
    if (call.failed && call.span_exception.type != kEmptyStr) {
      // Dependencies have no span of their own: the client records their exception.
      AddException(t, call.span, call.span_exception.type, call.span_exception.message,
                   call.span_exception.stacktrace);
    }
    SetOutcome(t, call.span, callee, call.failed, call.status, call.cls, /*server=*/false);
    EndSpan(t, call.span);
    const CallSpec& spec = CurrentCall(frames_[call.frame]);
    if (spec.breaker_index != kNone) BreakerRecord(spec, call.failed, traces_[t].truth.fault_mask);
    AfterCall(call.frame, call.failed, call.cls, /*retryable=*/true, call.origin_service,
              call.origin_op);
    // The call no longer holds its trace open: a late response or a timer that fires after this
    // only finds the call completed. (The caller's frame holds the trace while it goes on.)
    Unref(t);
  }

  // The frame's current call attempt ended: retry, fall back, propagate or go on.
  void AfterCall(uint32_t f, bool failed, FailureClass cls, bool retryable, uint32_t origin_service,
                 uint32_t origin_op) {
    Frame& fr = frames_[f];
    const CallSpec& spec = CurrentCall(fr);
    if (failed) {
      if (retryable && fr.attempt < spec.retry.max_attempts && spec.retry.Retries(cls)) {
        double backoff = static_cast<double>(spec.retry.initial_backoff.nanos()) *
                         std::pow(spec.retry.multiplier, fr.attempt - 1);
        backoff = std::min(backoff, static_cast<double>(spec.retry.max_backoff.nanos()));
        if (spec.retry.jitter > 0) {
          double u = services_[fr.service].decisions.Uniform() * 2 - 1;
          backoff *= 1 + spec.retry.jitter * u;
        }
        fr.attempt++;
        ++stats_.retries;
        ++traces_[fr.trace].truth.retries;
        queue_.Push(now_ + Duration::Nanos(static_cast<int64_t>(std::max(0.0, backoff))), kEvRetry,
                    f);
        return;
      }
      OnError on_error = m_.operations[fr.op].propagate_errors ? spec.on_error : OnError::kIgnore;
      if (on_error == OnError::kPropagate) {
        fr.failed = true;
        fr.fail_class = cls;
        fr.fail_service = origin_service;
        fr.fail_op = origin_op;
        fr.repeat_left = 0;
        RunFrame(f);
        return;
      }
      if (on_error == OnError::kFallback) {
        fr.repeat_left = 0;
        Duration d = spec.fallback.SampleDuration(services_[fr.service].work);
        queue_.Push(now_ + d, kEvFrameResume, f);
        return;
      }
      // kIgnore: go on as if it had succeeded.
    }
    if (fr.repeat_left > 0) {
      fr.repeat_left--;
      fr.attempt = 1;
      StartAttempt(f);
      return;
    }
    fr.pc++;
    RunFrame(f);
  }

  // One of the call's events (response, timeout) was handled; the slot is reused after both.
  void ReleaseCallEvent(uint32_t c) {
    if (--calls_[c].pending_events == 0) calls_.Free(c);
  }

  void OnResponse(uint32_t c) {
    if (!calls_[c].completed) CompleteCall(c);
    ReleaseCallEvent(c);
  }

  // Client timeouts. Every timeout of one duration expires in the order it was armed, so each
  // distinct duration gets a FIFO and the event queue holds one event per non-empty FIFO (its
  // head): most timeouts are disarmed by their response, and they never grow the heap.
  struct TimerFifo {
    std::deque<std::pair<Time, uint32_t>> entries;  // (deadline, call)
    bool armed = false;
  };

  void ArmTimeout(Duration d, uint32_t call) {
    // A topology has a handful of distinct timeouts: a linear scan beats hashing.
    uint32_t qi = 0;
    while (qi < timer_index_.size() && timer_index_[qi] != d.nanos()) ++qi;
    if (qi == timer_index_.size()) {
      timer_index_.push_back(d.nanos());
      timers_.emplace_back();
    }
    TimerFifo& q = timers_[qi];
    q.entries.emplace_back(now_ + d, call);
    if (!q.armed) {
      q.armed = true;
      queue_.Push(now_ + d, kEvCallTimeout, qi);
    }
  }

  void FireTimeouts(uint32_t qi) {
    TimerFifo& q = timers_[qi];
    while (!q.entries.empty() && q.entries.front().first <= now_) {
      uint32_t call = q.entries.front().second;
      q.entries.pop_front();
      OnCallTimeout(call);
    }
    TimerFifo& q2 = timers_[qi];
    // Timers whose call already completed need no event: release them now, in bulk.
    while (!q2.entries.empty() && calls_[q2.entries.front().second].completed) {
      uint32_t call = q2.entries.front().second;
      q2.entries.pop_front();
      ReleaseCallEvent(call);
    }
    if (q2.entries.empty()) {
      q2.armed = false;
    } else {
      queue_.Push(q2.entries.front().first, kEvCallTimeout, qi);
    }
  }

  void OnCallTimeout(uint32_t c) {
    Call& call = calls_[c];
    if (!call.completed) {
      call.failed = true;
      call.status = 0;
      call.cls = FailureClass::kTimeout;
      call.origin_service = m_.operations[call.target].service;
      call.origin_op = call.target;
      ++stats_.timeouts;
      ++traces_[call.trace].truth.timeouts;
      MarkOrigin(call.trace, m_.operations[call.target].service, call.target);
      CompleteCall(c);
    }
    ReleaseCallEvent(c);
  }

  // ---- circuit breakers ---------------------------------------------------------------------

  bool BreakerAllows(const CallSpec& spec) {
    BreakerState& b = breakers_[spec.breaker_index];
    const CircuitBreakerSpec& cfg = spec.breaker;
    if (b.state == BreakerState::State::kOpen) {
      if (now_ < b.open_until) return false;
      b.state = BreakerState::State::kHalfOpen;
      b.trials_started = b.trials_ok = 0;
    }
    if (b.state == BreakerState::State::kHalfOpen) {
      if (b.trials_started >= std::max<uint32_t>(1, cfg.half_open_calls)) return false;
      ++b.trials_started;
    }
    return true;
  }

  void BreakerRecord(const CallSpec& spec, bool failed, uint64_t fault_mask) {
    BreakerState& b = breakers_[spec.breaker_index];
    const CircuitBreakerSpec& cfg = spec.breaker;
    if (failed) b.cause_mask |= fault_mask;
    switch (b.state) {
      case BreakerState::State::kOpen:
        return;  // a call sent before the breaker opened
      case BreakerState::State::kHalfOpen:
        if (failed) {
          OpenBreaker(b, cfg);
        } else if (++b.trials_ok >= std::max<uint32_t>(1, cfg.half_open_calls)) {
          b = BreakerState();  // closed, with an empty window and no cause
        }
        return;
      case BreakerState::State::kClosed: {
        uint32_t window = std::max<uint32_t>(1, cfg.window);
        if (b.ring.size() != window) b.ring.assign(window, 0);
        if (b.filled == window) {
          b.failures -= b.ring[b.pos];
        } else {
          ++b.filled;
        }
        b.ring[b.pos] = failed ? 1 : 0;
        b.failures += failed ? 1 : 0;
        b.pos = (b.pos + 1) % window;
        if (b.filled >= cfg.minimum_calls &&
            static_cast<double>(b.failures) >=
                cfg.failure_threshold * static_cast<double>(b.filled)) {
          OpenBreaker(b, cfg);
        }
        return;
      }
    }
  }

  void OpenBreaker(BreakerState& b, const CircuitBreakerSpec& cfg) {
    b.state = BreakerState::State::kOpen;
    b.open_until = now_ + cfg.open_duration;
    b.pos = b.filled = b.failures = 0;
    std::fill(b.ring.begin(), b.ring.end(), 0);
    ++stats_.breaker_opens;
  }

  // ---- messaging ----------------------------------------------------------------------------

  void Publish(uint32_t f, uint32_t topic_index) {
    Frame& fr = frames_[f];
    const Topic& topic = m_.topics[topic_index];
    ServiceRuntime& rt = services_[fr.service];
    uint32_t t = fr.trace;
    uint32_t span =
        StartSpan(t, SpanKind::kProducer, fr.service, fr.instance, fr.op, topic.producer_span_name,
                  fr.span, SpanIdOf(t, fr.span), false, topic.producer_attrs, {});
    traces_[t].spans[span].peer = topic.broker;
    Duration ack = topic.publish_latency.SampleDuration(rt.work);
    Duration deliver = topic.delivery_latency.SampleDuration(rt.network);
    Frame& fr2 = frames_[f];
    uint32_t broken = rt.has_broken ? FaultFires(Fault::Kind::kBrokenPropagation, fr2.service,
                                                 fr2.op, fr2.instance)
                                    : kNone;
    uint32_t msg = messages_.Alloc();
    // The context is lost now, at the publish: the consumers' fragments inherit the faults that
    // touched the trace so far, not those that touch it while the message is in flight.
    messages_[msg] = Message{t,    topic_index, traces_[t].spans[span].span_id,
                             span, broken,      broken == kNone ? 0 : traces_[t].truth.fault_mask};
    Ref(t);
    queue_.Push(now_ + ack + deliver, kEvDeliver, msg);
    Frame& fr3 = frames_[f];
    fr3.wait_span = span;
    fr3.pc++;
    fr3.running = false;
    queue_.Push(now_ + ack, kEvProducerAck, f);
  }

  void OnProducerAck(uint32_t f) {
    Frame& fr = frames_[f];
    uint32_t span = fr.wait_span;
    fr.wait_span = kNone;
    EndSpan(fr.trace, span);
    RunFrame(f);
  }

  void OnDeliver(uint32_t msg) {
    Message mm = messages_[msg];
    messages_.Free(msg);
    const Topic& topic = m_.topics[mm.topic];
    TraceId producer_trace = traces_[mm.trace].id;
    for (uint32_t op : topic.consumers) {
      uint32_t consumer_service = m_.operations[op].service;
      uint32_t t = mm.broken_fault == kNone
                       ? mm.trace
                       : StartFragment(mm.trace, op, mm.broken_fault, mm.origin_faults);
      uint32_t r = NewRequest(t, op);
      Request& q = requests_[r];
      if (mm.broken_fault == kNone) {
        q.parent_span_id = mm.producer_span_id;
        q.parent_index = mm.producer_index;
      } else {
        q.entry = true;
      }
      // Without the context the consumer has nothing to link to either.
      q.link_span_id = mm.broken_fault == kNone ? mm.producer_span_id : 0;
      q.link_trace_id = producer_trace;
      uint32_t lag = services_[consumer_service].faults_here.empty()
                         ? kNone
                         : ActiveFault(Fault::Kind::kConsumerLag, consumer_service, op, kNone);
      if (lag != kNone && !FaultAt(lag).extra_latency.IsZero()) {
        Touch(t, lag);
        Duration extra =
            FaultAt(lag).extra_latency.SampleDuration(services_[consumer_service].faults);
        queue_.Push(now_ + extra, kEvRequestArrive, r);
      } else {
        ArriveAtService(r);
      }
    }
    Unref(mm.trace);
  }

  // Traces are pooled with their vectors' capacity kept, so steady state allocates nothing.
  class TracePool {
   public:
    uint32_t Alloc() {
      if (!free_.empty()) {
        uint32_t i = free_.back();
        free_.pop_back();
        TraceState& t = items_[i];
        t.open = 0;
        t.trace_state = kEmptyStr;
        return i;
      }
      items_.emplace_back();
      return static_cast<uint32_t>(items_.size() - 1);
    }
    void Free(uint32_t i) { free_.push_back(i); }
    TraceState& operator[](uint32_t i) { return items_[i]; }
    size_t live() const { return items_.size() - free_.size(); }

   private:
    std::vector<TraceState> items_;
    std::vector<uint32_t> free_;
  };

  const Model& m_;
  SimulationOptions opt_;
  // Observers, one list per callback (see AddObserver).
  SimulationObserver* span_start_ = nullptr;
  std::vector<SimulationObserver*> span_end_;
  std::vector<SimulationObserver*> trace_complete_;
  std::vector<SimulationObserver*> run_end_;
  std::vector<SimulationObserver*> time_advance_;
  std::vector<Time> wakeups_;       // wakeups_[i]: time_advance_[i]'s next wake-up
  Time next_wakeup_ = Time::Max();  // min of wakeups_
  Status observer_error_;           // first AddObserver error, returned again by Start
  ArrivalSource* arrivals_ = nullptr;
  Status arrival_error_;
  bool started_ = false;
  bool finished_ = false;
  Time stop_ = Time::Max();
  uint64_t until_progress_ = 1;
  Time now_;
  EventQueue queue_;
  Rng trace_ids_;
  std::vector<ServiceRuntime> services_;
  std::vector<std::pair<uint32_t, uint32_t>>
      instance_owner_;  // global instance -> (service, instance)
  std::vector<Rng> gen_rng_;
  std::vector<uint32_t> gen_slot_;    // generator -> trace value slot (kNone for per-span)
  std::vector<uint32_t> trace_gens_;  // slot -> generator
  std::vector<uint32_t> traffic_faults_;
  std::vector<BreakerState> breakers_;
  std::vector<TimerFifo> timers_;
  std::vector<int64_t> timer_index_;  // timers_[i] holds the timeouts of timer_index_[i] nanos
  std::vector<uint64_t> name_hash_;   // StrId -> FNV hash (0 = not computed yet)
  std::vector<uint64_t> shape_scratch_;
  std::vector<Span> exported_;  // scratch: a trace's spans minus the lost ones
  TracePool traces_;
  Pool<Request> requests_;
  Pool<Call> calls_;
  Pool<Frame> frames_;
  Pool<Message> messages_;
  SimulationStats stats_;
};

Simulation::Simulation(const Model& model, SimulationOptions options)
    : impl_(std::make_unique<Impl>(model, std::move(options))) {}
Simulation::~Simulation() = default;
Status Simulation::Run(ArrivalSource* arrivals) {
  TRACESIM_RETURN_IF_ERROR(impl_->Start(arrivals));
  return impl_->RunUntil(Time::Max());
}
Status Simulation::Start(ArrivalSource* arrivals) { return impl_->Start(arrivals); }
Status Simulation::RunUntil(Time limit) { return impl_->RunUntil(limit); }
bool Simulation::finished() const { return impl_->finished(); }
Time Simulation::now() const { return impl_->now(); }
const SimulationStats& Simulation::stats() const { return impl_->stats(); }
Status Simulation::AddObserver(SimulationObserver* observer) {
  return impl_->AddObserver(observer);
}

}  // namespace tracesim::sim
