// Simulated time: integer nanoseconds in strong types, never double.
//
// Time is a point on the simulation clock (0 = scenario start). Duration is a signed span.
// Unix timestamps for export are scenario_start_unix_nanos + Time::nanos().
#ifndef TRACESIM_SIM_TIME_H_
#define TRACESIM_SIM_TIME_H_

#include <compare>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>

#include "sim/base/status.h"

namespace tracesim::sim {

class Duration {
 public:
  constexpr Duration() = default;
  static constexpr Duration Nanos(int64_t n) { return Duration(n); }
  static constexpr Duration Micros(int64_t n) { return Duration(n * 1000); }
  static constexpr Duration Millis(int64_t n) { return Duration(n * 1000'000); }
  static constexpr Duration Seconds(int64_t n) { return Duration(n * 1000'000'000); }
  static constexpr Duration Max() { return Duration(std::numeric_limits<int64_t>::max()); }
  // Rounds to the nearest nanosecond.
  static Duration FromSecondsF(double s);

  constexpr int64_t nanos() const { return ns_; }
  constexpr double seconds() const { return static_cast<double>(ns_) * 1e-9; }
  constexpr double millis() const { return static_cast<double>(ns_) * 1e-6; }

  constexpr auto operator<=>(const Duration&) const = default;
  constexpr Duration operator+(Duration o) const { return Duration(ns_ + o.ns_); }
  constexpr Duration operator-(Duration o) const { return Duration(ns_ - o.ns_); }
  constexpr Duration operator*(int64_t k) const { return Duration(ns_ * k); }
  constexpr Duration& operator+=(Duration o) {
    ns_ += o.ns_;
    return *this;
  }

 private:
  constexpr explicit Duration(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

class Time {
 public:
  constexpr Time() = default;
  static constexpr Time FromNanos(int64_t n) { return Time(n); }
  static constexpr Time Zero() { return Time(0); }
  static constexpr Time Max() { return Time(std::numeric_limits<int64_t>::max()); }

  constexpr int64_t nanos() const { return ns_; }
  constexpr double seconds() const { return static_cast<double>(ns_) * 1e-9; }

  constexpr auto operator<=>(const Time&) const = default;
  constexpr Time operator+(Duration d) const { return Time(ns_ + d.nanos()); }
  constexpr Time operator-(Duration d) const { return Time(ns_ - d.nanos()); }
  constexpr Duration operator-(Time o) const { return Duration::Nanos(ns_ - o.ns_); }
  constexpr Time& operator+=(Duration d) {
    ns_ += d.nanos();
    return *this;
  }

 private:
  constexpr explicit Time(int64_t ns) : ns_(ns) {}
  int64_t ns_ = 0;
};

// The one duration grammar of every flag and file: Go's time.ParseDuration. A sign, then "0" or
// one or more (number, unit) elements: "250us", "1.5ms", "30s", "1m30s", "1h2m3.5s", "-1s",
// "100ns"; units ns, us, µs (U+00B5 or U+03BC), ms, s, m, h; no spaces. Fractions truncate to the
// nanosecond as Go does. Negative values parse; callers that need >= 0 check. Errors name the
// text. config/ and doc/scenario.md#durations document it; there is no second parser.
Result<Duration> ParseDuration(std::string_view text);

// Formats as the shortest exact literal ParseDuration accepts ("1500us" -> "1.5ms").
std::string FormatDuration(Duration d);

// Parses an RFC 3339 UTC timestamp ("2026-01-01T00:00:00Z", optional fraction) into unix nanos.
Result<int64_t> ParseRfc3339(std::string_view text);

// OK when every instant from `start_unix_nanos` to `start_unix_nanos + span` is a unix time in
// int64 nanoseconds (1677-09-21T00:12:43Z .. 2262-04-11T23:47:16Z); otherwise an
// InvalidArgument naming the last representable time. REQUIRES: span >= 0.
Status CheckUnixRange(int64_t start_unix_nanos, Duration span);

// Formats unix nanos as RFC 3339 UTC with nanosecond precision trimmed ("2026-01-01T00:00:00Z").
std::string FormatRfc3339(int64_t unix_nanos);

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_TIME_H_
