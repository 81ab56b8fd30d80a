#include "sampling/core/consistent_tracestate.h"

#include <algorithm>
#include <cmath>

#include "sim/base/text.h"

namespace tracesim::sampling {
namespace {

constexpr int kHexBits = 4;
constexpr size_t kMaxOtLength = 256;  // tracestate-handling.md: the whole ot list

int HexDigit(char c, bool allow_uppercase) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (allow_uppercase && c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool ParseHex(std::string_view s, uint64_t* out, bool allow_uppercase) {
  uint64_t v = 0;
  for (char c : s) {
    int d = HexDigit(c, allow_uppercase);
    if (d < 0) return false;
    v = (v << kHexBits) | static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

std::string Hex14(uint64_t v) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out(kThresholdHexDigits, '0');
  for (int i = kThresholdHexDigits - 1; i >= 0; --i) {
    out[i] = kDigits[v & 0xF];
    v >>= kHexBits;
  }
  return out;
}

bool IsLcAlpha(char c) { return c >= 'a' && c <= 'z'; }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

bool ValidKey(std::string_view k) {
  if (k.empty() || !IsLcAlpha(k[0])) return false;
  for (char c : k)
    if (!IsLcAlpha(c) && !IsDigit(c)) return false;
  return true;
}

bool ValidValue(std::string_view v) {
  for (char c : v) {
    bool ok =
        IsLcAlpha(c) || IsDigit(c) || (c >= 'A' && c <= 'Z') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

}  // namespace

sim::Result<uint64_t> ProbabilityToThreshold(double probability, int precision) {
  if (!(probability >= kMinSamplingProbability && probability <= 1.0)) {
    return sim::Status::InvalidArgument("sampling probability must be in [2^-56, 1], got " +
                                        std::to_string(probability));
  }
  if (precision < 1 || precision > kThresholdHexDigits) {
    return sim::Status::InvalidArgument("threshold precision must be in [1, 14] hex digits, got " +
                                        std::to_string(precision));
  }
  if (probability == 1.0) return uint64_t{0};
  // More digits near the extremes: one per 4 leading zero bits of p or of 1 - p (Go's integer
  // division truncates toward zero, as C++'s does).
  int exp_f = 0, exp_r = 0;
  std::frexp(probability, &exp_f);
  std::frexp(1.0 - probability, &exp_r);
  int digits = std::max(precision + exp_f / -kHexBits, precision + exp_r / -kHexBits);
  digits = std::min(kThresholdHexDigits, digits);
  uint64_t scaled =
      static_cast<uint64_t>(std::round(probability * static_cast<double>(kMaxThreshold)));
  uint64_t threshold = kMaxThreshold - scaled;
  if (int shift = kHexBits * (kThresholdHexDigits - digits); shift != 0) {
    uint64_t half = uint64_t{1} << (shift - 1);
    threshold += half;
    threshold >>= shift;
    threshold <<= shift;
  }
  return threshold;
}

double ThresholdToProbability(uint64_t threshold) {
  if (threshold >= kMaxThreshold) return 0.0;
  return static_cast<double>(kMaxThreshold - threshold) / static_cast<double>(kMaxThreshold);
}

double ThresholdToAdjustedCount(uint64_t threshold) {
  if (threshold >= kMaxThreshold) return INFINITY;
  return static_cast<double>(kMaxThreshold) / static_cast<double>(kMaxThreshold - threshold);
}

std::string ThresholdToTValue(uint64_t threshold) {
  if (threshold == 0) return "0";
  if (threshold >= kMaxThreshold) return "";
  std::string digits = Hex14(threshold);
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
  return digits;
}

bool ParseTValue(std::string_view s, uint64_t* threshold, bool allow_uppercase) {
  if (s.empty() || s.size() > kThresholdHexDigits) return false;
  uint64_t v = 0;
  if (!ParseHex(s, &v, allow_uppercase)) return false;
  *threshold = v << (kHexBits * (kThresholdHexDigits - static_cast<int>(s.size())));
  return true;
}

std::string RandomnessToRValue(uint64_t randomness) { return Hex14(randomness & kRandomnessMask); }

bool ParseRValue(std::string_view s, uint64_t* randomness, bool allow_uppercase) {
  if (s.size() != kThresholdHexDigits) return false;
  return ParseHex(s, randomness, allow_uppercase);
}

OtValue ParseOtValue(std::string_view value, bool allow_uppercase_hex) {
  OtValue out;
  if (value.size() > kMaxOtLength) {
    out.valid = false;
    out.problems.push_back("ot value is " + std::to_string(value.size()) +
                           " characters, more than 256");
  }
  bool seen_th = false, seen_rv = false;
  size_t pos = 0;
  while (pos <= value.size() && !value.empty()) {
    size_t end = value.find(';', pos);
    if (end == std::string_view::npos) end = value.size();
    std::string_view member = value.substr(pos, end - pos);
    pos = end + 1;
    size_t colon = member.find(':');
    std::string_view key = colon == std::string_view::npos ? member : member.substr(0, colon);
    std::string_view val =
        colon == std::string_view::npos ? std::string_view() : member.substr(colon + 1);
    if (colon == std::string_view::npos || !ValidKey(key) || !ValidValue(val)) {
      out.valid = false;
      out.problems.push_back("'" + std::string(member) + "' is not a key:value member (skipped)");
      if (end == value.size()) break;
      continue;
    }
    if (key == "th") {
      uint64_t t = 0;
      if (seen_th) {
        out.valid = false;
        out.problems.push_back("th: duplicate sub-key (second one ignored)");
      } else if (!ParseTValue(val, &t, allow_uppercase_hex)) {
        out.valid = false;
        out.problems.push_back("th: '" + std::string(val) +
                               "' is not 1 to 14 lowercase hex digits (ignored)");
      } else {
        out.threshold = t;
      }
      seen_th = true;
    } else if (key == "rv") {
      uint64_t r = 0;
      if (seen_rv) {
        out.valid = false;
        out.problems.push_back("rv: duplicate sub-key (second one ignored)");
      } else if (!ParseRValue(val, &r, allow_uppercase_hex)) {
        out.valid = false;
        out.problems.push_back("rv: '" + std::string(val) +
                               "' is not exactly 14 lowercase hex digits (ignored)");
      } else {
        out.has_randomness = true;
        out.randomness = r;
      }
      seen_rv = true;
    } else {
      bool dup = false;
      for (const auto& [k, v] : out.others) dup = dup || k == key;
      if (dup) {
        out.valid = false;
        out.problems.push_back(std::string(key) + ": duplicate sub-key (second one ignored)");
      } else {
        out.others.emplace_back(std::string(key), std::string(val));
      }
    }
    if (end == value.size()) break;
  }
  return out;
}

std::string RenderOtValue(const OtValue& value) {
  std::string out;
  auto add = [&out](std::string_view k, std::string_view v) {
    if (!out.empty()) out += ';';
    out += k;
    out += ':';
    out += v;
  };
  if (value.has_threshold()) {
    std::string tv = ThresholdToTValue(value.threshold);
    if (!tv.empty()) add("th", tv);
  }
  if (value.has_randomness) add("rv", RandomnessToRValue(value.randomness));
  for (const auto& [k, v] : value.others) add(k, v);
  return out;
}

std::string_view FindOtMember(std::string_view tracestate, bool* found) {
  *found = false;
  size_t pos = 0;
  while (pos <= tracestate.size()) {
    size_t end = tracestate.find(',', pos);
    if (end == std::string_view::npos) end = tracestate.size();
    std::string_view member = sim::TrimSpaceTab(tracestate.substr(pos, end - pos));
    if (member.size() >= 3 && member.substr(0, 3) == "ot=") {
      *found = true;
      return member.substr(3);
    }
    if (end == tracestate.size()) break;
    pos = end + 1;
  }
  return {};
}

std::string WithOtValue(std::string_view tracestate, const OtValue& value) {
  std::string rendered = RenderOtValue(value);
  std::string out;
  if (!rendered.empty()) out = "ot=" + rendered;
  size_t pos = 0;
  while (pos <= tracestate.size() && !tracestate.empty()) {
    size_t end = tracestate.find(',', pos);
    if (end == std::string_view::npos) end = tracestate.size();
    std::string_view member = sim::TrimSpaceTab(tracestate.substr(pos, end - pos));
    bool is_ot = member.size() >= 3 && member.substr(0, 3) == "ot=";
    if (!member.empty() && !is_ot) {
      if (!out.empty()) out += ',';
      out += member;
    }
    if (end == tracestate.size()) break;
    pos = end + 1;
  }
  return out;
}

}  // namespace tracesim::sampling
