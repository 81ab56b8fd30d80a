// OpenTelemetry Collector configuration files: finding processor blocks and decoding values the
// way the Collector does.
//
// The Collector reads YAML into a generic map (go-yaml v3 scalar resolution) and decodes it into
// Go structs with mapstructure: strict (unknown keys are errors), case-sensitive, no weak typing
// (a quoted "10" is not an integer), string-to-duration and "a,b"-string-to-list hooks. The
// decoder below reproduces those rules and reports problems as config::Diagnostics
// ("FILE:LINE:COL: key.path: message"); durations use the one grammar (sim::ParseDuration).
// Thread-compatible; YAML nodes are reference-counted by yaml-cpp.
#ifndef TRACESIM_SAMPLING_COLLECTOR_CONFIG_H_
#define TRACESIM_SAMPLING_COLLECTOR_CONFIG_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "config/diagnostics.h"
#include "config/env_expand.h"
#include "config/reader.h"
#include "sim/base/status.h"

namespace tracesim::sampling {

// One processor block of a Collector config, e.g. `tail_sampling/errors:`.
struct ProcessorBlock {
  std::string id;    // component id "type[/name]"
  std::string type;  // "tail_sampling"
  std::string name;  // "errors"; empty for a bare "tail_sampling"
  YAML::Node node;   // the block's value (a map, or null for an empty block)
  int line = 0;      // 1-based position of the block's key (or of the document for a bare block)
  int column = 0;
  // Key path of the block in its file: "processors.tail_sampling/errors", "tail_sampling" (a
  // bare top-level block) or "" (the whole document is the block).
  std::string path;

  // The block as a config::Node (its key path and position), for the Diagnostics-based parsers.
  config::Node Value() const;
};

// A loaded Collector config document. `${env:VAR}`, `${VAR}` and `${env:VAR:-default}` in values
// are expanded as the Collector's confmap does (config/env_expand.h) when the file is loaded: a
// config whose variables are set validates, an unset one is a warning naming it.
class CollectorConfig {
 public:
  // Loads and parses a YAML file, reporting into `diag` (its file name should be `path`): a
  // missing file (kNotFound), a syntax error, a non-mapping document, env expansion problems.
  // nullopt on an error.
  static std::optional<CollectorConfig> Load(const std::string& path, config::Diagnostics& diag,
                                             const config::EnvLookup& env = config::ProcessEnv());
  // Parses YAML text; `diag.file()` names it in messages.
  static std::optional<CollectorConfig> Parse(std::string_view yaml, config::Diagnostics& diag,
                                              const config::EnvLookup& env = config::ProcessEnv());
  // The same with a Status at the edge (every problem in its message; warnings dropped).
  static sim::Result<CollectorConfig> LoadFile(const std::string& path);
  static sim::Result<CollectorConfig> LoadString(std::string_view yaml, std::string source);

  // Every processor block of component type `type`, in file order. Looks in the top-level
  // `processors:` map; when there is none, accepts a bare document: `type[/name]:` keys at the
  // top level, or (when `bare_marker_key` is non-empty and present at the top level) the whole
  // document as one block with id `type`. A malformed component id (`type/`) or a `processors:`
  // that is not a mapping is reported into `diag` (and the block skipped).
  std::vector<ProcessorBlock> FindProcessors(std::string_view type,
                                             std::string_view bare_marker_key,
                                             config::Diagnostics& diag) const;
  // The same with a Status at the edge.
  sim::Result<std::vector<ProcessorBlock>> FindProcessors(std::string_view type,
                                                          std::string_view bare_marker_key) const;

  const std::string& source() const { return source_; }
  const YAML::Node& root() const { return root_; }

 private:
  std::string source_;
  YAML::Node root_;
};

// --- value decoding, as the Collector's confmap/mapstructure does it --------------------------

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

// Decodes values of a Collector config the way mapstructure does, reporting into
// config::Diagnostics at the value's position and key path (config::Node). Every decoder
// leaves *out unchanged for a null or absent value (the default stays) and returns false after
// reporting a problem. Mappings are read with config::Map: unknown keys (the Collector decodes
// strictly) get a did-you-mean, duplicates are errors. Not thread-safe; one per load.
class CollectorDecoder {
 public:
  explicit CollectorDecoder(config::Diagnostics& diag) : reader_(diag) {}

  config::Reader& reader() { return reader_; }
  config::Diagnostics& diag() { return reader_.diag(); }
  void Error(const config::Node& at, std::string_view message) { reader_.Error(at, message); }

  // Whether `v` holds a value (not absent, not null).
  static bool Present(const config::Node* v) {
    return v != nullptr && v->node.IsDefined() && !v->node.IsNull();
  }
  // The keys of mapping `v` (null: an empty, ok map; not a mapping: reported, not ok).
  config::Map Fields(const config::Node& v, const config::Keys& allowed);

  bool Int(const config::Node& v, int64_t* out);    // int64; floats truncate (mapstructure)
  bool Uint(const config::Node& v, uint64_t* out);  // uint64; negative is an error
  bool Int32(const config::Node& v, int32_t* out);
  bool Float(const config::Node& v, double* out);  // float64; ints convert; .inf accepted
  bool Bool(const config::Node& v, bool* out);
  bool String(const config::Node& v, std::string* out);  // strings only: a plain 123 is an error
  // A sequence of strings, or one string split on "," (mapstructure StringToSliceHookFunc).
  bool StringList(const config::Node& v, std::vector<std::string>* out);
  // time.Duration: a duration string (sim::ParseDuration, Go syntax), or an integer
  // (nanoseconds, as mapstructure decodes it).
  bool Duration(const config::Node& v, int64_t* out_nanos);

 private:
  // Resolves `v` as a scalar; reports a mapping or list ("expected WANT, got a map").
  bool Scalar(const config::Node& v, std::string_view want, YamlScalar* out);

  config::Reader reader_;
};

}  // namespace tracesim::sampling

#endif  // TRACESIM_SAMPLING_COLLECTOR_CONFIG_H_
