// Prometheus text exposition (format version 0.0.4), written for tracesim.
//
// MetricsExposition is the seam: an HTTP handler asks it for a content type and a body, so a
// prometheus-cpp backed implementation could replace MetricsRegistry without touching callers.
// MetricsRegistry holds counter, gauge and histogram families (HELP/TYPE, label sets,
// `_bucket{le=...}`/`_sum`/`_count` with `+Inf`). Registration takes a mutex; updates on the
// returned metric objects are lock-free atomics, safe from any thread. Returned pointers stay
// valid for the registry's lifetime. Rendering is deterministic: families sorted by name, series
// by their (name-sorted) labels.
#ifndef TRACESIM_METRICS_PROMETHEUS_H_
#define TRACESIM_METRICS_PROMETHEUS_H_

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim/base/status.h"

namespace tracesim::metrics {

// Something that can be scraped.
class MetricsExposition {
 public:
  MetricsExposition() = default;
  MetricsExposition(const MetricsExposition&) = delete;
  MetricsExposition& operator=(const MetricsExposition&) = delete;
  virtual ~MetricsExposition() = default;

  // HTTP Content-Type of Render()'s output.
  virtual std::string ContentType() const = 0;
  // The full exposition body.
  virtual std::string Render() const = 0;
};

// Label name -> value pairs; order does not matter (sorted on registration).
using Labels = std::vector<std::pair<std::string, std::string>>;

// True when `name` matches [a-zA-Z_:][a-zA-Z0-9_:]*.
bool IsValidMetricName(std::string_view name);
// True when `name` matches [a-zA-Z_][a-zA-Z0-9_]* and does not start with "__" (reserved).
bool IsValidLabelName(std::string_view name);
// Appends a label value escaped for the text format (\\, \", \n).
void AppendEscapedLabelValue(std::string_view value, std::string* out);
// Appends a sample value as the text format writes it: shortest round-trip decimal, "+Inf",
// "-Inf", "NaN".
void AppendSampleValue(double v, std::string* out);

// A monotonically increasing value. Thread-safe.
class Counter {
 public:
  // REQUIRES: v >= 0 (negative increments are ignored).
  void Increment(double v = 1) noexcept {
    if (v > 0) value_.fetch_add(v, std::memory_order_relaxed);
  }
  double Value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A value that goes up and down. Thread-safe.
class Gauge {
 public:
  void Set(double v) noexcept { value_.store(v, std::memory_order_relaxed); }
  void Add(double v) noexcept { value_.fetch_add(v, std::memory_order_relaxed); }
  double Value() const noexcept { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

// A histogram with fixed upper bounds (Prometheus `le` buckets). Thread-safe. Bucket counts are
// stored per bucket and made cumulative when rendered; `_count` is the sum of bucket counts, so
// the `+Inf` bucket always equals `_count` in a scrape.
class BucketHistogram {
 public:
  // REQUIRES: `bounds` finite, strictly increasing (MetricsRegistry checks).
  explicit BucketHistogram(std::vector<double> bounds);

  void Observe(double v) noexcept;
  const std::vector<double>& bounds() const { return bounds_; }
  // Per-bucket (non-cumulative) counts; the last is the +Inf bucket.
  std::vector<uint64_t> BucketCounts() const;
  double Sum() const noexcept { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> counts_;  // bounds_.size() + 1
  std::atomic<double> sum_{0};
};

class MetricsRegistry final : public MetricsExposition {
 public:
  MetricsRegistry() = default;

  // Returns the series `name{labels}` of a counter family, creating the family and/or series.
  // Errors (InvalidArgument): invalid metric or label name, duplicate label names, or `name`
  // already registered with another type or help text. Registering an existing series returns
  // the same object.
  sim::Result<Counter*> AddCounter(std::string_view name, std::string_view help,
                                   Labels labels = {});
  sim::Result<Gauge*> AddGauge(std::string_view name, std::string_view help, Labels labels = {});
  // `bounds`: finite, strictly increasing upper bounds (+Inf is implicit); `le` may not be a
  // label. All series of a family share the same bounds (different bounds: InvalidArgument).
  sim::Result<BucketHistogram*> AddHistogram(std::string_view name, std::string_view help,
                                             std::vector<double> bounds, Labels labels = {});

  // "text/plain; version=0.0.4; charset=utf-8".
  std::string ContentType() const override;
  std::string Render() const override { return RenderText(); }
  std::string RenderText() const;

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family {
    Type type;
    std::string help;
    std::vector<double> bounds;  // histograms
    // Rendered label set ("a=\"x\",b=\"y\"", sorted by name) -> series.
    std::map<std::string, std::unique_ptr<Counter>> counters;
    std::map<std::string, std::unique_ptr<Gauge>> gauges;
    std::map<std::string, std::unique_ptr<BucketHistogram>> histograms;
  };

  // Validates and finds or creates the family; fills *label_key with the canonical label text.
  sim::Result<Family*> FamilyFor(std::string_view name, std::string_view help, Type type,
                                 Labels* labels, std::string* label_key);

  mutable std::mutex mu_;
  std::map<std::string, Family, std::less<>> families_;  // GUARDED_BY(mu_)
};

}  // namespace tracesim::metrics

#endif  // TRACESIM_METRICS_PROMETHEUS_H_
