#include "sim/kernel/services.h"

#include <algorithm>

#include "sim/kernel/kernel.h"

namespace tracesim::sim {
namespace {

// The failure class a caller sees for an answered status.
FailureClass ClassOfStatus(Protocol p, int status) {
  if (p == Protocol::kGrpc)
    return status == 14 || status == 8 ? FailureClass::kUnavailable : FailureClass::kError;
  return status == 503 || status == 429 ? FailureClass::kUnavailable : FailureClass::kError;
}

// The status an operation answers when a callee's failure of class `cls` aborted it.
int PropagatedStatus(const Operation& op, FailureClass cls) {
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

}  // namespace

void RequestQueue::Grow() {
  std::vector<uint32_t> next(buf_.empty() ? 16 : buf_.size() * 2);
  for (size_t i = 0; i < size_; ++i) next[i] = buf_[(head_ + i) % buf_.size()];
  buf_.swap(next);
  head_ = 0;
}

Services::Services(Kernel& k, TraceBuilder& traces, const Model& model)
    : k_(k), traces_(traces), m_(model) {
  services_.resize(m_.services.size());
  for (size_t i = 0; i < m_.services.size(); ++i) {
    const Service& s = m_.services[i];
    ServiceRuntime& rt = services_[i];
    rt.instances.resize(std::max<uint32_t>(1, s.instances));
    rt.instance_base = static_cast<uint32_t>(instance_owner_.size());
    for (uint32_t n = 0; n < rt.instances.size(); ++n)
      instance_owner_.emplace_back(static_cast<uint32_t>(i), n);
  }
}

// (inline: called only in this file, on every request.)
// Sends the outcome of request r back to its caller after `delay` (or ends the trace's entry).
// `origin_*` name where a failure began (the root cause of a failed entry request).
inline void Services::Answer(uint32_t r, bool failed, int status, FailureClass cls, Duration delay,
                             uint32_t origin_service, uint32_t origin_op) {
  Request& q = requests_[r];
  if (q.entry) {
    TraceTruth& tr = k_.traces[q.trace].truth;
    tr.end = k_.now;
    tr.root_error = failed;
    // A user-visible failure's root cause is where its chain of failures began (an earlier
    // failure that a retry or fallback absorbed is not it).
    if (failed && origin_service != kNone) {
      tr.root_cause_service = origin_service;
      tr.root_cause_operation = origin_op;
    }
  }
  if (q.call != kNone) {
    Call& c = k_.calls[q.call];
    c.failed = failed;
    c.status = status;
    c.cls = failed ? cls : FailureClass::kNone;
    c.origin_service = failed ? origin_service : kNone;
    c.origin_op = failed ? origin_op : kNone;
    k_.queue.Push(k_.now + delay, kEvResponse, q.call);
  }
}

// inline: called only in this file, on each arrival at a service with faults.
inline bool Services::ArrivalFaults(uint32_t r) {
  Request& q = requests_[r];
  const Operation& op = m_.operations[q.op];
  uint32_t s = op.service;
  uint32_t f = k_.faults.Fires(Fault::Kind::kOutage, s, q.op, q.instance, k_.now,
                               k_.traces.fault_rng(q.trace));
  if (f != kNone && op.kind == SpanKind::kConsumer && k_.faults.at(f).end != Time::Max()) {
    // A consumer group that is down consumes nothing: the message waits in the broker and is
    // delivered when the consumers are back.
    k_.traces.Touch(q.trace, f);
    k_.queue.Push(k_.faults.at(f).end, kEvRequestArrive, r);
    return true;
  }
  if (f != kNone) {
    Refuse(r, f);
    return true;
  }
  // A request that reaches a slowed target is touched by the slowdown even if it only waits in
  // the queue the slowdown built (and is abandoned by a client timeout before it runs).
  k_.traces.TouchMask(q.trace, k_.faults.CertainLatencyMask(s, q.op, q.instance, k_.now));
  return false;
}

void Services::Arrive(uint32_t r) {
  Request& q = requests_[r];
  const Operation& op = m_.operations[q.op];
  uint32_t s = op.service;
  const Service& svc = m_.services[s];
  ServiceStats& st = k_.stats.services[s];
  ServiceRuntime& rt = services_[s];
  ++st.arrivals;
  q.instance = rt.PickInstance(svc.load_balancing, traces_.draws(q.trace));
  q.enqueued = k_.now;
  if (k_.faults.any(s) && ArrivalFaults(r)) return;
  InstanceState& inst = rt.instances[q.instance];
  // Consumers pull at their own pace: a rate limit applies to requests pushed at a service.
  if (svc.rate_limit_rps > 0 && op.kind != SpanKind::kConsumer &&
      !inst.bucket.Take(svc.rate_limit_rps,
                        TokenBucket::Burst(svc.rate_limit_rps, svc.rate_limit_burst), k_.now)) {
    RateLimited(r);
    return;
  }
  if (svc.concurrency == 0 || inst.busy < svc.concurrency) {
    Start(r);
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

// A full queue: HTTP 503 / gRPC UNAVAILABLE at once; the handler never ran, so no span.
void Services::Reject(uint32_t r) {
  Request& q = requests_[r];
  const Operation& op = m_.operations[q.op];
  ++k_.stats.services[op.service].rejected;
  k_.traces.MarkOrigin(q.trace, op.service, q.op);
  Answer(r, true, op.protocol == Protocol::kGrpc ? 14 : 503, FailureClass::kUnavailable,
         NetworkDelay(op.service, q.trace), op.service, q.op);
  FreeRequest(r);
}

// An outage: the connection is refused (or times out connecting); no SERVER span exists.
void Services::Refuse(uint32_t r, uint32_t fault) {
  Request& q = requests_[r];
  const Operation& op = m_.operations[q.op];
  ++k_.stats.refused;
  k_.traces.Touch(q.trace, fault);
  k_.traces.MarkOrigin(q.trace, op.service, q.op);
  const Fault& f = k_.faults.at(fault);
  // Refused at once (one hop back), or after the caller's connect timeout, which runs from when
  // the caller started connecting.
  Duration delay = NetworkDelay(op.service, q.trace);
  if (f.connect_timeout > Duration()) {
    Time since = q.call != kNone ? k_.calls[q.call].started : k_.now;
    delay = std::max(Duration(), since + f.connect_timeout - k_.now);
  }
  Answer(r, true, op.protocol == Protocol::kGrpc ? 14 : 0, FailureClass::kUnavailable, delay,
         op.service, q.op);
  FreeRequest(r);
}

// A rate limit in the service's middleware: the SERVER span exists and answers 429 at once.
void Services::RateLimited(uint32_t r) {
  Request& q = requests_[r];
  const Operation& op = m_.operations[q.op];
  uint32_t s = op.service;
  ++k_.stats.rate_limited;
  ++k_.stats.services[s].rejected;
  k_.traces.MarkOrigin(q.trace, s, q.op);
  int status = op.protocol == Protocol::kGrpc ? 8 /* RESOURCE_EXHAUSTED */ : 429;
  if (op.emits_span) {
    uint32_t span =
        k_.traces.StartSpan(q.trace, op.kind, s, q.instance, q.op, op.span_name, q.parent_index,
                            q.parent_span_id, q.parent_span_id != 0, op.attrs, op.dynamic_attrs);
    k_.traces.SetOutcome(q.trace, span, op, true, status, FailureClass::kUnavailable,
                         /*server=*/true);
    k_.traces.EndSpan(q.trace, span);
  }
  Answer(r, true, status, FailureClass::kUnavailable, NetworkDelay(s, q.trace), s, q.op);
  FreeRequest(r);
}

void Services::Start(uint32_t r) {
  Request& q = requests_[r];
  const Operation& op = m_.operations[q.op];
  uint32_t s = op.service;
  ServiceStats& st = k_.stats.services[s];
  services_[s].instances[q.instance].busy++;
  ++st.started;
  st.queue_wait_nanos += (k_.now - q.enqueued).nanos();
  q.started = k_.now;
  uint32_t t = q.trace;
  if (op.emits_span) {
    q.span =
        k_.traces.StartSpan(t, op.kind, s, q.instance, q.op, op.span_name, q.parent_index,
                            q.parent_span_id, q.parent_span_id != 0, op.attrs, op.dynamic_attrs);
    if (op.kind == SpanKind::kConsumer && q.link_span_id != 0) {
      TraceState& ts = k_.traces[t];
      Span& sp = ts.spans[q.span];
      sp.first_link = static_cast<uint32_t>(ts.links.size());
      sp.link_count = 1;
      ts.links.push_back(SpanLink{q.link_trace_id, q.link_span_id, ts.trace_state, ts.flags});
    }
    k_.traces.AddOperationEvents(t, q.span, op, /*at_end=*/false, traces_.draws(t));
  }
  k_.frames.StartRoot(t, r, q.op, q.span, s, q.instance, op.steps);
}

void Services::StartQueued(uint32_t global_instance) {
  auto [s, i] = instance_owner_[global_instance];
  InstanceState& inst = services_[s].instances[i];
  const Service& svc = m_.services[s];
  if (inst.queue.empty() || (svc.concurrency != 0 && inst.busy >= svc.concurrency)) return;
  Start(inst.queue.Pop());
}

void Services::Finish(uint32_t r, bool child_failed, FailureClass child_class,
                      uint32_t child_origin_service, uint32_t child_origin_op) {
  Request& q = requests_[r];
  const Operation& op = m_.operations[q.op];
  uint32_t s = op.service;
  ServiceRuntime& rt = services_[s];
  ServiceStats& st = k_.stats.services[s];
  uint32_t t = q.trace;
  // Own failure: an error fault first, then the operation's own error rate.
  // (An operation a callee's failure aborted does not also fail on its own.)
  uint32_t fault =
      !k_.faults.any(s) || child_failed
          ? kNone
          : k_.faults.Fires(Fault::Kind::kError, s, q.op, q.instance, k_.now, traces_.fault_rng(t));
  bool own_failed = fault != kNone || (!child_failed && op.error_rate > 0 &&
                                       traces_.draws(t).Bernoulli(op.error_rate));
  bool failed = own_failed || child_failed;
  int status = op.ok_status;
  StrId ex_type = op.error_type, ex_message = op.error_message, ex_stack = kEmptyStr;
  if (fault != kNone) {
    const Fault& f = k_.faults.at(fault);
    k_.traces.Touch(t, fault);
    status = f.status != 0 ? f.status : op.error_status;
    if (f.exception_type != kEmptyStr) ex_type = f.exception_type;
    if (f.exception_message != kEmptyStr) ex_message = f.exception_message;
    ex_stack = f.exception_stacktrace;
  } else if (own_failed) {
    status = op.error_status;
  } else if (child_failed) {
    status = PropagatedStatus(op, child_class);
  }
  if (own_failed) k_.traces.MarkOrigin(t, s, q.op);
  if (q.span != kNone) {
    if (own_failed) k_.traces.AddException(t, q.span, ex_type, ex_message, ex_stack);
    k_.traces.AddOperationEvents(t, q.span, op, /*at_end=*/true, traces_.draws(t));
    k_.traces.SetOutcome(t, q.span, op, failed, status, FailureClass::kNone, /*server=*/true);
    k_.traces.EndSpan(t, q.span);
  } else if (own_failed && q.call != kNone) {
    // A dependency without spans: the caller's CLIENT span records the exception.
    k_.calls[q.call].span_exception = ExceptionInfo{ex_type, ex_message, ex_stack};
  }
  ++st.completed;
  if (failed) ++st.errors;
  st.busy_nanos += (k_.now - q.started).nanos();
  InstanceState& inst = rt.instances[q.instance];
  inst.busy--;
  if (!inst.queue.empty()) k_.queue.Push(k_.now, kEvStartQueued, rt.instance_base + q.instance);
  Answer(r, failed, status, failed ? ClassOfStatus(op.protocol, status) : FailureClass::kNone,
         NetworkDelay(s, t), own_failed ? s : child_origin_service,
         own_failed ? q.op : child_origin_op);
  FreeRequest(r);
}

}  // namespace tracesim::sim
