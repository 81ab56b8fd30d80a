// GoRegexp: a regular expression with the semantics of Go's `regexp` package, which the
// Collector compiles for the tail_sampling string_attribute policy (enabled_regex_matching) and
// for OTTL IsMatch: RE2 syntax, leftmost-first, unanchored MatchString. It is RE2 itself
// (libre2), so what Go accepts RE2 accepts — `(?i)`, `(?s)`, `(?U)`, `(?P<name>x)`, `\A`, `\z`,
// `\pL`, `\Q…\E` — and what Go rejects is an error: lookaround, back references, possessive
// quantifiers, repeat counts over 1000. Where Go 1.26 and Debian 12's RE2 (2022-06-01) differ,
// Compile() follows Go: `(?<name>x)` (Go 1.22) is read as `(?P<name>x)`, and `\C` (RE2's "any
// byte", not in Go) is an error. Left: invalid UTF-8 in the subject (Go reads each bad byte as
// U+FFFD, RE2 as no character), noted in doc/collector.md.
// Immutable after Compile(); copies share the compiled program; Match() is thread-safe.
#ifndef TRACESIM_SAMPLING_TAIL_GO_REGEXP_H_
#define TRACESIM_SAMPLING_TAIL_GO_REGEXP_H_

#include <memory>
#include <string>
#include <string_view>

#include "sim/base/status.h"

namespace re2 {
class RE2;
}  // namespace re2

namespace tracesim::sampling {

class GoRegexp {
 public:
  // The compiled pattern, or kInvalidArgument with RE2's reason (e.g. "invalid perl operator:
  // (?=").
  static sim::Result<GoRegexp> Compile(std::string_view pattern);

  // Go's (*Regexp).MatchString: does the pattern match anywhere in `s`?
  bool Match(std::string_view s) const noexcept;

  const std::string& pattern() const { return pattern_; }

 private:
  std::string pattern_;  // as written
  std::shared_ptr<const re2::RE2> re_;
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_TAIL_GO_REGEXP_H_
