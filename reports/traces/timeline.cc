#include "reports/traces/timeline.h"

#include <algorithm>
#include <cmath>

#include "sim/model/faults.h"

namespace tracesim::reports {

TimelineSink::TimelineSink(sim::Duration window) {
  // Integer nanoseconds: a 4m window gives 120 buckets of 2 s, not 81 of 3 s from rounding.
  constexpr int64_t kSecond = 1'000'000'000;
  const int64_t ns = std::max<int64_t>(kSecond, window.nanos());
  const int64_t per_bucket = (ns + kMaxBuckets - 1) / kMaxBuckets;
  bucket_ns_ = std::max<int64_t>(1, (per_bucket + kSecond - 1) / kSecond) * kSecond;
  bucket_s_ = static_cast<double>(bucket_ns_ / kSecond);
  buckets_.resize(static_cast<size_t>((ns + bucket_ns_ - 1) / bucket_ns_));
}

uint32_t TimelineSink::BrokerOf(const sim::Model& model, uint32_t operation) {
  if (broker_of_.empty()) {
    broker_of_.assign(model.operations.size() + 1, sim::kNone);
    for (const sim::Topic& t : model.topics)
      for (uint32_t c : t.consumers)
        if (c < model.operations.size()) broker_of_[c] = t.broker;
  }
  return operation < model.operations.size() ? broker_of_[operation] : sim::kNone;
}

void TimelineSink::OnTrace(const sim::TraceView& trace) noexcept {
  for (const sim::Span& s : trace.spans) {
    uint32_t from = s.service, to = s.peer;
    if (s.kind == sim::SpanKind::kConsumer && trace.model != nullptr) {
      from = BrokerOf(*trace.model, s.operation);  // the message came from the topic's broker
      to = s.service;
    } else if (s.kind != sim::SpanKind::kClient && s.kind != sim::SpanKind::kProducer) {
      continue;
    }
    if (from == sim::kNone || to == sim::kNone) continue;
    Edge& edge = edges_[{from, to}];
    EdgeCount& e = edge.count;
    e.caller = from;
    e.callee = to;
    ++e.calls;
    if (s.status == sim::StatusCode::kError) ++e.errors;
    edge.latency.Record(s.end_unix_nano - s.start_unix_nano);
  }
  if (trace.truth == nullptr || trace.truth->fragment) return;
  const int64_t at = trace.truth->start.nanos();
  if (at < 0) return;
  const size_t i = static_cast<size_t>(at / bucket_ns_);
  if (i >= buckets_.size()) return;  // started in the drain (none do: arrivals stop at window)
  Bucket& b = buckets_[i];
  ++b.traces;
  if (trace.truth->root_error) ++b.root_errors;
  b.latency.Record(trace.truth->latency().nanos());
}

void TimelineSink::Merge(const TimelineSink& other) {
  for (size_t i = 0; i < buckets_.size() && i < other.buckets_.size(); ++i) {
    buckets_[i].traces += other.buckets_[i].traces;
    buckets_[i].root_errors += other.buckets_[i].root_errors;
    buckets_[i].latency.Merge(other.buckets_[i].latency);
  }
  for (const auto& [key, theirs] : other.edges_) {
    Edge& mine = edges_[key];
    mine.count.caller = theirs.count.caller;
    mine.count.callee = theirs.count.callee;
    mine.count.calls += theirs.count.calls;
    mine.count.errors += theirs.count.errors;
    mine.latency.Merge(theirs.latency);
  }
}

std::vector<TimelinePoint> TimelineSink::Points() const {
  std::vector<TimelinePoint> out;
  out.reserve(buckets_.size());
  for (size_t i = 0; i < buckets_.size(); ++i) {
    const Bucket& b = buckets_[i];
    TimelinePoint p;
    p.start_s = static_cast<double>(i) * bucket_s_;
    p.traces_per_s = static_cast<double>(b.traces) / bucket_s_;
    p.error_ratio = b.traces ? static_cast<double>(b.root_errors) / b.traces : 0;
    p.p50_ms = static_cast<double>(b.latency.Percentile(50)) / 1e6;
    p.p99_ms = static_cast<double>(b.latency.Percentile(99)) / 1e6;
    out.push_back(p);
  }
  return out;
}

std::vector<EdgeCount> TimelineSink::Edges() const {
  std::vector<EdgeCount> out;
  for (const auto& [key, e] : edges_) {
    out.push_back(e.count);
    out.back().p50_ms = static_cast<double>(e.latency.Percentile(50)) / 1e6;
    out.back().p99_ms = static_cast<double>(e.latency.Percentile(99)) / 1e6;
  }
  return out;
}

}  // namespace tracesim::reports
