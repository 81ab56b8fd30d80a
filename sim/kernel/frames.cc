#include "sim/kernel/frames.h"

#include "sim/kernel/kernel.h"

namespace tracesim::sim {

Frames::Frames(Kernel& k, TraceBuilder& traces) : k_(k), traces_(traces) {}

// The helpers below are inline: called only in this file, once or more per frame.
inline uint32_t Frames::NewChild(uint32_t f, Frame::Role role, const Step* steps, uint32_t end,
                                 uint32_t span) {
  uint32_t c = New(frames_[f].trace, role);
  Frame& child = frames_[c];
  Frame& parent = frames_[f];
  child.parent = f;
  child.steps = steps;
  child.end = end;
  child.span = span;
  child.op = parent.op;
  child.service = parent.service;
  child.instance = parent.instance;
  parent.pending++;
  return c;
}

void Frames::Run(uint32_t f) {
  frames_[f].running = true;
  for (;;) {
    Frame& fr = frames_[f];
    if (fr.failed) fr.pc = fr.end;  // an error aborts the rest of the program
    if (fr.pc >= fr.end) break;
    const Step& step = fr.steps[fr.pc];
    Rng& rng = k_.traces.draws(fr.trace);
    if (step.probability < 1.0 && !rng.Bernoulli(step.probability)) {
      fr.pc++;
      continue;
    }
    switch (step.kind) {
      case Step::Kind::kWork: {
        Duration d = step.work.SampleDuration(rng);
        if (k_.faults.any(fr.service)) {
          bool consumer = k_.model.operations[fr.op].kind == SpanKind::kConsumer;
          d = k_.faults.ApplyLatency(fr.service, fr.op, fr.instance, consumer, k_.now, d,
                                     k_.traces.fault_mask(fr.trace), k_.traces.fault_rng(fr.trace));
        }
        // pc advances when the resume event fires.
        k_.queue.Push(k_.now + d, kEvFrameResume, f);
        frames_[f].running = false;
        return;
      }
      case Step::Kind::kCall: {
        const CallSpec& call = step.call;
        uint32_t n = call.count.SampleCount(rng);
        if (n > 0 && call.probability < 1.0 && !rng.Bernoulli(call.probability)) n = 0;
        if (n == 0) {
          fr.pc++;
          continue;
        }
        fr.repeat_left = n - 1;
        fr.attempt = 1;
        fr.running = false;
        k_.calls.StartAttempt(f);
        return;
      }
      case Step::Kind::kParallel:
        if (RunParallel(f, step)) return;
        continue;
      case Step::Kind::kPublish:
        k_.messaging.Publish(f, step.topic);
        return;
      case Step::Kind::kSpan:
        if (RunSpan(f, step)) return;
        continue;
    }
  }
  frames_[f].running = false;
  Complete(f);
}

inline bool Frames::RunParallel(uint32_t f, const Step& step) {
  Frame& fr = frames_[f];
  fr.pc++;
  fr.pending += 1;  // guard while spawning
  for (const Step& child : step.children) {
    uint32_t b = NewChild(f, Frame::Role::kBranch, &child, 1, frames_[f].span);
    Run(b);
  }
  Frame& parent = frames_[f];
  if (--parent.pending > 0) {
    parent.running = false;
    return true;
  }
  return false;
}

inline bool Frames::RunSpan(uint32_t f, const Step& step) {
  Frame& fr = frames_[f];
  uint32_t t = fr.trace;
  uint32_t span =
      k_.traces.StartSpan(t, SpanKind::kInternal, fr.service, fr.instance, fr.op, step.span_name,
                          fr.span, k_.traces.SpanIdOf(t, fr.span), false, step.attrs, {});
  uint32_t c = NewChild(f, Frame::Role::kSpan, step.children.data(),
                        static_cast<uint32_t>(step.children.size()), span);
  frames_[c].own_span = span;
  frames_[f].pc++;
  Run(c);
  Frame& parent = frames_[f];
  if (parent.pending > 0) {
    parent.running = false;
    return true;
  }
  return false;
}

inline void Frames::Complete(uint32_t f) {
  Frame fr = frames_[f];
  frames_.Free(f);
  switch (fr.role) {
    case Frame::Role::kRoot:
      k_.services.Finish(fr.request, fr.failed, fr.fail_class, fr.fail_service, fr.fail_op);
      break;
    case Frame::Role::kSpan:
      if (fr.failed) k_.traces[fr.trace].spans[fr.own_span].status = StatusCode::kError;
      k_.traces.EndSpan(fr.trace, fr.own_span);
      [[fallthrough]];
    case Frame::Role::kBranch: {
      Frame& parent = frames_[fr.parent];
      if (fr.failed && !parent.failed) {
        parent.failed = true;
        parent.fail_class = fr.fail_class;
        parent.fail_service = fr.fail_service;
        parent.fail_op = fr.fail_op;
      }
      if (--parent.pending == 0 && !parent.running) Run(fr.parent);
      break;
    }
  }
  k_.traces.Unref(fr.trace);
}

}  // namespace tracesim::sim
