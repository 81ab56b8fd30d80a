#include "sampling/collector/tail_sampling/config/go_regexp.h"

#include <re2/re2.h>

#include <string>
#include <utility>

namespace tracesim::sampling {
namespace {

// Whether p[i..] is a repeat `{n}`, `{n,}` or `{n,m}` with a number of 1e8 or more: Go's
// parseInt gives -1 for it and Compile fails (invalid repeat count); RE2 2022-06-01 lets it pass.
bool IsOverflowingRepeat(std::string_view p, size_t i) {
  bool overflow = false;
  size_t j = i + 1;
  for (int part = 0; part < 2; ++part) {
    const size_t start = j;
    while (j < p.size() && p[j] >= '0' && p[j] <= '9') ++j;
    const size_t len = j - start;
    if (len == 0 && part == 0) return false;        // `{` is a literal
    if (len >= 2 && p[start] == '0') return false;  // leading zero: a literal in Go
    if (len > 0 && (len > 9 || std::stoll(std::string(p.substr(start, len))) >= 100'000'000)) {
      overflow = true;
    }
    if (j < p.size() && p[j] == ',' && part == 0) {
      ++j;
      continue;
    }
    break;
  }
  return overflow && j < p.size() && p[j] == '}';
}

// Go's syntax where RE2 2022-06-01 differs: `(?<name>` becomes `(?P<name>`; `\C` and a repeat
// count of 1e8 or more are errors (*bad names it). Escapes and character classes are skipped, so
// `\(?<` and `[(?<]` stay.
std::string ToRe2Syntax(std::string_view p, std::string* bad) {
  std::string out;
  out.reserve(p.size() + 4);
  bool in_class = false;
  for (size_t i = 0; i < p.size(); ++i) {
    const char c = p[i];
    if (c == '\\' && i + 1 < p.size()) {
      if (p[i + 1] == 'C') *bad = "invalid escape sequence: `\\C` (not in Go's RE2 syntax)";
      if (p[i + 1] == 'Q') {  // \Q...\E is literal text up to \E or the end
        const size_t end = p.find("\\E", i + 2);
        const size_t stop = end == std::string_view::npos ? p.size() : end + 2;
        out.append(p.substr(i, stop - i));
        i = stop - 1;
        continue;
      }
      out.push_back(c);
      out.push_back(p[++i]);
      continue;
    }
    if (in_class) {
      if (c == '[' && i + 1 < p.size() && p[i + 1] == ':') {  // [:alpha:] inside a class
        const size_t end = p.find(":]", i + 2);
        if (end != std::string_view::npos) {
          out.append(p.substr(i, end + 2 - i));
          i = end + 1;
          continue;
        }
      }
      if (c == ']') in_class = false;
      out.push_back(c);
      continue;
    }
    if (c == '[') {
      in_class = true;
      out.push_back(c);
      // A ']' right after '[' or '[^' is a literal member.
      if (i + 1 < p.size() && p[i + 1] == '^') out.push_back(p[++i]);
      if (i + 1 < p.size() && p[i + 1] == ']') out.push_back(p[++i]);
      continue;
    }
    if (c == '{' && IsOverflowingRepeat(p, i)) *bad = "invalid repeat count";
    if (c == '(' && p.substr(i, 3) == "(?<" && i + 3 < p.size() && p[i + 3] != '=' &&
        p[i + 3] != '!') {
      out.append("(?P<");
      i += 2;
      continue;
    }
    out.push_back(c);
  }
  return out;
}

}  // namespace

sim::Result<GoRegexp> GoRegexp::Compile(std::string_view pattern) {
  std::string bad;
  const std::string re2_pattern = ToRe2Syntax(pattern, &bad);
  if (!bad.empty()) return sim::Status::InvalidArgument(bad);
  RE2::Options options;
  options.set_log_errors(false);
  auto re = std::make_shared<const RE2>(re2_pattern, options);
  if (!re->ok()) return sim::Status::InvalidArgument(re->error());
  GoRegexp g;
  g.pattern_ = std::string(pattern);
  g.re_ = std::move(re);
  return g;
}

bool GoRegexp::Match(std::string_view s) const noexcept {
  return re_ != nullptr && RE2::PartialMatch(re2::StringPiece(s.data(), s.size()), *re_);
}

}  // namespace tracesim::sampling
