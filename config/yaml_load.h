// LoadYaml: parses one YAML document for a loader and holds it to the limits every reader of
// outside input shares, before any loader walks it.
//
// yaml-cpp keeps an alias as a reference to its anchor's node, so a document is a graph: a
// self-referencing alias (`steps: &c [{parallel: *c}]`, 30 bytes) nests without end, and nested
// aliases multiply (a 1 KB file can stand for billions of nodes) where a loader walks them.
// The limits bound both: how deep the document nests, counting through aliases, and how many
// nodes it expands to. Both are checked by an iterative walk that stops at the first node over a
// limit, so the check itself costs at most max_nodes steps and no recursion. A broken limit is
// reported at that node's position, naming the limit and its value.
#ifndef TRACESIM_CONFIG_YAML_LOAD_H_
#define TRACESIM_CONFIG_YAML_LOAD_H_

#include <yaml-cpp/yaml.h>

#include <cstdint>
#include <optional>
#include <string_view>

#include "config/diagnostics.h"

namespace tracesim::config {

struct YamlLimits {
  // Levels of nesting (mappings and lists inside each other, through aliases). Default: 128
  // (tracesim's own files nest under 20; yaml-cpp's parser stops at 500).
  int max_depth = 128;
  // Nodes the document expands to when every alias is expanded; also checked before parsing on
  // an estimate (its commas, newlines, `[` and `{`), since yaml-cpp keeps ~1.2 KB per node while
  // parsing (a 7 MB list of 1,000,000 strings takes 1.2 GB). Default: 1,000,000.
  uint64_t max_nodes = 1'000'000;
};

// Parses `text`. Too many values for max_nodes by the estimate (before parsing), a syntax error,
// yaml-cpp's own nesting limit and a broken `limits` are reported into `diag` (at their position)
// and give nullopt.
std::optional<YAML::Node> LoadYaml(std::string_view text, Diagnostics& diag,
                                   const YamlLimits& limits = {});

// Checks `root`, a parsed document, against `limits`; false after reporting into `diag`.
bool CheckYamlLimits(const YAML::Node& root, Diagnostics& diag, const YamlLimits& limits = {});

}  // namespace tracesim::config

#endif  // TRACESIM_CONFIG_YAML_LOAD_H_
