#include "config/yaml_load.h"

#include <yaml-cpp/depthguard.h>

#include <string>
#include <utility>
#include <vector>

namespace tracesim::config {

namespace {

void ErrorAt(const YAML::Mark& mark, Diagnostics& diag, const std::string& message) {
  if (mark.is_null()) {
    diag.Error(1, 1, "", message);
  } else {
    diag.Error(mark.line + 1, mark.column + 1, "", message);
  }
}

}  // namespace

std::optional<YAML::Node> LoadYaml(std::string_view text, Diagnostics& diag,
                                   const YamlLimits& limits) {
  uint64_t values = 1;  // an estimate of the nodes, never below the count of flow items and lines
  for (char c : text) values += c == ',' || c == '\n' || c == '[' || c == '{';
  if (values > limits.max_nodes) {
    diag.Error(1, 1, "",
               "YAML has about " + std::to_string(values) + " values, more than the limit of " +
                   std::to_string(limits.max_nodes) + " (parsing keeps ~1.2 KB per value)");
    return std::nullopt;
  }
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::DeepRecursion& e) {
    ErrorAt(e.mark, diag,
            "YAML nests deeper than " + std::to_string(e.depth()) +
                " levels (the parser's limit); a file of tracesim's nests under 20");
    return std::nullopt;
  } catch (const YAML::Exception& e) {
    ErrorAt(e.mark, diag, "YAML syntax error: " + e.msg);
    return std::nullopt;
  }
  if (!CheckYamlLimits(root, diag, limits)) return std::nullopt;
  return root;
}

bool CheckYamlLimits(const YAML::Node& root, Diagnostics& diag, const YamlLimits& limits) {
  // Nodes are counted when they are put on the stack, so the stack never holds more than
  // max_nodes of them, however wide a list is.
  std::vector<std::pair<YAML::Node, int>> stack;  // node, depth
  stack.emplace_back(root, 1);
  uint64_t nodes = 1;
  while (!stack.empty()) {
    auto [node, depth] = std::move(stack.back());
    stack.pop_back();
    if (depth > limits.max_depth) {
      ErrorAt(node.Mark(), diag,
              "YAML nests deeper than " + std::to_string(limits.max_depth) +
                  " levels (an alias that refers to itself nests without end)");
      return false;
    }
    if (!node.IsSequence() && !node.IsMap()) continue;
    const uint64_t children = node.size() * (node.IsMap() ? 2 : 1);
    if (nodes + children > limits.max_nodes) {
      ErrorAt(node.Mark(), diag,
              "YAML expands to more than " + std::to_string(limits.max_nodes) +
                  " nodes (aliases expand where they are used); the limit bounds memory");
      return false;
    }
    nodes += children;
    for (YAML::const_iterator it = node.begin(); it != node.end(); ++it) {
      if (node.IsMap()) {
        stack.emplace_back(YAML::Node(it->first), depth + 1);
        stack.emplace_back(YAML::Node(it->second), depth + 1);
      } else {
        stack.emplace_back(YAML::Node(*it), depth + 1);
      }
    }
  }
  return true;
}

}  // namespace tracesim::config
