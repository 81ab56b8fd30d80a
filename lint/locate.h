// Locator: where a config value is written. Loaders keep the values, not their positions; lint
// reads the files again with yaml-cpp and walks a key path to the node, so a finding points at
// the exact line ("samplers[4].tail_sampling.num_traces"). A key the file does not write (a
// default) resolves to the nearest ancestor that is written. Not thread-safe; files are read once.
#ifndef TRACESIM_LINT_LOCATE_H_
#define TRACESIM_LINT_LOCATE_H_

#include <yaml-cpp/yaml.h>

#include <cstddef>
#include <map>
#include <string>
#include <variant>
#include <vector>

namespace tracesim::lint {

// One step of a key path: a mapping key or a sequence index.
using PathStep = std::variant<std::string, size_t>;
using KeyPath = std::vector<PathStep>;

// "samplers[4].tail_sampling.num_traces".
std::string FormatKeyPath(const KeyPath& path);

struct Location {
  std::string file;
  int line = 0, col = 0;  // 1-based; 0 when the file cannot be read
  std::string key;        // FormatKeyPath of the full path asked for
  bool exact = false;     // the file writes the full path (else: the nearest written ancestor)
};

class Locator {
 public:
  // `file` names a file on disk, or "builtin:NAME" for a built-in scenario.
  Location Find(const std::string& file, const KeyPath& path);

 private:
  const YAML::Node* Load(const std::string& file);
  std::map<std::string, YAML::Node> docs_;
  std::map<std::string, bool> failed_;
};

}  // namespace tracesim::lint

#endif  // TRACESIM_LINT_LOCATE_H_
