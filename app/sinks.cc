#include "app/sinks.h"

#include <zlib.h>

#include <algorithm>
#include <span>
#include <string>

#include "exporter/encoding/otlp_proto.h"

namespace tracesim::app {

void CompressionSample::OnTrace(const sim::TraceView& t) noexcept {
  if (traces_ >= max_ || t.spans.empty()) return;
  ++traces_;
  uint32_t ev = static_cast<uint32_t>(events_.size()), ln = static_cast<uint32_t>(links_.size());
  for (sim::Span s : t.spans) {
    for (uint32_t i = 0; i < s.event_count; ++i) events_.push_back(t.events[s.first_event + i]);
    for (uint32_t i = 0; i < s.link_count; ++i) links_.push_back(t.links[s.first_link + i]);
    s.first_event = ev;
    s.first_link = ln;
    ev += s.event_count;
    ln += s.link_count;
    spans_.push_back(s);
  }
}

double CompressionSample::CompressionRatio(const sim::Model& model) const {
  if (spans_.empty()) return 0;
  exporter::OtlpProtoEncoder enc(model);
  uint64_t raw = 0, packed = 0;
  for (size_t i = 0; i < spans_.size(); i += 512) {
    std::string body;
    enc.Encode(
        std::span<const sim::Span>(spans_).subspan(i, std::min<size_t>(512, spans_.size() - i)),
        events_, links_, &body);
    uLongf n = compressBound(body.size());
    std::string z(n, '\0');
    if (compress2(reinterpret_cast<Bytef*>(z.data()), &n,
                  reinterpret_cast<const Bytef*>(body.data()), body.size(),
                  Z_DEFAULT_COMPRESSION) != Z_OK)
      return 0;
    raw += body.size();
    packed += n + 18;  // gzip header and trailer instead of zlib's
  }
  return raw ? static_cast<double>(packed) / static_cast<double>(raw) : 0;
}

namespace {

KeptTrace Copy(const sim::TraceView& t) {
  KeptTrace k;
  k.trace_id = t.trace_id;
  k.sequence = t.sequence;
  k.spans.assign(t.spans.begin(), t.spans.end());
  k.events.assign(t.events.begin(), t.events.end());
  k.links.assign(t.links.begin(), t.links.end());
  if (t.truth != nullptr) k.truth = *t.truth;
  return k;
}

}  // namespace

void TraceKeeper::OnTrace(const sim::TraceView& t) noexcept {
  if (traces_.size() < max_) traces_.push_back(Copy(t));
  if (errors_.size() < max_errors_ && t.truth != nullptr && t.truth->error) {
    errors_.push_back(Copy(t));
  }
}

void SecondSeries::OnTrace(const sim::TraceView& t) noexcept {
  if (t.truth == nullptr) return;
  const sim::TraceTruth& truth = *t.truth;
  const int64_t second = std::max<int64_t>(0, truth.start.nanos() / 1000000000);
  if (static_cast<size_t>(second) >= seconds_.size()) seconds_.resize(second + 1);
  SecondCounts& c = seconds_[second];
  ++c.traces;
  c.spans += t.spans.size();
  c.error_traces += truth.error ? 1 : 0;
  c.root_errors += truth.root_error ? 1 : 0;
  const double ms = static_cast<double>(truth.latency().nanos()) / 1e6;
  c.latency_sum_ms += ms;
  c.latency_max_ms = std::max(c.latency_max_ms, ms);
}

}  // namespace tracesim::app
