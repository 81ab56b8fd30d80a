// Frames: the step interpreter. A frame runs a list of Steps (sim/model/model.h) of one operation
// on one instance: a root frame runs the operation's program for its request, a branch frame one
// branch of a kParallel step, a span frame the children of a kSpan step inside its INTERNAL
// span. Run() advances a frame from its pc until it must wait (work time, a call, a publish's
// ack, children still running) or completes; a completed child resumes its parent, a completed
// root finishes its request (Services::Finish). A failure that a call propagates aborts the rest
// of the frame and is passed up with its class and origin.
//
// Each frame holds one reference on its trace. The frame's current call step is run by Calls
// (sim/kernel/calls.h), a publish step by Messaging (sim/kernel/messaging.h); both resume the frame
// through Run. Single-threaded; events are pushed on the kernel's queue (sim/kernel/kernel.h).
#ifndef TRACESIM_SIM_FRAMES_H_
#define TRACESIM_SIM_FRAMES_H_

#include <cstdint>
#include <vector>

#include "sim/kernel/index_pool.h"
#include "sim/kernel/trace_builder.h"
#include "sim/model/model.h"
#include "sim/model/span.h"

namespace tracesim::sim {

struct Kernel;

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

class Frames {
 public:
  // REQUIRES: `traces` is k.traces.
  Frames(Kernel& k, TraceBuilder& traces);

  Frame& operator[](uint32_t f) { return frames_[f]; }

  // Starts and runs the root frame of request r (operation `op` of `service` on `instance`,
  // context span `span`, program `steps`).
  void StartRoot(uint32_t t, uint32_t r, uint32_t op, uint32_t span, uint32_t service,
                 uint32_t instance, const std::vector<Step>& steps) {
    uint32_t f = New(t, Frame::Role::kRoot);
    Frame& fr = frames_[f];
    fr.request = r;
    fr.steps = steps.data();
    fr.end = static_cast<uint32_t>(steps.size());
    fr.span = span;
    fr.op = op;
    fr.service = service;
    fr.instance = instance;
    Run(f);
  }
  // The step at pc finished (its work time or fallback elapsed): advance and go on (event
  // kEvFrameResume).
  void Resume(uint32_t f) {
    frames_[f].pc++;
    Run(f);
  }
  // Runs frame f from its pc until it must wait or completes.
  void Run(uint32_t f);

 private:
  uint32_t New(uint32_t t, Frame::Role role) {
    uint32_t f = frames_.Alloc();
    Frame& fr = frames_[f];
    fr.trace = t;
    fr.role = role;
    traces_.Ref(t);
    return f;
  }
  // A child frame of f (a kParallel branch or a kSpan sequence) with f's context.
  uint32_t NewChild(uint32_t f, Frame::Role role, const Step* steps, uint32_t end, uint32_t span);
  // Runs a kParallel step's branches; true when f must wait for them.
  bool RunParallel(uint32_t f, const Step& step);
  // Runs a kSpan step's children inside a new INTERNAL span; true when f must wait for them.
  bool RunSpan(uint32_t f, const Step& step);
  void Complete(uint32_t f);

  Kernel& k_;
  TraceBuilder& traces_;  // k_.traces, for the inline helpers above
  IndexPool<Frame> frames_;
};

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_FRAMES_H_
