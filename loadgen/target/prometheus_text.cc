#include "loadgen/target/prometheus_text.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace tracesim::loadgen {

namespace {

bool IsNameStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':';
}
bool IsNameChar(char c) { return IsNameStart(c) || (c >= '0' && c <= '9'); }
bool IsLabelStart(char c) { return IsNameStart(c) && c != ':'; }
bool IsLabelChar(char c) { return IsNameChar(c) && c != ':'; }
bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// A cursor over one line; errors carry the line and column (1-based).
class LineParser {
 public:
  LineParser(std::string_view line, size_t line_no, size_t from)
      : s_(line), line_no_(line_no), i_(from) {}

  sim::Status Parse(PromSample* out) {
    out->name = Name(IsNameStart, IsNameChar);
    if (out->name.empty()) return Error("expected a metric name");
    if (Peek() == '{') {
      ++i_;
      TRACESIM_RETURN_IF_ERROR(Labels(out));
    }
    if (!SkipBlanks()) return Error("expected a space before the value");
    std::string_view value = Token();
    if (value.empty()) return Error("expected a value");
    TRACESIM_RETURN_IF_ERROR(ParseValue(value, &out->value));
    SkipBlanks();
    if (i_ < s_.size() && s_[i_] != '#') {
      size_t at = i_;
      std::string_view ts = Token();
      if (!IsInteger(ts)) return ErrorAt(at, "the timestamp must be an integer");
      SkipBlanks();
    }
    if (i_ < s_.size() && s_[i_] != '#') return Error("unexpected text after the sample");
    return sim::Status::Ok();
  }

 private:
  char Peek() const { return i_ < s_.size() ? s_[i_] : '\0'; }
  bool SkipBlanks() {
    size_t from = i_;
    while (i_ < s_.size() && IsBlank(s_[i_])) ++i_;
    return i_ > from;
  }
  std::string Name(bool (*start)(char), bool (*rest)(char)) {
    size_t from = i_;
    if (i_ < s_.size() && start(s_[i_])) {
      ++i_;
      while (i_ < s_.size() && rest(s_[i_])) ++i_;
    }
    return std::string(s_.substr(from, i_ - from));
  }
  std::string_view Token() {
    size_t from = i_;
    while (i_ < s_.size() && !IsBlank(s_[i_])) ++i_;
    return s_.substr(from, i_ - from);
  }

  sim::Status Labels(PromSample* out) {
    for (;;) {
      SkipBlanks();
      if (Peek() == '}') {
        ++i_;
        return sim::Status::Ok();
      }
      std::string key = Name(IsLabelStart, IsLabelChar);
      if (key.empty()) return Error("expected a label name or '}'");
      SkipBlanks();
      if (Peek() != '=') return Error("expected '=' after label '" + key + "'");
      ++i_;
      SkipBlanks();
      if (Peek() != '"') return Error("expected '\"' to open the value of label '" + key + "'");
      ++i_;
      std::string value;
      TRACESIM_RETURN_IF_ERROR(LabelValue(&value));
      out->labels.emplace_back(std::move(key), std::move(value));
      SkipBlanks();
      if (Peek() == ',') {
        ++i_;
      } else if (Peek() != '}') {
        return Error("expected ',' or '}' after a label");
      }
    }
  }

  sim::Status LabelValue(std::string* value) {
    for (;;) {
      if (i_ >= s_.size()) return Error("unterminated label value");
      char c = s_[i_++];
      if (c == '"') return sim::Status::Ok();
      if (c != '\\') {
        value->push_back(c);
        continue;
      }
      if (i_ >= s_.size()) return Error("unterminated label value");
      char e = s_[i_++];
      if (e == '\\' || e == '"') {
        value->push_back(e);
      } else if (e == 'n') {
        value->push_back('\n');
      } else {
        return ErrorAt(i_ - 2, std::string("invalid escape '\\") + e + "' in a label value");
      }
    }
  }

  static bool IsInteger(std::string_view t) {
    size_t k = (!t.empty() && (t[0] == '-' || t[0] == '+')) ? 1 : 0;
    if (k >= t.size() || t.size() > 20) return false;
    for (; k < t.size(); ++k)
      if (t[k] < '0' || t[k] > '9') return false;
    return true;
  }

  sim::Status ParseValue(std::string_view t, double* v) {
    if (t == "NaN") {
      *v = std::numeric_limits<double>::quiet_NaN();
      return sim::Status::Ok();
    }
    if (t == "+Inf" || t == "Inf") {
      *v = std::numeric_limits<double>::infinity();
      return sim::Status::Ok();
    }
    if (t == "-Inf") {
      *v = -std::numeric_limits<double>::infinity();
      return sim::Status::Ok();
    }
    // Decimal only: strtod would also take hex, "inf", "nan(...)" and locale forms.
    bool digit = false;
    for (char c : t) {
      if (c >= '0' && c <= '9') {
        digit = true;
      } else if (c != '.' && c != 'e' && c != 'E' && c != '+' && c != '-') {
        return ErrorAt(i_ - t.size(), "invalid value '" + std::string(t) + "'");
      }
    }
    std::string copy(t);
    char* end = nullptr;
    errno = 0;
    double d = std::strtod(copy.c_str(), &end);
    if (!digit || end != copy.c_str() + copy.size())
      return ErrorAt(i_ - t.size(), "invalid value '" + copy + "'");
    *v = d;  // an overflow is +-Inf, as Go's ParseFloat gives
    return sim::Status::Ok();
  }

  sim::Status Error(const std::string& what) const { return ErrorAt(i_, what); }
  sim::Status ErrorAt(size_t at, const std::string& what) const {
    return sim::Status::InvalidArgument("line " + std::to_string(line_no_) + ", column " +
                                        std::to_string(at + 1) + ": " + what);
  }

  std::string_view s_;
  size_t line_no_;
  size_t i_;
};

bool Matches(const PromSample& s, std::string_view name,
             const std::vector<std::pair<std::string, std::string>>& match) {
  std::string_view n = s.name;
  if (n != name) {
    constexpr std::string_view kTotal = "_total";
    if (n.size() != name.size() + kTotal.size() || n.substr(0, name.size()) != name ||
        n.substr(name.size()) != kTotal)
      return false;
  }
  for (const auto& [k, v] : match) {
    const std::string* got = s.Label(k);
    if (got == nullptr || *got != v) return false;
  }
  return true;
}

}  // namespace

const std::string* PromSample::Label(std::string_view key) const {
  for (const auto& [k, v] : labels)
    if (k == key) return &v;
  return nullptr;
}

sim::Result<std::vector<PromSample>> ParsePrometheusText(std::string_view text) {
  std::vector<PromSample> out;
  size_t line_no = 0;
  size_t pos = 0;
  while (pos < text.size()) {
    size_t nl = text.find('\n', pos);
    std::string_view line = text.substr(pos, nl == std::string_view::npos ? nl : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    size_t first = 0;
    while (first < line.size() && IsBlank(line[first])) ++first;
    if (first == line.size() || line[first] == '#') continue;
    PromSample sample;
    LineParser p(line, line_no, first);
    if (sim::Status st = p.Parse(&sample); !st.ok()) return st;
    out.push_back(std::move(sample));
  }
  return out;
}

double SumSamples(const std::vector<PromSample>& samples, std::string_view name,
                  const std::vector<std::pair<std::string, std::string>>& match, bool* found) {
  double sum = 0;
  bool any = false;
  for (const PromSample& s : samples) {
    if (!Matches(s, name, match)) continue;
    if (!std::isnan(s.value)) sum += s.value;
    any = true;
  }
  if (found != nullptr) *found = any;
  return sum;
}

double MaxSample(const std::vector<PromSample>& samples, std::string_view name, bool* found) {
  double best = 0;
  bool any = false;
  for (const PromSample& s : samples) {
    if (!Matches(s, name, {}) || std::isnan(s.value)) continue;
    best = any ? std::max(best, s.value) : s.value;
    any = true;
  }
  if (found != nullptr) *found = any;
  return best;
}

}  // namespace tracesim::loadgen
