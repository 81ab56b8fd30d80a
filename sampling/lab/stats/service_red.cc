#include "sampling/lab/stats/service_red.h"

#include <algorithm>
#include <cmath>

namespace tracesim::sampling {
namespace {

// Counts a partial result may carry: finite, >= 0 and far below what a uint64 holds (2^62: a
// day at 100 k requests/s is 2^33), so that their sums over shards convert exactly.
bool PlausibleCount(double v) { return std::isfinite(v) && v >= 0 && v <= 0x1p62; }

// The estimate +- a half-width, not below 0.
Interval Around(double estimate, double half) {
  return {std::max(0.0, estimate - half), estimate + half};
}

}  // namespace

ServiceRedTally::ServiceRedTally(size_t strategies, size_t services, int64_t window_ns)
    : rows_(strategies + 1),
      services_(services),
      window_ns_(window_ns),
      cells_(rows_ * services * kBatches) {}

size_t ServiceRedTally::BatchOf(int64_t start_ns) const noexcept {
  if (window_ns_ <= 0 || start_ns <= 0) return 0;
  const int64_t b = start_ns / ((window_ns_ + static_cast<int64_t>(kBatches) - 1) /
                                static_cast<int64_t>(kBatches));
  return static_cast<size_t>(std::min<int64_t>(b, kBatches - 1));
}

void ServiceRedTally::Add(size_t row, std::span<const ServiceSample> samples, double weight,
                          size_t batch) noexcept {
  for (const ServiceSample& s : samples) {
    if (s.service >= services_) continue;
    Cell& c = At(row, s.service, batch);
    c.requests += weight;
    if (s.error) c.errors += weight;
    c.latency_ns += weight * static_cast<double>(s.latency_ns);
    c.kept += 1;
  }
}

void ServiceRedTally::AddTruth(std::span<const ServiceSample> samples, size_t batch) noexcept {
  Add(0, samples, 1.0, batch);
}

void ServiceRedTally::AddKept(size_t k, std::span<const ServiceSample> samples, double weight,
                              size_t batch) noexcept {
  Add(k + 1, samples, weight, batch);
}

void ServiceRedTally::Merge(const ServiceRedTally& o) {
  for (size_t i = 0; i < cells_.size() && i < o.cells_.size(); ++i) {
    cells_[i].requests += o.cells_[i].requests;
    cells_[i].errors += o.cells_[i].errors;
    cells_[i].latency_ns += o.cells_[i].latency_ns;
    cells_[i].kept += o.cells_[i].kept;
  }
}

void ServiceRedTally::SaveRow(size_t row, sim::StateWriter& out) const {
  out.U64(services_);
  for (size_t s = 0; s < services_; ++s) {
    for (size_t b = 0; b < kBatches; ++b) {
      const Cell& c = At(row, s, b);
      for (double v : {c.requests, c.errors, c.latency_ns, c.kept}) out.F64(v);
    }
  }
}

bool ServiceRedTally::LoadRow(size_t row, sim::StateReader& in) {
  if (in.U64() != services_) return false;
  for (size_t s = 0; s < services_; ++s) {
    for (size_t b = 0; b < kBatches; ++b) {
      Cell& c = At(row, s, b);
      for (double* v : {&c.requests, &c.errors, &c.latency_ns, &c.kept}) {
        *v = in.F64();
        // A latency sum may pass 2^62 ns (a day's); it is never converted to an integer.
        if (v == &c.latency_ns ? !(std::isfinite(*v) && *v >= 0) : !PlausibleCount(*v))
          return false;
      }
    }
  }
  return true;
}

std::vector<ServiceRed> ServiceRedTally::Estimates(size_t k, const std::vector<std::string>& names,
                                                   double duration_s) const {
  std::vector<ServiceRed> out;
  const size_t batches = window_ns_ > 0 ? kBatches : 1;
  const double batch_s = duration_s / static_cast<double>(batches);
  for (size_t s = 0; s < services_; ++s) {
    Cell truth, est;
    for (size_t b = 0; b < kBatches; ++b) {
      for (auto [sum, c] : {std::pair{&truth, &At(0, s, b)}, std::pair{&est, &At(k + 1, s, b)}}) {
        sum->requests += c->requests;
        sum->errors += c->errors;
        sum->latency_ns += c->latency_ns;
        sum->kept += c->kept;
      }
    }
    if (truth.requests <= 0) continue;
    ServiceRed r;
    r.service = s < names.size() ? names[s] : std::to_string(s);
    r.requests = static_cast<uint64_t>(truth.requests);
    r.kept_requests = est.kept;
    r.true_rate = duration_s > 0 ? truth.requests / duration_s : 0;
    r.est_rate = duration_s > 0 ? est.requests / duration_s : 0;
    r.true_error_rate = truth.errors / truth.requests;
    r.true_mean_ms = truth.latency_ns / truth.requests / 1e6;
    // The rate's error is the mean of the batches' errors; a ratio's (error rate, mean duration)
    // is the sum over batches of its linearised terms, h_b (ServiceRedTally's comment).
    std::vector<double> rate_err, error_h, mean_h;
    for (size_t b = 0; b < batches; ++b) {
      const Cell& t = At(0, s, b);
      const Cell& e = At(k + 1, s, b);
      if (batch_s > 0) rate_err.push_back((e.requests - t.requests) / batch_s);
      if (est.requests <= 0) continue;
      error_h.push_back((e.errors - r.true_error_rate * e.requests) / est.requests -
                        (t.errors - r.true_error_rate * t.requests) / truth.requests);
      const double true_mean_ns = truth.latency_ns / truth.requests;
      mean_h.push_back(((e.latency_ns - true_mean_ns * e.requests) / est.requests -
                        (t.latency_ns - true_mean_ns * t.requests) / truth.requests) /
                       1e6);
    }
    r.rate_ci = Around(r.est_rate, THalfWidth95(rate_err));
    if (est.requests > 0) {
      const double n = static_cast<double>(error_h.size());
      r.est_error_rate = est.errors / est.requests;
      r.est_mean_ms = est.latency_ns / est.requests / 1e6;
      r.error_rate_ci = Around(r.est_error_rate, THalfWidth95(error_h) * n);
      r.error_rate_ci.high = std::min(1.0, r.error_rate_ci.high);
      r.mean_ms_ci = Around(r.est_mean_ms, THalfWidth95(mean_h) * n);
    } else {
      r.error_rate_ci = {0, 1};  // nothing kept: nothing known
    }
    out.push_back(std::move(r));
  }
  return out;
}

}  // namespace tracesim::sampling
