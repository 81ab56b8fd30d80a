#include "loadgen/rate_meter.h"

#include <algorithm>

namespace tracesim::loadgen {

namespace {
constexpr int64_t kMinBucketNs = 1000000;  // 1 ms
constexpr int64_t kMaxBuckets = 100000;
}  // namespace

RateMeter::RateMeter(int64_t window_ns, int64_t start_unix_nanos)
    : start_unix_nanos_(start_unix_nanos),
      bucket_ns_(std::max(kMinBucketNs,
                          (std::max<int64_t>(window_ns, 1) + kMaxBuckets - 1) / kMaxBuckets)) {
  size_t n = static_cast<size_t>((std::max<int64_t>(window_ns, 1) + bucket_ns_ - 1) / bucket_ns_);
  spans_.assign(n, 0);
  roots_.assign(n, 0);
  scheduled_.assign(n, 0);
}

void RateMeter::RecordTrace(std::span<const sim::Span> spans) {
  if (spans.empty()) return;
  int64_t arrival = spans.front().start_unix_nano;
  for (const sim::Span& s : spans) arrival = std::min(arrival, s.start_unix_nano);
  for (const sim::Span& s : spans) {
    span_delay_.Record(s.end_unix_nano - arrival);
    if (s.parent_span_id == 0) root_delay_.Record(s.end_unix_nano - arrival);
    int64_t end = s.end_unix_nano - start_unix_nanos_;
    if (end >= 0 && end / bucket_ns_ < static_cast<int64_t>(scheduled_.size()))
      ++scheduled_[static_cast<size_t>(end / bucket_ns_)];
  }
  last_arrival_ns_ = std::max(last_arrival_ns_, arrival - start_unix_nanos_);
}

void RateMeter::RecordRelease(int64_t wall_ns, uint64_t spans, uint64_t roots) {
  if (wall_ns < 0) return;
  size_t b = static_cast<size_t>(wall_ns / bucket_ns_);
  if (b >= spans_.size()) return;
  spans_[b] += spans;
  roots_[b] += roots;
}

RateMeter::Result RateMeter::Compute(int64_t end_ns,
                                     const std::function<double(double)>& expected_arrivals) const {
  Result r;
  end_ns = std::clamp<int64_t>(end_ns, 0, static_cast<int64_t>(spans_.size()) * bucket_ns_);
  int64_t warm = std::max(span_delay_.Percentile(99), root_delay_.Percentile(99));
  r.warmup_s = static_cast<double>(warm) * 1e-9;
  r.mean_delay_s = span_delay_.Mean() * 1e-9;
  warm = std::min(warm, end_ns / 2);
  int64_t from_b = (warm + bucket_ns_ - 1) / bucket_ns_;
  int64_t to_b = end_ns / bucket_ns_;
  if (to_b <= from_b) return r;
  uint64_t scheduled = 0;
  for (int64_t b = from_b; b < to_b; ++b) {
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
