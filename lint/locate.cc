#include "lint/locate.h"

#include "scenarios/scenario.h"
#include "sim/base/embedded.h"

namespace tracesim::lint {

std::string FormatKeyPath(const KeyPath& path) {
  std::string s;
  for (const PathStep& step : path) {
    if (const auto* key = std::get_if<std::string>(&step)) {
      if (!s.empty()) s += ".";
      s += *key;
    } else {
      s += "[" + std::to_string(std::get<size_t>(step)) + "]";
    }
  }
  return s;
}

const YAML::Node* Locator::Load(const std::string& file) {
  if (auto it = docs_.find(file); it != docs_.end()) return &it->second;
  if (failed_.count(file)) return nullptr;
  try {
    YAML::Node doc;
    constexpr std::string_view kBuiltin = "builtin:";
    if (file.starts_with(kBuiltin)) {
      const sim::EmbeddedFile* f =
          sim::FindEmbedded(sim::kBuiltinScenarios, std::string_view(file).substr(kBuiltin.size()));
      if (f == nullptr) throw YAML::Exception(YAML::Mark::null_mark(), "no such built-in");
      doc = YAML::Load(std::string(f->data, f->size));
    } else {
      doc = YAML::LoadFile(file);
    }
    return &docs_.emplace(file, doc).first->second;
  } catch (const YAML::Exception&) {
    failed_[file] = true;
    return nullptr;
  }
}

Location Locator::Find(const std::string& file, const KeyPath& path) {
  Location loc;
  loc.file = file;
  loc.key = FormatKeyPath(path);
  const YAML::Node* doc = Load(file);
  if (doc == nullptr) return loc;
  YAML::Node node;
  node.reset(*doc);
  auto mark = [&loc](const YAML::Node& n) {
    if (n.Mark().is_null()) return;
    loc.line = n.Mark().line + 1;
    loc.col = n.Mark().column + 1;
  };
  mark(node);
  size_t walked = 0;
  for (const PathStep& step : path) {
    YAML::Node next;
    if (const auto* key = std::get_if<std::string>(&step)) {
      if (!node.IsMap()) break;
      bool found = false;
      for (auto it = node.begin(); it != node.end(); ++it) {
        if (it->first.IsScalar() && it->first.Scalar() == *key) {
          mark(it->first);  // the key's position: where the user reads the setting
          next.reset(it->second);
          found = true;
          break;
        }
      }
      if (!found) break;
    } else {
      const size_t i = std::get<size_t>(step);
      if (!node.IsSequence() || i >= node.size()) break;
      next.reset(node[i]);
      mark(next);
    }
    node.reset(next);
    ++walked;
  }
  loc.exact = walked == path.size();
  return loc;
}

}  // namespace tracesim::lint
