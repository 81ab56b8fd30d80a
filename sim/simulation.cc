#include "sim/simulation.h"

#include <algorithm>
#include <cassert>
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

// Event types. NOTE: the order of simultaneous events is the order they were scheduled; the
// numbering carries no priority.
enum EventType : uint32_t {
  kEvArrival = 0,        // the next workload arrival is due
  kEvRequestArrive = 1,  // a request reaches its service (after network latency)
  kEvFrameResume = 2,    // a work step finished
  kEvResponse = 3,       // a response reaches the caller
  kEvProducerAck = 4,    // the broker acknowledged a publish
  kEvDeliver = 5,        // a message reaches its consumers
  kEvStartQueued = 6,    // a freed worker slot picks the next queued request
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
  uint64_t sequence = 0;
  uint32_t open = 0;  // live requests, calls, frames and messages of this trace
  uint32_t flags = 0;
  StrId trace_state = kEmptyStr;
  std::vector<Span> spans;
  std::vector<SpanEvent> events;
  std::vector<SpanLink> links;
  std::vector<AttrValue> trace_values;  // per trace-scoped generator slot
  std::vector<Attr> baggage;
};

struct Request {
  uint32_t trace = kNone;
  uint32_t op = kNone;
  uint32_t call = kNone;  // the Call waiting for the response; kNone for entries and messages
  uint64_t parent_span_id = 0;
  uint64_t link_span_id = 0;  // consumers: the producer span
  uint32_t instance = kNone;
  Time enqueued;
  Time started;
  uint32_t span = kNone;  // index of the SERVER/CONSUMER span in the trace
};

struct Call {
  uint32_t trace = kNone;
  uint32_t frame = kNone;  // the caller's frame, resumed by the response
  uint32_t span = kNone;   // the CLIENT span
  uint32_t target = kNone;
  int status = 0;
  bool failed = false;
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
  uint32_t pending = 0;      // children (branches, span frames) still running
  uint32_t repeat_left = 0;  // remaining repetitions of the current call step
  Role role = Role::kRoot;
  bool failed = false;
  bool running = false;
};

struct Message {
  uint32_t trace = kNone;
  uint32_t topic = kNone;
  uint64_t producer_span_id = 0;
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
};

struct ServiceRuntime {
  Rng work;       // work-step durations
  Rng decisions;  // probabilities, counts, errors
  Rng network;    // network latency to this service
  Rng span_ids;   // ids of spans this service records
  Rng balance;    // random load balancing
  uint32_t next_instance = 0;
  std::vector<InstanceState> instances;
};

}  // namespace

class Simulation::Impl {
 public:
  Impl(const Model& model, SimulationOptions options, SpanSink* sink)
      : m_(model), opt_(std::move(options)), sink_(sink) {
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
      rt.instances.resize(std::max<uint32_t>(1, s.instances));
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
  }

  Status Start(ArrivalSource* arrivals) {
    if (started_) return Status::Internal("Simulation::Start called twice");
    TRACESIM_RETURN_IF_ERROR(opt_.Validate());
    if (m_.well_known.http_codes.empty()) return Status::Internal("model was not finalized");
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
    finished_ = true;
    stats_.end_time = now_;
    stats_.traces_unfinished = traces_.live();
    return Status::Ok();
  }

  bool finished() const { return finished_; }
  Time now() const { return now_; }

  const SimulationStats& stats() const { return stats_; }
  void AddListener(SpanListener* l) { listeners_.push_back(l); }

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
    next_arrival_op_ = a.operation;
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
    }
  }

  int64_t Unix(Time t) const { return opt_.start_unix_nanos + t.nanos(); }

  // ---- traces -------------------------------------------------------------------------------

  void Ref(uint32_t t) { ++traces_[t].open; }
  void Unref(uint32_t t) {
    TraceState& ts = traces_[t];
    if (--ts.open == 0) FinishTrace(t);
  }

  void StartTrace(uint32_t op) {
    uint32_t t = traces_.Alloc();
    TraceState& ts = traces_[t];
    do {
      ts.id.hi = trace_ids_.Next();
      ts.id.lo = trace_ids_.Next();
    } while (!ts.id.valid());
    ts.sequence = stats_.traces_started++;
    ts.flags = kFlagSampled | kFlagRandomTraceId;
    ts.spans.clear();
    ts.events.clear();
    ts.links.clear();
    ts.trace_values.resize(trace_gens_.size());
    for (size_t i = 0; i < trace_gens_.size(); ++i) {
      uint32_t g = trace_gens_[i];
      ts.trace_values[i] = m_.generators[g].Sample(gen_rng_[g]);
    }
    ts.baggage.clear();
    for (const DynamicAttr& b : m_.operations[op].baggage)
      ts.baggage.push_back(Attr{b.key, Generate(t, b.generator)});
    stats_.peak_open_traces = std::max<uint64_t>(stats_.peak_open_traces, traces_.live());

    Ref(t);  // held while the entry request is created
    uint32_t r = NewRequest(t, op);
    ArriveAtService(r);
    Unref(t);
  }

  void FinishTrace(uint32_t t) {
    TraceState& ts = traces_[t];
    if (!ts.spans.empty()) {
      TraceView view;
      view.model = &m_;
      view.trace_id = ts.id;
      view.spans = ts.spans;
      view.events = ts.events;
      view.links = ts.links;
      view.sequence = ts.sequence;
      stats_.spans += ts.spans.size();
      sink_->OnTrace(view);
    }
    ++stats_.traces_finished;
    traces_.FreeKeep(t);
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

  uint32_t StartSpan(uint32_t t, SpanKind kind, uint32_t service, uint32_t instance, uint32_t op,
                     StrId name, uint64_t parent_id, bool remote_parent,
                     const std::vector<Attr>& attrs, const std::vector<DynamicAttr>& dyn) {
    TraceState& ts = traces_[t];
    uint32_t idx = static_cast<uint32_t>(ts.spans.size());
    Span& s = ts.spans.emplace_back();
    s.trace_id = ts.id;
    s.span_id = NewSpanId(service);
    s.parent_span_id = parent_id;
    s.start_unix_nano = Unix(now_);
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
    return idx;
  }

  // Ends a span now and shows it to the listeners.
  void EndSpan(uint32_t t, uint32_t span) {
    TraceState& ts = traces_[t];
    Span& s = ts.spans[span];
    s.end_unix_nano = Unix(now_);
    if (listeners_.empty()) return;
    std::span<const SpanEvent> events(ts.events.data() + s.first_event, s.event_count);
    std::span<const SpanLink> links(ts.links.data() + s.first_link, s.link_count);
    for (SpanListener* l : listeners_) l->OnSpanEnd(m_, s, events, links);
  }

  // Appends an event to a span. A span's events must stay contiguous in the trace's event array;
  // when another span's events were appended in between, this span's are moved to the end (rare:
  // only spans with events at both start and end that overlap other spans' events).
  void PushEvent(uint32_t t, uint32_t span, const SpanEvent& ev) {
    TraceState& ts = traces_[t];
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
    ev.time_unix_nano = Unix(now_);
    ev.name = name;
    for (const Attr& a : attrs) {
      if (a.value.type == AttrValue::Type::kNone ||
          (a.value.type == AttrValue::Type::kString && a.value.str == kEmptyStr))
        continue;
      if (ev.attr_count < kMaxEventAttrs) ev.attrs[ev.attr_count++] = a;
    }
    PushEvent(t, span, ev);
  }

  void AddOperationEvents(uint32_t t, uint32_t span, const Operation& op, bool at_end, Rng& rng) {
    for (const EventSpec& spec : op.events) {
      if (spec.at_end != at_end || !rng.Bernoulli(spec.probability)) continue;
      SpanEvent ev;
      ev.time_unix_nano = Unix(now_);
      ev.name = spec.name;
      for (const Attr& a : spec.attrs)
        if (ev.attr_count < kMaxEventAttrs) ev.attrs[ev.attr_count++] = a;
      PushEvent(t, span, ev);
    }
  }

  // Sets the protocol status attributes and the span status for a finished exchange.
  // `server` selects the server-side rule (HTTP: only 5xx is an error) vs the client rule.
  void SetOutcome(uint32_t t, uint32_t span, const Operation& op, bool failed, int status,
                  bool server) {
    Span& s = traces_[t].spans[span];
    const WellKnown& w = m_.well_known;
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
        if (status != 0) {
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
    if (failed && s.status != StatusCode::kError) s.status = StatusCode::kError;
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

  void ArriveAtService(uint32_t r) {
    Request& q = requests_[r];
    const Operation& op = m_.operations[q.op];
    uint32_t s = op.service;
    const Service& svc = m_.services[s];
    ServiceStats& st = stats_.services[s];
    ++st.arrivals;
    q.instance = PickInstance(s);
    q.enqueued = now_;
    InstanceState& inst = services_[s].instances[q.instance];
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

  void Reject(uint32_t r) {
    Request& q = requests_[r];
    const Operation& op = m_.operations[q.op];
    ++stats_.services[op.service].rejected;
    if (q.call != kNone) {
      Call& c = calls_[q.call];
      c.failed = true;
      c.status = op.protocol == Protocol::kGrpc ? 14 /* UNAVAILABLE */ : 503;
      Duration back =
          m_.services[op.service].network_latency.SampleDuration(services_[op.service].network);
      queue_.Push(now_ + back, kEvResponse, q.call);
    }
    // An entry request refused at the edge records no span: its handler never ran.
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
      bool is_message = op.kind == SpanKind::kConsumer;
      q.span = StartSpan(t, op.kind, s, q.instance, q.op, op.span_name, q.parent_span_id,
                         q.parent_span_id != 0, op.attrs, op.dynamic_attrs);
      if (is_message && q.link_span_id != 0) {
        TraceState& ts = traces_[t];
        Span& sp = ts.spans[q.span];
        sp.first_link = static_cast<uint32_t>(ts.links.size());
        sp.link_count = 1;
        ts.links.push_back(SpanLink{ts.id, q.link_span_id, ts.trace_state, ts.flags});
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

  void StartQueued(uint32_t packed_service) {
    uint32_t s = packed_service >> 12;
    uint32_t i = packed_service & 0xFFF;
    InstanceState& inst = services_[s].instances[i];
    const Service& svc = m_.services[s];
    if (inst.queue.empty() || (svc.concurrency != 0 && inst.busy >= svc.concurrency)) return;
    StartRequest(inst.queue.Pop());
  }

  void FinishRequest(uint32_t r, bool child_failed) {
    Request& q = requests_[r];
    const Operation& op = m_.operations[q.op];
    uint32_t s = op.service;
    ServiceRuntime& rt = services_[s];
    ServiceStats& st = stats_.services[s];
    bool own_failed = op.error_rate > 0 && rt.decisions.Bernoulli(op.error_rate);
    bool failed = own_failed || child_failed;
    int status = op.ok_status;
    if (own_failed) {
      status = op.error_status;
    } else if (child_failed) {
      status = op.protocol == Protocol::kGrpc ? 13 /* INTERNAL */ : 500;
    }
    uint32_t t = q.trace;
    if (q.span != kNone) {
      if (own_failed) {
        AddEvent(t, q.span, m_.well_known.exception,
                 {Attr{m_.well_known.exception_type, AttrValue::String(op.error_type)},
                  Attr{m_.well_known.exception_message, AttrValue::String(op.error_message)}});
      }
      AddOperationEvents(t, q.span, op, /*at_end=*/true, rt.decisions);
      SetOutcome(t, q.span, op, failed, status, /*server=*/true);
      EndSpan(t, q.span);
    }
    ++st.completed;
    if (failed) ++st.errors;
    st.busy_nanos += (now_ - q.started).nanos();
    InstanceState& inst = rt.instances[q.instance];
    inst.busy--;
    if (!inst.queue.empty()) queue_.Push(now_, kEvStartQueued, (s << 12) | q.instance);
    if (q.call != kNone) {
      Call& c = calls_[q.call];
      c.failed = failed;
      c.status = status;
      Duration back = m_.services[s].network_latency.SampleDuration(rt.network);
      queue_.Push(now_ + back, kEvResponse, q.call);
    }
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

  uint64_t SpanIdOf(uint32_t t, uint32_t span) const {
    return span == kNone ? 0 : traces_.at(t).spans[span].span_id;
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
          // pc advances when the resume event fires.
          queue_.Push(now_ + d, kEvFrameResume, f);
          fr.running = false;
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
          fr.running = false;
          StartCall(f, call.target);
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
          const Topic& topic = m_.topics[step.topic];
          uint32_t t = fr.trace;
          uint32_t span = StartSpan(t, SpanKind::kProducer, fr.service, fr.instance, fr.op,
                                    topic.producer_span_name, SpanIdOf(t, fr.span), false,
                                    topic.producer_attrs, {});
          traces_[t].spans[span].peer = topic.broker;
          Duration ack = topic.publish_latency.SampleDuration(rt.work);
          Duration deliver = topic.delivery_latency.SampleDuration(rt.network);
          uint32_t msg = messages_.Alloc();
          messages_[msg] = Message{t, step.topic, traces_[t].spans[span].span_id};
          Ref(t);
          queue_.Push(now_ + ack + deliver, kEvDeliver, msg);
          Frame& fr2 = frames_[f];
          fr2.wait_span = span;
          fr2.pc++;
          fr2.running = false;
          queue_.Push(now_ + ack, kEvProducerAck, f);
          return;
        }
        case Step::Kind::kSpan: {
          uint32_t t = fr.trace;
          uint32_t span = StartSpan(t, SpanKind::kInternal, fr.service, fr.instance, fr.op,
                                    step.span_name, SpanIdOf(t, fr.span), false, step.attrs, {});
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
        FinishRequest(fr.request, fr.failed);
        break;
      case Frame::Role::kSpan: {
        if (fr.failed) traces_[fr.trace].spans[fr.own_span].status = StatusCode::kError;
        EndSpan(fr.trace, fr.own_span);
        [[fallthrough]];
      }
      case Frame::Role::kBranch: {
        Frame& parent = frames_[fr.parent];
        parent.failed |= fr.failed;
        if (--parent.pending == 0 && !parent.running) RunFrame(fr.parent);
        break;
      }
    }
    Unref(fr.trace);
  }

  // ---- calls --------------------------------------------------------------------------------

  void StartCall(uint32_t f, uint32_t target) {
    Frame& fr = frames_[f];
    uint32_t t = fr.trace;
    const Operation& callee = m_.operations[target];
    uint32_t span =
        StartSpan(t, SpanKind::kClient, fr.service, fr.instance, target, callee.client_span_name,
                  SpanIdOf(t, fr.span), false, callee.client_attrs, callee.client_dynamic_attrs);
    traces_[t].spans[span].peer = callee.service;
    uint32_t c = calls_.Alloc();
    Call& call = calls_[c];
    call.trace = t;
    call.frame = f;
    call.span = span;
    call.target = target;
    Ref(t);
    uint32_t r = NewRequest(t, target);
    Request& q = requests_[r];
    q.call = c;
    q.parent_span_id = traces_[t].spans[span].span_id;
    uint32_t s = callee.service;
    Duration d = m_.services[s].network_latency.SampleDuration(services_[s].network);
    queue_.Push(now_ + d, kEvRequestArrive, r);
  }

  void OnResponse(uint32_t c) {
    Call call = calls_[c];
    calls_.Free(c);
    const Operation& callee = m_.operations[call.target];
    uint32_t t = call.trace;
    if (call.failed && !callee.emits_span && callee.error_type != kEmptyStr) {
      // Leaf dependencies have no span of their own: the client records the exception.
      AddEvent(t, call.span, m_.well_known.exception,
               {Attr{m_.well_known.exception_type, AttrValue::String(callee.error_type)},
                Attr{m_.well_known.exception_message, AttrValue::String(callee.error_message)}});
    }
    SetOutcome(t, call.span, callee, call.failed, call.status, /*server=*/false);
    EndSpan(t, call.span);
    Frame& fr = frames_[call.frame];
    const Operation& caller = m_.operations[fr.op];
    if (call.failed && caller.propagate_errors) {
      fr.failed = true;
      fr.repeat_left = 0;
    }
    if (!fr.failed && fr.repeat_left > 0) {
      fr.repeat_left--;
      StartCall(call.frame, call.target);
    } else {
      fr.pc++;
      RunFrame(call.frame);
    }
    Unref(t);
  }

  // ---- messaging ----------------------------------------------------------------------------

  void OnProducerAck(uint32_t f) {
    Frame& fr = frames_[f];
    EndSpan(fr.trace, fr.wait_span);
    fr.wait_span = kNone;
    RunFrame(f);
  }

  void OnDeliver(uint32_t msg) {
    Message mm = messages_[msg];
    messages_.Free(msg);
    const Topic& topic = m_.topics[mm.topic];
    for (uint32_t op : topic.consumers) {
      uint32_t r = NewRequest(mm.trace, op);
      Request& q = requests_[r];
      q.parent_span_id = mm.producer_span_id;
      q.link_span_id = mm.producer_span_id;
      ArriveAtService(r);
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
    void FreeKeep(uint32_t i) { free_.push_back(i); }
    TraceState& operator[](uint32_t i) { return items_[i]; }
    const TraceState& at(uint32_t i) const { return items_[i]; }
    size_t live() const { return items_.size() - free_.size(); }

   private:
    std::vector<TraceState> items_;
    std::vector<uint32_t> free_;
  };

  const Model& m_;
  SimulationOptions opt_;
  SpanSink* sink_;
  std::vector<SpanListener*> listeners_;
  ArrivalSource* arrivals_ = nullptr;
  Status arrival_error_;
  bool started_ = false;
  bool finished_ = false;
  Time stop_ = Time::Max();
  uint64_t until_progress_ = 1;
  uint32_t next_arrival_op_ = 0;
  Time now_;
  EventQueue queue_;
  Rng trace_ids_;
  std::vector<ServiceRuntime> services_;
  std::vector<Rng> gen_rng_;
  std::vector<uint32_t> gen_slot_;    // generator -> trace value slot (kNone for per-span)
  std::vector<uint32_t> trace_gens_;  // slot -> generator
  TracePool traces_;
  Pool<Request> requests_;
  Pool<Call> calls_;
  Pool<Frame> frames_;
  Pool<Message> messages_;
  SimulationStats stats_;
};

Simulation::Simulation(const Model& model, SimulationOptions options, SpanSink* sink)
    : impl_(std::make_unique<Impl>(model, std::move(options), sink)) {}
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
void Simulation::AddListener(SpanListener* listener) { impl_->AddListener(listener); }

}  // namespace tracesim::sim
