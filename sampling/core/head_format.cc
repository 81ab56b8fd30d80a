#include "sampling/core/head_format.h"

#include <cctype>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>

namespace tracesim::sampling {
namespace {

// Shortest decimal digits of |v| that round-trip, and the decimal exponent of the first digit
// (v = d.ddd x 10^exp). REQUIRES: v finite.
void ShortestDigits(double v, int bits, std::string* digits, int* exp) {
  v = std::fabs(v);
  char buf[64];
  for (int prec = 1; prec <= 17; ++prec) {
    std::snprintf(buf, sizeof(buf), "%.*e", prec - 1, v);
    bool round_trips = bits == 32 ? std::strtof(buf, nullptr) == static_cast<float>(v)
                                  : std::strtod(buf, nullptr) == v;
    if (round_trips || prec == 17) break;
  }
  std::string s(buf);
  size_t e = s.find('e');
  std::string mant = s.substr(0, e);
  *exp = std::atoi(s.c_str() + e + 1);
  digits->clear();
  for (char c : mant)
    if (c != '.') digits->push_back(c);
  while (digits->size() > 1 && digits->back() == '0') digits->pop_back();
}

std::string ExpForm(const std::string& digits, int exp) {
  std::string out(1, digits[0]);
  if (digits.size() > 1) out += "." + digits.substr(1);
  char buf[16];
  std::snprintf(buf, sizeof(buf), "e%c%02d", exp < 0 ? '-' : '+', std::abs(exp));
  return out + buf;
}

std::string FixedForm(const std::string& digits, int exp) {
  if (exp < 0) return "0." + std::string(static_cast<size_t>(-exp - 1), '0') + digits;
  size_t int_len = static_cast<size_t>(exp) + 1;
  if (digits.size() <= int_len) return digits + std::string(int_len - digits.size(), '0');
  return digits.substr(0, int_len) + "." + digits.substr(int_len);
}

std::string Specials(double v) {
  if (std::isnan(v)) return "NaN";
  return v > 0 ? "+Inf" : "-Inf";
}

// Removes '_' that sit between two digits (YAML 1.1 / Go number syntax); false if an
// underscore sits anywhere else.
bool StripUnderscores(std::string_view s, std::string* out) {
  out->clear();
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '_') {
      out->push_back(s[i]);
      continue;
    }
    bool ok = i > 0 && i + 1 < s.size() && std::isxdigit(static_cast<unsigned char>(s[i - 1])) &&
              std::isxdigit(static_cast<unsigned char>(s[i + 1]));
    if (!ok) return false;
  }
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  return true;
}

}  // namespace

std::string FormatGoG(double v, int bits) {
  if (!std::isfinite(v)) return Specials(v);
  if (v == 0) return std::signbit(v) ? "-0" : "0";
  std::string digits;
  int exp = 0;
  ShortestDigits(v, bits, &digits, &exp);
  std::string body = (exp < -4 || exp >= 6) ? ExpForm(digits, exp) : FixedForm(digits, exp);
  return v < 0 ? "-" + body : body;
}

std::string FormatGoF(double v) {
  if (!std::isfinite(v)) return Specials(v);
  char buf[512];
  std::snprintf(buf, sizeof(buf), "%.6f", v);
  return buf;
}

std::string FormatPythonRepr(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  if (v == 0) return std::signbit(v) ? "-0.0" : "0.0";
  std::string digits;
  int exp = 0;
  ShortestDigits(v, 64, &digits, &exp);
  std::string body;
  if (exp < -4 || exp >= 16) {
    body = ExpForm(digits, exp);
  } else {
    body = FixedForm(digits, exp);
    if (body.find('.') == std::string::npos) body += ".0";
  }
  return v < 0 ? "-" + body : body;
}

std::string FormatJavaFixed6(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "Infinity" : "-Infinity";
  char buf[512];
  std::snprintf(buf, sizeof(buf), "%.6f", v);
  return buf;
}

bool ParseGoFloat(std::string_view s, double* out) {
  std::string clean;
  if (s.empty() || !StripUnderscores(s, &clean)) return false;
  std::string_view body = clean;
  bool neg = false;
  bool has_sign = !body.empty() && (body[0] == '+' || body[0] == '-');
  if (has_sign) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  if (EqualsIgnoreCase(body, "inf") || EqualsIgnoreCase(body, "infinity") || body == ".inf" ||
      body == ".Inf" || body == ".INF") {
    *out = neg ? -std::numeric_limits<double>::infinity() : std::numeric_limits<double>::infinity();
    return true;
  }
  if (!has_sign &&
      (EqualsIgnoreCase(body, "nan") || body == ".nan" || body == ".NaN" || body == ".NAN")) {
    *out = std::numeric_limits<double>::quiet_NaN();
    return true;
  }
  // [digits][.digits][(e|E)[+-]digits], at least one mantissa digit.
  size_t i = 0, mantissa_digits = 0;
  while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i])))
    ++i, ++mantissa_digits;
  if (i < body.size() && body[i] == '.') {
    ++i;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i])))
      ++i, ++mantissa_digits;
  }
  if (mantissa_digits == 0) return false;
  if (i < body.size() && (body[i] == 'e' || body[i] == 'E')) {
    ++i;
    if (i < body.size() && (body[i] == '+' || body[i] == '-')) ++i;
    size_t exp_digits = 0;
    while (i < body.size() && std::isdigit(static_cast<unsigned char>(body[i]))) ++i, ++exp_digits;
    if (exp_digits == 0) return false;
  }
  if (i != body.size()) return false;
  *out = std::strtod(clean.c_str(), nullptr);
  return true;
}

bool ParseGoIntMagnitude(std::string_view s, bool* negative, uint64_t* magnitude) {
  std::string clean;
  if (s.empty() || !StripUnderscores(s, &clean)) return false;
  std::string_view body = clean;
  bool neg = false;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    neg = body[0] == '-';
    body.remove_prefix(1);
  }
  int base = 10;
  if (body.size() > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X')) {
    base = 16;
    body.remove_prefix(2);
  } else if (body.size() > 2 && body[0] == '0' && (body[1] == 'o' || body[1] == 'O')) {
    base = 8;
    body.remove_prefix(2);
  } else if (body.size() > 2 && body[0] == '0' && (body[1] == 'b' || body[1] == 'B')) {
    base = 2;
    body.remove_prefix(2);
  } else if (body.size() > 1 && body[0] == '0') {
    base = 8;  // a leading 0 means octal
    body.remove_prefix(1);
  }
  if (body.empty()) return false;
  uint64_t v = 0;
  for (char c : body) {
    int d = -1;
    if (c >= '0' && c <= '9') d = c - '0';
    if (c >= 'a' && c <= 'f') d = c - 'a' + 10;
    if (c >= 'A' && c <= 'F') d = c - 'A' + 10;
    if (d < 0 || d >= base) return false;
    const auto b = static_cast<uint64_t>(base), digit = static_cast<uint64_t>(d);
    if (v > (std::numeric_limits<uint64_t>::max() - digit) / b) return false;
    v = v * b + digit;
  }
  *negative = neg;
  *magnitude = v;
  return true;
}

bool ParseGoInt(std::string_view s, int64_t* out) {
  bool neg = false;
  uint64_t v = 0;
  if (!ParseGoIntMagnitude(s, &neg, &v)) return false;
  if (neg ? v > (uint64_t{1} << 63)
          : v > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    return false;
  }
  *out = neg ? static_cast<int64_t>(-static_cast<__int128>(v)) : static_cast<int64_t>(v);
  return true;
}

bool ParseGoBool(std::string_view s, bool* out) {
  if (s == "true" || s == "True" || s == "TRUE" || s == "t" || s == "T" || s == "1") {
    *out = true;
    return true;
  }
  if (s == "false" || s == "False" || s == "FALSE" || s == "f" || s == "F" || s == "0") {
    *out = false;
    return true;
  }
  return false;
}

}  // namespace tracesim::sampling
