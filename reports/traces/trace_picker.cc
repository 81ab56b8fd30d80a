#include "reports/traces/trace_picker.h"

#include <algorithm>

namespace tracesim::reports {

CapturedTrace CapturedTrace::From(const sim::TraceView& view) {
  CapturedTrace t;
  t.trace_id = view.trace_id;
  if (view.truth != nullptr) t.truth = *view.truth;
  t.spans.assign(view.spans.begin(), view.spans.end());
  t.events.assign(view.events.begin(), view.events.end());
  t.links.assign(view.links.begin(), view.links.end());
  return t;
}

sim::TraceView CapturedTrace::View(const sim::Model& model) const {
  sim::TraceView v;
  v.model = &model;
  v.trace_id = trace_id;
  v.spans = spans;
  v.events = events;
  v.links = links;
  v.sequence = truth.sequence;
  v.truth = &truth;
  return v;
}

sim::Status TracePickOptions::Validate() const {
  if (limit < 1 || limit > 1000)
    return sim::Status::InvalidArgument("the trace count must be in [1, 1000]");
  if (filter == Filter::kFault && fault_index >= sim::kMaxFaults)
    return sim::Status::InvalidArgument("fault index out of range");
  if (filter == Filter::kId && !id.valid())
    return sim::Status::InvalidArgument("the trace id is all zero");
  return sim::Status::Ok();
}

namespace {

// Heap order: the "smallest" (first to evict) is the fastest, and among equals the latest.
bool Faster(const PickedTrace& a, const PickedTrace& b) {
  const int64_t la = a.trace.truth.latency().nanos(), lb = b.trace.truth.latency().nanos();
  if (la != lb) return la > lb;
  return a.trace.truth.sequence < b.trace.truth.sequence;
}

bool ParseHex(const std::string& hex, size_t digits, uint64_t* hi, uint64_t* lo) {
  if (hex.size() != digits) return false;
  uint64_t words[2] = {0, 0};
  for (size_t i = 0; i < hex.size(); ++i) {
    const char c = hex[i];
    int v = c >= '0' && c <= '9'   ? c - '0'
            : c >= 'a' && c <= 'f' ? c - 'a' + 10
            : c >= 'A' && c <= 'F' ? c - 'A' + 10
                                   : -1;
    if (v < 0) return false;
    uint64_t& w = words[digits == 32 && i >= 16 ? 1 : 0];
    w = (w << 4) | static_cast<uint64_t>(v);
  }
  *hi = words[0];
  if (lo != nullptr) *lo = words[1];
  return true;
}

}  // namespace

bool ParseTraceIdHex(const std::string& hex, sim::TraceId* out) {
  return ParseHex(hex, 32, &out->hi, &out->lo) && out->valid();
}

bool ParseShapeHex(const std::string& hex, uint64_t* out) {
  return ParseHex(hex, 16, out, nullptr);
}

bool TracePicker::Matches(const sim::TraceView& trace) const {
  const sim::TraceTruth& t = *trace.truth;
  switch (options_.filter) {
    case TracePickOptions::Filter::kAny:
      return !t.fragment;
    case TracePickOptions::Filter::kError:
      return t.error;
    case TracePickOptions::Filter::kFault:  // fragments show under the trace they continue
      return !t.fragment && ((t.fault_mask >> options_.fault_index) & 1);
    case TracePickOptions::Filter::kId:
      return trace.trace_id == options_.id;
    case TracePickOptions::Filter::kShape:
      return t.shape == options_.shape;
  }
  return false;
}

void TracePicker::Keep(const sim::TraceView& trace) {
  PickedTrace p;
  p.trace = CapturedTrace::From(trace);
  for (const CapturedTrace& f : fragments_)
    if (f.truth.parent_trace_id == trace.trace_id) p.fragments.push_back(f);
  Keep(std::move(p));
}

void TracePicker::Keep(PickedTrace&& p) {
  if (options_.order == TracePickOptions::Order::kFirst) {
    kept_.push_back(std::move(p));
    return;
  }
  if (kept_.size() == options_.limit) {
    std::pop_heap(kept_.begin(), kept_.end(), Faster);
    kept_.back() = std::move(p);
  } else {
    kept_.push_back(std::move(p));
  }
  std::push_heap(kept_.begin(), kept_.end(), Faster);
}

void TracePicker::OnTrace(const sim::TraceView& trace) noexcept {
  if (trace.truth == nullptr) return;
  if (trace.truth->fragment) {
    bool attached = false;
    for (PickedTrace& k : kept_) {
      if (k.trace.trace_id == trace.truth->parent_trace_id) {
        k.fragments.push_back(CapturedTrace::From(trace));
        attached = true;
      }
    }
    if (!attached && options_.max_fragments > 0) {
      if (fragments_.size() == options_.max_fragments) fragments_.pop_front();
      fragments_.push_back(CapturedTrace::From(trace));
    }
  }
  if (!Matches(trace)) return;
  ++matched_;
  if (options_.order == TracePickOptions::Order::kFirst) {
    if (kept_.size() < options_.limit) Keep(trace);
    return;
  }
  if (kept_.size() == options_.limit) {
    // Only copy a trace that beats the fastest kept one.
    const CapturedTrace& fastest = kept_.front().trace;
    const int64_t l = trace.truth->latency().nanos(), lf = fastest.truth.latency().nanos();
    if (l < lf || (l == lf && trace.truth->sequence > fastest.truth.sequence)) return;
  }
  Keep(trace);
}

void TracePicker::Merge(TracePicker&& other) {
  matched_ += other.matched_;
  if (options_.order == TracePickOptions::Order::kFirst) {
    // Start order: this shard's traces came first.
    for (PickedTrace& p : other.kept_)
      if (kept_.size() < options_.limit) kept_.push_back(std::move(p));
  } else {
    for (PickedTrace& p : other.kept_) {
      if (kept_.size() == options_.limit && !Faster(p, kept_.front())) continue;
      Keep(std::move(p));
    }
  }
  other.kept_.clear();
}

bool TracePicker::Holds(const sim::TraceId& id) const noexcept {
  for (const PickedTrace& k : kept_)
    if (k.trace.trace_id == id) return true;
  return false;
}

void TracePicker::HeldIds(std::vector<sim::TraceId>* out) const {
  for (const PickedTrace& k : kept_) out->push_back(k.trace.trace_id);
}

std::vector<PickedTrace> TracePicker::Take() {
  if (options_.order == TracePickOptions::Order::kSlowest)
    std::sort(kept_.begin(), kept_.end(), Faster);  // slowest first
  for (PickedTrace& p : kept_) {
    std::sort(p.fragments.begin(), p.fragments.end(),
              [](const CapturedTrace& a, const CapturedTrace& b) {
                return a.truth.sequence < b.truth.sequence;
              });
  }
  std::vector<PickedTrace> out = std::move(kept_);
  kept_.clear();
  return out;
}

}  // namespace tracesim::reports
