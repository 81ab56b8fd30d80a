// Number formatting and parsing the way the modelled SDKs and the Collector do it, so that
// Description() strings and error messages read exactly like the real ones, and numbers in
// configs are accepted exactly when the real component accepts them.
//
// Pure functions; thread-safe.
#ifndef TRACESIM_SAMPLING_HEAD_FORMAT_H_
#define TRACESIM_SAMPLING_HEAD_FORMAT_H_

#include <cstdint>
#include <string>
#include <string_view>

namespace tracesim::sampling {

// Go's fmt "%g": the shortest digits that round-trip, in exponent form when the decimal
// exponent is < -4 or >= 6 (exponent with a sign and at least two digits): 0.25 -> "0.25",
// 1e-05 -> "1e-05", 1e+06 -> "1e+06", 0 -> "0", +Inf -> "+Inf". `bits` is 32 for a Go float32
// (shortest digits that round-trip through float), 64 for float64.
std::string FormatGoG(double v, int bits = 64);
// Go's fmt "%f" (6 decimals; "+Inf", "-Inf", "NaN" for the specials).
std::string FormatGoF(double v);
// Python's repr(float): shortest round-trip digits, exponent form when the decimal exponent is
// < -4 or >= 16, ".0" appended to integral values: 0.25 -> "0.25", 1.0 -> "1.0", 1e-05 -> "1e-05".
std::string FormatPythonRepr(double v);
// Java's String.format("%.6f", v) (Locale.ROOT): "0.250000".
std::string FormatJavaFixed6(double v);

// Go's strconv.ParseFloat(s, 64) after YAML-style clean-up: decimal and exponent forms,
// leading '+' or '-', "inf"/"infinity"/"nan" in any case, and YAML's ".inf"/".nan" forms;
// '_' between digits is ignored (YAML 1.1 numbers such as 100_000). Surrounding whitespace is
// not allowed. Returns false on anything else (hex floats included: configs do not use them).
bool ParseGoFloat(std::string_view s, double* out);

// An integer in Go's base-0 syntax (strconv.ParseInt and ParseUint with base 0): an optional
// sign, a 0x/0X hex, 0o/0O or leading-0 octal or 0b/0B binary prefix, digits, '_' between digits.
// Sets the sign and the magnitude; false on anything else or when the magnitude overflows
// uint64. The one implementation of the rule (ParseGoInt, the Collector config's YAML integers).
bool ParseGoIntMagnitude(std::string_view s, bool* negative, uint64_t* magnitude);

// An integer as Go's strconv.ParseInt(s, 0, 64) reads it (ParseGoIntMagnitude within int64).
// Returns false on anything else or overflow.
bool ParseGoInt(std::string_view s, int64_t* out);

// A boolean as YAML 1.2 / Go's strconv.ParseBool read it: true/True/TRUE/t/T/1 and
// false/False/FALSE/f/F/0.
bool ParseGoBool(std::string_view s, bool* out);

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_HEAD_FORMAT_H_
