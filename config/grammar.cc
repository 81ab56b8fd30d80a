#include "config/grammar.h"

#include <limits>
#include <string>

namespace tracesim::config {
namespace {

struct SizeUnit {
  std::string_view suffix;
  uint64_t bytes;
};
constexpr uint64_t kKi = 1024, kK = 1000;
constexpr SizeUnit kSizeUnits[] = {
    {"B", 1},
    {"kB", kK},
    {"KB", kK},
    {"MB", kK* kK},
    {"GB", kK* kK* kK},
    {"TB", kK* kK* kK* kK},
    {"KiB", kKi},
    {"MiB", kKi* kKi},
    {"GiB", kKi* kKi* kKi},
    {"TiB", kKi* kKi* kKi* kKi},
};
constexpr std::string_view kUnitHelp =
    "(use B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024))";

// Base-10 digits of `s` (non-empty, digits only) into *out; false on anything else or overflow.
bool ParseDecimal(std::string_view s, uint64_t* out) {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    const uint64_t d = static_cast<uint64_t>(c - '0');
    if (v > (std::numeric_limits<uint64_t>::max() - d) / 10) return false;
    v = v * 10 + d;
  }
  *out = v;
  return true;
}

}  // namespace

sim::Result<uint64_t> ParseByteSize(std::string_view text) {
  size_t i = 0;
  while (i < text.size() && text[i] >= '0' && text[i] <= '9') ++i;
  const std::string t(text);
  if (i == 0) {
    return sim::Status::InvalidArgument("'" + t +
                                        "' is not a byte size (e.g. 4194304, 512KiB, 4MiB, 4MB)");
  }
  uint64_t n = 0;
  if (!ParseDecimal(text.substr(0, i), &n)) {
    return sim::Status::InvalidArgument("byte size '" + t + "' is too large");
  }
  const std::string_view suffix = text.substr(i);
  if (suffix.empty()) return n;
  for (const SizeUnit& u : kSizeUnits) {
    if (suffix != u.suffix) continue;
    if (n > std::numeric_limits<uint64_t>::max() / u.bytes) {
      return sim::Status::InvalidArgument("byte size '" + t + "' is too large");
    }
    return n * u.bytes;
  }
  // Ambiguous spellings: say which two readings exist rather than guessing.
  std::string lower(suffix);
  for (char& c : lower) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
  static constexpr std::string_view kAmbiguous[] = {"k", "kb", "m", "mb", "g", "gb", "t", "tb"};
  for (std::string_view a : kAmbiguous) {
    if (lower != a) continue;
    const char p = static_cast<char>(a[0] - 'a' + 'A');
    const std::string si = std::string(1, p == 'K' ? 'k' : p) + "B";
    const std::string iec = std::string(1, p) + "iB";
    return sim::Status::InvalidArgument(
        "'" + t + "' is ambiguous: write " + std::string(text.substr(0, i)) + si +
        " (powers of 1000) or " + std::string(text.substr(0, i)) + iec + " (powers of 1024)");
  }
  return sim::Status::InvalidArgument("'" + t + "' is not a byte size: unknown unit '" +
                                      std::string(suffix) + "' " + std::string(kUnitHelp));
}

std::string FormatByteSize(uint64_t bytes) {
  static constexpr SizeUnit kFmt[] = {
      {"TiB", kKi * kKi * kKi * kKi}, {"GiB", kKi * kKi * kKi}, {"MiB", kKi * kKi}, {"KiB", kKi}};
  if (bytes != 0) {
    for (const SizeUnit& u : kFmt) {
      if (bytes % u.bytes == 0) return std::to_string(bytes / u.bytes) + std::string(u.suffix);
    }
  }
  return std::to_string(bytes) + "B";
}

sim::Result<uint64_t> ParseSeed(std::string_view text) {
  uint64_t v = 0;
  if (!ParseDecimal(text, &v)) {
    return sim::Status::InvalidArgument("seed '" + std::string(text) +
                                        "' is not a base-10 integer in [0, 18446744073709551615]");
  }
  return v;
}

}  // namespace tracesim::config
