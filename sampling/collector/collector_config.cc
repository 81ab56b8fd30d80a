#include "sampling/collector/collector_config.h"

#include <cmath>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <sstream>

namespace tracesim::sampling {
namespace {

bool IsPlain(const YAML::Node& n) { return n.Tag() == "?" || n.Tag().empty(); }

// Parses digits of `s` in `base` into an unsigned 64-bit value; false on bad digit or overflow.
bool ParseDigits(std::string_view s, int base, uint64_t* out) {
  if (s.empty()) return false;
  uint64_t v = 0;
  for (char c : s) {
    int d;
    if (c >= '0' && c <= '9') {
      d = c - '0';
    } else if (c >= 'a' && c <= 'f') {
      d = c - 'a' + 10;
    } else if (c >= 'A' && c <= 'F') {
      d = c - 'A' + 10;
    } else {
      return false;
    }
    if (d >= base) return false;
    if (v > (std::numeric_limits<uint64_t>::max() - static_cast<uint64_t>(d)) /
                static_cast<uint64_t>(base))
      return false;
    v = v * static_cast<uint64_t>(base) + static_cast<uint64_t>(d);
  }
  *out = v;
  return true;
}

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

// Resolves `n` as a scalar or reports that it is a map/sequence.
sim::Status ScalarOf(std::string_view source, const YAML::Node& n, std::string_view path,
                     std::string_view want, YamlScalar* out) {
  if (!n) {  // an absent key: yaml-cpp returns an invalid node
    out->kind = YamlScalarKind::kNull;
    return sim::Status::Ok();
  }
  if (n.IsMap() || n.IsSequence()) {
    return YamlError(source, n, path,
                     "expected " + std::string(want) + ", got a " +
                         (n.IsMap() ? std::string("map") : std::string("list")));
  }
  *out = ResolveScalar(n);
  return sim::Status::Ok();
}

}  // namespace

std::string YamlWhere(std::string_view source, const YAML::Node& node) {
  std::string out(source);
  if (!node) return out;
  YAML::Mark m = node.Mark();
  if (m.line >= 0) {
    out += ":" + std::to_string(m.line + 1) + ":" + std::to_string(m.column + 1);
  }
  return out;
}

sim::Status YamlError(std::string_view source, const YAML::Node& node, std::string_view path,
                      std::string_view message) {
  std::string msg = YamlWhere(source, node);
  msg += ": ";
  if (!path.empty()) {
    msg += path;
    msg += ": ";
  }
  msg += message;
  return sim::Status::InvalidArgument(std::move(msg));
}

sim::Result<CollectorConfig> CollectorConfig::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return sim::Status::NotFound(path + ": cannot open file");
  std::stringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return sim::Status::IoError(path + ": read error");
  return LoadString(ss.str(), path);
}

sim::Result<CollectorConfig> CollectorConfig::LoadString(std::string_view yaml,
                                                         std::string source) {
  CollectorConfig c;
  c.source_ = std::move(source);
  try {
    c.root_ = YAML::Load(std::string(yaml));
  } catch (const YAML::Exception& e) {
    return sim::Status::InvalidArgument(c.source_ + ":" + std::to_string(e.mark.line + 1) + ":" +
                                        std::to_string(e.mark.column + 1) +
                                        ": YAML syntax error: " + e.msg);
  }
  if (!c.root_.IsMap()) {
    return sim::Status::InvalidArgument(c.source_ + ": top level must be a map");
  }
  return c;
}

sim::Result<std::vector<ProcessorBlock>> CollectorConfig::FindProcessors(
    std::string_view type, std::string_view bare_marker_key) const {
  std::vector<ProcessorBlock> out;
  auto scan = [&](const YAML::Node& map, std::string_view where) -> sim::Status {
    for (auto it = map.begin(); it != map.end(); ++it) {
      if (!it->first.IsScalar()) continue;
      std::string id = it->first.Scalar();
      size_t slash = id.find('/');
      std::string t = id.substr(0, slash);
      if (t != type) continue;
      std::string name = slash == std::string::npos ? "" : id.substr(slash + 1);
      if (slash != std::string::npos && name.empty()) {
        return YamlError(source_, it->first, std::string(where) + id,
                         "component id has an empty name after '/'");
      }
      ProcessorBlock b;
      b.id = id;
      b.type = t;
      b.name = name;
      b.node = it->second;
      b.line = it->first.Mark().line + 1;
      b.column = it->first.Mark().column + 1;
      out.push_back(std::move(b));
    }
    return sim::Status::Ok();
  };
  YAML::Node processors = root_["processors"];
  if (processors) {
    if (processors.IsNull()) return out;
    if (!processors.IsMap()) {
      return YamlError(source_, processors, "processors", "must be a map of component ids");
    }
    TRACESIM_RETURN_IF_ERROR(scan(processors, "processors."));
    return out;
  }
  TRACESIM_RETURN_IF_ERROR(scan(root_, ""));
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

sim::Result<int64_t> ParseGoDuration(std::string_view text) {
  auto bad = [&](std::string_view why) {
    return sim::Status::InvalidArgument("invalid duration \"" + std::string(text) +
                                        "\": " + std::string(why));
  };
  std::string_view s = text;
  bool neg = false;
  if (!s.empty() && (s[0] == '-' || s[0] == '+')) {
    neg = s[0] == '-';
    s.remove_prefix(1);
  }
  if (s == "0") return int64_t{0};
  if (s.empty()) return bad("empty");
  // Accumulate in unsigned to allow exactly -2^63.
  uint64_t total = 0;
  const uint64_t kLimit = uint64_t{1} << 63;
  while (!s.empty()) {
    // Integer part.
    uint64_t whole = 0;
    size_t i = 0;
    bool overflow = false;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (whole > (kLimit - 1) / 10) overflow = true;
      whole = whole * 10 + static_cast<uint64_t>(s[i] - '0');
      if (whole > kLimit) overflow = true;
      ++i;
    }
    bool had_whole = i > 0;
    if (overflow) return bad("overflow");
    // Fraction.
    uint64_t frac = 0;
    double scale = 1;
    bool had_frac = false;
    if (i < s.size() && s[i] == '.') {
      ++i;
      size_t start = i;
      while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
        if (frac < (uint64_t{1} << 62) / 10) {
          frac = frac * 10 + static_cast<uint64_t>(s[i] - '0');
          scale *= 10;
        }
        ++i;
      }
      had_frac = i > start;
    }
    if (!had_whole && !had_frac) return bad("expected a number");
    s.remove_prefix(i);
    // Unit.
    size_t u = 0;
    while (u < s.size() && s[u] != '.' && !(s[u] >= '0' && s[u] <= '9')) ++u;
    std::string_view unit = s.substr(0, u);
    if (unit.empty()) return bad("missing unit");
    uint64_t mult;
    if (unit == "ns") {
      mult = 1;
    } else if (unit == "us" || unit == "\xC2\xB5s" || unit == "\xCE\xBCs") {
      mult = 1000;
    } else if (unit == "ms") {
      mult = 1000000;
    } else if (unit == "s") {
      mult = 1000000000;
    } else if (unit == "m") {
      mult = 60ull * 1000000000;
    } else if (unit == "h") {
      mult = 3600ull * 1000000000;
    } else {
      return bad("unknown unit \"" + std::string(unit) + "\"");
    }
    s.remove_prefix(u);
    if (whole > kLimit / mult) return bad("overflow");
    uint64_t v = whole * mult;
    if (had_frac) {
      // Go: v += uint64(float64(frac) * (float64(unit) / scale)).
      v += static_cast<uint64_t>(static_cast<double>(frac) * (static_cast<double>(mult) / scale));
      if (v > kLimit) return bad("overflow");
    }
    total += v;
    if (total > kLimit) return bad("overflow");
  }
  if (neg) return static_cast<int64_t>(-static_cast<__int128>(total));
  if (total > kLimit - 1) return bad("overflow");
  return static_cast<int64_t>(total);
}

YamlScalar ResolveScalar(const YAML::Node& node) {
  YamlScalar r;
  if (!node || node.IsNull()) {
    r.kind = YamlScalarKind::kNull;
    return r;
  }
  const std::string& text = node.Scalar();
  r.text = text;
  if (!IsPlain(node)) return r;  // quoted or explicitly tagged: a string
  if (text.empty() || text == "~" || text == "null" || text == "Null" || text == "NULL") {
    r.kind = YamlScalarKind::kNull;
    return r;
  }
  if (text == "true" || text == "True" || text == "TRUE" || text == "false" || text == "False" ||
      text == "FALSE") {
    r.kind = YamlScalarKind::kBool;
    r.b = text[0] == 't' || text[0] == 'T';
    return r;
  }
  if (text == ".inf" || text == ".Inf" || text == ".INF" || text == "+.inf" || text == "+.Inf" ||
      text == "+.INF") {
    r.kind = YamlScalarKind::kFloat;
    r.d = std::numeric_limits<double>::infinity();
    return r;
  }
  if (text == "-.inf" || text == "-.Inf" || text == "-.INF") {
    r.kind = YamlScalarKind::kFloat;
    r.d = -std::numeric_limits<double>::infinity();
    return r;
  }
  if (text == ".nan" || text == ".NaN" || text == ".NAN") {
    r.kind = YamlScalarKind::kFloat;
    r.d = std::numeric_limits<double>::quiet_NaN();
    return r;
  }
  char c0 = text[0];
  if (!(std::isdigit(static_cast<unsigned char>(c0)) || c0 == '+' || c0 == '-' || c0 == '.')) {
    return r;
  }
  // Integers: underscores removed, then strconv.ParseInt(plain, 0, 64) / ParseUint.
  std::string plain;
  plain.reserve(text.size());
  for (char c : text)
    if (c != '_') plain.push_back(c);
  {
    std::string_view s = plain;
    bool neg = false;
    if (!s.empty() && (s[0] == '+' || s[0] == '-')) {
      neg = s[0] == '-';
      s.remove_prefix(1);
    }
    int base = 10;
    if (s.size() > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
      base = 16;
      s.remove_prefix(2);
    } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'o' || s[1] == 'O')) {
      base = 8;
      s.remove_prefix(2);
    } else if (s.size() > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) {
      base = 2;
      s.remove_prefix(2);
    } else if (s.size() > 1 && s[0] == '0') {
      base = 8;  // Go base-0 parsing: a leading 0 means octal
      s.remove_prefix(1);
    }
    uint64_t u;
    if (ParseDigits(s, base, &u)) {
      if (!neg && u <= static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
        r.kind = YamlScalarKind::kInt;
        r.i = static_cast<int64_t>(u);
        return r;
      }
      if (neg && u <= (uint64_t{1} << 63)) {
        r.kind = YamlScalarKind::kInt;
        r.i = static_cast<int64_t>(-static_cast<__int128>(u));
        return r;
      }
      if (!neg) {
        r.kind = YamlScalarKind::kInt;
        r.u = u;
        r.u_only = true;
        return r;
      }
    }
  }
  if (IsYamlFloat(plain)) {
    r.kind = YamlScalarKind::kFloat;
    r.d = std::strtod(plain.c_str(), nullptr);
    return r;
  }
  return r;
}

sim::Status CheckKeys(std::string_view source, const YAML::Node& map, std::string_view path,
                      std::initializer_list<std::string_view> allowed) {
  for (auto it = map.begin(); it != map.end(); ++it) {
    std::string key = it->first.IsScalar() ? it->first.Scalar() : std::string("<non-scalar>");
    bool ok = false;
    for (std::string_view a : allowed) ok = ok || a == key;
    if (!ok) {
      std::string full = path.empty() ? key : std::string(path) + "." + key;
      std::string allowed_list;
      for (std::string_view a : allowed) {
        if (!allowed_list.empty()) allowed_list += ", ";
        allowed_list += a;
      }
      return YamlError(source, it->first, full,
                       "unknown key (the Collector decodes strictly; allowed here: " +
                           (allowed_list.empty() ? std::string("none") : allowed_list) + ")");
    }
  }
  return sim::Status::Ok();
}

sim::Status DecodeInt(std::string_view source, const YAML::Node& n, std::string_view path,
                      int64_t* out) {
  YamlScalar s;
  TRACESIM_RETURN_IF_ERROR(ScalarOf(source, n, path, "an integer", &s));
  switch (s.kind) {
    case YamlScalarKind::kNull:
      return sim::Status::Ok();
    case YamlScalarKind::kInt:
      if (s.u_only)
        return YamlError(source, n, path, "value " + std::string(s.text) + " overflows int64");
      *out = s.i;
      return sim::Status::Ok();
    case YamlScalarKind::kFloat:
      if (!std::isfinite(s.d) || s.d >= 9.2233720368547758e18 || s.d < -9.2233720368547758e18) {
        return YamlError(source, n, path, "value " + std::string(s.text) + " overflows int64");
      }
      *out = static_cast<int64_t>(s.d);  // mapstructure truncates floats into ints
      return sim::Status::Ok();
    default:
      return YamlError(
          source, n, path,
          "expected an integer, got " + KindName(s.kind) + " \"" + std::string(s.text) + "\"");
  }
}

sim::Status DecodeUint(std::string_view source, const YAML::Node& n, std::string_view path,
                       uint64_t* out) {
  YamlScalar s;
  TRACESIM_RETURN_IF_ERROR(ScalarOf(source, n, path, "an unsigned integer", &s));
  switch (s.kind) {
    case YamlScalarKind::kNull:
      return sim::Status::Ok();
    case YamlScalarKind::kInt:
      if (s.u_only) {
        *out = s.u;
        return sim::Status::Ok();
      }
      if (s.i < 0) {
        return YamlError(source, n, path,
                         "value " + std::string(s.text) + " is negative; expected uint64");
      }
      *out = static_cast<uint64_t>(s.i);
      return sim::Status::Ok();
    case YamlScalarKind::kFloat:
      if (!std::isfinite(s.d) || s.d < 0 || s.d >= 1.8446744073709552e19) {
        return YamlError(source, n, path, "value " + std::string(s.text) + " overflows uint64");
      }
      *out = static_cast<uint64_t>(s.d);
      return sim::Status::Ok();
    default:
      return YamlError(source, n, path,
                       "expected an unsigned integer, got " + KindName(s.kind) + " \"" +
                           std::string(s.text) + "\"");
  }
}

sim::Status DecodeInt32(std::string_view source, const YAML::Node& n, std::string_view path,
                        int32_t* out) {
  int64_t v = *out;
  TRACESIM_RETURN_IF_ERROR(DecodeInt(source, n, path, &v));
  if (v < std::numeric_limits<int32_t>::min() || v > std::numeric_limits<int32_t>::max()) {
    return YamlError(source, n, path, "value " + std::to_string(v) + " overflows int32");
  }
  *out = static_cast<int32_t>(v);
  return sim::Status::Ok();
}

sim::Status DecodeFloat(std::string_view source, const YAML::Node& n, std::string_view path,
                        double* out) {
  YamlScalar s;
  TRACESIM_RETURN_IF_ERROR(ScalarOf(source, n, path, "a number", &s));
  switch (s.kind) {
    case YamlScalarKind::kNull:
      return sim::Status::Ok();
    case YamlScalarKind::kInt:
      *out = s.u_only ? static_cast<double>(s.u) : static_cast<double>(s.i);
      return sim::Status::Ok();
    case YamlScalarKind::kFloat:
      *out = s.d;
      return sim::Status::Ok();
    default:
      return YamlError(source, n, path,
                       "expected a number, got " + KindName(s.kind) + " \"" + std::string(s.text) +
                           "\" (YAML infinity is .inf; \"+Inf\" is a string and the Collector "
                           "does not convert strings)");
  }
}

sim::Status DecodeBool(std::string_view source, const YAML::Node& n, std::string_view path,
                       bool* out) {
  YamlScalar s;
  TRACESIM_RETURN_IF_ERROR(ScalarOf(source, n, path, "a boolean", &s));
  if (s.kind == YamlScalarKind::kNull) return sim::Status::Ok();
  if (s.kind != YamlScalarKind::kBool) {
    return YamlError(source, n, path,
                     "expected a boolean (true/false), got " + KindName(s.kind) + " \"" +
                         std::string(s.text) + "\"");
  }
  *out = s.b;
  return sim::Status::Ok();
}

sim::Status DecodeString(std::string_view source, const YAML::Node& n, std::string_view path,
                         std::string* out) {
  YamlScalar s;
  TRACESIM_RETURN_IF_ERROR(ScalarOf(source, n, path, "a string", &s));
  if (s.kind == YamlScalarKind::kNull) return sim::Status::Ok();
  if (s.kind != YamlScalarKind::kString) {
    return YamlError(
        source, n, path,
        "expected a string, got " + KindName(s.kind) + " " + std::string(s.text) + " (quote it)");
  }
  *out = std::string(s.text);
  return sim::Status::Ok();
}

sim::Status DecodeStringList(std::string_view source, const YAML::Node& n, std::string_view path,
                             std::vector<std::string>* out) {
  if (!n || n.IsNull()) return sim::Status::Ok();
  if (n.IsMap()) return YamlError(source, n, path, "expected a list of strings, got a map");
  out->clear();
  if (n.IsScalar()) {
    std::string one;
    TRACESIM_RETURN_IF_ERROR(DecodeString(source, n, path, &one));
    if (one.empty()) return sim::Status::Ok();
    size_t start = 0;
    while (true) {
      size_t comma = one.find(',', start);
      out->push_back(one.substr(start, comma - start));
      if (comma == std::string::npos) break;
      start = comma + 1;
    }
    return sim::Status::Ok();
  }
  for (size_t i = 0; i < n.size(); ++i) {
    std::string v;
    TRACESIM_RETURN_IF_ERROR(
        DecodeString(source, n[i], std::string(path) + "[" + std::to_string(i) + "]", &v));
    out->push_back(std::move(v));
  }
  return sim::Status::Ok();
}

sim::Status DecodeDuration(std::string_view source, const YAML::Node& n, std::string_view path,
                           int64_t* out_nanos) {
  YamlScalar s;
  TRACESIM_RETURN_IF_ERROR(ScalarOf(source, n, path, "a duration", &s));
  switch (s.kind) {
    case YamlScalarKind::kNull:
      return sim::Status::Ok();
    case YamlScalarKind::kString: {
      sim::Result<int64_t> d = ParseGoDuration(s.text);
      if (!d.ok()) return YamlError(source, n, path, d.status().message());
      *out_nanos = *d;
      return sim::Status::Ok();
    }
    case YamlScalarKind::kInt:
    case YamlScalarKind::kFloat:
      // mapstructure decodes a bare number into time.Duration as nanoseconds.
      return DecodeInt(source, n, path, out_nanos);
    default:
      return YamlError(source, n, path,
                       "expected a duration such as \"10s\", got " + KindName(s.kind));
  }
}

}  // namespace tracesim::sampling
