#include "loadgen/rate_meter.h"

#include <algorithm>

namespace tracesim::loadgen {

namespace {
constexpr int64_t kMinBucketNs = 1000000;  // 1 ms
constexpr int64_t kMaxBuckets = 100000;
}  // namespace

RateMeter::RateMeter(int64_t window_ns, int64_t start_unix_nanos)
    : start_unix_nanos_(start_unix_nanos),
      window_ns_(std::max<int64_t>(window_ns, 1)),
      bucket_ns_(kMinBucketNs) {}

int64_t RateMeter::Reach(int64_t ns) {
  if (ns < 0 || ns >= window_ns_) return -1;
  int64_t b = ns / bucket_ns_;
  if (b < static_cast<int64_t>(spans_.size())) return b;  // the common case: one division
  // Past kMaxBuckets buckets, halve the resolution (merge pairs) instead of growing: the meter
  // keeps 1 ms buckets for runs up to 100 s and stays bounded for a 24 h --traces window that
  // ends after a second (a bucket sized from the window would be 864 ms and read 0).
  while (b >= kMaxBuckets) {
    for (std::vector<uint64_t>* v : {&spans_, &roots_, &scheduled_}) {
      for (size_t k = 0; k < v->size(); ++k) (*v)[k / 2] = (k % 2 == 0 ? 0 : (*v)[k / 2]) + (*v)[k];
      v->resize((v->size() + 1) / 2);
    }
    bucket_ns_ *= 2;
    b = ns / bucket_ns_;
  }
  if (static_cast<int64_t>(spans_.size()) <= b) {
    spans_.resize(static_cast<size_t>(b) + 1, 0);
    roots_.resize(static_cast<size_t>(b) + 1, 0);
    scheduled_.resize(static_cast<size_t>(b) + 1, 0);
  }
  return b;
}

void RateMeter::RecordTrace(std::span<const sim::Span> spans) {
  if (spans.empty()) return;
  int64_t arrival = spans.front().start_unix_nano;
  for (const sim::Span& s : spans) arrival = std::min(arrival, s.start_unix_nano);
  for (const sim::Span& s : spans) {
    span_delay_.Record(s.end_unix_nano - arrival);
    if (s.parent_span_id == 0) root_delay_.Record(s.end_unix_nano - arrival);
    int64_t end = s.end_unix_nano - start_unix_nanos_;
    if (int64_t b = Reach(end); b >= 0) ++scheduled_[static_cast<size_t>(b)];
  }
  last_arrival_ns_ = std::max(last_arrival_ns_, arrival - start_unix_nanos_);
}

void RateMeter::RecordRelease(int64_t wall_ns, uint64_t spans, uint64_t roots) {
  int64_t b = Reach(wall_ns);
  if (b < 0) return;
  spans_[static_cast<size_t>(b)] += spans;
  roots_[static_cast<size_t>(b)] += roots;
}

RateMeter::Result RateMeter::Compute(int64_t end_ns,
                                     const std::function<double(double)>& expected_arrivals) const {
  Result r;
  end_ns = std::clamp<int64_t>(end_ns, 0, window_ns_);
  int64_t warm = std::max(span_delay_.Percentile(99), root_delay_.Percentile(99));
  r.warmup_s = static_cast<double>(warm) * 1e-9;
  r.mean_delay_s = span_delay_.Mean() * 1e-9;
  warm = std::min(warm, end_ns / 2);
  int64_t from_b = (warm + bucket_ns_ - 1) / bucket_ns_;
  int64_t to_b = end_ns / bucket_ns_;
  if (to_b <= from_b) return r;
  uint64_t scheduled = 0;
  const int64_t have = static_cast<int64_t>(spans_.size());  // later buckets saw nothing
  for (int64_t b = from_b; b < std::min(to_b, have); ++b) {
    r.spans += spans_[b];
    r.traces += roots_[b];
    scheduled += scheduled_[b];
  }
  r.from_s = static_cast<double>(from_b * bucket_ns_) * 1e-9;
  r.to_s = static_cast<double>(to_b * bucket_ns_) * 1e-9;
  const double len = r.to_s - r.from_s;
  r.achieved_spans_per_s = static_cast<double>(r.spans) / len;
  r.achieved_traces_per_s = static_cast<double>(r.traces) / len;
  r.scheduled_spans_per_s = static_cast<double>(scheduled) / len;
  // Spans released in [from, to) come from arrivals about `mean_delay` earlier.
  auto ea = [&](double t) { return t <= 0 ? 0.0 : expected_arrivals(t); };
  r.target_traces_per_s = (ea(r.to_s - r.mean_delay_s) - ea(r.from_s - r.mean_delay_s)) / len;
  return r;
}

}  // namespace tracesim::loadgen
