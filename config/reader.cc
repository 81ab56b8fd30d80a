#include "config/reader.h"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <unordered_set>

#include "config/grammar.h"
#include "sim/base/suggest.h"

namespace tracesim::config {

Node Node::At(const YAML::Node& node, std::string path, const Node& fallback) {
  Node v{node, std::move(path), fallback.line, fallback.col};
  if (!node.IsDefined()) return v;  // an absent key (yaml-cpp throws on its Mark())
  YAML::Mark mk = node.Mark();
  if (!mk.is_null() && mk.line >= 0) {
    v.line = mk.line + 1;
    v.col = mk.column + 1;
  }
  return v;
}

Node Node::Root(const YAML::Node& node) { return At(node, "", Node{}); }

Node Node::Item(size_t i) const { return At(node[i], IndexPath(path, i), *this); }

std::string JoinPath(const std::string& path, std::string_view key) {
  return path.empty() ? std::string(key) : path + "." + std::string(key);
}
std::string IndexPath(const std::string& path, size_t i) {
  return path + "[" + std::to_string(i) + "]";
}
std::string Quote(std::string_view s) { return "'" + std::string(s) + "'"; }

std::string Show(const YAML::Node& n) {
  switch (n.Type()) {
    case YAML::NodeType::Map:
      return "a mapping";
    case YAML::NodeType::Sequence:
      return "a list";
    case YAML::NodeType::Scalar:
      return Quote(n.Scalar());
    default:
      return "nothing";
  }
}

std::string JoinList(const Keys& items) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? ", " : "") + items[i];
  return out;
}

std::optional<int64_t> ParseInt(std::string_view s) {
  if (s.empty()) return std::nullopt;
  size_t i = 0;
  bool neg = false;
  if (s[0] == '-' || s[0] == '+') neg = s[i++] == '-';
  if (i == s.size()) return std::nullopt;
  int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
    if (v > (std::numeric_limits<int64_t>::max() - 9) / 10) return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return neg ? -v : v;
}

std::optional<double> ParseNumber(const std::string& s) {
  if (s.empty()) return std::nullopt;
  char* end = nullptr;
  errno = 0;
  double v = std::strtod(s.c_str(), &end);
  if (end != s.c_str() + s.size() || errno != 0 || !std::isfinite(v)) return std::nullopt;
  return v;
}

// ---- Map ------------------------------------------------------------------------------------

Map::Map(Diagnostics& diag, const Node& v, const Keys* allowed) : self_(v) {
  auto error = [&](const Node& at, const std::string& msg, const std::string& suggestion = "") {
    diag.Error(at.line, at.col, at.path, msg, suggestion);
  };
  if (!v.node.IsMap()) {
    error(v, "expected a mapping, got " + Show(v.node));
    return;
  }
  ok_ = true;
  // A set of views into entries_' keys would dangle on reallocation: keep owned strings.
  std::unordered_set<std::string> seen;
  entries_.reserve(v.node.size());
  for (auto it = v.node.begin(); it != v.node.end(); ++it) {
    const YAML::Node key_node = it->first;  // copies: iterator values are temporaries
    const YAML::Node value_node = it->second;
    std::string key = key_node.IsScalar() ? key_node.Scalar() : "";
    // A key that is not a string is reported under the mapping's own path.
    Node kv = Node::At(key_node, key.empty() ? v.path : JoinPath(v.path, key), v);
    if (!key_node.IsScalar() || key.empty()) {
      error(kv, "a key must be a non-empty string");
      continue;
    }
    if (!seen.insert(key).second) {
      error(kv, "duplicate key " + Quote(key));
      continue;
    }
    if (allowed != nullptr && std::find(allowed->begin(), allowed->end(), key) == allowed->end()) {
      error(kv, "unknown key " + Quote(key) + sim::DidYouMean(key, *allowed),
            sim::ClosestMatch(key, *allowed));
      continue;
    }
    Node value = Node::At(value_node, kv.path, kv);
    entries_.push_back({std::move(key), std::move(kv), std::move(value)});
  }
}

const Map::Entry* Map::Find(std::string_view key) const {
  for (const Entry& e : entries_)
    if (e.key == key) return &e;
  return nullptr;
}

const Node* Map::Get(std::string_view key) const {
  const Entry* e = Find(key);
  return e ? &e->value : nullptr;
}

// ---- Reader ---------------------------------------------------------------------------------

void Reader::Error(const Node& v, std::string_view msg, std::string_view suggestion) {
  diag_.Error(v.line, v.col, v.path, msg, suggestion);
}

void Reader::Warning(const Node& v, std::string_view msg) {
  diag_.Warning(v.line, v.col, v.path, msg);
}

const Node* Reader::Require(const Map& f, std::string_view key) {
  const Node* v = f.Get(key);
  if (v == nullptr && f.ok()) Error(f.self(), "missing required key " + Quote(key));
  return v;
}

std::optional<std::string> Reader::Str(const Node& v) {
  if (!v.node.IsScalar()) {
    Error(v, "expected a string, got " + Show(v.node));
    return std::nullopt;
  }
  return v.node.Scalar();
}

std::optional<std::string> Reader::Name(const Map& f) {
  const Node* v = Require(f, "name");
  if (v == nullptr) return std::nullopt;
  auto s = Str(*v);
  if (s && s->empty()) {
    Error(*v, "a name must not be empty");
    return std::nullopt;
  }
  return s;
}

std::optional<int64_t> Reader::Int(const Node& v, int64_t lo, int64_t hi) {
  std::optional<int64_t> x;
  if (v.node.IsScalar()) x = ParseInt(v.node.Scalar());
  if (!x) {
    Error(v, "expected an integer, got " + Show(v.node));
    return std::nullopt;
  }
  if (*x < lo || *x > hi) {
    Error(v, (hi == std::numeric_limits<int64_t>::max()
                  ? "must be >= " + std::to_string(lo)
                  : "must be between " + std::to_string(lo) + " and " + std::to_string(hi)) +
                 ", got " + std::to_string(*x));
    return std::nullopt;
  }
  return x;
}

std::optional<double> Reader::Number(const Node& v) {
  std::optional<double> x;
  if (v.node.IsScalar()) x = ParseNumber(v.node.Scalar());
  if (!x) Error(v, "expected a number, got " + Show(v.node));
  return x;
}

std::optional<double> Reader::Probability(const Node& v) {
  auto p = Number(v);
  if (p && (*p < 0 || *p > 1)) {
    Error(v, "a probability must be within [0, 1], got " + v.node.Scalar());
    return std::nullopt;
  }
  return p;
}

std::optional<bool> Reader::Bool(const Node& v) {
  if (v.node.IsScalar()) {
    std::string s = v.node.Scalar();
    for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (s == "TRUE" || s == "YES" || s == "ON") return true;
    if (s == "FALSE" || s == "NO" || s == "OFF") return false;
  }
  Error(v, "expected true or false, got " + Show(v.node));
  return std::nullopt;
}

std::optional<size_t> Reader::Enum(const Node& v, const Keys& names) {
  auto s = Str(v);
  if (!s) return std::nullopt;
  for (size_t i = 0; i < names.size(); ++i)
    if (names[i] == *s) return i;
  Error(v,
        "unknown value " + Quote(*s) + sim::DidYouMean(*s, names) + "; expected one of " +
            JoinList(names),
        sim::ClosestMatch(*s, names));
  return std::nullopt;
}

std::optional<sim::Duration> Reader::Duration(const Node& v, Need need) {
  if (!v.node.IsScalar()) {
    Error(v, "expected a duration such as 2ms, got " + Show(v.node));
    return std::nullopt;
  }
  auto d = sim::ParseDuration(v.node.Scalar());
  if (!d.ok()) {
    Error(v, d.status().message());
    return std::nullopt;
  }
  if (need != Need::kAny && d->nanos() < 0) {
    Error(v, "a duration must not be negative, got " + Quote(v.node.Scalar()));
    return std::nullopt;
  }
  if (need == Need::kPositive && d->nanos() == 0) {
    Error(v, "must be > 0 (a time is required here), got " + Quote(v.node.Scalar()));
    return std::nullopt;
  }
  return *d;
}

std::optional<uint64_t> Reader::ByteSize(const Node& v, Need need) {
  if (!v.node.IsScalar()) {
    Error(v, "expected a byte size such as 4MiB, got " + Show(v.node));
    return std::nullopt;
  }
  auto n = ParseByteSize(v.node.Scalar());
  if (!n.ok()) {
    Error(v, n.status().message());
    return std::nullopt;
  }
  if (need == Need::kPositive && *n == 0) {
    Error(v, "must be > 0, got " + Quote(v.node.Scalar()));
    return std::nullopt;
  }
  return *n;
}

std::optional<int64_t> Reader::IntOr(const Map& f, std::string_view key, int64_t def, int64_t lo,
                                     int64_t hi) {
  const Node* v = f.Get(key);
  return v ? Int(*v, lo, hi) : std::optional<int64_t>(def);
}

std::optional<double> Reader::NumberOr(const Map& f, std::string_view key, double def) {
  const Node* v = f.Get(key);
  return v ? Number(*v) : std::optional<double>(def);
}

std::optional<bool> Reader::BoolOr(const Map& f, std::string_view key, bool def) {
  const Node* v = f.Get(key);
  return v ? Bool(*v) : std::optional<bool>(def);
}

std::optional<std::string> Reader::StrOr(const Map& f, std::string_view key, std::string def) {
  const Node* v = f.Get(key);
  return v ? Str(*v) : std::optional<std::string>(std::move(def));
}

std::optional<sim::Duration> Reader::DurationOr(const Map& f, std::string_view key,
                                                sim::Duration def, Need need) {
  const Node* v = f.Get(key);
  return v ? Duration(*v, need) : std::optional<sim::Duration>(def);
}

}  // namespace tracesim::config
