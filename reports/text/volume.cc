#include "reports/text/volume.h"

namespace tracesim::reports {

void VolumeTally::OnTrace(const sim::TraceView& trace) noexcept {
  if (trace.spans.empty()) return;  // nothing was exported
  ++traces_;
  for (const sim::Span& s : trace.spans) {
    ++spans_;
    bytes_ += sizer_.SizeOf(s, trace.events.subspan(s.first_event, s.event_count),
                            trace.links.subspan(s.first_link, s.link_count));
  }
}

void VolumeTally::Merge(const VolumeTally& other) noexcept {
  traces_ += other.traces_;
  spans_ += other.spans_;
  bytes_ += other.bytes_;
}

void VolumeTally::SaveState(sim::StateWriter& out) const {
  out.U64(traces_);
  out.U64(spans_);
  out.U64(bytes_);
}

bool VolumeTally::LoadState(sim::StateReader& in) {
  traces_ = in.U64();
  spans_ = in.U64();
  bytes_ = in.U64();
  return in.ok() && spans_ >= traces_;
}

}  // namespace tracesim::reports
