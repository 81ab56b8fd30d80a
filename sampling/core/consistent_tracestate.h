// Consistent probability sampling values (OTEP 235): the 56-bit rejection threshold `th`, the
// explicit randomness `rv`, and the tracestate `ot` entry that carries them
// (`tracestate: ot=th:c;rv:9b8233f7e3a151`). See doc/sampling-head.md and
// /work/shared/specs/sampling.md §3.5.
//
// A threshold T in [0, 2^56] keeps an item when its 56-bit randomness R satisfies R >= T:
// T = 0 keeps everything (th:0), T = 2^56 (kMaxThreshold) keeps nothing and has no encoding.
// Probability = (2^56 - T) / 2^56. Pure functions and value types; thread-safe.
#ifndef TRACESIM_SAMPLING_CONSISTENT_TRACESTATE_H_
#define TRACESIM_SAMPLING_CONSISTENT_TRACESTATE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sampling/core/sampler.h"
#include "sim/base/status.h"

namespace tracesim::sampling {

inline constexpr int kThresholdHexDigits = 14;                  // 56 bits
inline constexpr uint64_t kRandomnessMask = kMaxThreshold - 1;  // low 56 bits
inline constexpr double kMinSamplingProbability = 0x1p-56;
inline constexpr int kDefaultThresholdPrecision = 4;  // SDK recommendation (hex digits)

// The threshold for `probability` rounded to `precision` hex digits, exactly as the Collector's
// pkg/sampling ProbabilityToThresholdWithPrecision: T = 2^56 - round(p * 2^56), precision raised
// by one digit per 4 leading binary zeros of p (or of 1 - p), capped at 14, then rounded
// half-up. probability 1 gives 0. Errors (kInvalidArgument) when probability is not in
// [2^-56, 1] (NaN included) or precision is not in [1, 14].
sim::Result<uint64_t> ProbabilityToThreshold(double probability,
                                             int precision = kDefaultThresholdPrecision);

// (2^56 - T) / 2^56; 0 for T >= 2^56.
double ThresholdToProbability(uint64_t threshold);
// 2^56 / (2^56 - T): how many items a kept item represents; +inf for T >= 2^56.
double ThresholdToAdjustedCount(uint64_t threshold);

// The `th` value: 14 lowercase hex digits with trailing zeros removed; "0" for T = 0; "" for
// T >= 2^56 (never sampled: no th at all).
std::string ThresholdToTValue(uint64_t threshold);
// Parses a `th` value: 1 to 14 hex digits, right-padded with zeros to 14. Lowercase only, as
// sampling.md §3.5 says, unless allow_uppercase (the Collector's pkg/sampling parses with Go's
// strconv.ParseUint, which also takes A-F). Returns false on anything else.
bool ParseTValue(std::string_view s, uint64_t* threshold, bool allow_uppercase = false);

// The `rv` value: exactly 14 lowercase hex digits. REQUIRES: randomness < 2^56.
std::string RandomnessToRValue(uint64_t randomness);
// Parses an `rv` value: exactly 14 hex digits (case as for ParseTValue).
bool ParseRValue(std::string_view s, uint64_t* randomness, bool allow_uppercase = false);

// The parsed value of the tracestate `ot` entry ("th:8;rv:9b8233f7e3a151;k1:13").
struct OtValue {
  uint64_t threshold = kNoThreshold;  // th; kNoThreshold when absent or invalid
  bool has_randomness = false;        // rv present and valid
  uint64_t randomness = 0;
  // Other sub-keys, in order, preserved on rendering (tracestate-handling.md: set values must
  // not lose other OTel concerns).
  std::vector<std::pair<std::string, std::string>> others;
  // Every problem found, e.g. "th: 'xyz' is not 1 to 14 hex digits (ignored)". Empty = clean.
  std::vector<std::string> problems;
  // False when the value breaks the `ot` grammar (key ":" value, ";"-separated, keys
  // lcalpha *(lcalpha / DIGIT), values [A-Za-z0-9._-]*, keys unique, at most 256 chars) or a
  // th/rv value is invalid: the Collector's pkg/sampling rejects the whole entry then, while
  // SDK samplers simply ignore the bad sub-key (sampling.md §3.5).
  bool valid = true;

  bool has_threshold() const { return threshold != kNoThreshold; }
};

// Parses the value of an `ot` tracestate member (the text after "ot="). Never fails: invalid
// th/rv values are dropped (has_threshold()/has_randomness false) and noted in `problems`,
// members that break the grammar are skipped, as sampling.md §3.5 asks of SDKs.
OtValue ParseOtValue(std::string_view value, bool allow_uppercase_hex = false);

// Renders `th:...;rv:...;others...` (th first, then rv, then the other sub-keys); "" when there
// is nothing to carry.
std::string RenderOtValue(const OtValue& value);

// The value of the `ot` member of a W3C tracestate header ("a=1,ot=th:8,b=2" -> "th:8"), or
// std::nullopt-like empty view with *found = false when there is none.
std::string_view FindOtMember(std::string_view tracestate, bool* found);

// `tracestate` with its `ot` member replaced by `ot=<rendered>` moved to the left (W3C: a
// mutated member moves to the front), or removed when `value` renders empty.
std::string WithOtValue(std::string_view tracestate, const OtValue& value);

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_CONSISTENT_TRACESTATE_H_
