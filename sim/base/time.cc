#include "sim/base/time.h"

#include <cmath>
#include <cstdio>

namespace tracesim::sim {

Duration Duration::FromSecondsF(double s) {
  return Duration(static_cast<int64_t>(std::llround(s * 1e9)));
}

namespace {

// Go's time.ParseDuration units; both spellings of micro (U+00B5 and U+03BC) as in Go.
struct Unit {
  std::string_view suffix;
  uint64_t nanos;
};
constexpr Unit kUnits[] = {
    {"ns", 1},        {"us", 1000},        {"\xC2\xB5s", 1000},   {"\xCE\xBCs", 1000},
    {"ms", 1000'000}, {"s", 1000'000'000}, {"m", 60'000'000'000}, {"h", 3600'000'000'000}};

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

// Go's time.ParseDuration (go1.22 src/time/format.go), the one duration grammar of tracesim:
//   [-+]? ( "0" | ( digits? ( "." digits? )? unit )+ )   with at least one digit per element,
// units ns us \u00b5s \u03bcs ms s m h, no spaces, |value| <= 2^63-1 ns (-2^63 allowed). Fractions
// truncate toward zero exactly as Go does (float64(frac) * (float64(unit) / scale)).
Result<Duration> ParseDuration(std::string_view text) {
  auto not_duration = [&] {
    return Status::InvalidArgument(
        "'" + std::string(text) +
        "' is not a duration (expected a number and a unit: ns, us, ms, s, m, h)");
  };
  auto too_large = [&] {
    return Status::InvalidArgument("duration '" + std::string(text) + "' is too large");
  };
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return Duration();
  if (s.empty()) return not_duration();
  constexpr uint64_t kLimit = uint64_t{1} << 63;
  uint64_t total = 0;
  while (!s.empty()) {
    if (!(IsDigit(s[0]) || s[0] == '.')) return not_duration();
    size_t i = 0;
    uint64_t whole = 0;
    while (i < s.size() && IsDigit(s[i])) {
      if (whole > (kLimit - 1) / 10) return too_large();
      whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
      if (whole > kLimit) return too_large();
      ++i;
    }
    const bool had_whole = i > 0;
    uint64_t frac = 0;
    double scale = 1;
    bool had_frac = false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      const size_t start = i;
      bool overflow = false;
      while (i < s.size() && IsDigit(s[i])) {
        if (!overflow) {
          if (frac > (kLimit - 1) / 10) {
            overflow = true;  // Go drops the remaining digits
          } else {
            frac = frac * 10 + static_cast<uint64_t>(s[i] - '0');
            scale *= 10;
          }
        }
        ++i;
      }
      had_frac = i > start;
    }
    if (!had_whole && !had_frac) return not_duration();
    s.remove_prefix(i);
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !IsDigit(s[u])) ++u;
    if (u == 0) return not_duration();
    const std::string_view suffix = s.substr(0, u);
    const Unit* unit = nullptr;
    for (const Unit& c : kUnits) {
      if (suffix == c.suffix) unit = &c;
    }
    if (unit == nullptr) {
      return Status::InvalidArgument("duration '" + std::string(text) + "' has unknown unit '" +
                                     std::string(suffix) + "' (use ns, us, ms, s, m, h)");
    }
    s.remove_prefix(u);
    if (whole > kLimit / unit->nanos) return too_large();
    uint64_t v = whole * unit->nanos;
    if (frac > 0) {
      v += static_cast<uint64_t>(static_cast<double>(frac) *
                                 (static_cast<double>(unit->nanos) / scale));
      if (v > kLimit) return too_large();
    }
    total += v;
    if (total > kLimit) return too_large();
  }
  if (neg) return Duration::Nanos(static_cast<int64_t>(-static_cast<__int128>(total)));
  if (total > kLimit - 1) return too_large();
  return Duration::Nanos(static_cast<int64_t>(total));
}

std::string FormatDuration(Duration d) {
  int64_t ns = d.nanos();
  if (ns == 0) return "0s";
  std::string sign = ns < 0 ? "-" : "";
  uint64_t a = ns < 0 ? static_cast<uint64_t>(-(ns + 1)) + 1 : static_cast<uint64_t>(ns);
  struct U {
    const char* s;
    uint64_t n;
  };
  static constexpr U kFmt[] = {
      {"h", 3600'000'000'000ULL}, {"m", 60'000'000'000ULL}, {"s", 1000'000'000ULL},
      {"ms", 1000'000ULL},        {"us", 1000ULL},          {"ns", 1ULL}};
  // Prefer the largest unit that keeps at most 3 decimals exact.
  for (const U& u : kFmt) {
    if (a >= u.n && (a * 1000) % u.n == 0) {
      uint64_t w = a / u.n, r = a % u.n;
      std::string out = sign + std::to_string(w);
      if (r != 0) {
        char buf[24];
        std::snprintf(buf, sizeof buf, "%03llu", static_cast<unsigned long long>(r * 1000 / u.n));
        std::string f = buf;
        while (!f.empty() && f.back() == '0') f.pop_back();
        out += "." + f;
      }
      return out + u.s;
    }
  }
  return sign + std::to_string(a) + "ns";
}

namespace {
// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}
}  // namespace

Result<int64_t> ParseRfc3339(std::string_view text) {
  auto bad = [&] {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is not an RFC 3339 UTC time like 2026-01-01T00:00:00Z");
  };
  auto num = [&](size_t pos, size_t len, int* out) {
    if (pos + len > text.size()) return false;
    int v = 0;
    for (size_t i = pos; i < pos + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      v = v * 10 + (text[i] - '0');
    }
    *out = v;
    return true;
  };
  int y, mo, d, h, mi, s;
  if (text.size() < 20 || !num(0, 4, &y) || text[4] != '-' || !num(5, 2, &mo) || text[7] != '-' ||
      !num(8, 2, &d) || (text[10] != 'T' && text[10] != 't') || !num(11, 2, &h) ||
      text[13] != ':' || !num(14, 2, &mi) || text[16] != ':' || !num(17, 2, &s)) {
    return bad();
  }
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return bad();
  size_t i = 19;
  int64_t frac_ns = 0;
  if (i < text.size() && text[i] == '.') {
    ++i;
    int64_t scale = 100'000'000;
    size_t start = i;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
      frac_ns += (text[i] - '0') * scale;
      scale /= 10;
      ++i;
    }
    if (i == start) return bad();
  }
  if (i + 1 != text.size() || (text[i] != 'Z' && text[i] != 'z')) return bad();
  int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  int64_t secs = days * 86400 + h * 3600 + mi * 60 + s;
  int64_t nanos = 0;
  if (__builtin_mul_overflow(secs, int64_t{1000'000'000}, &nanos) ||
      __builtin_add_overflow(nanos, frac_ns, &nanos)) {
    return Status::InvalidArgument("'" + std::string(text) +
                                   "' is outside the times tracesim can represent (" +
                                   FormatRfc3339(std::numeric_limits<int64_t>::min()) + " .. " +
                                   FormatRfc3339(std::numeric_limits<int64_t>::max()) + ")");
  }
  return nanos;
}

Status CheckUnixRange(int64_t start_unix_nanos, Duration span) {
  int64_t end = 0;
  if (__builtin_add_overflow(start_unix_nanos, span.nanos(), &end)) {
    return Status::InvalidArgument("the run would end after " +
                                   FormatRfc3339(std::numeric_limits<int64_t>::max()) +
                                   ", the last time unix nanoseconds can hold: start " +
                                   FormatRfc3339(start_unix_nanos) + " + " + FormatDuration(span));
  }
  return Status::Ok();
}

std::string FormatRfc3339(int64_t unix_nanos) {
  int64_t secs = unix_nanos / 1000'000'000;
  int64_t ns = unix_nanos % 1000'000'000;
  if (ns < 0) {
    ns += 1000'000'000;
    --secs;
  }
  int64_t days = secs / 86400;
  int64_t rem = secs % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // civil_from_days
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[64];
  int n = std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld",
                        static_cast<long long>(y), m, d, static_cast<long long>(rem / 3600),
                        static_cast<long long>(rem / 60 % 60), static_cast<long long>(rem % 60));
  std::string out(buf, static_cast<size_t>(n));
  if (ns) {
    std::snprintf(buf, sizeof buf, ".%09lld", static_cast<long long>(ns));
    std::string f = buf;
    while (f.back() == '0') f.pop_back();
    out += f;
  }
  return out + "Z";
}

}  // namespace tracesim::sim
