#include "sim/kernel/calls.h"

#include <algorithm>
#include <cmath>

#include "sim/kernel/kernel.h"

namespace tracesim::sim {
namespace {

const CallSpec& CurrentCall(const Frame& fr) { return fr.steps[fr.pc].call; }

}  // namespace

Calls::Calls(Kernel& k, const Model& model) : k_(k), m_(model) {
  breakers_.resize(m_.breaker_count);
}

void Calls::StartAttempt(uint32_t f) {
  Frame& fr = k_.frames[f];
  const CallSpec& spec = CurrentCall(fr);
  if (spec.breaker_index != kNone && !breakers_[spec.breaker_index].Allows(spec.breaker, k_.now)) {
    ++k_.stats.breaker_rejections;
    k_.traces.TouchMask(fr.trace, breakers_[spec.breaker_index].cause_mask());
    uint32_t target_service = m_.operations[spec.target].service;
    k_.traces.MarkOrigin(fr.trace, target_service, spec.target);
    if (fr.span != kNone) {
      const WellKnown& w = m_.well_known;
      k_.traces.AddException(fr.trace, fr.span, w.circuit_open_exception, w.err_circuit_open);
    }
    // No request leaves: the caller fails at once. Never retried (the breaker said no).
    AfterCall(f, true, FailureClass::kUnavailable, /*retryable=*/false, target_service,
              spec.target);
    return;
  }
  StartCall(f, spec);
}

void Calls::StartCall(uint32_t f, const CallSpec& spec) {
  Frame& fr = k_.frames[f];
  uint32_t t = fr.trace;
  const Operation& callee = m_.operations[spec.target];
  uint32_t span = k_.traces.StartSpan(
      t, SpanKind::kClient, fr.service, fr.instance, spec.target, callee.client_span_name, fr.span,
      k_.traces.SpanIdOf(t, fr.span), false, callee.client_attrs, callee.client_dynamic_attrs);
  Span& cs = k_.traces[t].spans[span];
  cs.peer = callee.service;
  uint16_t attempt = k_.frames[f].attempt;
  if (attempt > 1 && callee.protocol == Protocol::kHttp)
    cs.SetAttr(m_.well_known.http_request_resend_count, AttrValue::Int(attempt - 1));
  uint32_t c = calls_.Alloc();
  Call& call = calls_[c];
  call.trace = t;
  call.frame = f;
  call.span = span;
  call.target = spec.target;
  call.pending_events = 1;
  call.started = k_.now;
  k_.traces.Ref(t);
  if (spec.timeout > Duration()) {
    calls_[c].pending_events = 2;
    ArmTimeout(spec.timeout, c);
  }
  // The request carries the context, unless the caller drops it.
  // (A dependency without instrumentation reads no context, so losing it changes nothing.)
  Frame& fr2 = k_.frames[f];
  uint32_t broken = k_.faults.has_broken(fr2.service) && callee.emits_span
                        ? k_.faults.Fires(Fault::Kind::kBrokenPropagation, fr2.service, fr2.op,
                                          fr2.instance, k_.now, k_.traces.fault_rng(t))
                        : kNone;
  uint32_t target_trace = broken == kNone ? t
                                          : k_.traces.StartFragment(t, spec.target, broken,
                                                                    k_.traces[t].truth.fault_mask);
  uint32_t r = k_.services.NewRequest(target_trace, spec.target);
  Request& q = k_.services.request(r);
  q.call = c;
  if (broken == kNone) {
    q.parent_span_id = k_.traces[t].spans[span].span_id;
    q.parent_index = span;
  } else {
    q.entry = true;
  }
  k_.queue.Push(k_.now + k_.services.NetworkDelay(callee.service, target_trace), kEvRequestArrive,
                r);
}

// Delivers a call's outcome to the caller's CLIENT span and frame (once).
void Calls::CompleteCall(uint32_t c) {
  Call call = calls_[c];
  calls_[c].completed = true;
  const Operation& callee = m_.operations[call.target];
  uint32_t t = call.trace;
  if (call.failed && call.span_exception.type != kEmptyStr) {
    // Dependencies have no span of their own: the client records their exception.
    k_.traces.AddException(t, call.span, call.span_exception.type, call.span_exception.message,
                           call.span_exception.stacktrace);
  }
  k_.traces.SetOutcome(t, call.span, callee, call.failed, call.status, call.cls,
                       /*server=*/false);
  k_.traces.EndSpan(t, call.span);
  const CallSpec& spec = CurrentCall(k_.frames[call.frame]);
  if (spec.breaker_index != kNone &&
      breakers_[spec.breaker_index].Record(spec.breaker, call.failed, k_.traces[t].truth.fault_mask,
                                           k_.now))
    ++k_.stats.breaker_opens;
  AfterCall(call.frame, call.failed, call.cls, /*retryable=*/true, call.origin_service,
            call.origin_op);
  // The call no longer holds its trace open: a late response or a timer that fires after this
  // only finds the call completed. (The caller's frame holds the trace while it goes on.)
  k_.traces.Unref(t);
}

bool Calls::Retry(uint32_t f, const CallSpec& spec, FailureClass cls) {
  Frame& fr = k_.frames[f];
  if (fr.attempt >= spec.retry.max_attempts || !spec.retry.Retries(cls)) return false;
  double backoff = static_cast<double>(spec.retry.initial_backoff.nanos()) *
                   std::pow(spec.retry.multiplier, fr.attempt - 1);
  backoff = std::min(backoff, static_cast<double>(spec.retry.max_backoff.nanos()));
  if (spec.retry.jitter > 0) {
    double u = k_.traces.draws(fr.trace).Uniform() * 2 - 1;
    backoff *= 1 + spec.retry.jitter * u;
  }
  fr.attempt++;
  ++k_.stats.retries;
  ++k_.traces[fr.trace].truth.retries;
  k_.queue.Push(k_.now + Duration::Nanos(static_cast<int64_t>(std::max(0.0, backoff))), kEvRetry,
                f);
  return true;
}

// The frame's current call attempt ended: retry, fall back, propagate or go on.
void Calls::AfterCall(uint32_t f, bool failed, FailureClass cls, bool retryable,
                      uint32_t origin_service, uint32_t origin_op) {
  Frame& fr = k_.frames[f];
  const CallSpec& spec = CurrentCall(fr);
  if (failed) {
    if (retryable && Retry(f, spec, cls)) return;
    OnError on_error = m_.operations[fr.op].propagate_errors ? spec.on_error : OnError::kIgnore;
    if (on_error == OnError::kPropagate) {
      fr.failed = true;
      fr.fail_class = cls;
      fr.fail_service = origin_service;
      fr.fail_op = origin_op;
      fr.repeat_left = 0;
      k_.frames.Run(f);
      return;
    }
    if (on_error == OnError::kFallback) {
      fr.repeat_left = 0;
      Duration d = spec.fallback.SampleDuration(k_.traces.draws(fr.trace));
      k_.queue.Push(k_.now + d, kEvFrameResume, f);
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
  k_.frames.Run(f);
}

// inline: called only in this file, once per call with a timeout.
inline void Calls::ArmTimeout(Duration d, uint32_t call) {
  // A topology has a handful of distinct timeouts: a linear scan beats hashing.
  uint32_t qi = 0;
  while (qi < timer_index_.size() && timer_index_[qi] != d.nanos()) ++qi;
  if (qi == timer_index_.size()) {
    timer_index_.push_back(d.nanos());
    timers_.emplace_back();
  }
  TimerFifo& q = timers_[qi];
  q.entries.emplace_back(k_.now + d, call);
  if (!q.armed) {
    q.armed = true;
    k_.queue.Push(k_.now + d, kEvCallTimeout, qi);
  }
}

void Calls::FireTimeouts(uint32_t qi) {
  // OnTimeout resumes the caller, whose next call may arm a timeout of a new duration and so
  // grow timers_: the FIFO is looked up again after each one (no reference held across it).
  for (;;) {
    TimerFifo& q = timers_[qi];
    if (q.entries.empty() || q.entries.front().first > k_.now) break;
    uint32_t call = q.entries.front().second;
    q.entries.pop_front();
    OnTimeout(call);
  }
  TimerFifo& q2 = timers_[qi];
  // Timers whose call already completed need no event: release them now, in bulk.
  while (!q2.entries.empty() && calls_[q2.entries.front().second].completed) {
    uint32_t call = q2.entries.front().second;
    q2.entries.pop_front();
    ReleaseEvent(call);
  }
  if (q2.entries.empty()) {
    q2.armed = false;
  } else {
    k_.queue.Push(q2.entries.front().first, kEvCallTimeout, qi);
  }
}

void Calls::OnTimeout(uint32_t c) {
  Call& call = calls_[c];
  if (!call.completed) {
    call.failed = true;
    call.status = 0;
    call.cls = FailureClass::kTimeout;
    call.origin_service = m_.operations[call.target].service;
    call.origin_op = call.target;
    ++k_.stats.timeouts;
    ++k_.traces[call.trace].truth.timeouts;
    k_.traces.MarkOrigin(call.trace, m_.operations[call.target].service, call.target);
    CompleteCall(c);
  }
  ReleaseEvent(c);
}

}  // namespace tracesim::sim
