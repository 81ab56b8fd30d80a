#include "sim/kernel/simulation.h"

#include <algorithm>
#include <string>
#include <utility>

#include "sim/kernel/kernel.h"

namespace tracesim::sim {

Status SimulationOptions::Validate() const {
  if (drain_limit < Duration()) return Status::InvalidArgument("drain_limit must be >= 0");
  if (progress_every == 0) return Status::InvalidArgument("progress_every must be > 0");
  if (observe_until < observe_from)
    return Status::InvalidArgument("observe_until must be >= observe_from");
  return Status::Ok();
}

// The event loop and dispatch. The parts of the kernel (sim/kernel/kernel.h) do the work: Impl pops
// each event, sets the clock, hands the event to the part that owns its type, wakes the
// time-advance observers when the clock passes their wake-up, and reports the end of the run.
class Simulation::Impl {
 public:
  Impl(const Model& model, SimulationOptions options) : k_(model, std::move(options)) {}

  Status Start(ArrivalSource* arrivals) {
    if (started_) return Status::Internal("Simulation::Start called twice");
    TRACESIM_RETURN_IF_ERROR(k_.options.Validate());
    if (k_.model.well_known.http_codes.empty()) return Status::Internal("model was not finalized");
    if (k_.options.faults != nullptr)
      TRACESIM_RETURN_IF_ERROR(k_.options.faults->Validate(k_.model));
    TRACESIM_RETURN_IF_ERROR(observer_error_);
    started_ = true;
    arrivals_ = arrivals;
    ScheduleNextArrival();
    return arrival_error_;
  }

  Status RunUntil(Time limit) {
    if (!started_) return Status::Internal("Simulation::RunUntil before Start");
    SimulationStats& stats = k_.stats;
    while (!k_.queue.empty()) {
      if (arrivals_ == nullptr && stop_ == Time::Max())
        stop_ = stats.last_arrival + k_.options.drain_limit;
      // Done when no arrival is due and no trace is open: what remains are timers whose calls
      // already completed.
      if (arrivals_ == nullptr && k_.traces.live() == 0) {
        k_.queue = EventQueue();
        break;
      }
      const Event& top = k_.queue.Top();
      if (top.time > stop_) {
        k_.queue = EventQueue();  // past the drain limit: nothing more will run
        break;
      }
      if (top.time > limit) {
        k_.now = std::max(k_.now, limit);
        // The clock stands at `limit`: the wake-ups before it are passed, whichever event
        // follows (a sharded run reads its observers' figures at a window's edge).
        if (limit > next_wakeup_) WakeObservers(limit);
        return Status::Ok();
      }
      // Most events schedule the next one: Take leaves the root open for that Push to fill.
      const Event e = k_.queue.Take();
      if (e.time > next_wakeup_) WakeObservers(e.time);  // one compare per event
      k_.now = e.time;
      ++stats.events;
      Dispatch(e);
      k_.queue.FinishTake();
      if (!arrival_error_.ok()) return arrival_error_;
      if (--until_progress_ == 0) {
        until_progress_ = k_.options.progress_every;
        if (k_.options.progress) k_.options.progress(k_.now);
        stats.peak_pending_events = std::max<uint64_t>(stats.peak_pending_events, k_.queue.size());
      }
    }
    if (finished_) return Status::Ok();
    finished_ = true;
    stats.end_time = k_.now;
    stats.traces_unfinished = k_.traces.live();
    if (next_wakeup_ <= k_.now) WakeObservers(k_.now, /*inclusive=*/true);
    for (SimulationObserver* o : run_end_) o->OnRunEnd(stats);
    return Status::Ok();
  }

  bool finished() const { return finished_; }
  Time now() const { return k_.now; }
  const SimulationStats& stats() const { return k_.stats; }
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
    SpanObservers& spans = k_.traces.observers();
    if (want & SimulationObserver::kSpanStart) {
      if (spans.span_start != nullptr)
        return Status::InvalidArgument(
            "AddObserver: a second observer wants span start (the observer word has one owner)");
      spans.span_start = o;
      spans.span_start_all = (want & SimulationObserver::kAllTraces) != 0;
    }
    const bool all = (want & SimulationObserver::kAllTraces) != 0;
    if (want & SimulationObserver::kSpanEnd) spans.span_end.push_back({o, all});
    if (want & SimulationObserver::kTraceComplete) spans.trace_complete.push_back({o, all});
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

  bool ScheduleNextArrival() {
    if (arrivals_ == nullptr) return false;
    Arrival a;
    if (!arrivals_->Next(&a)) {
      arrivals_ = nullptr;
      return false;
    }
    if (a.operation >= k_.model.operations.size()) {
      arrival_error_ = Status::InvalidArgument("arrival names unknown operation index " +
                                               std::to_string(a.operation));
      arrivals_ = nullptr;
      return false;
    }
    Time t = a.time < k_.now ? k_.now : a.time;
    next_arrival_index_ = a.index == Arrival::kCounted ? arrivals_counted_ : a.index;
    ++arrivals_counted_;
    k_.stats.last_arrival = t;
    k_.queue.Push(t, kEvArrival, a.operation);
    return true;
  }

  // An arrival of entry operation `op`: a new trace and its entry request.
  void StartTrace(uint32_t op) {
    uint32_t t = k_.traces.StartTrace(op, next_arrival_index_);
    k_.traces.Ref(t);  // held while the entry request is created
    uint32_t r = k_.services.NewRequest(t, op);
    k_.services.request(r).entry = true;
    k_.services.Arrive(r);
    k_.traces.Unref(t);
  }

  void Dispatch(const Event& e) noexcept {
    switch (e.type) {
      case kEvArrival:
        StartTrace(e.target);
        ScheduleNextArrival();
        break;
      case kEvRequestArrive:
        k_.services.Arrive(e.target);
        break;
      case kEvFrameResume:
        k_.frames.Resume(e.target);
        break;
      case kEvResponse:
        k_.calls.OnResponse(e.target);
        break;
      case kEvProducerAck:
        k_.messaging.OnProducerAck(e.target);
        break;
      case kEvDeliver:
        k_.messaging.OnDeliver(e.target);
        break;
      case kEvStartQueued:
        k_.services.StartQueued(e.target);
        break;
      case kEvCallTimeout:
        k_.calls.FireTimeouts(e.target);
        break;
      case kEvRetry:
        k_.calls.StartAttempt(e.target);
        break;
    }
  }

  Kernel k_;
  // Observers of the run (span and trace observers live in k_.traces.observers()).
  std::vector<SimulationObserver*> run_end_;
  std::vector<SimulationObserver*> time_advance_;
  std::vector<Time> wakeups_;       // wakeups_[i]: time_advance_[i]'s next wake-up
  Time next_wakeup_ = Time::Max();  // min of wakeups_
  Status observer_error_;           // first AddObserver error, returned again by Start
  ArrivalSource* arrivals_ = nullptr;
  uint64_t arrivals_counted_ = 0;    // arrivals taken from arrivals_
  uint64_t next_arrival_index_ = 0;  // Arrival::index of the one arrival scheduled
  Status arrival_error_;
  bool started_ = false;
  bool finished_ = false;
  Time stop_ = Time::Max();
  uint64_t until_progress_ = 1;
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
