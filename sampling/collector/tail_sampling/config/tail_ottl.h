// OttlCondition: a documented subset of OTTL boolean conditions for the tail_sampling
// `ottl_condition` policy (see doc/sampling-tail.md).
//
// Supported: `and`, `or`, `not`, parentheses, true/false; comparisons == != < <= > >= between
// paths and literals (strings, ints, floats, true/false, nil, STATUS_CODE_*, SPAN_KIND_*); the
// paths name, kind, status.code, status.message, start_time_unix_nano, end_time_unix_nano,
// attributes["k"], resource.attributes["k"] (optionally prefixed `span.`), and in the spanevent
// context name, time_unix_nano, attributes["k"] (the event's) plus the span.* paths;
// IsMatch(path, "regex") (Go's regexp on RE2, unanchored; go_regexp.h), where an int, double or
// bool value matches its string form as OTTL's StringLikeGetter writes it (JSON: 42, 0.5, 1e+21,
// true) and nil matches nothing. Anything else is rejected at
// Parse() with kUnsupported naming the condition. Comparison semantics follow OTTL: mismatched
// types are unequal, nil equals only nil, ordering is false across types.
// Immutable after Parse(); Evaluate() is const and thread-compatible.
#ifndef TRACESIM_SAMPLING_TAIL_OTTL_H_
#define TRACESIM_SAMPLING_TAIL_OTTL_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "sampling/collector/tail_sampling/config/go_regexp.h"
#include "sim/base/status.h"
#include "sim/model/model.h"
#include "sim/model/span.h"

namespace tracesim::sampling {

class OttlCondition {
 public:
  enum class Context : uint8_t { kSpan = 0, kSpanEvent = 1 };

  static sim::Result<OttlCondition> Parse(std::string_view text, Context context);

  // REQUIRES: `event` is non-null in the kSpanEvent context.
  bool Evaluate(const sim::Model& model, const sim::Span& span,
                const sim::SpanEvent* event) const noexcept;

  const std::string& text() const { return text_; }

  // Expression nodes (public for the parser in the .cc).
  enum class Op : uint8_t { kOr, kAnd, kNot, kCmp, kIsMatch, kLiteralBool };
  enum class Cmp : uint8_t { kEq, kNe, kLt, kLe, kGt, kGe };
  enum class PathKind : uint8_t {
    kNone,  // a literal operand
    kName,
    kKind,
    kStatusCode,
    kStatusMessage,
    kStart,
    kEnd,
    kAttr,
    kResourceAttr,
    kEventName,
    kEventTime,
    kEventAttr,
  };
  enum class LitKind : uint8_t { kNil, kBool, kInt, kDouble, kString };
  struct Operand {
    PathKind path = PathKind::kNone;
    std::string key;  // attribute key
    LitKind lit = LitKind::kNil;
    bool b = false;
    int64_t i = 0;
    double d = 0;
    std::string s;
  };
  struct Node {
    Op op = Op::kLiteralBool;
    bool value = false;  // kLiteralBool
    int a = -1, b = -1;  // children (kOr/kAnd: both; kNot: a)
    Cmp cmp = Cmp::kEq;  // kCmp
    Operand lhs, rhs;    // kCmp; kIsMatch uses lhs
    int regex = -1;      // kIsMatch: index into regexes_
  };

 private:
  bool Eval(int node, const sim::Model& model, const sim::Span& span,
            const sim::SpanEvent* event) const noexcept;

  std::string text_;
  Context context_ = Context::kSpan;
  std::vector<Node> nodes_;
  int root_ = -1;
  std::vector<GoRegexp> regexes_;

  friend class OttlParser;
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_TAIL_OTTL_H_
