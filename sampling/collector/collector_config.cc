#include "sampling/collector/collector_config.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

#include "config/yaml_load.h"
#include "sampling/core/head_format.h"
#include "sim/base/time.h"

namespace tracesim::sampling {
namespace {

bool IsPlain(const YAML::Node& n) { return n.Tag() == "?" || n.Tag().empty(); }

// go-yaml v3 float syntax: [-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?
bool IsYamlFloat(std::string_view s) {
  size_t i = 0;
  if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
  size_t digits = 0;
  if (i < s.size() && s[i] == '.') {
    ++i;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
    if (digits == 0) return false;
  } else {
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++digits;
    if (digits == 0) return false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i;
    }
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    size_t e = 0;
    while (i < s.size() && std::isdigit(static_cast<unsigned char>(s[i]))) ++i, ++e;
    if (e == 0) return false;
  }
  return i == s.size();
}

std::string KindName(YamlScalarKind k) {
  switch (k) {
    case YamlScalarKind::kNull:
      return "null";
    case YamlScalarKind::kBool:
      return "bool";
    case YamlScalarKind::kInt:
      return "int";
    case YamlScalarKind::kFloat:
      return "float64";
    case YamlScalarKind::kString:
      return "string";
  }
  return "?";
}

}  // namespace

config::Node ProcessorBlock::Value() const {
  config::Node at;
  at.line = line;
  at.col = column;
  at.path = path;
  at.node = node;
  // An empty block (`tail_sampling:`) is positioned at its key, not where the parser ended it.
  if (!node.IsDefined() || node.IsNull()) return at;
  return config::Node::At(node, path, at);
}

std::optional<CollectorConfig> CollectorConfig::Load(const std::string& path,
                                                     config::Diagnostics& diag,
                                                     const config::EnvLookup& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    diag.Error(0, 0, "", "cannot open file", "", sim::Status::Code::kNotFound);
    return std::nullopt;
  }
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) {
    diag.Error(0, 0, "", "read error", "", sim::Status::Code::kIoError);
    return std::nullopt;
  }
  return Parse(ss.str(), diag, env);
}

std::optional<CollectorConfig> CollectorConfig::Parse(std::string_view yaml,
                                                      config::Diagnostics& diag,
                                                      const config::EnvLookup& env) {
  CollectorConfig c;
  c.source_ = diag.file();
  std::optional<YAML::Node> loaded = config::LoadYaml(yaml, diag);
  if (!loaded) return std::nullopt;
  c.root_ = *loaded;
  if (!c.root_.IsMap()) {
    diag.Error(0, 0, "", "top level must be a map");
    return std::nullopt;
  }
  if (!config::ExpandEnv(c.root_, diag, env)) return std::nullopt;
  return c;
}

sim::Result<CollectorConfig> CollectorConfig::LoadFile(const std::string& path) {
  config::Diagnostics diag(path);
  std::optional<CollectorConfig> c = Load(path, diag);
  if (diag.has_errors()) return diag.ToStatus();
  return std::move(*c);
}

sim::Result<CollectorConfig> CollectorConfig::LoadString(std::string_view yaml,
                                                         std::string source) {
  config::Diagnostics diag(std::move(source));
  std::optional<CollectorConfig> c = Parse(yaml, diag);
  if (diag.has_errors()) return diag.ToStatus();
  return std::move(*c);
}

std::vector<ProcessorBlock> CollectorConfig::FindProcessors(std::string_view type,
                                                            std::string_view bare_marker_key,
                                                            config::Diagnostics& diag) const {
  std::vector<ProcessorBlock> out;
  auto scan = [&](const YAML::Node& map, const std::string& where) {
    for (auto it = map.begin(); it != map.end(); ++it) {
      const YAML::Node key = it->first;  // copies: iterator values are temporaries
      if (!key.IsScalar()) continue;
      std::string id = key.Scalar();
      size_t slash = id.find('/');
      std::string t = id.substr(0, slash);
      if (t != type) continue;
      std::string name = slash == std::string::npos ? "" : id.substr(slash + 1);
      ProcessorBlock b;
      b.id = id;
      b.type = t;
      b.name = name;
      b.node = it->second;
      b.line = key.Mark().line + 1;
      b.column = key.Mark().column + 1;
      b.path = config::JoinPath(where, id);
      if (slash != std::string::npos && name.empty()) {
        diag.Error(b.line, b.column, b.path, "component id has an empty name after '/'");
        continue;
      }
      out.push_back(std::move(b));
    }
  };
  YAML::Node processors = root_["processors"];
  if (processors) {
    if (processors.IsNull()) return out;
    if (!processors.IsMap()) {
      config::Node at = config::Node::At(processors, "processors", config::Node{});
      diag.Error(at.line, at.col, at.path, "must be a map of component ids");
      return out;
    }
    scan(processors, "processors");
    return out;
  }
  scan(root_, "");
  if (out.empty() && !bare_marker_key.empty() && root_[std::string(bare_marker_key)]) {
    ProcessorBlock b;
    b.id = std::string(type);
    b.type = std::string(type);
    b.node = root_;
    b.line = 1;
    b.column = 1;
    out.push_back(std::move(b));
  }
  return out;
}

sim::Result<std::vector<ProcessorBlock>> CollectorConfig::FindProcessors(
    std::string_view type, std::string_view bare_marker_key) const {
  config::Diagnostics diag(source_);
  std::vector<ProcessorBlock> out = FindProcessors(type, bare_marker_key, diag);
  if (diag.has_errors()) return diag.ToStatus();
  return out;
}

namespace {

// go-yaml v3's null, bool, infinity and NaN spellings; false when `text` is none of them.
bool ResolveKeyword(const std::string& text, YamlScalar* r) {
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    r->kind = YamlScalarKind::kNull;
  } else if (text == "true" || text == "True" || text == "TRUE" || text == "false" ||
             text == "False" || text == "FALSE") {
    r->kind = YamlScalarKind::kBool;
    r->b = text[0] == 't' || text[0] == 'T';
  } else if (text == ".inf" || text == ".Inf" || text == ".INF" || text == "+.inf" ||
             text == "+.Inf" || text == "+.INF") {
    r->kind = YamlScalarKind::kFloat;
    r->d = std::numeric_limits<double>::infinity();
  } else if (text == "-.inf" || text == "-.Inf" || text == "-.INF") {
    r->kind = YamlScalarKind::kFloat;
    r->d = -std::numeric_limits<double>::infinity();
  } else if (text == ".nan" || text == ".NaN" || text == ".NAN") {
    r->kind = YamlScalarKind::kFloat;
    r->d = std::numeric_limits<double>::quiet_NaN();
  } else {
    return false;
  }
  return true;
}

// strconv.ParseInt(plain, 0, 64), else ParseUint (ParseGoIntMagnitude: a sign, a 0x/0o/0b/0
// base prefix, digits). False when `plain` is not such an integer (or a negative one below
// INT64_MIN).
bool ResolveInt(std::string_view s, YamlScalar* r) {
  bool neg = false;
  uint64_t u;
  if (!ParseGoIntMagnitude(s, &neg, &u)) return false;
  if (!neg && u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
    r->kind = YamlScalarKind::kInt;
    r->i = static_cast<int64_t>(u);
    return true;
  }
  if (neg && u <= (uint64_t{1} << 63)) {
    r->kind = YamlScalarKind::kInt;
    r->i = static_cast<int64_t>(-static_cast<__int128>(u));
    return true;
  }
  if (neg) return false;
  r->kind = YamlScalarKind::kInt;
  r->u = u;
  r->u_only = true;
  return true;
}

}  // namespace

YamlScalar ResolveScalar(const YAML::Node& node) {
  YamlScalar r;
  if (!node || node.IsNull()) {
    r.kind = YamlScalarKind::kNull;
    return r;
  }
  const std::string& text = node.Scalar();
  r.text = text;
  if (!IsPlain(node)) return r;  // quoted or explicitly tagged: a string
  if (ResolveKeyword(text, &r)) return r;
  char c0 = text[0];
  if (!(std::isdigit(static_cast<unsigned char>(c0)) || c0 == '+' || c0 == '-' || c0 == '.')) {
    return r;
  }
  // Numbers: underscores removed, then an integer, else a float.
  std::string plain;
  plain.reserve(text.size());
  for (char c : text)
    if (c != '_') plain.push_back(c);
  if (ResolveInt(plain, &r)) return r;
  if (IsYamlFloat(plain)) {
    r.kind = YamlScalarKind::kFloat;
    r.d = std::strtod(plain.c_str(), nullptr);
  }
  return r;
}

config::Map CollectorDecoder::Fields(const config::Node& v, const config::Keys& allowed) {
  if (!v.node.IsDefined() || v.node.IsNull()) {
    config::Node empty = v;
    empty.node = YAML::Node(YAML::NodeType::Map);
    return config::Map(diag(), empty, &allowed);
  }
  if (!v.node.IsMap()) {
    Error(v, "expected a map, got " + config::Show(v.node));
    return config::Map();
  }
  return config::Map(diag(), v, &allowed);
}

bool CollectorDecoder::Scalar(const config::Node& v, std::string_view want, YamlScalar* out) {
  if (!v.node.IsDefined()) {  // an absent key
    out->kind = YamlScalarKind::kNull;
    return true;
  }
  if (v.node.IsMap() || v.node.IsSequence()) {
    Error(v, "expected " + std::string(want) + ", got a " + (v.node.IsMap() ? "map" : "list"));
    return false;
  }
  *out = ResolveScalar(v.node);
  return true;
}

bool CollectorDecoder::Int(const config::Node& v, int64_t* out) {
  YamlScalar s;
  if (!Scalar(v, "an integer", &s)) return false;
  switch (s.kind) {
    case YamlScalarKind::kNull:
      return true;
    case YamlScalarKind::kInt:
      if (s.u_only) {
        Error(v, "value " + std::string(s.text) + " overflows int64");
        return false;
      }
      *out = s.i;
      return true;
    case YamlScalarKind::kFloat:
      if (!std::isfinite(s.d) || s.d >= 9.2233720368547758e18 || s.d < -9.2233720368547758e18) {
        Error(v, "value " + std::string(s.text) + " overflows int64");
        return false;
      }
      *out = static_cast<int64_t>(s.d);  // mapstructure truncates floats into ints
      return true;
    default:
      Error(v, "expected an integer, got " + KindName(s.kind) + " \"" + std::string(s.text) + "\"");
      return false;
  }
}

bool CollectorDecoder::Uint(const config::Node& v, uint64_t* out) {
  YamlScalar s;
  if (!Scalar(v, "an unsigned integer", &s)) return false;
  switch (s.kind) {
    case YamlScalarKind::kNull:
      return true;
    case YamlScalarKind::kInt:
      if (s.u_only) {
        *out = s.u;
        return true;
      }
      if (s.i < 0) {
        Error(v, "value " + std::string(s.text) + " is negative; expected uint64");
        return false;
      }
      *out = static_cast<uint64_t>(s.i);
      return true;
    case YamlScalarKind::kFloat:
      if (!std::isfinite(s.d) || s.d < 0 || s.d >= 1.8446744073709552e19) {
        Error(v, "value " + std::string(s.text) + " overflows uint64");
        return false;
      }
      *out = static_cast<uint64_t>(s.d);
      return true;
    default:
      Error(v, "expected an unsigned integer, got " + KindName(s.kind) + " \"" +
                   std::string(s.text) + "\"");
      return false;
  }
}

bool CollectorDecoder::Int32(const config::Node& v, int32_t* out) {
  int64_t x = *out;
  if (!Int(v, &x)) return false;
  if (x < std::numeric_limits<int32_t>::min() || x > std::numeric_limits<int32_t>::max()) {
    Error(v, "value " + std::to_string(x) + " overflows int32");
    return false;
  }
  *out = static_cast<int32_t>(x);
  return true;
}

bool CollectorDecoder::Float(const config::Node& v, double* out) {
  YamlScalar s;
  if (!Scalar(v, "a number", &s)) return false;
  switch (s.kind) {
    case YamlScalarKind::kNull:
      return true;
    case YamlScalarKind::kInt:
      *out = s.u_only ? static_cast<double>(s.u) : static_cast<double>(s.i);
      return true;
    case YamlScalarKind::kFloat:
      *out = s.d;
      return true;
    default:
      Error(v, "expected a number, got " + KindName(s.kind) + " \"" + std::string(s.text) +
                   "\" (YAML infinity is .inf; \"+Inf\" is a string and the Collector does not "
                   "convert strings)");
      return false;
  }
}

bool CollectorDecoder::Bool(const config::Node& v, bool* out) {
  YamlScalar s;
  if (!Scalar(v, "a boolean", &s)) return false;
  if (s.kind == YamlScalarKind::kNull) return true;
  if (s.kind != YamlScalarKind::kBool) {
    Error(v, "expected a boolean (true/false), got " + KindName(s.kind) + " \"" +
                 std::string(s.text) + "\"");
    return false;
  }
  *out = s.b;
  return true;
}

bool CollectorDecoder::String(const config::Node& v, std::string* out) {
  YamlScalar s;
  if (!Scalar(v, "a string", &s)) return false;
  if (s.kind == YamlScalarKind::kNull) return true;
  if (s.kind != YamlScalarKind::kString) {
    Error(v,
          "expected a string, got " + KindName(s.kind) + " " + std::string(s.text) + " (quote it)");
    return false;
  }
  *out = std::string(s.text);
  return true;
}

bool CollectorDecoder::StringList(const config::Node& v, std::vector<std::string>* out) {
  if (!v.node.IsDefined() || v.node.IsNull()) return true;
  if (v.node.IsMap()) {
    Error(v, "expected a list of strings, got a map");
    return false;
  }
  out->clear();
  if (v.node.IsScalar()) {
    std::string one;
    if (!String(v, &one)) return false;
    if (one.empty()) return true;
    size_t start = 0;
    while (true) {
      size_t comma = one.find(',', start);
      out->push_back(one.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return true;
  }
  bool ok = true;
  for (size_t i = 0; i < v.node.size(); ++i) {
    std::string s;
    if (String(v.Item(i), &s)) {
      out->push_back(std::move(s));
    } else {
      ok = false;
    }
  }
  return ok;
}

bool CollectorDecoder::Duration(const config::Node& v, int64_t* out_nanos) {
  YamlScalar s;
  if (!Scalar(v, "a duration", &s)) return false;
  switch (s.kind) {
    case YamlScalarKind::kNull:
      return true;
    case YamlScalarKind::kString: {
      sim::Result<sim::Duration> d = sim::ParseDuration(s.text);
      if (!d.ok()) {
        Error(v, d.status().message());
        return false;
      }
      *out_nanos = d->nanos();
      return true;
    }
    case YamlScalarKind::kInt:
    case YamlScalarKind::kFloat:
      // mapstructure decodes a bare number into time.Duration as nanoseconds.
      return Int(v, out_nanos);
    default:
      Error(v, "expected a duration such as \"10s\", got " + KindName(s.kind));
      return false;
  }
}

}  // namespace tracesim::sampling
