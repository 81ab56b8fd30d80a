#include "sim/time.h"

#include <cmath>
#include <cstdio>

namespace tracesim::sim {

Duration Duration::FromSecondsF(double s) {
  return Duration(static_cast<int64_t>(std::llround(s * 1e9)));
}

namespace {

struct Unit {
  std::string_view suffix;
  int64_t nanos;
};
constexpr Unit kUnits[] = {
    {"ns", 1},           {"us", 1000},          {"µs", 1000},           {"ms", 1000'000},
    {"s", 1000'000'000}, {"m", 60'000'000'000}, {"h", 3600'000'000'000}};

}  // namespace

Result<Duration> ParseDuration(std::string_view text) {
  std::string_view t = text;
  while (!t.empty() && t.front() == ' ') t.remove_prefix(1);
  while (!t.empty() && t.back() == ' ') t.remove_suffix(1);
  if (t == "0") return Duration();
  size_t i = 0;
  bool neg = false;
  if (i < t.size() && (t[i] == '-' || t[i] == '+')) neg = t[i++] == '-';
  int64_t whole = 0;
  int64_t frac = 0, frac_scale = 1;
  bool digits = false;
  while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
    if (whole > (int64_t{1} << 50))
      return Status::InvalidArgument("duration '" + std::string(text) + "' is too large");
    whole = whole * 10 + (t[i++] - '0');
    digits = true;
  }
  if (i < t.size() && t[i] == '.') {
    ++i;
    while (i < t.size() && t[i] >= '0' && t[i] <= '9') {
      if (frac_scale < 1000'000'000'000LL) {
        frac = frac * 10 + (t[i] - '0');
        frac_scale *= 10;
      }
      ++i;
      digits = true;
    }
  }
  std::string_view suffix = t.substr(i);
  if (!digits || suffix.empty()) {
    return Status::InvalidArgument(
        "'" + std::string(text) +
        "' is not a duration (expected a number and a unit: ns, us, ms, s, m, h)");
  }
  for (const Unit& u : kUnits) {
    if (suffix == u.suffix) {
      // frac / frac_scale * nanos, computed without overflow for realistic values.
      long double v = static_cast<long double>(whole) * u.nanos +
                      static_cast<long double>(frac) * u.nanos / frac_scale;
      if (v > 9.2e18L)
        return Status::InvalidArgument("duration '" + std::string(text) + "' is too large");
      int64_t ns = static_cast<int64_t>(std::llround(static_cast<double>(v)));
      return Duration::Nanos(neg ? -ns : ns);
    }
  }
  return Status::InvalidArgument("duration '" + std::string(text) + "' has unknown unit '" +
                                 std::string(suffix) + "' (use ns, us, ms, s, m, h)");
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
  return secs * 1000'000'000 + frac_ns;
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
