// OpenTelemetry Collector configuration files: finding processor blocks and decoding values the
// way the Collector does.
//
// The Collector reads YAML into a generic map (go-yaml v3 scalar resolution) and decodes it into
// Go structs with mapstructure: strict (unknown keys are errors), case-sensitive, no weak typing
// (a quoted "10" is not an integer), string-to-duration and "a,b"-string-to-list hooks. The
// helpers below reproduce those rules and produce errors as "FILE:LINE:COL: key.path: message".
// Thread-compatible; YAML nodes are reference-counted by yaml-cpp.
#ifndef TRACESIM_SAMPLING_COLLECTOR_CONFIG_H_
#define TRACESIM_SAMPLING_COLLECTOR_CONFIG_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "sim/status.h"

namespace tracesim::sampling {

// One processor block of a Collector config, e.g. `tail_sampling/errors:`.
struct ProcessorBlock {
  std::string id;    // component id "type[/name]"
  std::string type;  // "tail_sampling"
  std::string name;  // "errors"; empty for a bare "tail_sampling"
  YAML::Node node;   // the block's value (a map, or null for an empty block)
  int line = 0;      // 1-based position of the block's key (or of the document for a bare block)
  int column = 0;
};

// A loaded Collector config document.
class CollectorConfig {
 public:
  // Loads and parses a YAML file. Errors name the file (and line for syntax errors).
  static sim::Result<CollectorConfig> LoadFile(const std::string& path);
  // Parses YAML text; `source` names it in messages.
  static sim::Result<CollectorConfig> LoadString(std::string_view yaml, std::string source);

  // Every processor block of component type `type`, in file order. Looks in the top-level
  // `processors:` map; when there is none, accepts a bare document: `type[/name]:` keys at the
  // top level, or (when `bare_marker_key` is non-empty and present at the top level) the whole
  // document as one block with id `type`. Returns an error when a component id is malformed.
  sim::Result<std::vector<ProcessorBlock>> FindProcessors(std::string_view type,
                                                          std::string_view bare_marker_key) const;

  const std::string& source() const { return source_; }
  const YAML::Node& root() const { return root_; }

 private:
  std::string source_;
  YAML::Node root_;
};

// --- value decoding, as the Collector's confmap/mapstructure does it --------------------------

// "FILE:LINE:COL: path: message" for a node (position omitted when unknown).
std::string YamlWhere(std::string_view source, const YAML::Node& node);
sim::Status YamlError(std::string_view source, const YAML::Node& node, std::string_view path,
                      std::string_view message);

// Go time.ParseDuration: "300ms", "-1.5h", "2h45m", "1h2m3.5s", units ns us µs μs ms s m h;
// "0" alone is zero. Returns nanoseconds. Errors on overflow, missing unit, empty text.
sim::Result<int64_t> ParseGoDuration(std::string_view text);

// How go-yaml v3 resolves a plain (unquoted) scalar.
enum class YamlScalarKind : uint8_t { kNull, kBool, kInt, kFloat, kString };
struct YamlScalar {
  YamlScalarKind kind = YamlScalarKind::kString;
  bool b = false;
  int64_t i = 0;
  uint64_t u = 0;         // kInt: the value when it only fits uint64
  bool u_only = false;    // kInt: above INT64_MAX
  double d = 0;           // kFloat
  std::string_view text;  // the raw text
};
// Resolves a scalar: quoted scalars are strings; plain ones follow go-yaml v3 (null ~ "",
// true/True/TRUE, ints with `_` separators and 0x/0o/0b/leading-0 octal prefixes, floats incl.
// .inf/-.inf/.nan). REQUIRES: node.IsScalar() or node.IsNull().
YamlScalar ResolveScalar(const YAML::Node& node);

// Checks that every key of `map` is in `allowed`; the first unknown key is an error naming
// path.key and its line ("has invalid keys" in the Collector). REQUIRES: map.IsMap().
sim::Status CheckKeys(std::string_view source, const YAML::Node& map, std::string_view path,
                      std::initializer_list<std::string_view> allowed);

// Decoders: a null node leaves *out unchanged (the default stays). Type errors name the path.
sim::Status DecodeInt(std::string_view source, const YAML::Node& n, std::string_view path,
                      int64_t* out);  // int64; floats truncate (mapstructure)
sim::Status DecodeUint(std::string_view source, const YAML::Node& n, std::string_view path,
                       uint64_t* out);  // uint64; negative is an error
sim::Status DecodeInt32(std::string_view source, const YAML::Node& n, std::string_view path,
                        int32_t* out);
sim::Status DecodeFloat(std::string_view source, const YAML::Node& n, std::string_view path,
                        double* out);  // float64; ints convert; .inf accepted
sim::Status DecodeBool(std::string_view source, const YAML::Node& n, std::string_view path,
                       bool* out);
sim::Status DecodeString(std::string_view source, const YAML::Node& n, std::string_view path,
                         std::string* out);  // strings only: a plain 123 is an error
// A sequence of strings, or one string split on "," (mapstructure StringToSliceHookFunc).
sim::Status DecodeStringList(std::string_view source, const YAML::Node& n, std::string_view path,
                             std::vector<std::string>* out);
// time.Duration: a Go duration string, or an integer (nanoseconds, as mapstructure decodes it).
sim::Status DecodeDuration(std::string_view source, const YAML::Node& n, std::string_view path,
                           int64_t* out_nanos);

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_COLLECTOR_CONFIG_H_
