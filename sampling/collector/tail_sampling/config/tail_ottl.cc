#include "sampling/collector/tail_sampling/config/tail_ottl.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <utility>

namespace tracesim::sampling {

namespace {

struct Token {
  enum Kind { kEnd, kIdent, kString, kInt, kFloat, kOp, kPunct } kind = kEnd;
  std::string text;
};

}  // namespace

class OttlParser {
 public:
  OttlParser(std::string_view text, OttlCondition* out) : text_(text), out_(out) {}

  // Limits that keep parsing and Evaluate()'s recursion within a thread's stack: parentheses
  // and `not` nest at most kMaxNesting deep (the parser recurses on them), and the expression
  // tree (and/or chains included) is at most kMaxDepth deep (Evaluate recurses on it).
  static constexpr int kMaxNesting = 100;
  static constexpr int kMaxDepth = 1000;

  sim::Status Run() {
    TRACESIM_RETURN_IF_ERROR(Lex());
    int root;
    TRACESIM_RETURN_IF_ERROR(ParseOr(&root));
    if (Peek().kind != Token::kEnd) return Unsupported("unexpected \"" + Peek().text + "\"");
    if (max_depth_ > kMaxDepth) {
      return sim::Status::InvalidArgument("OTTL condition is " + std::to_string(max_depth_) +
                                          " operators deep (and/or/not); the limit is " +
                                          std::to_string(kMaxDepth));
    }
    out_->root_ = root;
    return sim::Status::Ok();
  }

 private:
  sim::Status Unsupported(const std::string& why) {
    return sim::Status::Unsupported("OTTL condition \"" + std::string(text_) +
                                    "\" is outside the supported subset: " + why);
  }

  sim::Status Lex() {
    size_t i = 0;
    while (i < text_.size()) {
      char c = text_[i];
      if (std::isspace(static_cast<unsigned char>(c))) {
        ++i;
        continue;
      }
      Token t;
      if (c == '"') {
        t.kind = Token::kString;
        ++i;
        bool closed = false;
        while (i < text_.size()) {
          char d = text_[i++];
          if (d == '\\' && i < text_.size()) {
            char e = text_[i++];
            t.text.push_back(e == 'n' ? '\n' : e == 't' ? '\t' : e);
          } else if (d == '"') {
            closed = true;
            break;
          } else {
            t.text.push_back(d);
          }
        }
        if (!closed) return Unsupported("unterminated string");
      } else if (std::isdigit(static_cast<unsigned char>(c)) ||
                 (c == '-' && i + 1 < text_.size() &&
                  std::isdigit(static_cast<unsigned char>(text_[i + 1])))) {
        size_t start = i++;
        bool is_float = false;
        while (i < text_.size() && (std::isdigit(static_cast<unsigned char>(text_[i])) ||
                                    text_[i] == '.' || text_[i] == 'e' || text_[i] == 'E')) {
          if (text_[i] == '.' || text_[i] == 'e' || text_[i] == 'E') is_float = true;
          ++i;
        }
        t.kind = is_float ? Token::kFloat : Token::kInt;
        t.text = std::string(text_.substr(start, i - start));
      } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
        size_t start = i;
        while (i < text_.size() &&
               (std::isalnum(static_cast<unsigned char>(text_[i])) || text_[i] == '_'))
          ++i;
        t.kind = Token::kIdent;
        t.text = std::string(text_.substr(start, i - start));
      } else if (c == '=' || c == '!' || c == '<' || c == '>') {
        t.kind = Token::kOp;
        t.text.push_back(c);
        ++i;
        if (i < text_.size() && text_[i] == '=') {
          t.text.push_back('=');
          ++i;
        }
        if (t.text == "=" || t.text == "!")
          return Unsupported("unknown operator \"" + t.text + "\"");
      } else if (c == '(' || c == ')' || c == '[' || c == ']' || c == '.' || c == ',') {
        t.kind = Token::kPunct;
        t.text.push_back(c);
        ++i;
      } else {
        return Unsupported(std::string("unexpected character '") + c + "'");
      }
      tokens_.push_back(std::move(t));
    }
    tokens_.push_back(Token{});
    return sim::Status::Ok();
  }

  const Token& Peek(size_t k = 0) const {
    size_t j = pos_ + k;
    return j < tokens_.size() ? tokens_[j] : tokens_.back();
  }
  Token Next() { return tokens_[pos_ < tokens_.size() - 1 ? pos_++ : pos_]; }
  bool IsIdent(const char* s) const { return Peek().kind == Token::kIdent && Peek().text == s; }
  bool IsPunct(char c) const {
    return Peek().kind == Token::kPunct && Peek().text.size() == 1 && Peek().text[0] == c;
  }
  sim::Status Expect(char c) {
    if (!IsPunct(c)) return Unsupported(std::string("expected '") + c + "'");
    Next();
    return sim::Status::Ok();
  }

  int Add(OttlCondition::Node n) {
    int depth = 1;
    for (int child : {n.a, n.b})
      if (child >= 0) depth = std::max(depth, depth_[static_cast<size_t>(child)] + 1);
    depth_.push_back(depth);
    max_depth_ = std::max(max_depth_, depth);
    out_->nodes_.push_back(std::move(n));
    return static_cast<int>(out_->nodes_.size() - 1);
  }
  // Enters one level of parentheses or `not`; an error past kMaxNesting.
  sim::Status Enter() {
    if (++nesting_ <= kMaxNesting) return sim::Status::Ok();
    return sim::Status::InvalidArgument("OTTL condition nests parentheses and 'not' deeper than " +
                                        std::to_string(kMaxNesting) + " levels");
  }

  sim::Status ParseOr(int* out) {
    TRACESIM_RETURN_IF_ERROR(ParseAnd(out));
    while (IsIdent("or")) {
      Next();
      int rhs;
      TRACESIM_RETURN_IF_ERROR(ParseAnd(&rhs));
      OttlCondition::Node n;
      n.op = OttlCondition::Op::kOr;
      n.a = *out;
      n.b = rhs;
      *out = Add(std::move(n));
    }
    return sim::Status::Ok();
  }
  sim::Status ParseAnd(int* out) {
    TRACESIM_RETURN_IF_ERROR(ParseNot(out));
    while (IsIdent("and")) {
      Next();
      int rhs;
      TRACESIM_RETURN_IF_ERROR(ParseNot(&rhs));
      OttlCondition::Node n;
      n.op = OttlCondition::Op::kAnd;
      n.a = *out;
      n.b = rhs;
      *out = Add(std::move(n));
    }
    return sim::Status::Ok();
  }
  sim::Status ParseNot(int* out) {
    if (IsIdent("not")) {
      Next();
      int a;
      TRACESIM_RETURN_IF_ERROR(Enter());
      TRACESIM_RETURN_IF_ERROR(ParseNot(&a));
      --nesting_;
      OttlCondition::Node n;
      n.op = OttlCondition::Op::kNot;
      n.a = a;
      *out = Add(std::move(n));
      return sim::Status::Ok();
    }
    return ParsePrimary(out);
  }

  sim::Status ParsePrimary(int* out) {
    if (IsPunct('(')) {
      Next();
      TRACESIM_RETURN_IF_ERROR(Enter());
      TRACESIM_RETURN_IF_ERROR(ParseOr(out));
      --nesting_;
      return Expect(')');
    }
    if (IsIdent("IsMatch")) {
      Next();
      TRACESIM_RETURN_IF_ERROR(Expect('('));
      OttlCondition::Node n;
      n.op = OttlCondition::Op::kIsMatch;
      TRACESIM_RETURN_IF_ERROR(ParseOperand(&n.lhs));
      if (n.lhs.path == OttlCondition::PathKind::kNone) {
        return Unsupported("IsMatch needs a path as first argument");
      }
      TRACESIM_RETURN_IF_ERROR(Expect(','));
      if (Peek().kind != Token::kString) return Unsupported("IsMatch needs a string pattern");
      std::string pattern = Next().text;
      auto re = GoRegexp::Compile(pattern);  // ottlfuncs newDynamicRegex: regexp.Compile
      if (!re.ok()) {
        return sim::Status::InvalidArgument("OTTL condition \"" + std::string(text_) +
                                            "\": invalid regular expression \"" + pattern +
                                            "\" (Go RE2 syntax): " + re.status().message());
      }
      out_->regexes_.push_back(std::move(re).value());
      n.regex = static_cast<int>(out_->regexes_.size() - 1);
      TRACESIM_RETURN_IF_ERROR(Expect(')'));
      *out = Add(std::move(n));
      return sim::Status::Ok();
    }
    OttlCondition::Node n;
    n.op = OttlCondition::Op::kCmp;
    TRACESIM_RETURN_IF_ERROR(ParseOperand(&n.lhs));
    if (Peek().kind != Token::kOp) {
      if (n.lhs.path == OttlCondition::PathKind::kNone &&
          n.lhs.lit == OttlCondition::LitKind::kBool) {
        OttlCondition::Node lit;
        lit.op = OttlCondition::Op::kLiteralBool;
        lit.value = n.lhs.b;
        *out = Add(std::move(lit));
        return sim::Status::Ok();
      }
      return Unsupported("expected a comparison operator");
    }
    std::string op = Next().text;
    using C = OttlCondition::Cmp;
    n.cmp = op == "=="   ? C::kEq
            : op == "!=" ? C::kNe
            : op == "<"  ? C::kLt
            : op == "<=" ? C::kLe
            : op == ">"  ? C::kGt
                         : C::kGe;
    TRACESIM_RETURN_IF_ERROR(ParseOperand(&n.rhs));
    *out = Add(std::move(n));
    return sim::Status::Ok();
  }

  sim::Status ParseAttrKey(std::string* key) {
    TRACESIM_RETURN_IF_ERROR(Expect('['));
    if (Peek().kind != Token::kString) return Unsupported("attribute keys must be string literals");
    *key = Next().text;
    TRACESIM_RETURN_IF_ERROR(Expect(']'));
    if (IsPunct('[')) return Unsupported("nested attribute indexing");
    return sim::Status::Ok();
  }

  sim::Status ParseOperand(OttlCondition::Operand* o) {
    using PK = OttlCondition::PathKind;
    using LK = OttlCondition::LitKind;
    const Token& t = Peek();
    if (t.kind == Token::kString) {
      o->lit = LK::kString;
      o->s = Next().text;
      return sim::Status::Ok();
    }
    if (t.kind == Token::kInt) {
      o->lit = LK::kInt;
      o->i = std::strtoll(Next().text.c_str(), nullptr, 10);
      return sim::Status::Ok();
    }
    if (t.kind == Token::kFloat) {
      o->lit = LK::kDouble;
      o->d = std::strtod(Next().text.c_str(), nullptr);
      return sim::Status::Ok();
    }
    if (t.kind != Token::kIdent) return Unsupported("expected a path or a literal");
    std::string id = Next().text;
    static constexpr struct {
      const char* name;
      int64_t value;
    } kEnums[] = {
        {"STATUS_CODE_UNSET", 0},     {"STATUS_CODE_OK", 1},     {"STATUS_CODE_ERROR", 2},
        {"SPAN_KIND_UNSPECIFIED", 0}, {"SPAN_KIND_INTERNAL", 1}, {"SPAN_KIND_SERVER", 2},
        {"SPAN_KIND_CLIENT", 3},      {"SPAN_KIND_PRODUCER", 4}, {"SPAN_KIND_CONSUMER", 5},
    };
    for (const auto& e : kEnums) {
      if (id == e.name) {
        o->lit = LK::kInt;
        o->i = e.value;
        return sim::Status::Ok();
      }
    }
    if (id == "true" || id == "false") {
      o->lit = LK::kBool;
      o->b = id == "true";
      return sim::Status::Ok();
    }
    if (id == "nil") {
      o->lit = LK::kNil;
      return sim::Status::Ok();
    }
    return ParsePath(std::move(id), o);
  }

  // A path operand whose first identifier `id` was read. In the spanevent context unprefixed
  // paths are the event's; `span.` reaches the span.
  sim::Status ParsePath(std::string id, OttlCondition::Operand* o) {
    using PK = OttlCondition::PathKind;
    bool event_ctx = ctx_ == OttlCondition::Context::kSpanEvent;
    bool span_scope = !event_ctx;
    if (id == "span" && IsPunct('.')) {
      Next();
      if (Peek().kind != Token::kIdent) return Unsupported("expected a path after \"span.\"");
      id = Next().text;
      span_scope = true;
    } else if (event_ctx && id == "spanevent" && IsPunct('.')) {
      Next();
      if (Peek().kind != Token::kIdent) return Unsupported("expected a path after \"spanevent.\"");
      id = Next().text;
    }
    if (id == "resource") {
      TRACESIM_RETURN_IF_ERROR(Expect('.'));
      if (!IsIdent("attributes")) return Unsupported("only resource.attributes[...] is supported");
      Next();
      o->path = PK::kResourceAttr;
      return ParseAttrKey(&o->key);
    }
    if (id == "attributes") {
      o->path = span_scope ? PK::kAttr : PK::kEventAttr;
      return ParseAttrKey(&o->key);
    }
    if (id == "name") {
      o->path = span_scope ? PK::kName : PK::kEventName;
      return sim::Status::Ok();
    }
    if (!span_scope && id == "time_unix_nano") {
      o->path = PK::kEventTime;
      return sim::Status::Ok();
    }
    if (span_scope && id == "kind") {
      o->path = PK::kKind;
      return sim::Status::Ok();
    }
    if (span_scope && id == "start_time_unix_nano") {
      o->path = PK::kStart;
      return sim::Status::Ok();
    }
    if (span_scope && id == "end_time_unix_nano") {
      o->path = PK::kEnd;
      return sim::Status::Ok();
    }
    if (span_scope && id == "status") {
      TRACESIM_RETURN_IF_ERROR(Expect('.'));
      if (IsIdent("code")) {
        Next();
        o->path = PK::kStatusCode;
        return sim::Status::Ok();
      }
      if (IsIdent("message")) {
        Next();
        o->path = PK::kStatusMessage;
        return sim::Status::Ok();
      }
      return Unsupported("only status.code and status.message are supported");
    }
    if (IsPunct('(')) return Unsupported("function \"" + id + "\" is not supported");
    return Unsupported("path \"" + id + "\" is not supported");
  }

  std::string_view text_;
  OttlCondition* out_;
  OttlCondition::Context ctx_ = OttlCondition::Context::kSpan;
  std::vector<Token> tokens_;
  size_t pos_ = 0;
  std::vector<int> depth_;  // per node: the depth of its subtree
  int max_depth_ = 0;
  int nesting_ = 0;  // parentheses and `not` open now

 public:
  void SetContext(OttlCondition::Context c) { ctx_ = c; }
};

sim::Result<OttlCondition> OttlCondition::Parse(std::string_view text, Context context) {
  OttlCondition c;
  c.text_ = std::string(text);
  c.context_ = context;
  OttlParser p(c.text_, &c);
  p.SetContext(context);
  TRACESIM_RETURN_IF_ERROR(p.Run());
  return c;
}

namespace {

// A runtime value; strings point into the model or into `buf`.
struct Val {
  OttlCondition::LitKind kind = OttlCondition::LitKind::kNil;
  bool b = false;
  int64_t i = 0;
  double d = 0;
  std::string_view s;
  char buf[96];
};

void FromAttr(const sim::Model& m, const sim::AttrValue* v, Val* out) {
  using LK = OttlCondition::LitKind;
  if (v == nullptr) return;
  switch (v->type) {
    case sim::AttrValue::Type::kNone:
      return;
    case sim::AttrValue::Type::kString:
      out->kind = LK::kString;
      out->s = m.strings.Get(v->str);
      return;
    case sim::AttrValue::Type::kBool:
      out->kind = LK::kBool;
      out->b = v->b;
      return;
    case sim::AttrValue::Type::kInt:
      out->kind = LK::kInt;
      out->i = v->i;
      return;
    case sim::AttrValue::Type::kDouble:
      out->kind = LK::kDouble;
      out->d = v->d;
      return;
    case sim::AttrValue::Type::kPrefixedInt: {
      std::string_view prefix = m.strings.Get(v->str);
      int n = std::snprintf(out->buf, sizeof(out->buf), "%.*s%lld",
                            static_cast<int>(prefix.size() > 70 ? 70 : prefix.size()),
                            prefix.data(), static_cast<long long>(v->i));
      out->kind = LK::kString;
      out->s = std::string_view(out->buf, n > 0 ? static_cast<size_t>(n) : 0);
      return;
    }
  }
}

const sim::AttrValue* FindIn(const std::vector<sim::Attr>& attrs, sim::StrId key) {
  for (const sim::Attr& a : attrs)
    if (a.key == key) return &a.value;
  return nullptr;
}

void Resolve(const OttlCondition::Operand& o, const sim::Model& m, const sim::Span& span,
             const sim::SpanEvent* ev, Val* out) {
  using PK = OttlCondition::PathKind;
  using LK = OttlCondition::LitKind;
  switch (o.path) {
    case PK::kNone:
      out->kind = o.lit;
      out->b = o.b;
      out->i = o.i;
      out->d = o.d;
      out->s = o.s;
      return;
    case PK::kName:
      out->kind = LK::kString;
      out->s = m.strings.Get(span.name);
      return;
    case PK::kKind:
      out->kind = LK::kInt;
      out->i = static_cast<int64_t>(span.kind);
      return;
    case PK::kStatusCode:
      out->kind = LK::kInt;
      out->i = static_cast<int64_t>(span.status);
      return;
    case PK::kStatusMessage:
      out->kind = LK::kString;
      out->s = m.strings.Get(span.status_message);
      return;
    case PK::kStart:
      out->kind = LK::kInt;
      out->i = span.start_unix_nano;
      return;
    case PK::kEnd:
      out->kind = LK::kInt;
      out->i = span.end_unix_nano;
      return;
    case PK::kAttr: {
      sim::StrId key = m.strings.Find(o.key);
      if (key == sim::kEmptyStr && !o.key.empty()) return;
      FromAttr(m, span.FindAttr(key), out);
      return;
    }
    case PK::kResourceAttr: {
      if (span.resource == sim::kNone || span.resource >= m.resources.size()) return;
      sim::StrId key = m.strings.Find(o.key);
      if (key == sim::kEmptyStr && !o.key.empty()) return;
      FromAttr(m, FindIn(m.resources[span.resource].attrs, key), out);
      return;
    }
    case PK::kEventName:
      if (ev == nullptr) return;
      out->kind = LK::kString;
      out->s = m.strings.Get(ev->name);
      return;
    case PK::kEventTime:
      if (ev == nullptr) return;
      out->kind = LK::kInt;
      out->i = ev->time_unix_nano;
      return;
    case PK::kEventAttr: {
      if (ev == nullptr) return;
      sim::StrId key = m.strings.Find(o.key);
      if (key == sim::kEmptyStr && !o.key.empty()) return;
      for (int i = 0; i < ev->attr_count; ++i) {
        if (ev->attrs[i].key == key) {
          FromAttr(m, &ev->attrs[i].value, out);
          return;
        }
      }
      return;
    }
  }
}

template <typename T>
bool Order(const T& a, const T& b, OttlCondition::Cmp c) {
  using C = OttlCondition::Cmp;
  switch (c) {
    case C::kEq:
      return a == b;
    case C::kNe:
      return a != b;
    case C::kLt:
      return a < b;
    case C::kLe:
      return a <= b;
    case C::kGt:
      return a > b;
    case C::kGe:
      return a >= b;
  }
  return false;
}

bool Compare(const Val& l, const Val& r, OttlCondition::Cmp c) {
  using LK = OttlCondition::LitKind;
  using C = OttlCondition::Cmp;
  bool numeric_l = l.kind == LK::kInt || l.kind == LK::kDouble;
  bool numeric_r = r.kind == LK::kInt || r.kind == LK::kDouble;
  if (numeric_l && numeric_r) {
    if (l.kind == LK::kInt && r.kind == LK::kInt) return Order(l.i, r.i, c);
    double a = l.kind == LK::kInt ? static_cast<double>(l.i) : l.d;
    double b = r.kind == LK::kInt ? static_cast<double>(r.i) : r.d;
    return Order(a, b, c);
  }
  if (l.kind != r.kind) return c == C::kNe;  // mismatched types (incl. nil vs value)
  switch (l.kind) {
    case LK::kNil:
      return c == C::kEq;  // nil equals nil; nil has no order
    case LK::kBool:
      return c == C::kEq ? l.b == r.b : c == C::kNe ? l.b != r.b : false;
    case LK::kString:
      return Order(l.s, r.s, c);
    default:
      return false;
  }
}

// OTTL's StandardStringLikeGetter for the values a path yields here: a string as is, any other
// value as encoding/json writes it (int64 42, bool true, float64 0.5 / 1e+21 / 1e-7). nil, and a
// NaN or infinite double (json: unsupported value, an evaluation error upstream), yield false.
bool StringLike(Val* v, std::string_view* out) noexcept {
  using LK = OttlCondition::LitKind;
  char* const b = v->buf;
  char* const e = v->buf + sizeof(v->buf);
  switch (v->kind) {
    case LK::kString:
      *out = v->s;
      return true;
    case LK::kBool:
      *out = v->b ? "true" : "false";
      return true;
    case LK::kInt:
      *out = std::string_view(b, static_cast<size_t>(std::to_chars(b, e, v->i).ptr - b));
      return true;
    case LK::kDouble: {
      const double d = v->d;
      if (!std::isfinite(d)) return false;
      const double a = std::fabs(d);
      // encoding/json floatEncoder: 'e' below 1e-6 and from 1e21, else 'f'; shortest digits.
      const bool exp = a != 0 && (a < 1e-6 || a >= 1e21);
      char* p =
          std::to_chars(b, e, d, exp ? std::chars_format::scientific : std::chars_format::fixed)
              .ptr;
      size_t n = static_cast<size_t>(p - b);
      // ... and rewrites e-07 as e-7.
      if (exp && n >= 4 && b[n - 4] == 'e' && b[n - 3] == '-' && b[n - 2] == '0') {
        b[n - 2] = b[n - 1];
        --n;
      }
      *out = std::string_view(b, n);
      return true;
    }
    default:
      return false;
  }
}

}  // namespace

bool OttlCondition::Eval(int node, const sim::Model& model, const sim::Span& span,
                         const sim::SpanEvent* event) const noexcept {
  const Node& n = nodes_[static_cast<size_t>(node)];
  switch (n.op) {
    case Op::kOr:
      return Eval(n.a, model, span, event) || Eval(n.b, model, span, event);
    case Op::kAnd:
      return Eval(n.a, model, span, event) && Eval(n.b, model, span, event);
    case Op::kNot:
      return !Eval(n.a, model, span, event);
    case Op::kLiteralBool:
      return n.value;
    case Op::kCmp: {
      Val l, r;
      Resolve(n.lhs, model, span, event, &l);
      Resolve(n.rhs, model, span, event, &r);
      return Compare(l, r, n.cmp);
    }
    case Op::kIsMatch: {
      Val l;
      Resolve(n.lhs, model, span, event, &l);
      // StandardStringLikeGetter: nil does not match; other values match their string form.
      std::string_view s;
      if (!StringLike(&l, &s)) return false;
      return regexes_[static_cast<size_t>(n.regex)].Match(s);
    }
  }
  return false;
}

bool OttlCondition::Evaluate(const sim::Model& model, const sim::Span& span,
                             const sim::SpanEvent* event) const noexcept {
  if (root_ < 0) return false;
  return Eval(root_, model, span, event);
}

}  // namespace tracesim::sampling
