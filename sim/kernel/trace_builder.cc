#include "sim/kernel/trace_builder.h"

#include <algorithm>
#include <span>

#include "sim/kernel/kernel.h"

namespace tracesim::sim {

TraceBuilder::TraceBuilder(Kernel& k, const Model& model, uint64_t seed)
    : k_(k), m_(model), seed_(seed), shapes_(model) {
  gen_slot_.assign(m_.generators.size(), kNone);
  for (size_t g = 0; g < m_.generators.size(); ++g) {
    if (m_.generators[g].scope == AttrGenerator::Scope::kTrace) {
      gen_slot_[g] = static_cast<uint32_t>(trace_gens_.size());
      trace_gens_.push_back(static_cast<uint32_t>(g));
    }
  }
}

// ---- traces ---------------------------------------------------------------------------------

uint32_t TraceBuilder::NewTrace(uint32_t entry_op, uint64_t stream_seed, uint64_t stream_index) {
  uint32_t t = pool_.Alloc();
  TraceState& ts = pool_[t];
  ts.draws = Rng::DeriveHashed(stream_seed, kDrawsPurpose, stream_index);
  ts.ids = Rng::DeriveHashed(stream_seed, kIdsPurpose, stream_index);
  ts.stream_seed = stream_seed;
  ts.stream_index = stream_index;
  ts.faults_seeded = false;
  do {
    ts.id.hi = ts.ids.Next();
    ts.id.lo = ts.ids.Next();
  } while (!ts.id.valid());
  ts.flags = kFlagSampled | kFlagRandomTraceId;
  ts.spans.clear();
  ts.events.clear();
  ts.links.clear();
  ts.baggage.clear();
  ts.truth = TraceTruth();
  ts.truth.sequence = k_.stats.traces_started++;
  ts.truth.start = k_.now;
  ts.truth.end = k_.now;
  ts.truth.entry_operation = entry_op;
  k_.stats.peak_open_traces = std::max<uint64_t>(k_.stats.peak_open_traces, pool_.live());
  return t;
}

uint32_t TraceBuilder::StartTrace(uint32_t op, uint64_t arrival) {
  uint32_t t = NewTrace(op, seed_, arrival);
  TraceState& ts = pool_[t];
  ts.trace_values.resize(trace_gens_.size());
  for (size_t i = 0; i < trace_gens_.size(); ++i) {
    uint32_t g = trace_gens_[i];
    ts.trace_values[i] = m_.generators[g].Sample(ts.ids);
  }
  for (const DynamicAttr& b : m_.operations[op].baggage)
    ts.baggage.push_back(Attr{b.key, Generate(t, b.generator)});
  ts.truth.fault_mask |= k_.faults.TrafficMask(k_.now);
  ts.observed = k_.now >= k_.options.observe_from && k_.now < k_.options.observe_until;
  return t;
}

uint32_t TraceBuilder::StartFragment(uint32_t parent, uint32_t op, uint32_t fault,
                                     uint64_t origin_faults) {
  const uint64_t key = pool_[parent].draws.Next();
  uint32_t t = NewTrace(op, key, 0);
  TraceState& ts = pool_[t];
  TraceState& ps = pool_[parent];
  ts.trace_values = ps.trace_values;
  ts.observed = ps.observed;
  ts.truth.fragment = true;
  ts.truth.parent_trace_id = ps.id;
  ts.truth.fault_mask = origin_faults | (uint64_t{1} << fault);
  ps.truth.fragmented = true;
  Touch(parent, fault);
  ++k_.stats.fragments;
  return t;
}

void TraceBuilder::Finish(uint32_t t) {
  TraceState& ts = pool_[t];
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
  tr.shape = ts.spans.empty() || !k_.options.hash_shapes ? 0 : shapes_.Hash(ts.spans);
  if (k_.options.tag_ground_truth && root != kNone) TagTruth(ts, root);

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
  k_.stats.spans += view.spans.size();
  k_.stats.lost_spans += lost;
  view.observed = ts.observed;
  for (const SpanObservers::Entry& o : observers_.trace_complete)
    if (ts.observed || o.all_traces) o.observer->OnTrace(view);
  ++k_.stats.traces_finished;
  pool_.Free(t);
}

void TraceBuilder::TagTruth(TraceState& ts, uint32_t root) {
  const WellKnown& w = m_.well_known;
  Span& s = ts.spans[root];
  const TraceTruth& tr = ts.truth;
  s.SetAttr(w.truth_error, AttrValue::Bool(tr.error));
  s.SetAttr(w.truth_root_error, AttrValue::Bool(tr.root_error));
  if (tr.root_cause_operation != kNone)
    s.SetAttr(w.truth_root_cause, AttrValue::String(m_.operations[tr.root_cause_operation].ref));
  if (tr.fragment) s.SetAttr(w.truth_fragment, AttrValue::Bool(true));
  for (uint32_t i = 0; i < k_.faults.size(); ++i)
    if (tr.fault_mask >> i & 1) s.SetAttr(k_.faults.at(i).tag_key, AttrValue::Bool(true));
  if (!s.lost) Size(ts, s);  // the tags are exported: sized again
}

void TraceBuilder::Size(const TraceState& ts, Span& s) {
  if (k_.options.span_sizes == nullptr) return;
  s.exported_size = k_.options.span_sizes->SpanSize(
      s, std::span<const SpanEvent>(ts.events.data() + s.first_event, s.event_count),
      std::span<const SpanLink>(ts.links.data() + s.first_link, s.link_count));
}

inline AttrValue TraceBuilder::Generate(uint32_t t, uint32_t g) {
  if (g >= m_.generators.size()) return AttrValue();
  uint32_t slot = gen_slot_[g];
  if (slot != kNone) return pool_[t].trace_values[slot];
  return m_.generators[g].Sample(pool_[t].ids);
}

// ---- spans ----------------------------------------------------------------------------------

// Stamp, NewSpanId and Generate are inline: called only in this file, on every span.
inline uint64_t TraceBuilder::NewSpanId(uint32_t t) {
  Rng& ids = pool_[t].ids;
  uint64_t id;
  do id = ids.Next();
  while (id == 0);
  return id;
}

// The timestamp a host writes now: simulated time plus any clock-skew fault of the host.
inline int64_t TraceBuilder::Stamp(uint32_t t, uint32_t s, uint32_t inst) {
  int64_t u = k_.options.start_unix_nanos + k_.now.nanos();
  if (!k_.faults.has_skew(s)) return u;
  return k_.faults.Skew(s, inst, k_.now, u, fault_mask(t));
}

uint32_t TraceBuilder::StartSpan(uint32_t t, SpanKind kind, uint32_t service, uint32_t instance,
                                 uint32_t op, StrId name, uint32_t parent_index, uint64_t parent_id,
                                 bool remote_parent, const std::vector<Attr>& attrs,
                                 const std::vector<DynamicAttr>& dyn) {
  int64_t stamp = Stamp(t, service, instance);
  TraceState& ts = pool_[t];
  uint32_t idx = static_cast<uint32_t>(ts.spans.size());
  Span& s = ts.spans.emplace_back();
  s.trace_id = ts.id;
  s.span_id = NewSpanId(t);
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
    pool_[t].spans[idx].AddAttr(d.key, v);
  }
  if (svc.baggage_to_attributes) {
    Span& sp = pool_[t].spans[idx];
    for (const Attr& b : pool_[t].baggage) sp.AddAttr(b.key, b.value);
  }
  pool_[t].spans[idx].observed = pool_[t].observed;
  if (observers_.span_start != nullptr && (pool_[t].observed || observers_.span_start_all)) {
    TraceState& tr = pool_[t];
    const Span* parent = parent_index != kNone ? &tr.spans[parent_index] : nullptr;
    tr.spans[idx].observer_bits = observers_.span_start->OnSpanStart(m_, tr.spans[idx], parent);
  }
  return idx;
}

void TraceBuilder::EndSpan(uint32_t t, uint32_t span) {
  TraceState& ts = pool_[t];
  uint32_t service = ts.spans[span].service;
  uint32_t inst = InstanceOf(ts.spans[span]);
  int64_t stamp = Stamp(t, service, inst);
  Span& s = ts.spans[span];
  s.end_unix_nano = std::max(stamp, s.start_unix_nano);
  if (k_.faults.has_loss(service)) {
    uint32_t f =
        k_.faults.Fires(Fault::Kind::kSpanLoss, service, s.operation, inst, k_.now, fault_rng(t));
    if (f != kNone) {
      s.lost = true;
      Touch(t, f);
    }
  }
  if (s.lost) return;
  std::span<const SpanEvent> events(ts.events.data() + s.first_event, s.event_count);
  std::span<const SpanLink> links(ts.links.data() + s.first_link, s.link_count);
  Size(ts, s);
  for (const SpanObservers::Entry& o : observers_.span_end)
    if (ts.observed || o.all_traces) o.observer->OnSpanEnd(m_, s, events, links);
}

// Appends an event to a span. A span's events must stay contiguous in the trace's event array;
// when another span's events were appended in between, this span's are moved to the end (rare:
// only spans with events at both start and end that overlap other spans' events).
void TraceBuilder::PushEvent(uint32_t t, uint32_t span, SpanEvent ev) {
  TraceState& ts = pool_[t];
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

void TraceBuilder::AddEvent(uint32_t t, uint32_t span, StrId name,
                            std::initializer_list<Attr> attrs) {
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

void TraceBuilder::AddException(uint32_t t, uint32_t span, StrId type, StrId message,
                                StrId stacktrace) {
  const WellKnown& w = m_.well_known;
  AddEvent(t, span, w.exception,
           {Attr{w.exception_type, AttrValue::String(type)},
            Attr{w.exception_message, AttrValue::String(message)},
            Attr{w.exception_stacktrace, AttrValue::String(stacktrace)}});
}

void TraceBuilder::AddOperationEventsSlow(uint32_t t, uint32_t span, const Operation& op,
                                          bool at_end, Rng& rng) {
  for (const EventSpec& spec : op.events) {
    if (spec.at_end != at_end || !rng.Bernoulli(spec.probability)) continue;
    SpanEvent ev;
    ev.name = spec.name;
    for (const Attr& a : spec.attrs)
      if (ev.attr_count < kMaxEventAttrs) ev.attrs[ev.attr_count++] = a;
    PushEvent(t, span, ev);
  }
}

void TraceBuilder::SetOutcome(uint32_t t, uint32_t span, const Operation& op, bool failed,
                              int status, FailureClass cls, bool server) {
  Span& s = pool_[t].spans[span];
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

}  // namespace tracesim::sim
