#include "reports/traces/latency_histogram.h"

#include <algorithm>

#include "reports/text/table.h"

namespace tracesim::reports {

namespace {

bool IsLeaf(sim::ServiceKind k) { return k != sim::ServiceKind::kService; }

size_t BinOf(int64_t ns) {
  const auto& b = ServiceLatencySink::kBoundsNs;
  return static_cast<size_t>(std::upper_bound(b.begin(), b.end(), ns) - b.begin());
}

// "0.1", "2", "500", "30000": the bound in ms without trailing zeros.
std::string MsText(int64_t ns) {
  return ns < 1'000'000 ? FormatFixed(static_cast<double>(ns) / 1e6, 1)
                        : std::to_string(ns / 1'000'000);
}

}  // namespace

ServiceLatencySink::ServiceLatencySink(const sim::Model& model)
    : model_(model), served_(model.services.size()), called_(model.services.size()) {
  for (auto& row : served_) row.fill(0);
  for (auto& row : called_) row.fill(0);
}

void ServiceLatencySink::OnTrace(const sim::TraceView& trace) noexcept {
  for (const sim::Span& s : trace.spans) {
    const int64_t ns = s.end_unix_nano - s.start_unix_nano;
    if ((s.kind == sim::SpanKind::kServer || s.kind == sim::SpanKind::kConsumer) &&
        s.service < served_.size()) {
      ++served_[s.service][BinOf(ns)];
    } else if ((s.kind == sim::SpanKind::kClient || s.kind == sim::SpanKind::kProducer) &&
               s.peer < called_.size() && IsLeaf(model_.services[s.peer].kind)) {
      ++called_[s.peer][BinOf(ns)];
    }
  }
}

void ServiceLatencySink::Merge(const ServiceLatencySink& other) noexcept {
  auto add = [](std::vector<std::array<uint64_t, kBins>>& to,
                const std::vector<std::array<uint64_t, kBins>>& from) {
    for (size_t s = 0; s < to.size() && s < from.size(); ++s)
      for (size_t b = 0; b < kBins; ++b) to[s][b] += from[s][b];
  };
  add(served_, other.served_);
  add(called_, other.called_);
}

LatencyHistograms ServiceLatencySink::Histograms() const {
  LatencyHistograms out;
  size_t lo = kBins, hi = 0;  // the bins any service uses: [lo, hi]
  auto add = [&](uint32_t service, const std::array<uint64_t, kBins>& row, bool dependency) {
    ServiceLatency l;
    l.service = std::string(model_.strings.Get(model_.services[service].name));
    l.dependency = dependency;
    for (size_t b = 0; b < kBins; ++b) {
      l.requests += row[b];
      if (row[b] == 0) continue;
      lo = std::min(lo, b);
      hi = std::max(hi, b);
    }
    if (l.requests == 0) return;
    l.counts.assign(row.begin(), row.end());
    out.services.push_back(std::move(l));
  };
  for (uint32_t s = 0; s < served_.size(); ++s)
    if (!IsLeaf(model_.services[s].kind)) add(s, served_[s], false);
  for (uint32_t s = 0; s < called_.size(); ++s)
    if (IsLeaf(model_.services[s].kind)) add(s, called_[s], true);
  if (out.services.empty()) return out;
  for (size_t b = lo; b <= hi; ++b) {
    if (b == 0) {
      out.bins.push_back("<" + MsText(kBoundsNs[0]));
    } else if (b == kBins - 1) {
      out.bins.push_back("≥" + MsText(kBoundsNs[b - 1]));
    } else {
      out.bins.push_back(MsText(kBoundsNs[b - 1]) + "–" + MsText(kBoundsNs[b]));
    }
  }
  for (ServiceLatency& l : out.services)
    l.counts = std::vector<uint64_t>(l.counts.begin() + static_cast<ptrdiff_t>(lo),
                                     l.counts.begin() + static_cast<ptrdiff_t>(hi) + 1);
  return out;
}

}  // namespace tracesim::reports
