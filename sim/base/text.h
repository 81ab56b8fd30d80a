// Small ASCII text helpers for the parsers of outside input (HTTP headers, environment values,
// tracestate members), so each rule is written once.
//
// Pure functions; thread-safe.
#ifndef TRACESIM_SIM_TEXT_H_
#define TRACESIM_SIM_TEXT_H_

#include <cctype>
#include <string>
#include <string_view>

namespace tracesim::sim {

// `s` without leading and trailing white space (std::isspace in the "C" locale: space, \t, \n,
// \v, \f, \r).
inline std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// `s` without leading and trailing spaces and tabs: HTTP's optional white space (RFC 9110 OWS),
// as the W3C tracestate and the OTLP header list use it.
inline std::string_view TrimSpaceTab(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// `s` with ASCII upper-case letters lowered.
inline std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace tracesim::sim

#endif  // TRACESIM_SIM_TEXT_H_
