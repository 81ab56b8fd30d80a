// The value grammars shared by every flag and file (doc/scenario.md#values).
//
// Durations: sim::ParseDuration (sim/base/time.h), Go's time.ParseDuration syntax ("1m30s",
//   "250ms", "1.5h", "-1s", "0"); re-exported here so callers need one include. There is no other
//   parser.
// Byte sizes: ParseByteSize. Both conventions, each spelled exactly: SI decimal suffixes
//   (kB or KB = 1000, MB = 1000^2, GB = 1000^3, TB = 1000^4) and IEC binary suffixes
//   (KiB = 1024, MiB = 1024^2, GiB = 1024^3, TiB = 1024^4); "B" or no suffix = bytes. So
//   "4MB" = 4,000,000 and "4MiB" = 4,194,304. Integers only, no spaces, no sign; suffixes are
//   case-sensitive, and ambiguous ones ("4M", "4mb", "4m") are errors that name both readings.
// Seeds: ParseSeed, base 10 only ("010" is ten), 0 .. 2^64-1, no sign, no spaces.
// Pure functions, thread-safe.
#ifndef TRACESIM_CONFIG_GRAMMAR_H_
#define TRACESIM_CONFIG_GRAMMAR_H_

#include <cstdint>
#include <string_view>

#include "sim/base/status.h"
#include "sim/base/time.h"

namespace tracesim::config {

using sim::FormatDuration;
using sim::ParseDuration;

// See the file comment. Errors name the text: "'4XB' is not a byte size: unknown unit 'XB'
// (use B, kB, MB, GB, TB (powers of 1000) or KiB, MiB, GiB, TiB (powers of 1024))".
sim::Result<uint64_t> ParseByteSize(std::string_view text);

// Formats bytes with the largest IEC unit that divides it exactly ("4MiB", "1500B", "0B").
std::string FormatByteSize(uint64_t bytes);

// A random seed in base 10. Errors name the text.
sim::Result<uint64_t> ParseSeed(std::string_view text);

}  // namespace tracesim::config

#endif  // TRACESIM_CONFIG_GRAMMAR_H_
