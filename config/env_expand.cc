#include "config/env_expand.h"

#include <cstdlib>

#include "config/reader.h"

namespace tracesim::config {
namespace {

constexpr int kMaxRounds = 1000;  // confmap expandValueRecursively
constexpr std::string_view kNamePattern = "^[a-zA-Z_][a-zA-Z0-9_]*$";

bool IsAlpha(char c) { return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'); }
bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// envvar.ValidationRegexp.
bool ValidName(std::string_view s) {
  if (s.empty() || !(IsAlpha(s[0]) || s[0] == '_')) return false;
  for (char c : s)
    if (!(IsAlpha(c) || IsDigit(c) || c == '_')) return false;
  return true;
}

// confmap's schemePattern `[A-Za-z][A-Za-z0-9+.-]+` (two characters at least).
bool ValidScheme(std::string_view s) {
  if (s.size() < 2 || !IsAlpha(s[0])) return false;
  for (char c : s.substr(1))
    if (!(IsAlpha(c) || IsDigit(c) || c == '+' || c == '.' || c == '-')) return false;
  return true;
}

// confmap findURI with a default scheme: the first reference to expand, or "" when none (also
// when that reference is escaped by an odd run of '$', which ends the search as upstream).
std::string_view FindUri(std::string_view input) {
  while (true) {
    const size_t close = input.find('}');
    if (close == std::string_view::npos) return {};
    const std::string_view remaining = input.substr(close + 1);
    const size_t open = input.substr(0, close + 1).rfind("${");
    if (open == std::string_view::npos) {
      if (remaining.find('}') == std::string_view::npos) return {};
      input = remaining;
      continue;
    }
    size_t dollars = 0;
    for (size_t i = open; i > 0 && input[i - 1] == '$'; --i) ++dollars;
    if (dollars % 2 == 1) return {};
    return input.substr(open, close + 1 - open);
  }
}

struct Retrieved {
  std::string text;
  bool null = false;  // YAML of "" (an unset or empty variable without an empty default)
};

// confmap expandURI + envprovider Retrieve for one "${...}".
sim::Result<Retrieved> Retrieve(std::string_view ref, const EnvLookup& lookup,
                                std::vector<std::string>* unset) {
  std::string uri(ref.substr(2, ref.size() - 3));
  if (uri.find(':') == std::string::npos) uri = "env:" + uri;  // the default scheme
  const size_t colon = uri.find(':');
  const std::string scheme = uri.substr(0, colon);
  const std::string opaque = uri.substr(colon + 1);
  if (!ValidScheme(scheme)) {
    return sim::Status::InvalidArgument("invalid uri: \"" + uri + "\"");
  }
  if (opaque.find('$') != std::string::npos) {
    return sim::Status::InvalidArgument("the uri \"" + uri +
                                        "\" contains unsupported characters ('$')");
  }
  if (scheme != "env") {
    return sim::Status::InvalidArgument("scheme \"" + scheme + "\" is not supported for uri \"" +
                                        uri + "\" (tracesim expands env only)");
  }
  std::string name = opaque;
  std::optional<std::string> def;
  if (size_t cut = opaque.find(":-"); cut != std::string::npos) {
    name = opaque.substr(0, cut);
    def = opaque.substr(cut + 2);
  }
  if (!ValidName(name)) {
    return sim::Status::InvalidArgument("environment variable \"" + name +
                                        "\" has invalid name: must match regex " +
                                        std::string(kNamePattern));
  }
  std::optional<std::string> value = lookup(name);
  if (!value) {
    if (def && def->empty()) return Retrieved{"", false};  // an explicit empty default: ""
    if (def) return Retrieved{*def, false};
    unset->push_back(name);
    return Retrieved{"", true};
  }
  return Retrieved{*value, value->empty()};
}

std::string ReplaceAll(std::string_view s, std::string_view from, std::string_view to) {
  std::string out;
  size_t pos = 0;
  while (true) {
    size_t hit = s.find(from, pos);
    if (hit == std::string_view::npos) break;
    out.append(s.substr(pos, hit - pos));
    out.append(to);
    pos = hit + from.size();
  }
  out.append(s.substr(pos));
  return out;
}

bool Expand(YAML::Node node, const Node& where, Diagnostics& diag, const EnvLookup& lookup);

// Expands one scalar in place; reports problems at `where`.
bool ExpandScalar(YAML::Node node, const Node& where, Diagnostics& diag, const EnvLookup& lookup) {
  const std::string& text = node.Scalar();
  if (text.find('$') == std::string::npos) return true;
  sim::Result<Expanded> r = ExpandString(text, lookup);
  if (!r.ok()) {
    diag.Error(where.line, where.col, where.path, r.status().message());
    return false;
  }
  for (const std::string& name : r->unset) {
    diag.Warning(where.line, where.col, where.path,
                 "environment variable '" + name +
                     "' is not set; it expands to nothing (as in the Collector)");
  }
  if (r->null) {
    node = YAML::Null;
    return true;
  }
  if (!r->whole) {
    if (r->text != text) {
      node = r->text;
      node.SetTag("!");  // a string, whatever it looks like
    }
    return true;
  }
  // One reference: the variable's YAML type. Scalars keep the node (and its position).
  YAML::Node typed;
  try {
    typed = YAML::Load(r->text);
  } catch (const YAML::Exception&) {
    typed = YAML::Node(r->text);  // not YAML: a string, as NewRetrievedFromYAML falls back
  }
  if (typed.IsMap() || typed.IsSequence()) {
    node = typed;
    return Expand(node, where, diag, lookup);
  }
  if (typed.IsNull()) {
    node = YAML::Null;
    return true;
  }
  node = typed.Scalar();
  node.SetTag(typed.Tag() == "!" ? "!" : "?");
  return true;
}

bool Expand(YAML::Node node, const Node& where, Diagnostics& diag, const EnvLookup& lookup) {
  bool ok = true;
  if (node.IsScalar()) return ExpandScalar(node, where, diag, lookup);
  if (node.IsSequence()) {
    for (size_t i = 0; i < node.size(); ++i) {
      YAML::Node item = node[i];
      ok &= Expand(item, Node::At(item, IndexPath(where.path, i), where), diag, lookup);
    }
  } else if (node.IsMap()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      const YAML::Node key = it->first;  // copies: iterator values are temporaries
      YAML::Node value = it->second;
      const std::string name = key.IsScalar() ? key.Scalar() : "?";
      ok &= Expand(value, Node::At(value, JoinPath(where.path, name), where), diag, lookup);
    }
  }
  return ok;
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  };
}

sim::Result<Expanded> ExpandString(std::string_view value, const EnvLookup& lookup) {
  Expanded out;
  std::string cur(value);
  bool changed = true;
  int rounds = 0;
  while (changed && !out.null) {
    changed = false;
    if (cur.find("${") == std::string::npos || cur.find('}') == std::string::npos) break;
    const std::string_view ref = FindUri(cur);
    if (ref.empty()) break;
    if (++rounds > kMaxRounds) {
      return sim::Status::InvalidArgument("too many recursive expansions");
    }
    sim::Result<Retrieved> got = Retrieve(ref, lookup, &out.unset);
    if (!got.ok()) {
      if (ref.size() == cur.size()) return got.status();
      return got.status().WithContext("expanding " + std::string(ref));
    }
    if (ref.size() == cur.size()) {
      out.whole = true;
      out.null = got->null;
      cur = got->text;
    } else {
      out.whole = false;
      cur = ReplaceAll(cur, ref, got->text);
    }
    changed = true;
  }
  out.text = ReplaceAll(cur, "$$", "$");  // resolver.go escapeDollarSigns
  return out;
}

bool ExpandEnv(YAML::Node& root, Diagnostics& diag, const EnvLookup& lookup) {
  return Expand(root, Node::Root(root), diag, lookup);
}

}  // namespace tracesim::config
